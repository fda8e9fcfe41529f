//! `bundler phone`: one phone walked against real servers on loopback (`bundler serve` over HTTP and
//! TFTP, and a small Python server for redirects, authentication, HTML error pages and silence).
//! Trees come from `bundler release` of the htek-office example with a `[config]` section.

use crate::common::servers::*;
use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const MAC: &str = "00:1f:c1:10:d3:a9";
const CFG: &str = "config/cfg001fc110d3a9.xml";
/// The port written into the shared tree; each test rewrites it to its own server's port.
const PLACEHOLDER: &str = "127.0.0.1:9";

/// One release of the example for every test (4 s of work), with the placeholder port in its URLs.
fn built() -> &'static Path {
    static TREE: OnceLock<tempfile::TempDir> = OnceLock::new();
    TREE.get_or_init(|| {
        let (dir, p) = copy_example("htek-office");
        let manifest = std::fs::read_to_string(p.join("release.toml")).unwrap();
        let manifest = manifest.replace("http://prov.example.com/htek", &format!("http://{PLACEHOLDER}"));
        assert!(manifest.contains("[config]"), "the example writes configs");
        std::fs::write(p.join("release.toml"), manifest).unwrap();
        let out = release_build(&p);
        assert!(out.status.success(), "{}", stderr(&out));
        dir
    })
    .path()
}

/// A copy of the tree whose URLs name `port`.
fn tree_for(port: u16) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    assert!(Command::new("cp").arg("-r").arg(built().join("htek-office/build")).arg(&tree).status().unwrap().success());
    let cfg = std::fs::read_to_string(tree.join(CFG)).unwrap();
    assert!(cfg.contains(PLACEHOLDER), "{cfg}");
    std::fs::write(tree.join(CFG), cfg.replace(PLACEHOLDER, &format!("127.0.0.1:{port}"))).unwrap();
    (dir, tree)
}

fn phone(url: &str, extra: &[&str]) -> Output {
    bundler().args(["phone", url, "--model", "UC924", "--mac", MAC]).args(extra).output().unwrap()
}

/// The error lines of a run (`FILE: error: …`).
fn errors(out: &Output) -> Vec<String> {
    stdout(out).lines().filter(|l| l.contains(": error: ")).map(str::to_string).collect()
}

/// The run failed with an error line that names `file`.
fn fails_naming(out: &Output, file: &str) {
    assert!(!out.status.success(), "expected exit 1: {}", stdout(out));
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
    let errs = errors(out);
    assert!(errs.iter().any(|l| l.contains(file)), "no error line names {file}: {errs:#?}\n{}", stdout(out));
}

