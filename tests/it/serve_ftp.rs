//! `bundler serve --ftp`: curl fetches the tree byte for byte, anonymously or as the one user;
//! `..`, links out, listings and uploads are refused; a stalled data connection and a burst of idle
//! control connections leave it serving others within a second.

use crate::common::servers::*;
use crate::common::*;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::Path;

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("UC924")).unwrap();
    std::fs::write(dir.join("cfg001fc110d3a9.xml"), "<hl_provision version=\"1\"/>\n").unwrap();
    let big: Vec<u8> = (0..5_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(dir.join("UC924/hlpres.tar"), big).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
}

fn serve_ftp(dir: &Path, port: u16, extra: &[&str]) -> Server {
    let passive = free_port();
    let mut cmd = bundler();
    cmd.arg("serve").arg(dir).args(["--ftp", &format!("127.0.0.1:{port}")]);
    cmd.args(["--ftp-passive-ports", &format!("{passive}-{}", passive + 20)]).args(extra);
    let mut s = Server::start(cmd);
    s.wait_for(&format!("ftp://127.0.0.1:{port}/"));
    s
}

/// curl's exit status and output for an FTP URL.
fn curl_ftp(args: &[&str]) -> (i32, Vec<u8>) {
    let o = std::process::Command::new("curl").args(["-s", "--max-time", "10"]).args(args).output().unwrap();
    (o.status.code().unwrap_or(-1), o.stdout)
}

#[test]
fn serves_ftp_read_only_inside_the_tree() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let port = free_port();
    let mut server = serve_ftp(dir.path(), port, &[]);
    let url = |p: &str| format!("ftp://127.0.0.1:{port}{p}");
    let (code, body) = curl_ftp(&[&url("/UC924/hlpres.tar")]);
    assert_eq!(code, 0);
    assert_eq!(body, std::fs::read(dir.path().join("UC924/hlpres.tar")).unwrap(), "byte for byte");
    assert!(server.wait_for("RETR /UC924/hlpres.tar").contains("sent 5000000 bytes"));
    let (code, body) = curl_ftp(&[&url("/cfg001fc110d3a9.xml")]);
    assert_eq!((code, body.starts_with(b"<hl_provision")), (0, true));
    assert!(server.wait_for("RETR /cfg001fc110d3a9.xml").contains("MAC 001fc110d3a9"));

    let (code, body) = curl_ftp(&[&url("/passwd")]);
    assert!(code != 0 && !String::from_utf8_lossy(&body).contains("root:"), "a link out: {code}");
    assert!(server.wait_for(" /passwd").contains("REFUSED"));
    let (code, body) = curl_ftp(&["--path-as-is", &url("/../../etc/passwd")]);
    assert!(code != 0 && !String::from_utf8_lossy(&body).contains("root:"), "..: {code}");
    assert_ne!(curl_ftp(&[&url("/nope.xml")]).0, 0);
    assert!(server.wait_for(" /nope.xml").contains("MISSING"));
    assert_ne!(curl_ftp(&[&url("/UC924/")]).0, 0, "no listing");
    assert!(server.wait_for("LIST").contains("not listed"));
    assert_ne!(curl_ftp(&["-T", "/etc/hostname", &url("/up.txt")]).0, 0, "no upload");
    assert!(server.wait_for("STOR /up.txt").contains("read-only"));
    assert!(!dir.path().join("up.txt").exists());
}

#[test]
fn one_user_with_a_password_and_a_wrong_one_refused() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let port = free_port();
    let mut server = serve_ftp(dir.path(), port, &["--ftp-user", "phones", "--ftp-password", "s3cret"]);
    let url = |auth: &str| format!("ftp://{auth}127.0.0.1:{port}/cfg001fc110d3a9.xml");
    let (code, body) = curl_ftp(&[&url("phones:s3cret@")]);
    assert_eq!((code, body.starts_with(b"<hl_provision")), (0, true));
    assert_eq!(curl_ftp(&[&url("phones:wrong@")]).0, 67, "curl: login denied");
    assert!(server.wait_for("USER phones").contains("530"));
    assert_eq!(curl_ftp(&[&url("")]).0, 67, "no anonymous login when a user is set");
}

fn connect_from(ip: &str, port: u16) -> Option<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let s = Socket::new(Domain::IPV4, Type::STREAM, None).ok()?;
    s.bind(&format!("{ip}:0").parse::<std::net::SocketAddr>().unwrap().into()).ok()?;
    s.connect(&format!("127.0.0.1:{port}").parse::<std::net::SocketAddr>().unwrap().into()).ok()?;
    Some(s.into())
}

/// Reads one FTP reply (the last line of a multi-line one).
fn reply(r: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    loop {
        line.clear();
        r.read_line(&mut line).unwrap();
        if line.len() >= 4 && line.as_bytes()[3] == b' ' {
            return line;
        }
    }
}

#[test]
fn a_stalled_download_and_idle_connections_hold_nobody_up() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let port = free_port();
    let mut server = serve_ftp(dir.path(), port, &["--idle-timeout", "2", "--max-per-peer", "8"]);
    // 30 idle control connections from another address, past its share of 8.
    let idle: Vec<TcpStream> = (0..30).filter_map(|_| connect_from("127.0.0.2", port)).collect();
    let url = format!("ftp://127.0.0.1:{port}/cfg001fc110d3a9.xml");
    let (code, _) = curl_ftp(&["--max-time", "1", &url]);
    assert_eq!(code, 0, "served within a second while idle connections are held");
    assert!(server.wait_for("too many connections from this address").contains("limit 8"));
    drop(idle);
    // A download whose data connection is never read.
    let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    let mut r = BufReader::new(c.try_clone().unwrap());
    let mut w = c;
    reply(&mut r);
    for cmd in ["USER anonymous", "PASS x@y", "TYPE I"] {
        writeln!(w, "{cmd}\r").unwrap();
        reply(&mut r);
    }
    writeln!(w, "EPSV\r").unwrap();
    let epsv = reply(&mut r);
    let data_port: u16 =
        epsv.split("|||").nth(1).unwrap().trim_end_matches(|c: char| !c.is_ascii_digit()).parse().unwrap();
    let data = TcpStream::connect(("127.0.0.1", data_port)).unwrap();
    writeln!(w, "RETR /UC924/hlpres.tar\r").unwrap();
    let (code, _) = curl_ftp(&["--max-time", "1", &url]);
    assert_eq!(code, 0, "served within a second while a download stalls");
    let line = server.wait_for("BROKEN OFF");
    assert!(line.contains("RETR /UC924/hlpres.tar") && line.contains("of 5000000 bytes"), "{line}");
    drop(data);
    assert!(server.running());
}
