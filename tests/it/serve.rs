//! `bundler serve`: a real HTTP and TFTP server on loopback, read back with curl and tftp-hpa; and
//! the nginx block of `--print-nginx` run by a real nginx.

use crate::common::servers::*;
use crate::common::*;
use std::path::Path;
use std::process::Command;

/// A small tree: a per-phone config, a model folder, a symlink out of the tree.
fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("UC924")).unwrap();
    std::fs::write(
        dir.join("cfg001fc110d3a9.xml"),
        "<hl_provision version=\"1\"><config version=\"1\"/></hl_provision>\n",
    )
    .unwrap();
    std::fs::write(dir.join("UC924/hlpres.tar"), vec![7u8; 3000]).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", dir.join("passwd")).unwrap();
}

#[test]
fn serves_http_read_only_with_logs_naming_the_phone() {
    if !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let (http, tftp) = (free_port(), free_port());
    let mut server = bundler_serve(dir.path(), http, tftp);
    let url = |p: &str| format!("http://127.0.0.1:{http}{p}");
    let ua = "Htek UC924 2.0.4.6.41 00:1f:c1:10:d3:a9";
    let (code, body) = curl(&["-A", ua, &url("/cfg001fc110d3a9.xml")]);
    assert_eq!(code, "200");
    assert!(body.starts_with(b"<hl_provision"));
    let line = server.wait_for("GET /cfg001fc110d3a9.xml");
    assert!(line.contains("UC924") && line.contains("001fc110d3a9") && line.contains("sent"), "{line}");

    // A file the tree does not have is marked in the log, with the phone named from the file name.
    assert_eq!(curl(&[&url("/cfg001fc1aabbcc.xml")]).0, "404");
    let line = server.wait_for("GET /cfg001fc1aabbcc.xml");
    assert!(line.contains("MISSING") && line.contains("MAC 001fc1aabbcc"), "{line}");

    // Never outside the tree, no listing, read-only.
    assert_eq!(curl(&["--path-as-is", &url("/UC924/../../etc/passwd")]).0, "403");
    assert_eq!(curl(&["--path-as-is", &url("/%2e%2e/%2e%2e/etc/passwd")]).0, "403");
    assert_eq!(curl(&[&url("/passwd")]).0, "403");
    assert!(server.wait_for("GET /passwd").contains("symbolic link"));
    assert_eq!(curl(&[&url("/UC924/")]).0, "404");
    assert_eq!(curl(&[&url("/")]).0, "404");
    assert_eq!(curl(&["-X", "PUT", "-d", "x", &url("/cfg001fc110d3a9.xml")]).0, "405");

    // HEAD and conditional GET, as phones re-check on a timer.
    let head = Command::new("curl").args(["-s", "-I", &url("/UC924/hlpres.tar")]).output().unwrap();
    let raw = String::from_utf8_lossy(&head.stdout).into_owned();
    let head = raw.to_ascii_lowercase();
    assert!(head.contains("content-length: 3000") && head.contains("content-type: application/x-tar"), "{head}");
    let etag = head.lines().find_map(|l| l.strip_prefix("etag: ")).unwrap().trim().to_string();
    let (code, body) = curl(&["-H", &format!("If-None-Match: {etag}"), &url("/UC924/hlpres.tar")]);
    assert_eq!((code.as_str(), body.len()), ("304", 0));
    let modified = raw.lines().find_map(|l| l.strip_prefix("Last-Modified: ")).unwrap().trim().to_string();
    assert_eq!(curl(&["-H", &format!("If-Modified-Since: {modified}"), &url("/UC924/hlpres.tar")]).0, "304");
    assert_eq!(curl(&["-H", "If-None-Match: \"other\"", &url("/UC924/hlpres.tar")]).0, "200");
}

/// Links, a linked folder and a FIFO in the tree: never the bytes outside, never a hang (each request
/// with a client timeout), and the server still answers afterwards.
#[test]
fn links_out_and_fifos_in_the_tree_are_refused_quickly() {
    if !require_tool("curl") || !require_tool("mkfifo") {
        return;
    }
    let base = tempfile::tempdir().unwrap();
    let (dir, outside) = (base.path().join("tree"), base.path().join("outside"));
    tree(&dir);
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("secret.xml"), "OUTSIDE-SECRET").unwrap();
    std::os::unix::fs::symlink(outside.join("secret.xml"), dir.join("absolute.xml")).unwrap();
    std::os::unix::fs::symlink("../outside/secret.xml", dir.join("dotdot.xml")).unwrap();
    std::os::unix::fs::symlink("../outside", dir.join("linked")).unwrap();
    tool("mkfifo", &[dir.join("pipe.xml").to_str().unwrap()]);
    let (http, tftp) = (free_port(), free_port());
    let mut server = bundler_serve(&dir, http, tftp);
    let url = |p: &str| format!("http://127.0.0.1:{http}{p}");
    for path in ["/absolute.xml", "/dotdot.xml", "/linked/secret.xml"] {
        let (code, body) = curl(&["--max-time", "10", &url(path)]);
        assert!(code == "403" || code == "404", "{path}: {code}");
        assert!(!String::from_utf8_lossy(&body).contains("OUTSIDE-SECRET"), "{path} handed out the outside file");
        assert!(server.wait_for(&format!("GET {path}")).contains("REFUSED"), "{path}");
    }
    let (code, _) = curl(&["--max-time", "10", &url("/pipe.xml")]);
    assert!(code.starts_with('4') || code.starts_with('5'), "a FIFO: {code}");
    assert!(!server.wait_for("GET /pipe.xml").contains("sent"));
    assert_eq!(curl(&["--max-time", "10", &url("/UC924/hlpres.tar")]).0, "200", "the server still answers");
}