#[test]
fn a_complete_tree_passes_and_each_breakage_fails_naming_the_file() {
    let (http, tftp) = (free_port(), free_port());
    let (_dir, tree) = tree_for(http);
    let mut server = bundler_serve(&tree, http, tftp);
    let url = format!("http://127.0.0.1:{http}/config");
    let out = phone(&url, &["--json", "--firmware-version", "2.0.4.6.40"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", stdout(&out)));
    assert!(out.status.success(), "{}", stdout(&out));
    assert_eq!(v["provisioned"], true);
    let requests = v["requests"].as_array().unwrap();
    let urls: Vec<&str> = requests.iter().map(|r| r["url"].as_str().unwrap()).collect();
    let at = |p: &str| format!("http://127.0.0.1:{http}/{p}");
    // The phone's order: common file, binary file, own file, then the resources.
    assert_eq!(&urls[..3], [at("config/cfg0012.xml"), at("config/cfg001fc110d3a9"), at(CFG)]);
    for p in
        ["UC924/hlpres.tar", "Language.tar", "ring/ring5.bin", "ring/ring8.bin", "firmware/hl_fw924.rom_2.0.4.6.41"]
    {
        let r = requests.iter().find(|r| r["url"] == at(p)).unwrap_or_else(|| panic!("no request for {p}: {urls:#?}"));
        let size = std::fs::metadata(tree.join(p)).map(|m| m.len()).unwrap_or(0);
        assert_eq!(r["bytes"], size, "{p}");
        assert_eq!(r["status"], if size > 0 { 200 } else { 404 }, "{p}");
    }
    assert!(v["settings"].as_array().unwrap().iter().any(|s| s["key"] == "P47" && s["file"] == at(CFG)));
    // The server's log names the phone from the User-Agent and marks the ring slots it lacks.
    let line = server.wait_for("GET /ring/ring4.bin");
    assert!(line.contains("MISSING") && line.contains("Htek UC924 MAC 001fc110d3a9"), "{line}");

    // A deleted hlpres.tar.
    let hlpres = tree.join("UC924/hlpres.tar");
    std::fs::rename(&hlpres, tree.join("hl.bak")).unwrap();
    fails_naming(&phone(&url, &[]), "UC924/hlpres.tar");
    std::fs::rename(tree.join("hl.bak"), &hlpres).unwrap();

    // The settings' firmware postfix names a file the tree does not have.
    let rom = tree.join("firmware/hl_fw924.rom_2.0.4.6.41");
    std::fs::rename(&rom, tree.join("firmware/hl_fw924.rom_2.0.4.6.42")).unwrap();
    fails_naming(&phone(&url, &[]), "firmware/hl_fw924.rom_2.0.4.6.41");
    std::fs::rename(tree.join("firmware/hl_fw924.rom_2.0.4.6.42"), &rom).unwrap();

    // A corrupted ring file.
    let ring = tree.join("ring/ring5.bin");
    let good = std::fs::read(&ring).unwrap();
    let mut bad = good.clone();
    bad[700] ^= 0x55;
    std::fs::write(&ring, &bad).unwrap();
    fails_naming(&phone(&url, &[]), "ring/ring5.bin");
    std::fs::write(&ring, &good).unwrap();

    // A common file that shadows the per-phone settings for a phone that stops after it: the
    // layouts do not know whether it stops (after_common = "unknown"), so the verdict is given for
    // both rules, the shadowing a warning naming the evidence both ways (as for Wazo's trees).
    let common = tree.join("config/cfg0012.xml");
    std::fs::write(
        &common,
        "<hl_provision version=\"1\"><config version=\"1\"><P47 para=\"x\">other</P47></config></hl_provision>",
    )
    .unwrap();
    let out = phone(&url, &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.lines().any(|l| l.contains("config/cfg0012.xml: warning: shadows")
            && l.contains("cfg001fc110d3a9.xml")
            && l.contains("P20176")
            && l.contains("guide §2.1 note 2")
            && l.contains("Wazo's Htek plugin")),
        "{text}"
    );
    assert!(text.contains("fully provisioned if it goes on to"), "{text}");
    assert!(text.contains("if it stops at") && text.contains("it misses"), "{text}");
    std::fs::remove_file(&common).unwrap();

    // Phones at 1.0.3.71 or older need img_924.bin first (two-step upgrade); this tree lacks it.
    fails_naming(&phone(&url, &["--firmware-version", "1.0.3.70"]), "firmware/hl_img_924.bin_2.0.4.6.41");
    assert!(phone(&url, &[]).status.success());
}

#[test]
fn an_encrypted_config_needs_the_key() {
    if !require_tool("openssl") {
        return;
    }
    let (http, tftp) = (free_port(), free_port());
    let (_dir, tree) = tree_for(http);
    let cfg = tree.join(CFG);
    let enc = Command::new("openssl")
        .args(["enc", "-aes-128-cbc", "-K", "001FC1BC", "-iv", "0B1E1D000F0B07091D1F04071F1E0407", "-in"])
        .arg(&cfg)
        .output()
        .unwrap();
    assert!(enc.status.success());
    std::fs::write(&cfg, enc.stdout).unwrap();
    let _server = bundler_serve(&tree, http, tftp);
    let url = format!("http://127.0.0.1:{http}/config");
    fails_naming(&phone(&url, &[]), "config/cfg001fc110d3a9.xml");
    fails_naming(&phone(&url, &["--aes-key", "0BADBEEF"]), "config/cfg001fc110d3a9.xml");
    let out = phone(&url, &["--aes-key", "001FC1BC"]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("P20176 = http://"), "{}", stdout(&out));
}

#[test]
fn configs_over_tftp_and_from_a_folder() {
    let (http, tftp) = (free_port(), free_port());
    let (_dir, tree) = tree_for(http);
    let mut server = bundler_serve(&tree, http, tftp);
    let out = phone(&format!("tftp://127.0.0.1:{tftp}/config/"), &["--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = &v["requests"][0];
    assert_eq!(first["url"], format!("tftp://127.0.0.1:{tftp}/config/cfg0012.xml"));
    assert_eq!(first["status"], "not found");
    let own = &v["requests"][2];
    assert_eq!(
        (own["status"].as_str(), own["bytes"].as_u64()),
        (Some("ok"), Some(std::fs::metadata(tree.join(CFG)).unwrap().len()))
    );
    assert!(server.wait_for("RRQ config/cfg001fc110d3a9.xml").contains("sent"));
    // A local folder: the configs from disk, the resources from the URLs they name.
    let out = phone(tree.join("config").to_str().unwrap(), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    std::fs::remove_file(tree.join(CFG)).unwrap();
    fails_naming(&phone(tree.join("config").to_str().unwrap(), &[]), "cfg001fc110d3a9.xml");
}

/// A phone given a local folder reads only what is inside it: its own config as a link to a file
/// outside the folder is refused, never read; as a FIFO it is not found, without a hang.
#[test]
fn a_folder_is_read_only_inside_without_links_out_or_fifos() {
    if !require_tool("mkfifo") {
        return;
    }
    let (dir, tree) = tree_for(free_port());
    let outside = dir.path().join("outside.xml");
    std::fs::rename(tree.join(CFG), &outside).unwrap();
    std::os::unix::fs::symlink(&outside, tree.join(CFG)).unwrap();
    let out = phone(tree.join("config").to_str().unwrap(), &["--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let own =
        v["requests"].as_array().unwrap().iter().find(|r| r["url"].as_str().unwrap().ends_with("cfg001fc110d3a9.xml"));
    let own = own.expect("the phone asks for its own config");
    assert_eq!((own["status"].as_str(), own["bytes"].as_u64()), (Some("unreadable"), Some(0)), "{own}");
    assert!(own["note"].as_str().unwrap().contains("outside the tree"), "{own}");
    std::fs::remove_file(tree.join(CFG)).unwrap();
    tool("mkfifo", &[tree.join(CFG).to_str().unwrap()]);
    let started = std::time::Instant::now();
    fails_naming(&phone(tree.join("config").to_str().unwrap(), &[]), "cfg001fc110d3a9.xml");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// A server for what `bundler serve` never does: `/rps/X` answers 302 to the real server (Htek's
/// redirection service), `/html/X` an HTML page with status 200, `/slow/X` nothing for 30 s,
/// `/basic/X` and `/digest/X` the file X of the tree behind HTTP basic / digest authentication.
const AWKWARD: &str = r#"
import hashlib, base64, http.server, os, sys, time, re
root, target = sys.argv[1], sys.argv[2]
md5 = lambda s: hashlib.md5(s.encode()).hexdigest()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def send(self, code, body=b'', headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)
    def file(self, rel):
        p = os.path.join(root, rel)
        if os.path.isfile(p): self.send(200, open(p, 'rb').read())
        else: self.send(404, b'no')
    def digest_ok(self, rest):
        a = self.headers.get('Authorization', '')
        f = dict(re.findall(r'(\w+)="?([^",]*)"?', a[7:])) if a.startswith('Digest ') else {}
        if f.get('username') != 'u' or f.get('uri') != self.path: return False
        ha1, ha2 = md5('u:phones:pw'), md5('GET:' + self.path)
        return f.get('response') == md5(':'.join([ha1, f['nonce'], f['nc'], f['cnonce'], f['qop'], ha2]))
    def do_GET(self):
        _, kind, rest = (self.path.split('/', 2) + [''])[:3]
        if kind == 'rps': self.send(302, b'', [('Location', target + '/' + rest)])
        elif kind == 'html': self.send(200, b'<!DOCTYPE html><html><body>404 Not Found</body></html>', [('Content-Type', 'text/html')])
        elif kind == 'slow': time.sleep(30)
        elif kind == 'basic':
            if self.headers.get('Authorization') == 'Basic ' + base64.b64encode(b'u:pw').decode(): self.file(rest)
            else: self.send(401, b'', [('WWW-Authenticate', 'Basic realm="phones"')])
        elif kind == 'digest':
            if self.digest_ok(rest): self.file(rest)
            else: self.send(401, b'', [('WWW-Authenticate', 'Digest realm="phones", qop="auth", nonce="n0nce42", algorithm=MD5')])
s = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
print('listening', s.server_address[1], flush=True)
s.serve_forever()
"#;

#[test]
fn redirects_authentication_html_pages_and_timeouts() {
    if !require_tool("python3") {
        return;
    }
    let (http, tftp) = (free_port(), free_port());
    let (_dir, tree) = tree_for(http);
    let _server = bundler_serve(&tree, http, tftp);
    let mut cmd = Command::new("python3");
    cmd.args(["-c", AWKWARD]).arg(&tree).arg(format!("http://127.0.0.1:{http}"));
    let mut py = Server::start(cmd);
    let port = py.wait_for("listening").split_whitespace().nth(1).unwrap().to_string();
    let at = |p: &str| format!("http://127.0.0.1:{port}/{p}");

    let out = phone(&at("rps/config"), &["--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reqs = v["requests"].as_array().unwrap();
    assert_eq!(
        (reqs[0]["url"].as_str().unwrap(), &reqs[0]["status"]),
        (at("rps/config/cfg0012.xml").as_str(), &302.into())
    );
    assert_eq!(reqs[1]["url"], format!("http://127.0.0.1:{http}/config/cfg0012.xml"));

    for kind in ["basic", "digest"] {
        let allow: &[&str] = if kind == "basic" { &["--allow-basic"] } else { &[] };
        let out = phone(&at(&format!("{kind}/config")), &[&["--user", "u", "--password", "pw"], allow].concat());
        assert!(out.status.success(), "{kind}: {}", stdout(&out));
        let out = phone(&at(&format!("{kind}/config")), &[&["--user", "u", "--password", "wrong"], allow].concat());
        fails_naming(&out, &format!("{kind}/config/cfg001fc110d3a9.xml"));
        let out = phone(&at(&format!("{kind}/config")), &[]);
        fails_naming(&out, &format!("{kind}/config/cfg0012.xml"));
        assert!(errors(&out).iter().any(|l| l.contains("--user")), "{:#?}", errors(&out));
    }

    let out = phone(&at("html/config"), &[]);
    fails_naming(&out, "html/config/cfg0012.xml");
    assert!(errors(&out).iter().any(|l| l.contains("HTML page")), "{:#?}", errors(&out));

    let start = std::time::Instant::now();
    let out = phone(&at("slow/config"), &["--timeout", "1"]);
    fails_naming(&out, "slow/config/cfg0012.xml");
    assert!(errors(&out).iter().any(|l| l.contains("timeout")), "{:#?}", errors(&out));
    assert!(start.elapsed().as_secs() < 15, "three requests of at most 1 s each");

    // A TFTP server that never answers.
    let start = std::time::Instant::now();
    let out = phone(&format!("tftp://127.0.0.1:{}/", free_port()), &["--timeout", "1"]);
    fails_naming(&out, "cfg0012.xml");
    assert!(errors(&out).iter().all(|l| l.contains("timeout")), "{:#?}", errors(&out));
    assert!(start.elapsed().as_secs() < 30, "bounded waits");
}

#[test]
fn flyingvoice_boot_includes_and_firmware_over_tftp() {
    let (http, tftp) = (free_port(), free_port());
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    let fw = "FIP13G-FVUI_V0.6.25.1_202301011200_RC.bin";
    std::fs::create_dir(t.join("firmware")).unwrap();
    std::fs::write(t.join("firmware").join(fw), vec![0x5au8; 5000]).unwrap();
    let boot = "#!version:1.0.0.1\ninclude:config \"y000000000000.cfg\"\ninclude:config \"0021f222aef1.cfg\"\n";
    std::fs::write(t.join("y000000000000.boot"), boot).unwrap();
    let common = format!(
        "#!version:1.0.0.1\naccount.1.sip_server.1.address = old.example.com\nstatic.firmware.url = tftp://127.0.0.1:{tftp}/firmware/{fw}\n"
    );
    std::fs::write(t.join("y000000000000.cfg"), common).unwrap();
    std::fs::write(t.join("0021f222aef1.cfg"), "#!version:1.0.0.1\naccount.1.sip_server.1.address = sip.example.com\n")
        .unwrap();
    let _server = bundler_serve(t, http, tftp);
    let url = format!("tftp://127.0.0.1:{tftp}");
    let run = |extra: &[&str]| {
        bundler().args(["phone", &url, "--model", "FIP13G", "--mac", "00:21:F2:22:AE:F1"]).args(extra).output().unwrap()
    };
    let out = run(&["--firmware-version", "0.6.24.0", "--json"]);
    assert!(out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let urls: Vec<&str> = v["requests"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    let names: Vec<&str> = urls.iter().map(|u| u.rsplit('/').next().unwrap()).collect();
    assert_eq!(names, ["0021f222aef1.boot", "y000000000000.boot", "y000000000000.cfg", "0021f222aef1.cfg", fw]);
    let sip = v["settings"].as_array().unwrap().iter().find(|s| s["key"] == "account.1.sip_server.1.address").unwrap();
    assert_eq!(
        (sip["value"].as_str(), sip["file"].as_str()),
        (Some("sip.example.com"), Some(urls[3])),
        "later values win"
    );
    assert!(stdout(&out).contains("upgrades to it"), "{}", stdout(&out));

    std::fs::remove_file(t.join("0021f222aef1.cfg")).unwrap();
    fails_naming(&run(&[]), "y000000000000.boot");
    assert!(stdout(&run(&[])).contains("0021f222aef1.cfg"));
    std::fs::write(t.join("0021f222aef1.cfg"), "#!version:1.0.0.1\n").unwrap();
    std::fs::rename(t.join("firmware").join(fw), t.join("firmware/other.bin")).unwrap();
    fails_naming(&run(&[]), fw);
}

#[test]
fn flyingvoice_release_tree_over_http() {
    let (_dir, p) = copy_example("fip-office");
    let out = release_build(&p);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = p.join("build");
    let (http, tftp) = (free_port(), free_port());
    let common = tree.join("config/y000000000000.cfg");
    let text = std::fs::read_to_string(&common).unwrap();
    assert!(text.contains("http://prov.example.com/fip/"), "{text}");
    std::fs::write(&common, text.replace("prov.example.com/fip", &format!("127.0.0.1:{http}"))).unwrap();
    let _server = bundler_serve(&tree, http, tftp);
    let url = format!("http://127.0.0.1:{http}/config");
    let run = || bundler().args(["phone", &url, "--model", "FIP13G", "--mac", "00:21:F2:22:AE:F1"]).output().unwrap();
    let out = run();
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("account.1.user_name = 2001  # http://"), "{}", stdout(&out));
    std::fs::remove_file(tree.join("ring/ring1.wav")).unwrap();
    fails_naming(&run(), "ring/ring1.wav");
}

#[test]
fn bad_arguments_are_one_error_line() {
    let run = |url: &str, extra: &[&str]| phone(url, extra);
    assert_one_line_error(&run("gopher://10.0.0.5/", &[]), &["gopher://10.0.0.5/", "ftp://"]);
    assert_one_line_error(&run("https://127.0.0.1:9/", &["--ca", "/no/such/ca.pem"]), &["--ca", "/no/such/ca.pem"]);
    assert_one_line_error(&run("/no/such/folder", &[]), &["/no/such/folder", "not a folder"]);
    assert_one_line_error(&run("http://127.0.0.1:9/", &["--firmware-version", "1.2"]), &["--firmware-version"]);
    let out =
        bundler().args(["phone", "http://127.0.0.1:9/", "--model", "UC924", "--mac", "00:1f:c1"]).output().unwrap();
    assert_one_line_error(&out, &["--mac"]);
    // Nothing listens: each request is one clear line, exit 1.
    let port = free_port();
    let out = run(&format!("http://127.0.0.1:{port}/"), &[]);
    fails_naming(&out, "cfg0012.xml");
    assert!(errors(&out).iter().all(|l| l.contains("connection refused")), "{:#?}", errors(&out));
}

/// The README's lab flow, as a user types it: release for the lab server with `--base-url`, serve
/// the tree, walk it as a phone. No file is edited between the steps.
#[test]
fn the_readme_lab_flow_provisions_a_phone_end_to_end() {
    let (http, tftp) = (free_port(), free_port());
    let (_dir, p) = copy_example("htek-office");
    let base = format!("--base-url=http://127.0.0.1:{http}/");
    let out = run_in(&p, &["release", "release.toml", "--out", "build", &base]);
    assert!(out.status.success(), "{}", stderr(&out));
    let cfg = std::fs::read_to_string(p.join("build").join(CFG)).unwrap();
    assert!(cfg.contains(&format!("http://127.0.0.1:{http}/ring</P20174>")), "{cfg}");
    let _server = bundler_serve(&p.join("build"), http, tftp);
    let out = phone(&format!("http://127.0.0.1:{http}/config"), &[]);
    assert!(out.status.success(), "{}", stdout(&out));
    assert!(stdout(&out).contains("fully provisioned"), "{}", stdout(&out));
    assert!(!stdout(&out).contains("prov.example.com"), "{}", stdout(&out));
    // A URL a phone cannot fetch is refused before any work.
    let out = run_in(&p, &["release", "release.toml", "--out", "build2", "--base-url", "prov.example.com/htek"]);
    assert!(!out.status.success() && stderr(&out).contains("--base-url"), "{}", stderr(&out));
    assert!(!p.join("build2").exists());
}

#[test]
fn flyingvoice_include_cycle_is_named_with_its_chain_and_fetched_once() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    std::fs::write(t.join("y000000000000.boot"), "#!version:1.0.0.1\ninclude:config \"a.cfg\"\n").unwrap();
    std::fs::write(t.join("a.cfg"), "#!version:1.0.0.1\ninclude:config \"b.cfg\"\n").unwrap();
    std::fs::write(t.join("b.cfg"), "#!version:1.0.0.1\nx.y = 1\ninclude:config \"a.cfg\"\n").unwrap();
    let out = bundler()
        .arg("phone")
        .arg(t)
        .args(["--model", "FIP13G", "--mac", "00:21:F2:22:AE:F1", "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "{}", stdout(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let urls: Vec<&str> = v["requests"].as_array().unwrap().iter().map(|r| r["url"].as_str().unwrap()).collect();
    let names: Vec<&str> = urls.iter().map(|u| u.rsplit('/').next().unwrap()).collect();
    assert_eq!(names, ["0021f222aef1.boot", "y000000000000.boot", "a.cfg", "b.cfg"], "a.cfg is fetched once");
    let diagnostics = v["diagnostics"].as_array().unwrap().iter();
    let messages: Vec<&str> =
        diagnostics.filter(|d| d["severity"] == "error").map(|d| d["message"].as_str().unwrap()).collect();
    let (a, b) = (urls[2], urls[3]);
    assert_eq!(
        messages,
        [format!("includes 'a.cfg', which is already being read: an include cycle ({a} → {b} → {a})")],
        "{}",
        stdout(&out)
    );
    assert_eq!(v["settings"][0]["key"], "x.y");
}
