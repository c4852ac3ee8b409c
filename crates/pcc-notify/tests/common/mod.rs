//! A tiny HTTP/1.1 server on 127.0.0.1 for the tests: it records each request and answers with
//! a fixed status, or accepts and never answers.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Captured {
    pub method: String,
    pub path: String,
    /// Lower-cased names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == &name.to_ascii_lowercase())
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }
}

/// What the server does with a connection.
#[derive(Debug, Clone, Copy)]
pub enum Reply {
    /// Read the request, answer with this status.
    Status(u16),
    /// Accept, read the request, never answer (until the client hangs up).
    Hang,
}

pub struct TestServer {
    pub addr: SocketAddr,
    /// Every complete request, in arrival order.
    pub requests: Receiver<Captured>,
    /// One message per accepted connection.
    pub accepted: Receiver<()>,
}

impl TestServer {
    pub fn start(reply: Reply) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local addr");
        let (req_tx, requests) = mpsc::channel();
        let (acc_tx, accepted) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                if acc_tx.send(()).is_err() {
                    return;
                }
                let req_tx = req_tx.clone();
                std::thread::spawn(move || handle(stream, reply, &req_tx));
            }
        });
        Self {
            addr,
            requests,
            accepted,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The next request (a generous bound, so a broken client fails the test, not hangs it).
    pub fn next_request(&self) -> Captured {
        self.requests
            .recv_timeout(Duration::from_secs(10))
            .expect("a request reached the server")
    }
}

fn handle(stream: TcpStream, reply: Reply, requests: &Sender<Captured>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.is_empty() {
            return;
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let _ = requests.send(Captured {
        method,
        path,
        headers,
        body,
    });
    match reply {
        Reply::Status(code) => {
            let text = format!("status {code} from the test server");
            let response = format!(
                "HTTP/1.1 {code} Test\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{text}",
                text.len()
            );
            let _ = reader.get_mut().write_all(response.as_bytes());
        }
        Reply::Hang => {
            // Hold the connection open until the client gives up and closes it.
            let mut sink = [0u8; 256];
            while matches!(reader.read(&mut sink), Ok(n) if n > 0) {}
        }
    }
}
