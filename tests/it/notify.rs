//! `bundler notify` against sipp acting as the phone on 127.0.0.1 (scenarios in tests/data/sip/),
//! and against a silent UDP socket for the no-answer path. sipp's message log is the independent
//! record of what bundler sent.

use crate::common::{self, assert_one_line_error, bundler, stdout};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sip").join(name)
}

/// A free loopback port (UDP and TCP), found by binding and letting go.
fn free_port() -> u16 {
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.local_addr().unwrap().port()
}

/// sipp running `scenario` as the phone on 127.0.0.1:`port`, for one call, logging every message.
struct Phone {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Phone {
    fn start(name: &str, port: u16, transport: &str) -> Phone {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("messages.log");
        let child = Command::new("sipp")
            .args(["-sf", scenario(name).to_str().unwrap(), "-i", "127.0.0.1", "-p", &port.to_string()])
            .args(["-t", transport, "-m", "1", "-nostdin", "-trace_msg", "-message_file", log.to_str().unwrap()])
            .args(["-timeout", "20s", "-timeout_error"])
            .current_dir(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sipp");
        std::thread::sleep(Duration::from_millis(300));
        Phone { child, log, _dir: dir }
    }

    /// Waits for sipp to finish its one call and returns its message log.
    fn finish(mut self) -> String {
        let status = self.child.wait().unwrap();
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        assert!(status.success(), "sipp failed ({status}); its log:\n{log}");
        log
    }
}

fn notify(args: &[&str]) -> Output {
    bundler().arg("notify").args(args).output().unwrap()
}

/// The NOTIFY requests in a sipp message log, each as its text.
fn notifies(log: &str) -> Vec<&str> {
    log.split("-----------------------------------------------").filter(|m| m.contains("\nNOTIFY sip:")).collect()
}

fn header<'a>(message: &'a str, name: &str) -> Vec<&'a str> {
    message.lines().filter_map(|l| l.strip_prefix(name)).map(str::trim).collect()
}

#[test]
fn phone_answers_200_and_gets_check_sync() {
    if !common::require_tool("sipp") {
        return;
    }
    let port = free_port();
    let phone = Phone::start("phone_200.xml", port, "u1");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--t1", "100"]);
    let log = phone.finish();
    assert!(out.status.success(), "{}", common::stderr(&out));
    assert!(stdout(&out).contains(&format!("127.0.0.1:{port}  200 OK")), "{}", stdout(&out));
    let sent = notifies(&log);
    assert_eq!(sent.len(), 1, "{log}");
    assert_eq!(header(sent[0], "Event:"), ["check-sync"]);
    assert!(sent[0].contains(&format!("NOTIFY sip:127.0.0.1:{port} SIP/2.0")), "{log}");
}

#[test]
fn reboot_over_tcp_to_a_sip_uri_from_a_given_uri() {
    if !common::require_tool("sipp") {
        return;
    }
    let port = free_port();
    let phone = Phone::start("phone_200.xml", port, "t1");
    let target = format!("sip:1001@127.0.0.1:{port}");
    let out = notify(&[&target, "--reboot", "--transport", "tcp", "--from", "sip:prov@example.com", "--json"]);
    let log = phone.finish();
    assert!(out.status.success(), "{}", common::stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json[0]["status"], 200);
    assert_eq!(json[0]["ok"], true);
    let sent = notifies(&log);
    assert_eq!(sent.len(), 1, "{log}");
    assert_eq!(header(sent[0], "Event:"), ["check-sync;reboot=true"]);
    assert!(sent[0].contains(&format!("NOTIFY {target} SIP/2.0")), "{log}");
    assert!(header(sent[0], "Via:")[0].starts_with("SIP/2.0/TCP 127.0.0.1:"), "{log}");
    assert!(header(sent[0], "From:")[0].starts_with("<sip:prov@example.com>;tag="), "{log}");
}

#[test]
fn challenge_is_answered_with_a_digest_sipp_verifies() {
    if !common::require_tool("sipp") {
        return;
    }
    let port = free_port();
    let phone = Phone::start("phone_auth.xml", port, "u1");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--user", "admin", "--password", "s3cret", "--t1", "100"]);
    let log = phone.finish();
    assert!(out.status.success(), "{}\n{log}", stdout(&out));
    let sent = notifies(&log);
    assert_eq!(sent.len(), 2, "{log}");
    assert!(header(sent[0], "Authorization:").is_empty());
    assert!(header(sent[1], "Authorization:")[0].starts_with("Digest username=\"admin\""), "{log}");
    assert_eq!(header(sent[1], "CSeq:"), ["2 NOTIFY"]);
    assert_eq!(header(sent[0], "Call-ID:"), header(sent[1], "Call-ID:"));
}

