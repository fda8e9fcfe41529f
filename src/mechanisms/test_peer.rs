//! For unit tests: an HTTP peer on loopback that gives every request the same answer, so a client's
//! reading of statuses and error bodies can be tested without a real server.

use std::io::{BufRead as _, Write as _};

/// Starts a peer that answers every request with `status` and `body`; returns `http://127.0.0.1:PORT`.
pub fn answering(status: u16, body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let at = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut head = std::io::BufReader::new(&stream);
            let mut line = String::new();
            while head.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let answer =
                format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
            let _ = (&stream).write_all(answer.as_bytes());
        }
    });
    at
}