#[test]
fn serves_tftp_with_the_same_rules() {
    if !require_tool("tftp") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let (http, tftp) = (free_port(), free_port());
    let mut server = bundler_serve(dir.path(), http, tftp);
    let out = tempfile::tempdir().unwrap();
    let get = |remote: &str, local: &str| {
        let local = out.path().join(local);
        let o = Command::new("tftp")
            .args(["-m", "binary", "127.0.0.1", &tftp.to_string(), "-c", "get", remote])
            .arg(&local)
            .output()
            .unwrap();
        (
            std::fs::read(&local).ok(),
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr),
        )
    };
    let (got, _) = get("UC924/hlpres.tar", "h.tar");
    assert_eq!(got.as_deref(), Some(&vec![7u8; 3000][..]));
    assert!(server.wait_for("RRQ UC924/hlpres.tar").contains("sent 3000 bytes"));
    let (_, said) = get("nope.xml", "n.xml");
    assert!(said.to_lowercase().contains("not found"), "{said}");
    assert!(server.wait_for("RRQ nope.xml").contains("MISSING"));
    let (_, said) = get("../../etc/passwd", "p");
    assert!(!said.contains("root:"), "{said}");
    assert!(server.wait_for("RRQ ../../etc/passwd").contains("REFUSED"));
    let (got, _) = get("passwd", "p2");
    assert!(got.is_none_or(|g| g.is_empty()));
    assert!(server.wait_for("RRQ passwd").contains("REFUSED"));
}

#[test]
fn the_printed_nginx_block_serves_the_tree_the_same_way() {
    if !require_tool("nginx") || !require_tool("curl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("tree");
    tree(&root);
    std::fs::create_dir_all(root.join("firmware")).unwrap();
    std::fs::write(root.join("firmware/hl_fw924.rom_2.0.4.6.41"), vec![1u8; 100]).unwrap();
    let port = free_port();
    let out = run_in(dir.path(), &["serve", "tree", "--print-nginx", "--http", &format!("127.0.0.1:{port}")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let block = stdout(&out);
    let nginx_dir = dir.path().join("nginx");
    std::fs::create_dir(&nginx_dir).unwrap();
    let _nginx = nginx(&nginx_dir, &block, port);
    let url = |p: &str| format!("http://127.0.0.1:{port}{p}");
    let head = |p: &str| {
        let o = Command::new("curl").args(["-s", "-I", &url(p)]).output().unwrap();
        String::from_utf8_lossy(&o.stdout).to_ascii_lowercase()
    };
    let h = head("/cfg001fc110d3a9.xml");
    assert!(h.starts_with("http/1.1 200") && h.contains("content-type: application/xml"), "{h}");
    assert!(h.contains("cache-control: no-cache"), "configs must not be cached: {h}");
    let h = head("/firmware/hl_fw924.rom_2.0.4.6.41");
    assert!(h.contains("application/octet-stream") && !h.contains("no-cache"), "{h}");
    assert!(head("/UC924/hlpres.tar").contains("application/x-tar"));
    assert_eq!(curl(&[&url("/UC924/")]).0, "404", "no directory listing");
    let (code, body) = curl(&[&url("/passwd")]);
    assert!(code != "200" && !String::from_utf8_lossy(&body).contains("root:"), "no symlink out of the tree: {code}");
    assert_eq!(curl(&[&url("/nope.xml")]).0, "404");
    assert_eq!(curl(&["-X", "POST", "-d", "x", &url("/cfg001fc110d3a9.xml")]).0, "405");
}

#[test]
fn bad_arguments_are_one_error_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| bundler().arg("serve").args(args).output().unwrap();
    assert_one_line_error(&run(&["/no/such/tree", "--http", "127.0.0.1:0"]), &["/no/such/tree"]);
    let d = dir.path().to_str().unwrap();
    assert_one_line_error(&run(&[d, "--http", "nonsense"]), &["--http", "nonsense"]);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = taken.local_addr().unwrap().to_string();
    assert_one_line_error(&run(&[d, "--http", &at]), &["--http", &at, "cannot listen"]);
    let udp = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let at = udp.local_addr().unwrap().to_string();
    assert_one_line_error(&run(&[d, "--tftp", &at]), &["--tftp", &at, "cannot listen"]);
}