#[test]
fn wrong_password_and_missing_credentials_fail() {
    if !common::require_tool("sipp") {
        return;
    }
    let port = free_port();
    let phone = Phone::start("phone_auth.xml", port, "u1");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--user", "admin", "--password", "wrong", "--t1", "100"]);
    phone.finish();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("403 Forbidden"), "{}", stdout(&out));

    // No credentials: the 401 is the final status, with what to do about it.
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    drop(silent);
    let phone = Phone::start("phone_auth.xml", port, "u1");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--t1", "100"]);
    let mut child = phone.child;
    child.kill().unwrap(); // it would wait for an authenticated NOTIFY that never comes
    child.wait().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("401 Unauthorized (give --user and --password)"), "{}", stdout(&out));
}

#[test]
fn silent_phone_times_out_after_64_t1_with_doubling_retransmits() {
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    silent.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let started = Instant::now();
    let run = std::thread::spawn(move || notify(&[&format!("127.0.0.1:{port}"), "--t1", "20"]));
    let mut arrivals = Vec::new();
    let mut buf = [0u8; 65535];
    while started.elapsed() < Duration::from_secs(3) {
        if let Ok(n) = silent.recv(&mut buf) {
            assert!(String::from_utf8_lossy(&buf[..n]).contains("\r\nEvent: check-sync\r\n"));
            arrivals.push(started.elapsed());
        }
    }
    let out = run.join().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("failed: no answer within 1.3 s"), "{text}");
    // Timer E at T1 = 20 ms: sends at 0, 20, 60, 140, 300, 620 (1260 just before F at 1280).
    assert!((6..=7).contains(&arrivals.len()), "{arrivals:?}");
    let gaps: Vec<Duration> = arrivals.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.windows(2).all(|g| g[1] > g[0]), "gaps must grow: {gaps:?}");
    assert!(gaps[4] >= Duration::from_millis(140), "{gaps:?}");
}

#[test]
fn phones_csv_reports_every_phone() {
    if !common::require_tool("sipp") {
        return;
    }
    let silent = UdpSocket::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let port = free_port();
    let phone = Phone::start("phone_200.xml", port, "u1");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("phones.csv");
    std::fs::write(&csv, format!("mac,ip\n001fc1000001,127.0.0.1:{port}\n001fc1000002,127.0.0.1:{silent_port}\n"))
        .unwrap();
    let out = notify(&["--phones", csv.to_str().unwrap(), "--t1", "20", "--json"]);
    phone.finish();
    assert_eq!(out.status.code(), Some(1), "one phone did not answer");
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 2);
    assert_eq!((json[0]["ok"].as_bool(), json[0]["status"].as_u64()), (Some(true), Some(200)));
    assert_eq!((json[1]["ok"].as_bool(), json[1]["status"].as_u64()), (Some(false), None));
    assert!(json[1]["detail"].as_str().unwrap().contains("no answer"), "{json}");
}

