//! SIP PnP (`serve --pnp`, `phone --pnp`) with real multicast inside a network namespace each test
//! makes (`unshare -n`: loopback up, multicast on, a route for 224.0.0.0/4 on it; root, as in CI).
//! sipp plays a Htek and a Flyingvoice phone against `serve --pnp`; its message log is the independent
//! record of what bundler sent. `phone --pnp` finds `serve --pnp` and walks the tree over HTTP.

use crate::common::{self, copy_example, run_in, stderr};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The PnP scenario sipp plays as the phone: a ua-profile SUBSCRIBE to 224.0.1.75:5060 as the
/// vendor's phones send it, then (`served`) 200 OK, a NOTIFY, and its answer; or (not served) a
/// quiet wait in which any message is unexpected (sipp fails the call).
fn scenario(user: &str, vendor: &str, model: &str, served: bool) -> String {
    let subscribe = format!(
        "SUBSCRIBE sip:{user}@224.0.1.75 SIP/2.0\n\
         Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch];rport\n\
         Max-Forwards: 70\n\
         From: <sip:{user}@224.0.1.75>;tag=[pid]pnp[call_number]\n\
         To: <sip:{user}@224.0.1.75>\n\
         Call-ID: [call_id]\n\
         CSeq: 1 SUBSCRIBE\n\
         Contact: <sip:[local_ip]:[local_port]>\n\
         Event: ua-profile;profile-type=\"device\";vendor=\"{vendor}\";model=\"{model}\";version=\"2.0.4.6.41\"\n\
         Expires: 0\n\
         Accept: application/url\n\
         Content-Length: 0\n\n"
    );
    let rest = if served {
        "<recv response=\"200\" />\n<recv request=\"NOTIFY\" />\n<send><![CDATA[\nSIP/2.0 200 OK\n[last_Via:]\n\
         [last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\nContent-Length: 0\n\n]]></send>\n"
    } else {
        "<pause milliseconds=\"2500\" />\n"
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"ISO-8859-1\" ?>\n<scenario name=\"pnp phone\">\n\
         <send><![CDATA[\n{subscribe}]]></send>\n{rest}</scenario>\n"
    )
}

/// The Htek example released for a lab at `base` (its configs under `base/config`).
fn htek_tree_at(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (_keep, p) = copy_example("htek-office");
    let out =
        run_in(&p, &["release", "release.toml", "--out", dir.path().join("t").to_str().unwrap(), "--base-url", base]);
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// One release of each example for the lab at http://127.0.0.1:8080/ (the namespace's own loopback).
fn trees() -> &'static Path {
    static TREES: OnceLock<tempfile::TempDir> = OnceLock::new();
    TREES
        .get_or_init(|| {
            let dir = tempfile::tempdir().unwrap();
            for (example, out) in [("htek-office", "htek"), ("fip-office", "fip")] {
                let (_keep, p) = copy_example(example);
                let target = dir.path().join(out);
                let args = ["release", "release.toml", "--out", target.to_str().unwrap()];
                let out = run_in(&p, &[&args[..], &["--base-url", "http://127.0.0.1:8080/"]].concat());
                assert!(out.status.success(), "{}", stderr(&out));
            }
            dir
        })
        .path()
}

/// Runs `script` (bash) in a new network namespace with multicast on loopback, in `dir`; `$BUNDLER`
/// is the binary, `serve` its helper that starts `bundler serve TREE ARGS…` logging to serve.log.
fn in_namespace(dir: &Path, script: &str) -> Output {
    assert!(common::require_tool("unshare") && common::require_tool("ip"), "unshare and ip are needed");
    let setup = "set -e\nip link set lo up\nip link set lo multicast on\n\
                 ip route add 224.0.0.0/4 dev lo src 127.0.0.1\n\
                 serve() { \"$BUNDLER\" serve \"$@\" > serve.log 2>&1 & SERVE=$!; trap 'kill $SERVE' EXIT;\n\
                 for i in $(seq 100); do grep -q '224.0.1.75' serve.log && return; sleep 0.1; done; cat serve.log; exit 9; }\n";
    Command::new("timeout")
        .args(["60", "unshare", "-n", "bash", "-c", &format!("{setup}{script}")])
        .env("BUNDLER", env!("CARGO_BIN_EXE_bundler"))
        .current_dir(dir)
        .output()
        .expect("run unshare")
}

