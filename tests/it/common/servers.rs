//! Real servers on loopback for the `serve` and `phone` tests: `bundler serve`, nginx and a small
//! Python server for the awkward cases (redirects, authentication, HTML error pages, a server that
//! never answers). Each runs under a guard that kills it when the test ends; every wait has a timeout.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

/// How long a server may take to start or to log a line.
const WAIT: Duration = Duration::from_secs(20);

/// A free loopback port (TCP and UDP), found by binding port 0.
pub fn free_port() -> u16 {
    loop {
        let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = tcp.local_addr().unwrap().port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// A running server process; killed on drop. Its standard output is read line by line.
pub struct Server {
    child: Child,
    lines: Receiver<String>,
    pub seen: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn start(mut cmd: Command) -> Server {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().expect("start server");
        let out = child.stdout.take().unwrap();
        let (tx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, lines, seen: Vec::new() }
    }

    /// The process id (to read /proc/PID/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Waits for a line of output containing `needle` and returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.contains(needle)) {
            return l.clone();
        }
        let deadline = Instant::now() + WAIT;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(_) => break,
            }
        }
        panic!("no line with '{needle}' within {WAIT:?}; saw: {:#?}", self.seen);
    }
}

/// `bundler serve DIR` on the given loopback ports; returns once both servers are listening.
pub fn bundler_serve(dir: &Path, http: u16, tftp: u16) -> Server {
    let mut cmd = crate::common::bundler();
    cmd.arg("serve").arg(dir).args(["--http", &format!("127.0.0.1:{http}"), "--tftp", &format!("127.0.0.1:{tftp}")]);
    let mut s = Server::start(cmd);
    s.wait_for(&format!("http://127.0.0.1:{http}/"));
    s.wait_for(&format!("tftp://127.0.0.1:{tftp}/"));
    s
}

/// Waits until something accepts TCP connections on the port.
pub fn wait_listening(port: u16) {
    let deadline = Instant::now() + WAIT;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("nothing listens on port {port} after {WAIT:?}");
}

/// nginx in the foreground with `server_block` (from `bundler serve --print-nginx`) as its only
/// server; config, pid and logs in `dir`.
pub fn nginx(dir: &Path, server_block: &str, port: u16) -> Server {
    let conf = format!(
        "worker_processes 1;\npid {pid};\nerror_log {err} warn;\nuser root;\nevents {{ worker_connections 64; }}\n\
         http {{\n access_log {acc};\n client_body_temp_path {tmp};\n proxy_temp_path {tmp};\n fastcgi_temp_path {tmp};\n \
         uwsgi_temp_path {tmp};\n scgi_temp_path {tmp};\n{server_block}\n}}\n",
        pid = dir.join("nginx.pid").display(),
        err = dir.join("error.log").display(),
        acc = dir.join("access.log").display(),
        tmp = dir.display(),
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut cmd = Command::new("nginx");
    cmd.arg("-p").arg(dir).arg("-c").arg(dir.join("nginx.conf")).args(["-g", "daemon off;"]);
    let s = Server::start(cmd);
    wait_listening(port);
    s
}

/// `curl` of a URL: (status code or exit text, body, headers).
pub fn curl(args: &[&str]) -> (String, Vec<u8>) {
    let out = Command::new("curl").args(["-s", "-w", "\n%{http_code}"]).args(args).output().expect("run curl");
    let mut body = out.stdout;
    let at = body.iter().rposition(|b| *b == b'\n').unwrap_or(0);
    let code = String::from_utf8_lossy(&body[at + 1..]).into_owned();
    body.truncate(at);
    (code, body)
}
