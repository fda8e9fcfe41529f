//! `bundler serve --https` with a test CA and server certificate made by openssl, fetched by curl
//! with `--cacert`; a client that stalls in the handshake; certificate and key errors; and the TLS
//! block of `serve --print-nginx --tls-cert --tls-key` run by a real nginx.

use crate::common::servers::*;
use crate::common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("UC924")).unwrap();
    std::fs::write(dir.join("cfg001fc110d3a9.xml"), "<hl_provision version=\"1\"/>\n").unwrap();
    std::fs::write(dir.join("UC924/hlpres.tar"), vec![7u8; 300_000]).unwrap();
}

/// A CA, and a server certificate for 127.0.0.1 signed by it: (ca.pem, fullchain.pem, server.key).
/// The server key is SEC1 ("EC PRIVATE KEY"), the form `openssl ecparam -genkey` writes.
fn certificates(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let p = |name: &str| dir.join(name).to_str().unwrap().to_string();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let ca = ["-subj", "/CN=Test CA", "-days", "2", "-keyout", &p("ca.key"), "-out", &p("ca.pem")];
    tool("openssl", &[&["req", "-x509"][..], &ec, &ca].concat());
    tool("openssl", &["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", &p("server.key")]);
    tool("openssl", &["req", "-new", "-key", &p("server.key"), "-subj", "/CN=127.0.0.1", "-out", &p("server.csr")]);
    std::fs::write(dir.join("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n").unwrap();
    let sign = ["x509", "-req", "-in", &p("server.csr"), "-CA", &p("ca.pem"), "-CAkey", &p("ca.key")];
    tool(
        "openssl",
        &[&sign[..], &["-CAcreateserial", "-days", "2", "-extfile", &p("ext.cnf"), "-out", &p("server.pem")]].concat(),
    );
    let chain = [std::fs::read(dir.join("server.pem")).unwrap(), std::fs::read(dir.join("ca.pem")).unwrap()].concat();
    std::fs::write(dir.join("fullchain.pem"), chain).unwrap();
    (dir.join("ca.pem"), dir.join("fullchain.pem"), dir.join("server.key"))
}

fn serve_https(tree: &Path, port: u16, cert: &Path, key: &Path) -> Server {
    let mut cmd = bundler();
    cmd.arg("serve").arg(tree).args(["--https", &format!("127.0.0.1:{port}"), "--head-timeout", "2"]);
    cmd.arg("--cert").arg(cert).arg("--key").arg(key);
    let mut s = Server::start(cmd);
    s.wait_for(&format!("https://127.0.0.1:{port}/"));
    s
}

#[test]
fn serves_https_with_a_pem_chain_and_key() {
    if !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    tree(&root);
    let (ca, chain, key) = certificates(dir.path());
    let port = free_port();
    let mut server = serve_https(&root, port, &chain, &key);
    let url = |p: &str| format!("https://127.0.0.1:{port}{p}");
    let ca_arg = ca.to_str().unwrap();
    let (code, body) =
        curl(&["--cacert", ca_arg, "-A", "Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9", &url("/cfg001fc110d3a9.xml")]);
    assert_eq!(code, "200");
    assert!(body.starts_with(b"<hl_provision"));
    let line = server.wait_for("GET /cfg001fc110d3a9.xml");
    assert!(line.starts_with("https ") && line.contains("sent 28 bytes") && line.contains("UC924"), "{line}");
    let (code, body) = curl(&["--cacert", ca_arg, &url("/UC924/hlpres.tar")]);
    assert_eq!((code.as_str(), body.len()), ("200", 300_000));
    assert_eq!(curl(&["--cacert", ca_arg, "--path-as-is", &url("/UC924/../../etc/passwd")]).0, "403");
    // Without the CA, curl refuses the certificate: it is really TLS with that chain.
    assert_ne!(curl(&[&url("/cfg001fc110d3a9.xml")]).0, "200");

    // A client that connects and never says hello holds nobody up, and is closed.
    let mut stalled: Vec<_> = (0..20).map(|_| std::net::TcpStream::connect(("127.0.0.1", port)).unwrap()).collect();
    let (code, _) = curl(&["--max-time", "1", "--cacert", ca_arg, &url("/cfg001fc110d3a9.xml")]);
    assert_eq!(code, "200", "served within a second while 20 handshakes stall");
    assert!(server.wait_for("TLS: no handshake within").contains("127.0.0.1"));
    let _ = stalled[0].write_all(b"x");
    stalled.clear();
    std::thread::sleep(Duration::from_millis(100));
    assert!(server.running());
}

#[test]
fn a_bad_certificate_or_key_is_one_error_line() {
    if !require_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_ca, chain, key) = certificates(dir.path());
    let d = dir.path().to_str().unwrap();
    let run =
        |args: &[&str]| bundler().arg("serve").arg(d).args(["--https", "127.0.0.1:0"]).args(args).output().unwrap();
    let (c, k) = (chain.to_str().unwrap(), key.to_str().unwrap());
    assert_one_line_error(&run(&["--cert", k, "--key", k]), &["--cert", "server.key", "no certificate"]);
    assert_one_line_error(&run(&["--cert", c, "--key", c]), &["--key", "fullchain.pem", "no private key"]);
    assert_one_line_error(&run(&["--cert", "/no/such.pem", "--key", k]), &["--cert", "/no/such.pem"]);
    let other = dir.path().join("other.key");
    tool("openssl", &["ecparam", "-genkey", "-name", "prime256v1", "-noout", "-out", other.to_str().unwrap()]);
    assert_one_line_error(&run(&["--cert", c, "--key", other.to_str().unwrap()]), &["--cert", "--key"]);
    assert_one_line_error(&run(&[]), &["--https", "--cert", "--key"]);
}

#[test]
fn the_printed_nginx_tls_block_serves_the_tree() {
    if !require_tool("openssl") || !require_tool("nginx") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    tree(&root);
    let (ca, chain, key) = certificates(dir.path());
    let (http, https) = (free_port(), free_port());
    let out = run_in(
        dir.path(),
        &[
            "serve",
            "tree",
            "--print-nginx",
            "--http",
            &http.to_string(),
            "--https",
            &https.to_string(),
            "--tls-cert",
            chain.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let block = stdout(&out)
        .replace(&format!("listen {http};"), &format!("listen 127.0.0.1:{http};"))
        .replace(&format!("listen {https} ssl;"), &format!("listen 127.0.0.1:{https} ssl;"));
    assert!(block.contains("ssl_certificate \"") && block.contains("ssl_certificate_key \""), "{block}");
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let _nginx = nginx(&nginx_dir, &block, http);
    wait_listening(https);
    let url = format!("https://127.0.0.1:{https}/cfg001fc110d3a9.xml");
    let (code, body) = curl(&["--cacert", ca.to_str().unwrap(), &url]);
    assert_eq!(code, "200");
    assert!(body.starts_with(b"<hl_provision"));
    let head =
        std::process::Command::new("curl").args(["-sI", "--cacert", ca.to_str().unwrap(), &url]).output().unwrap();
    let head = String::from_utf8_lossy(&head.stdout).to_ascii_lowercase();
    assert!(head.contains("cache-control: no-cache") && head.contains("application/xml"), "{head}");
}