fn sipp(dir: &Path, name: &str, text: &str) -> String {
    std::fs::write(dir.join(name), text).unwrap();
    format!(
        "sipp -sf {name} -i 127.0.0.1 -p 5070 224.0.1.75:5060 -m 1 -nostdin -trace_msg \
         -message_file {name}.log -timeout 10s -timeout_error > /dev/null 2>&1 || echo \"sipp {name} failed: $?\"\n"
    )
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_default()
}

fn scratch() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    (dir, path)
}

#[test]
fn sipp_htek_phone_gets_200_then_a_notify_with_the_tree_url_and_a_flyingvoice_phone_gets_none() {
    assert!(common::require_tool("sipp"));
    let (_keep, dir) = scratch();
    let tree = trees().join("htek");
    let mut script = format!("serve {} --http 127.0.0.1:8080 --pnp\n", tree.display());
    script += &sipp(&dir, "htek.xml", &scenario("001fc110d3a9", "Htek", "UC924", true));
    script += &sipp(&dir, "fv.xml", &scenario("0021F222AEF1", "Flyingvoice", "FIP13G", false));
    script += "sleep 0.3\n";
    let out = in_namespace(&dir, &script);
    let (log, serve) = (read(&dir, "htek.xml.log"), read(&dir, "serve.log"));
    let said = format!("{}{}\n{serve}\n{log}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success() && !said.contains("failed"), "{said}");
    let notify = log.split("NOTIFY sip:").nth(1).expect("a NOTIFY reached sipp");
    assert!(notify.contains("Event: ua-profile"), "{log}");
    assert!(notify.contains("Content-Type: application/url"), "{log}");
    assert!(notify.contains("\r\n\r\nhttp://127.0.0.1:8080/config"), "{log}");
    assert!(log.contains("SIP/2.0 200 OK"), "{log}");
    assert!(
        serve.contains("SUBSCRIBE htek UC924 mac 001fc110d3a9 firmware 2.0.4.6.41 url http://127.0.0.1:8080/config: NOTIFY answered 200"),
        "{serve}"
    );
    assert!(
        serve.contains("no NOTIFY: vendor 'Flyingvoice' model 'FIP13G': the tree does not serve flyingvoice"),
        "{serve}"
    );
    assert!(!read(&dir, "fv.xml.log").contains("NOTIFY sip:"), "{}", read(&dir, "fv.xml.log"));
}

#[test]
fn sipp_flyingvoice_phone_gets_its_tree_url_with_json_events() {
    assert!(common::require_tool("sipp"));
    let (_keep, dir) = scratch();
    let tree = trees().join("fip");
    let mut script = format!("serve {} --http 127.0.0.1:8080 --pnp 127.0.0.1 --json\n", tree.display());
    script += &sipp(&dir, "fv.xml", &scenario("0021F222AEF1", "Flyingvoice", "FIP13G", true));
    script += "sleep 0.3\n";
    let out = in_namespace(&dir, &script);
    let serve = read(&dir, "serve.log");
    let said = format!("{}{}\n{serve}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success() && !said.contains("failed"), "{said}");
    assert!(read(&dir, "fv.xml.log").contains("\r\n\r\nhttp://127.0.0.1:8080/config"), "{}", read(&dir, "fv.xml.log"));
    let event = serve
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["proto"] == "pnp" && v.get("vendor").is_some())
        .unwrap_or_else(|| panic!("no pnp event: {serve}"));
    assert_eq!(event["vendor"], "flyingvoice");
    assert_eq!(event["model"], "FIP13G");
    assert_eq!(event["mac"], "0021f222aef1");
    assert_eq!(event["firmware"], "2.0.4.6.41");
    assert_eq!(event["url"], "http://127.0.0.1:8080/config");
    assert_eq!(event["result"], "NOTIFY answered 200");
}

#[test]
fn phone_pnp_finds_serve_pnp_and_ends_fully_provisioned_over_http() {
    let (_keep, dir) = scratch();
    let tree = trees().join("htek");
    let script = format!(
        "serve {} --http 127.0.0.1:8080 --pnp\n\
         \"$BUNDLER\" phone --pnp --model UC924 --mac 00:1f:c1:10:d3:a9 --firmware-version 2.0.4.6.41 --timeout 5\n",
        tree.display()
    );
    let out = in_namespace(&dir, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}\n{}", stderr(&out), read(&dir, "serve.log"));
    assert!(text.lines().next().unwrap_or("").contains("answered with http://127.0.0.1:8080/config"), "{text}");
    assert!(text.contains("http://127.0.0.1:8080/config/cfg001fc110d3a9.xml 200"), "{text}");
    assert!(text.contains("the phone would end up fully provisioned"), "{text}");
}

#[test]
fn pnp_url_hands_out_tftp_and_the_phone_fetches_its_config_over_it() {
    assert!(common::require_tool("unshare"));
    let (_keep, dir) = scratch();
    let tree = trees().join("htek");
    let script = format!(
        "serve {} --http 127.0.0.1:8080 --tftp 127.0.0.1:6969 --pnp --pnp-url tftp://127.0.0.1:6969/config\n\
         \"$BUNDLER\" phone --pnp --model UC926 --mac 00:1f:c1:aa:bb:cc --timeout 5\n",
        tree.display()
    );
    let out = in_namespace(&dir, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}\n{}", stderr(&out), read(&dir, "serve.log"));
    assert!(text.contains("answered with tftp://127.0.0.1:6969/config"), "{text}");
    assert!(text.contains("tftp://127.0.0.1:6969/config/cfg001fc1aabbcc.xml ok"), "{text}");
    assert!(text.contains("the phone would end up fully provisioned"), "{text}");
    assert!(read(&dir, "serve.log").contains("SUBSCRIBE htek UC926 mac 001fc1aabbcc"), "{}", read(&dir, "serve.log"));
}

/// Issue 25's "done when" over HTTPS: a private CA made with openssl, the whole tree (configs and
/// resources) served by `serve --https`, found by `phone --pnp`, trusted with `--ca`.
#[test]
fn phone_pnp_ends_fully_provisioned_over_https_with_a_private_ca() {
    assert!(common::require_tool("openssl"));
    let (_keep, dir) = scratch();
    let tree = htek_tree_at("https://127.0.0.1:8443/");
    let script = format!(
        "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
           -days 2 -subj /CN=lab-ca 2>/dev/null\n\
         openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr \
           -subj /CN=127.0.0.1 2>/dev/null\n\
         printf 'subjectAltName=IP:127.0.0.1\\nbasicConstraints=CA:FALSE\\n' > ext.cnf\n\
         openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 \
           -extfile ext.cnf 2>/dev/null\n\
         serve {} --https 127.0.0.1:8443 --cert srv.pem --key srv.key --pnp\n\
         \"$BUNDLER\" phone --pnp --ca ca.pem --model UC924 --mac 00:1f:c1:10:d3:a9 --timeout 5\n",
        tree.path().join("t").display()
    );
    let out = in_namespace(&dir, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}\n{}", stderr(&out), read(&dir, "serve.log"));
    assert!(text.contains("answered with https://127.0.0.1:8443/config"), "{text}");
    assert!(text.contains("https://127.0.0.1:8443/config/cfg001fc110d3a9.xml 200"), "{text}");
    assert!(text.contains("https://127.0.0.1:8443/UC924/hlpres.tar 200"), "{text}");
    assert!(text.contains("the phone would end up fully provisioned"), "{text}");
}

/// Issue 25's "done when" over FTP: the configs over `serve --ftp` (the URL PnP hands out), the
/// resources over HTTP as the guide has them (P20175/P20176 are HTTP(S) settings).
#[test]
fn phone_pnp_ends_fully_provisioned_with_its_configs_over_ftp() {
    let (_keep, dir) = scratch();
    let tree = trees().join("htek");
    let script = format!(
        "serve {} --http 127.0.0.1:8080 --ftp 127.0.0.1:2121 --pnp --pnp-url ftp://127.0.0.1:2121/config\n\
         \"$BUNDLER\" phone --pnp --model UC924 --mac 00:1f:c1:10:d3:a9 --timeout 5\n",
        tree.display()
    );
    let out = in_namespace(&dir, &script);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{text}\n{}\n{}", stderr(&out), read(&dir, "serve.log"));
    assert!(text.contains("answered with ftp://127.0.0.1:2121/config"), "{text}");
    assert!(text.contains("ftp://127.0.0.1:2121/config/cfg001fc110d3a9.xml"), "{text}");
    assert!(read(&dir, "serve.log").contains("ftp 127.0.0.1"), "{}", read(&dir, "serve.log"));
    assert!(text.contains("the phone would end up fully provisioned"), "{text}");
}

#[test]
fn phone_pnp_without_a_server_fails_within_its_timeout() {
    let (_keep, dir) = scratch();
    let script = "start=$(date +%s)\n\
                  \"$BUNDLER\" phone --pnp --model FIP13G --mac 00:21:f2:22:ae:f1 --timeout 2 && exit 3\n\
                  echo took $(( $(date +%s) - start ))\n";
    let out = in_namespace(&dir, script);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", stderr(&out));
    assert!(stderr(&out).contains("no PnP server answered the SUBSCRIBE to 224.0.1.75:5060"), "{}", stderr(&out));
    let took: u64 = text.trim().rsplit(' ').next().unwrap().parse().unwrap();
    assert!(took <= 4, "{text}");
}

/// A phone that lets the first two NOTIFYs go unanswered: the responder retransmits per RFC 3261
/// Timer E (T1 = 500 ms, then 1 s) and stops once the third is answered.
#[test]
fn an_unanswered_notify_is_retransmitted_until_answered() {
    assert!(common::require_tool("python3"));
    let (_keep, dir) = scratch();
    std::fs::write(dir.join("slow.py"), SLOW_PHONE).unwrap();
    let tree = trees().join("htek");
    let script =
        format!("serve {} --http 127.0.0.1:8080 --pnp\npython3 slow.py > slow.out\nsleep 0.2\n", tree.display());
    let out = in_namespace(&dir, &script);
    let (slow, serve) = (read(&dir, "slow.out"), read(&dir, "serve.log"));
    assert!(out.status.success(), "{}\n{slow}\n{serve}", stderr(&out));
    let gaps: Vec<f64> = slow.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [first, second, after] = gaps[..] else { panic!("{slow}") };
    assert!((0.4..0.8).contains(&first), "{slow}");
    assert!((0.9..1.4).contains(&second), "{slow}");
    assert_eq!(after, 0.0, "no NOTIFY after the answer: {slow}");
    assert!(serve.contains("NOTIFY answered 200"), "{serve}");
}

/// Sends one SUBSCRIBE from 127.0.0.2, answers only the third copy of the NOTIFY, then listens 3 s
/// more; prints the two gaps between NOTIFY copies and how many came after the answer.
const SLOW_PHONE: &str = r#"
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
port = s.getsockname()[1]
m = ("SUBSCRIBE sip:001fc110d3a9@224.0.1.75 SIP/2.0\r\n"
     f"Via: SIP/2.0/UDP 127.0.0.2:{port};branch=z9hG4bKslow\r\n"
     "From: <sip:001fc110d3a9@224.0.1.75>;tag=slow\r\nTo: <sip:001fc110d3a9@224.0.1.75>\r\n"
     f"Call-ID: slow1\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:127.0.0.2:{port}>\r\n"
     'Event: ua-profile;profile-type="device";vendor="Htek";model="UC924";version="1"\r\n'
     "Content-Length: 0\r\n\r\n")
s.sendto(m.encode(), ("224.0.1.75", 5060))
s.settimeout(5)
times, after, answered = [], 0, None
while True:
    try:
        data, src = s.recvfrom(65535)
    except socket.timeout:
        break
    text = data.decode(errors="replace")
    if not text.startswith("NOTIFY"):
        continue
    if answered is not None:
        after += 1
        continue
    times.append(time.time())
    if len(times) == 3:
        head = [l for l in text.split("\r\n") if l.split(":")[0] in ("Via", "From", "To", "Call-ID", "CSeq")]
        s.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(head) + "\r\nContent-Length: 0\r\n\r\n").encode(), src)
        answered = time.time()
        s.settimeout(3)
