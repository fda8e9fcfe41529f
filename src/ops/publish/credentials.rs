//! Where `bundler publish` gets its AWS credentials, region and endpoint: the standard environment
//! variables, then the shared profile files (`~/.aws/credentials`, `~/.aws/config`, `AWS_PROFILE`),
//! as the AWS CLI and SDKs do. Never a command-line flag (it would put a secret in the shell
//! history). The profile files are AWS's own small format (`[name]` in credentials, `[profile
//! name]` in config, `key = value`, `#`/`;` comments, indented sub-settings): read by hand, as no
//! crate reads just that without an SDK behind it.

use anyhow::{bail, Result};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Credentials and the settings found beside them.
#[derive(Debug, Clone)]
pub struct Found {
    pub key_id: String,
    pub secret: String,
    pub token: Option<String>,
    /// Where they came from, for messages (never the secret): `the environment (AWS_ACCESS_KEY_ID)`.
    pub from: String,
    pub region: Option<String>,
    pub endpoint: Option<String>,
}

type Sections = BTreeMap<String, BTreeMap<String, String>>;

/// Reads an AWS profile file; a missing file is empty.
fn read_profile_file(path: &PathBuf) -> Result<Sections> {
    let mut out = Sections::new();
    let Ok(text) = std::fs::read_to_string(path) else { return Ok(out) };
    let mut section: Option<String> = None;
    for line in text.lines() {
        if line.starts_with([' ', '\t']) {
            continue; // a sub-setting of the previous key (s3 = …): not read
        }
        let line = line.trim();
        if line.is_empty() || line.starts_with(['#', ';']) {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            section = Some(name.strip_prefix("profile ").map_or(name, str::trim).to_string());
            continue;
        }
        if let (Some(sec), Some((k, v))) = (&section, line.split_once('=')) {
            out.entry(sec.clone()).or_default().insert(k.trim().to_lowercase(), v.trim().to_string());
        }
    }
    Ok(out)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn home_file(var: &str, name: &str) -> PathBuf {
    env(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".aws").join(name))
}

/// The credentials: environment first, then the profile (`AWS_PROFILE`, else `default`).
pub fn find() -> Result<Found> {
    let profile = env("AWS_PROFILE").unwrap_or_else(|| "default".into());
    let (cred_path, conf_path) =
        (home_file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), home_file("AWS_CONFIG_FILE", "config"));
    let creds = read_profile_file(&cred_path)?;
    let conf = read_profile_file(&conf_path)?;
    let empty = BTreeMap::new();
    let c = creds.get(&profile).unwrap_or(&empty);
    let f = conf.get(&profile).unwrap_or(&empty);
    let setting = |k: &str| c.get(k).or_else(|| f.get(k)).cloned();
    let region = env("AWS_REGION").or_else(|| env("AWS_DEFAULT_REGION")).or_else(|| setting("region"));
    let endpoint = env("AWS_ENDPOINT_URL_S3").or_else(|| env("AWS_ENDPOINT_URL")).or_else(|| setting("endpoint_url"));
    if let (Some(key_id), Some(secret)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
        let from = "the environment (AWS_ACCESS_KEY_ID)".to_string();
        return Ok(Found { key_id, secret, token: env("AWS_SESSION_TOKEN"), from, region, endpoint });
    }
    if let (Some(key_id), Some(secret)) = (setting("aws_access_key_id"), setting("aws_secret_access_key")) {
        let file = if c.contains_key("aws_access_key_id") { &cred_path } else { &conf_path };
        let from = format!("profile '{profile}' in {}", file.display());
        return Ok(Found { key_id, secret, token: setting("aws_session_token"), from, region, endpoint });
    }
    if env("AWS_PROFILE").is_some() {
        bail!(
            "AWS_PROFILE={profile}: no such profile with aws_access_key_id and aws_secret_access_key in {} or {}",
            cred_path.display(),
            conf_path.display()
        );
    }
    bail!(
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or a profile in {} (AWS_PROFILE)",
        cred_path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_files_are_read_as_the_aws_cli_reads_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "# comment\n[default]\nregion = eu-west-1\n[profile lab]\nregion=us-east-2\ns3 =\n  addressing_style = path\n; x\nendpoint_url = http://127.0.0.1:1\n",
        )
        .unwrap();
        let s = read_profile_file(&path).unwrap();
        assert_eq!(s["default"]["region"], "eu-west-1");
        assert_eq!(s["lab"]["region"], "us-east-2");
        assert_eq!(s["lab"]["endpoint_url"], "http://127.0.0.1:1");
        assert!(!s["lab"].contains_key("addressing_style"));
    }
}
