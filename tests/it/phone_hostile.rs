//! `bundler phone` against hostile servers on loopback (issue 22, items 9–12): each run ends within
//! `--timeout` plus a second, with a one-line reason, writing nothing to disk. The servers are small
//! Python programs in this file: a TFTP server that keeps sending, option acknowledgements the
//! client did not ask for, an endless HTTP body, 401s that are not Digest, a redirect to another host.

use crate::common::servers::*;
use crate::common::*;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// The hostile servers. `tftp MODE`: `flood` answers each ACK with another full block (an endless
/// file), `oack:OPTS` answers the read request with that option acknowledgement and then silence.
/// `http`: `/endless/X` a 200 with a body that never ends, `/trickle/X` one byte every 200 ms,
/// `/negotiate/X` and `/bearer/X` a 401 with that scheme, `/away/X` a 302 to `/basic/X` on
/// 127.0.0.2, `/basic/X` a 401 Basic. Every Authorization header received is printed.
const HOSTILE: &str = r#"
import http.server, socket, socketserver, sys, threading, time, struct
mode = sys.argv[1]
if mode.startswith('tftp'):
    kind = sys.argv[2]
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0))
    print('listening', s.getsockname()[1], flush=True)
    _, client = s.recvfrom(2048)
    t = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); t.bind(('127.0.0.1', 0))
    if kind == 'flood':
        t.sendto(struct.pack('!HH', 3, 1) + b'x' * 512, client)
        while True:
            p, a = t.recvfrom(2048)
            op, block = struct.unpack('!HH', p[:4])
            if op != 4: print('stopped', op, flush=True); break
            t.sendto(struct.pack('!HH', 3, (block + 1) % 65536) + b'x' * 512, a)
    else:
        opts = kind.split(':', 1)[1].split(',')
        body = b''.join(k.encode() + b'\0' + v.encode() + b'\0' for k, v in (o.split('=') for o in opts))
        t.sendto(struct.pack('!H', 6) + body, client)
        p, a = t.recvfrom(2048)
        print('answer', struct.unpack('!H', p[:2])[0], flush=True)
        time.sleep(60)
    sys.exit(0)
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def log_message(self, *a): pass
    def send(self, code, headers=()):
        self.send_response(code)
        for k, v in headers: self.send_header(k, v)
        self.send_header('Content-Length', '0'); self.end_headers()
    def do_GET(self):
        auth = self.headers.get('Authorization')
        if auth: print('AUTH', self.server.server_address[0], auth, flush=True)
        kind = self.path.split('/')[1]
        if kind in ('endless', 'trickle'):
            self.send_response(200); self.send_header('Content-Type', 'application/xml'); self.end_headers()
            try:
                while True:
                    self.wfile.write(b'<a/>' * 16384 if kind == 'endless' else b' ')
                    if kind == 'trickle': self.wfile.flush(); time.sleep(0.2)
            except OSError: return
        elif kind in ('negotiate', 'bearer'):
            self.send(401, [('WWW-Authenticate', kind.capitalize() + (' realm="x"' if kind == 'bearer' else ''))])
        elif kind == 'away':
            self.send(302, [('Location', 'http://127.0.0.2:%d/basic/%s' % (other, self.path.split('/', 2)[2]))])
        else:
            self.send(401, [('WWW-Authenticate', 'Basic realm="phones"')])
a = http.server.ThreadingHTTPServer(('127.0.0.1', 0), H)
b = http.server.ThreadingHTTPServer(('127.0.0.2', 0), H)
other = b.server_address[1]
threading.Thread(target=b.serve_forever, daemon=True).start()
print('listening', a.server_address[1], flush=True)
a.serve_forever()
"#;

/// A hostile server in `mode`; returns it and its port.
fn hostile(args: &[&str]) -> (Server, u16) {
    let mut cmd = Command::new("python3");
    cmd.args(["-c", HOSTILE]).args(args);
    let mut server = Server::start(cmd);
    let port = server.wait_for("listening").split_whitespace().nth(1).unwrap().parse().unwrap();
    (server, port)
}

/// `bundler phone URL` as a Flyingvoice phone (one request when its boot file fails) with
/// `--timeout 2` and an empty TMPDIR; asserts it ended in time, failed, and left TMPDIR empty.
fn phone_ends(url: &str, extra: &[&str]) -> Output {
    let tmp = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let out = bundler()
        .args(["phone", url, "--model", "FIP13G", "--mac", "00:21:F2:22:AE:F1", "--timeout", "2"])
        .args(extra)
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(3), "phone took {took:?} with --timeout 2: {}", stdout(&out));
    assert!(!out.status.success(), "{}", stdout(&out));
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    assert_eq!(files_in(tmp.path()), Vec::<String>::new(), "the phone left files behind");
    out
}