print(round(times[1] - times[0], 3), round(times[2] - times[1], 3), float(after))
"#;

/// 3,000 SUBSCRIBEs (new Call-IDs, never answering a NOTIFY) from one address in about a second:
/// the responder answers at most its per-peer rate, NOTIFYs at most its per-peer bound, and a
/// phone at another address is still served.
#[test]
fn a_flood_is_bounded_and_a_phone_is_still_served() {
    assert!(common::require_tool("python3"));
    let (_keep, dir) = scratch();
    std::fs::write(dir.join("flood.py"), FLOOD).unwrap();
    let tree = trees().join("htek");
    let script = format!(
        "serve {} --http 127.0.0.1:8080 --pnp\n\
         python3 flood.py > flood.out &\nFLOOD=$!\nsleep 0.5\n\
         \"$BUNDLER\" phone --pnp --model UC924 --mac 00:1f:c1:10:d3:a9 --timeout 5 > phone.out\n\
         wait $FLOOD\n",
        tree.display()
    );
    let out = in_namespace(&dir, &script);
    let (flood, phone) = (read(&dir, "flood.out"), read(&dir, "phone.out"));
    assert!(out.status.success(), "{}\n{flood}\n{phone}\n{}", stderr(&out), read(&dir, "serve.log"));
    assert!(phone.contains("fully provisioned"), "{phone}");
    let counts: Vec<u64> = flood.split_whitespace().filter_map(|w| w.parse().ok()).collect();
    let [sent, oks, notifies] = counts[..] else { panic!("{flood}") };
    assert_eq!(sent, 3000, "{flood}");
    // 5 new SUBSCRIBEs a second from one address over ~3 s of listening; NOTIFYs to at most 4 dialogs.
    assert!((1..=20).contains(&oks), "{flood}");
    assert!((1..=4).contains(&notifies), "{flood}");
}

