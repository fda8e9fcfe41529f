//! `bundler phone` over FTP and HTTPS (issue 25, items 3 and 4, the phone's side), each against a
//! real server on loopback: pyftpdlib for `ftp://user:password@host/path` (Htek guide §22.3), and
//! Python's `ssl` HTTP server with a test CA and certificates made by `openssl` here for
//! `https://… --ca FILE`, where an expired, a wrong-name and an unknown-issuer certificate each get
//! their own error.

use crate::common::servers::*;
use crate::common::*;
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const MAC: &str = "00:21:F2:22:AE:F1";

/// A small Flyingvoice tree: the common boot file including two cfg files.
fn fv_tree(dir: &Path) {
    let boot = "#!version:1.0.0.1\ninclude:config \"y000000000000.cfg\"\ninclude:config \"0021f222aef1.cfg\"\n";
    std::fs::write(dir.join("y000000000000.boot"), boot).unwrap();
    std::fs::write(
        dir.join("y000000000000.cfg"),
        "#!version:1.0.0.1\naccount.1.sip_server.1.address = old.example.com\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("0021f222aef1.cfg"),
        "#!version:1.0.0.1\naccount.1.sip_server.1.address = sip.example.com\n",
    )
    .unwrap();
}

fn phone(url: &str, extra: &[&str]) -> Output {
    bundler().args(["phone", url, "--model", "FIP13G", "--mac", MAC, "--timeout", "3"]).args(extra).output().unwrap()
}

/// The phone got every file of the tree, byte for byte in count, and the later value won.
fn provisioned_from(out: &Output, tree: &Path) {
    assert!(out.status.success(), "{}{}", stdout(out), stderr(out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64)> = v["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "ok" || r["status"] == 200)
        .map(|r| (r["url"].as_str().unwrap().rsplit('/').next().unwrap().to_string(), r["bytes"].as_u64().unwrap()))
        .collect();
    let want: Vec<(String, u64)> = ["y000000000000.boot", "y000000000000.cfg", "0021f222aef1.cfg"]
        .iter()
        .map(|n| (n.to_string(), std::fs::metadata(tree.join(n)).unwrap().len()))
        .collect();
    assert_eq!(got, want);
    let sip = v["settings"].as_array().unwrap().iter().find(|s| s["key"] == "account.1.sip_server.1.address").unwrap();
    assert_eq!(sip["value"], "sip.example.com");
}

/// pyftpdlib serving `root`: user `prov` with password `p@ss:word` (read-only), and anonymous.
const FTPD: &str = r#"
import sys, logging
from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer
logging.basicConfig(level=logging.CRITICAL)
a = DummyAuthorizer()
a.add_user('prov', 'p@ss:word', sys.argv[1], perm='elr')
a.add_anonymous(sys.argv[1])
FTPHandler.authorizer = a
s = FTPServer(('127.0.0.1', 0), FTPHandler)
print('listening', s.address[1], flush=True)
s.serve_forever()
"#;

#[test]
fn ftp_with_user_and_password_in_the_url_as_the_guide_writes_it() {
    if !require_tool("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("fip");
    std::fs::create_dir(&tree).unwrap();
    fv_tree(&tree);
    let mut cmd = Command::new("python3");
    cmd.args(["-c", FTPD]).arg(dir.path());
    let mut server = Server::start(cmd);
    let port: u16 = server.wait_for("listening").split_whitespace().nth(1).unwrap().parse().unwrap();

    let out = phone(&format!("ftp://prov:p%40ss%3Aword@127.0.0.1:{port}/fip/"), &["--json"]);
    provisioned_from(&out, &tree);
    let out = phone(&format!("ftp://127.0.0.1:{port}/fip"), &["--json"]);
    provisioned_from(&out, &tree);

    let out = phone(&format!("ftp://prov:wrong@127.0.0.1:{port}/fip"), &[]);
    assert!(!out.status.success());
    assert!(stdout(&out).contains("refused the user and password (530)"), "{}", stdout(&out));
    std::fs::remove_file(tree.join("0021f222aef1.cfg")).unwrap();
    let out = phone(&format!("ftp://prov:p%40ss%3Aword@127.0.0.1:{port}/fip"), &[]);
    assert!(stdout(&out).contains("0021f222aef1.cfg"), "{}", stdout(&out));
    assert!(stdout(&out).contains("which the server does not have"), "{}", stdout(&out));
}

/// A TCP server that accepts and never says anything: an FTP client waits for its greeting.
#[test]
fn a_silent_ftp_server_ends_within_the_timeout() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let _held: Vec<_> = listener.incoming().take(4).collect();
        std::thread::sleep(Duration::from_secs(60));
    });
    let started = Instant::now();
    let out = bundler()
        .args(["phone", &format!("ftp://127.0.0.1:{port}/"), "--model", "FIP13G", "--mac", MAC, "--timeout", "2"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert!(!out.status.success());
    assert!(stdout(&out).contains("timeout"), "{}", stdout(&out));
}

/// `openssl` in `dir`: a CA, and server certificates signed by it: `good` (for 127.0.0.1),
/// `expired`, `wrongname` (for 127.0.0.2 and other.example), and `stranger` from another CA.
fn certificates(dir: &Path) {
    let ssl = |args: &[&str]| {
        let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
        assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    for ca in ["ca", "other-ca"] {
        let (key, pem, subject) = (format!("{ca}.key"), format!("{ca}.pem"), format!("/CN={ca}"));
        ssl(&[
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &pem, "-subj", &subject, "-days",
            "3",
        ]);
    }
    for (name, san, ca, days) in [
        ("good", "IP:127.0.0.1", "ca", "3"),
        ("expired", "IP:127.0.0.1", "ca", "-1"),
        ("wrongname", "IP:127.0.0.2,DNS:other.example", "ca", "3"),
        ("stranger", "IP:127.0.0.1", "other-ca", "3"),
    ] {
        std::fs::write(dir.join(format!("{name}.ext")), format!("subjectAltName={san}\n")).unwrap();
        let (key, csr, pem) = (format!("{name}.key"), format!("{name}.csr"), format!("{name}.pem"));
        ssl(&["req", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &csr, "-subj", "/CN=server"]);
        let (ca_pem, ca_key, ext) = (format!("{ca}.pem"), format!("{ca}.key"), format!("{name}.ext"));
        ssl(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca_pem,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            days,
            "-extfile",
            &ext,
        ]);
    }
}

/// Python's HTTP server over TLS with `cert`/`key`, serving `root`.
const HTTPSD: &str = r#"
import http.server, ssl, sys, functools
root, cert, key = sys.argv[1:4]
class H(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), functools.partial(H, directory=root))
c = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); c.load_cert_chain(cert, key)
s.socket = c.wrap_socket(s.socket, server_side=True)
print('listening', s.server_address[1], flush=True)
s.serve_forever()
"#;