/// The note of the first request (why it failed).
fn first_note(out: &Output) -> String {
    let text = stdout(out);
    let line = text.lines().find(|l| l.contains("0021f222aef1.boot")).unwrap_or_default();
    line.to_string()
}

#[test]
fn a_tftp_server_that_keeps_sending_meets_the_config_cap() {
    if !require_tool("python3") {
        return;
    }
    let (_server, port) = hostile(&["tftp", "flood"]);
    let out = phone_ends(&format!("tftp://127.0.0.1:{port}/"), &[]);
    assert!(first_note(&out).contains("more than 4194304 bytes"), "{}", stdout(&out));
    assert!(stderr(&out).is_empty(), "the client prints nothing of its own: {}", stderr(&out));
}

#[test]
fn tftp_options_the_client_did_not_ask_for_are_refused() {
    if !require_tool("python3") {
        return;
    }
    for (opts, says) in [
        ("oack:timeout=4000000000", "timeout=4000000000, an option the client did not ask for"),
        ("oack:blksize=0", "blksize=0"),
        ("oack:blksize=65464", "blksize=65464"),
    ] {
        let (mut server, port) = hostile(&["tftp", opts]);
        let out = phone_ends(&format!("tftp://127.0.0.1:{port}/"), &[]);
        assert!(first_note(&out).contains(says), "{opts}: {}", stdout(&out));
        assert!(first_note(&out).contains("RFC 2347"), "{opts}: {}", stdout(&out));
        assert_eq!(server.wait_for("answer"), "answer 5", "{opts}: the client answers with an ERROR packet");
    }
}

#[test]
fn an_endless_or_trickling_http_body_is_cut_by_the_cap_or_the_timeout() {
    if !require_tool("python3") {
        return;
    }
    let (_server, port) = hostile(&["http"]);
    let out = phone_ends(&format!("http://127.0.0.1:{port}/endless"), &[]);
    assert!(first_note(&out).contains("more than 4194304 bytes"), "{}", stdout(&out));
    let out = phone_ends(&format!("http://127.0.0.1:{port}/trickle"), &[]);
    assert!(first_note(&out).contains("timeout"), "{}", stdout(&out));
}

#[test]
fn credentials_go_only_to_digest_or_allowed_basic_on_the_given_server() {
    if !require_tool("python3") {
        return;
    }
    let (mut server, port) = hostile(&["http"]);
    let creds = ["--user", "u", "--password", "secret", "--allow-basic"];
    for kind in ["negotiate", "bearer"] {
        let out = phone_ends(&format!("http://127.0.0.1:{port}/{kind}"), &creds);
        assert!(first_note(&out).contains("authentication the phone does not do"), "{kind}: {}", stdout(&out));
    }
    let out = phone_ends(&format!("http://127.0.0.1:{port}/away"), &creds);
    assert!(stdout(&out).contains("not the server the phone was given"), "{}", stdout(&out));
    let out = phone_ends(&format!("http://127.0.0.1:{port}/basic"), &creds[..4]);
    assert!(stdout(&out).contains("--allow-basic"), "{}", stdout(&out));
    // Then Basic where it is allowed, so the server's log is known to work: the only header it saw.
    phone_ends(&format!("http://127.0.0.1:{port}/basic"), &creds);
    let auth = server.wait_for("AUTH");
    assert!(auth.starts_with("AUTH 127.0.0.1 Basic"), "{auth}");
    assert_eq!(server.seen.iter().filter(|l| l.starts_with("AUTH")).count(), 1, "{:#?}", server.seen);
}

/// Issue 22 item 13: eight Flyingvoice files of ten includes each (10^8 reads unbounded): the phone
/// fetches each file once and stops following after the include budget, in well under a second's work.
#[test]
fn repeated_flyingvoice_includes_are_fetched_once_within_a_budget() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path();
    let includes = |n: usize| format!("include:config \"f{n}.cfg\"\n").repeat(10);
    std::fs::write(t.join("y000000000000.boot"), format!("#!version:1.0.0.1\n{}", includes(0))).unwrap();
    for n in 0..8 {
        let body = if n < 7 { includes(n + 1) } else { String::new() };
        std::fs::write(t.join(format!("f{n}.cfg")), format!("#!version:1.0.0.1\nk.{n} = v\n{body}")).unwrap();
    }
    let started = Instant::now();
    let out = bundler()
        .arg("phone")
        .arg(t)
        .args(["--model", "FIP13G", "--mac", "00:21:F2:22:AE:F1", "--json", "--timeout", "2"])
        .output()
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(20), "{:?}", started.elapsed());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["requests"].as_array().unwrap().len(), 2 + 8, "two boot files, then each cfg once");
    assert!(stdout(&out).contains("more than 256 includes"), "{}", stdout(&out));
    assert!(!out.status.success());
}