/// Sends 3,000 ua-profile SUBSCRIBEs from 127.0.0.3 as fast as it can, then listens 3 s; prints
/// how many were sent, how many 200 OKs came back and how many distinct dialogs got a NOTIFY.
const FLOOD: &str = r#"
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.3", 0))
port = s.getsockname()[1]
for i in range(3000):
    m = ("SUBSCRIBE sip:001fc1000001@224.0.1.75 SIP/2.0\r\n"
         f"Via: SIP/2.0/UDP 127.0.0.3:{port};branch=z9hG4bKf{i}\r\n"
         f"From: <sip:001fc1000001@224.0.1.75>;tag=f{i}\r\nTo: <sip:001fc1000001@224.0.1.75>\r\n"
         f"Call-ID: flood{i}\r\nCSeq: 1 SUBSCRIBE\r\nContact: <sip:127.0.0.3:{port}>\r\n"
         'Event: ua-profile;profile-type="device";vendor="Htek";model="UC924";version="1"\r\n'
         "Content-Length: 0\r\n\r\n")
    s.sendto(m.encode(), ("224.0.1.75", 5060))
oks, dialogs = 0, set()
s.settimeout(0.2)
end = time.time() + 3
while time.time() < end:
    try:
        data = s.recv(65535).decode(errors="replace")
    except socket.timeout:
        continue
    if data.startswith("SIP/2.0 200"):
        oks += 1
    elif data.startswith("NOTIFY"):
        dialogs.add([l for l in data.split("\r\n") if l.startswith("Call-ID:")][0])
print(3000, oks, len(dialogs))
"#;