fn https_server(root: &Path, certs: &Path, name: &str) -> (Server, u16) {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", HTTPSD]).arg(root).arg(certs.join(format!("{name}.pem"))).arg(certs.join(format!("{name}.key")));
    let mut server = Server::start(cmd);
    let port = server.wait_for("listening").split_whitespace().nth(1).unwrap().parse().unwrap();
    (server, port)
}

#[test]
fn https_with_a_private_ca_and_each_certificate_problem_named() {
    if !require_tool("python3") || !require_tool("openssl") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (tree, certs) = (dir.path().join("tree"), dir.path().join("certs"));
    std::fs::create_dir(&tree).unwrap();
    std::fs::create_dir(&certs).unwrap();
    fv_tree(&tree);
    certificates(&certs);
    let ca = certs.join("ca.pem");
    let ca = ca.to_str().unwrap();

    let (_good, port) = https_server(&tree, &certs, "good");
    let url = format!("https://127.0.0.1:{port}/");
    // curl, with the same CA, agrees the server is fine.
    let out = Command::new("curl").args(["-sS", "--cacert", ca, &format!("{url}y000000000000.boot")]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout, std::fs::read(tree.join("y000000000000.boot")).unwrap());
    provisioned_from(&phone(&url, &["--ca", ca, "--json"]), &tree);
    let out = phone(&url, &[]);
    assert!(stdout(&out).contains("unknown issuer"), "without --ca: {}", stdout(&out));

    for (name, says) in [
        ("expired", "the server's certificate has expired"),
        ("wrongname", "the server's certificate is not for this server's name (wrong name"),
        ("stranger", "the server's certificate is signed by an unknown issuer"),
    ] {
        let (_server, port) = https_server(&tree, &certs, name);
        let out = phone(&format!("https://127.0.0.1:{port}/"), &["--ca", ca]);
        assert!(!out.status.success(), "{name}");
        assert!(stdout(&out).contains(says), "{name}: {}", stdout(&out));
    }
    let out = phone(&url, &["--ca", certs.join("good.key").to_str().unwrap()]);
    assert_one_line_error(&out, &["--ca", "no certificate"]);
}