#[test]
fn bad_input_is_one_error_line_before_anything_is_sent() {
    let out = notify(&["127.0.0.1:99999"]);
    assert_one_line_error(&out, &["TARGET '127.0.0.1:99999'", "port"]);
    let out = notify(&[]);
    assert_one_line_error(&out, &["no phones to notify"]);
    let out = notify(&["127.0.0.1", "--from", "mailto:x@y"]);
    assert_one_line_error(&out, &["--from 'mailto:x@y'"]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("phones.csv");
    std::fs::write(&csv, "mac,model\n001fc1000001,UC924\n").unwrap();
    let out = notify(&["--phones", csv.to_str().unwrap()]);
    assert_one_line_error(&out, &["phones.csv", "no 'address' column"]);
    std::fs::write(&csv, "mac,address\n001fc1000001,\n").unwrap();
    let out = notify(&["--phones", csv.to_str().unwrap()]);
    assert_one_line_error(&out, &["phones.csv:2", "address is empty"]);
    let out = notify(&["127.0.0.1", "--user", "admin"]);
    assert!(!out.status.success() && common::stderr(&out).contains("--password"));
}

/// Issue 22 #15: CR/LF (or `"`, `<`, `>`, spaces, text after the URI) in a target, a CSV address or
/// `--user` is refused with one escaped error line, and nothing reaches the phone.
#[test]
fn header_injection_and_trailing_text_are_refused_before_sending() {
    let phone = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = phone.local_addr().unwrap().port();
    phone.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
    let injected = format!("sip:100\r\nX-Evil: 1@127.0.0.1:{port}");
    let out = notify(&[&injected]);
    assert_one_line_error(&out, &["TARGET", "\\r\\n"]);
    let out = notify(&[&format!("sip:100@127.0.0.1:{port} trailing")]);
    assert_one_line_error(&out, &["TARGET", "' '"]);
    let out = notify(&[&format!("sip:100@127.0.0.1:{port}>;x=\"y\"")]);
    assert_one_line_error(&out, &["TARGET", "'>'"]);
    let out = notify(&[&format!("127.0.0.1:{port}"), "--user", "a\"\r\nX-Evil: 1", "--password", "p"]);
    assert_one_line_error(&out, &["--user", "\\r\\n"]);
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("phones.csv");
    std::fs::write(&csv, format!("mac,address\n001fc1000001,\"127.0.0.1:{port}\r\nX-Evil: 1\"\n")).unwrap();
    let out = notify(&["--phones", csv.to_str().unwrap()]);
    assert_one_line_error(&out, &["phones.csv:2", "address"]);
    let mut buf = [0u8; 2048];
    assert!(phone.recv(&mut buf).is_err(), "nothing may be sent: {}", String::from_utf8_lossy(&buf));
}

/// A fake phone on 127.0.0.1 answering the first NOTIFY with `challenge` and the second with 200;
/// returns the second NOTIFY's text.
fn challenging_phone(challenge: &'static str) -> (u16, std::thread::JoinHandle<String>) {
    let phone = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = phone.local_addr().unwrap().port();
    phone.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let thread = std::thread::spawn(move || {
        let mut buf = [0u8; 65535];
        let mut answered = String::new();
        for status in ["401 Unauthorized", "200 OK"] {
            let Ok((n, from)) = phone.recv_from(&mut buf) else { break };
            let text = String::from_utf8_lossy(&buf[..n]).into_owned();
            let keep: Vec<&str> = text
                .lines()
                .filter(|l| ["Via:", "From:", "To:", "Call-ID:", "CSeq:"].iter().any(|h| l.starts_with(h)))
                .collect();
            let auth =
                if status.starts_with("401") { format!("WWW-Authenticate: {challenge}\r\n") } else { String::new() };
            let reply = format!("SIP/2.0 {status}\r\n{}\r\n{auth}Content-Length: 0\r\n\r\n", keep.join("\r\n"));
            phone.send_to(reply.as_bytes(), from).unwrap();
            answered = text;
        }
        answered
    });
    (port, thread)
}

/// Issue 22 #15: a qop list and SHA-512-256 are answered; Python's hashlib checks the response.
#[test]
fn qop_list_and_sha512_256_challenge_is_answered_correctly() {
    assert!(common::require_tool("python3"));
    let (port, phone) =
        challenging_phone("Digest realm=\"phones\", nonce=\"abc123\", qop=\"auth,auth-int\", algorithm=SHA-512-256");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--user", "ad\"min", "--password", "s3cret", "--t1", "100"]);
    let second = phone.join().unwrap();
    assert!(out.status.success(), "{}{}\n{second}", stdout(&out), common::stderr(&out));
    let auth = header(&second, "Authorization:")[0].to_string();
    assert!(auth.starts_with("Digest username=\"ad\\\"min\", realm=\"phones\""), "{auth}");
    assert!(auth.contains("qop=auth,") && auth.contains("algorithm=SHA-512-256"), "{auth}");
    let check = r#"
import hashlib, re, sys
a = sys.argv[1]
v = lambda k: re.search(k + r'="?((?:[^"\\]|\\.)*)"?(,|$)', a).group(1)
h = lambda s: hashlib.new("sha512_256", s.encode()).hexdigest()
ha1 = h('ad"min:phones:s3cret')
ha2 = h("NOTIFY:" + v("uri"))
want = h(":".join([ha1, "abc123", v("nc"), v("cnonce"), "auth", ha2]))
print("ok" if want == v("response") else "bad " + want)
"#;
    let py = Command::new("python3").args(["-c", check, &auth]).output().unwrap();
    assert_eq!(String::from_utf8_lossy(&py.stdout).trim(), "ok", "{auth} {}", common::stderr(&py));
}

/// Issue 22 #15: a challenge that cannot be answered is reported with its text escaped.
#[test]
fn unreadable_challenge_is_echoed_escaped() {
    let (port, phone) = challenging_phone("Digest realm=\"x\u{1b}[2J\", nonce=\"n\", algorithm=SHA-1");
    let out = notify(&[&format!("127.0.0.1:{port}"), "--user", "u", "--password", "p", "--t1", "50"]);
    drop(phone);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("unreadable digest challenge") && text.contains("\\x1b"), "{text}");
    assert!(!text.contains('\u{1b}'), "{text:?}");
}

/// Issue 21: a closed port on this machine answers with ICMP port-unreachable; that ends the wait.
#[test]
fn closed_port_fails_at_once_not_after_timer_f() {
    let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let started = Instant::now();
    let out = notify(&[&format!("127.0.0.1:{port}")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).contains("port unreachable"), "{}", stdout(&out));
    assert!(started.elapsed() < Duration::from_secs(5), "took {:?} (Timer F is 32 s)", started.elapsed());
}
