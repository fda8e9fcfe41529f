//! `bundler serve --https`: the HTTP listener ([`super::http`]) behind TLS, with rustls (ring as the
//! crypto provider). The certificate and key are read as providers get them: PEM files, the
//! certificate first and any intermediates after it, the key as PKCS#8, RSA (PKCS#1) or EC (SEC1).

use anyhow::{anyhow, bail, Context as _, Result};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// The TLS side of `--https`: the chain and key read and checked against each other.
pub fn acceptor(cert: &Path, key: &Path) -> Result<TlsAcceptor> {
    let chain = certificates(cert)?;
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow!("--key {}: no private key read: {}", key.display(), pem_error(e)))?;
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS: no protocol version")?
        .with_no_client_auth()
        .with_single_cert(chain, key_der)
        .map_err(|e| anyhow!("--cert {} --key {}: {e}", cert.display(), key.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsAcceptor::from(Arc::new(config)))
}

fn certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let all: Result<Vec<_>, _> = CertificateDer::pem_file_iter(path)
        .map_err(|e| anyhow!("--cert {}: {}", path.display(), pem_error(e)))?
        .collect();
    let chain = all.map_err(|e| anyhow!("--cert {}: {}", path.display(), pem_error(e)))?;
    if chain.is_empty() {
        bail!("--cert {}: no certificate in it (a PEM file with -----BEGIN CERTIFICATE-----)", path.display());
    }
    Ok(chain)
}

fn pem_error(e: tokio_rustls::rustls::pki_types::pem::Error) -> String {
    use tokio_rustls::rustls::pki_types::pem::Error;
    match e {
        Error::Io(io) => io.to_string(),
        Error::NoItemsFound => "no PEM item of that kind in it".into(),
        other => format!("not a readable PEM file ({other:?})"),
    }
}
