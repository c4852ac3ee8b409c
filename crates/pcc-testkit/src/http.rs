//! A tiny HTTP/1.1 server on 127.0.0.1 for webhook and LLM tests: every request it receives is
//! handed to the test over a channel (so tests wait on the event, not on a sleep), and it answers
//! with a status, a JSON body, or never at all. Each connection has its own thread, so a held
//! connection never delays the next.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long the server waits for a request's bytes before it gives up on the connection.
const READ_TIMEOUT: Duration = Duration::from_secs(10);

/// How the server answers one request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// This status, with the body `status <code> from the test server`, then close.
    Status(u16),
    /// This status and this JSON body, then close.
    Json(u16, String),
    /// Read the request, then hold the connection open without a byte of answer until the
    /// client hangs up or the server is dropped.
    Never,
}

/// One received request.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The request target, e.g. `/v1/messages?x=1`.
    pub path: String,
    /// Names lowercased, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body, `Content-Length` bytes.
    pub body: Vec<u8>,
}

impl Request {
    /// The first header named `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    ///
    /// # Panics
    /// When it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("the body is JSON")
    }

    /// The body as text.
    ///
    /// # Panics
    /// When it is not UTF-8.
    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("the body is UTF-8")
    }
}

/// The server; stops accepting (and releases held connections) when dropped.
pub struct Loopback {
    addr: SocketAddr,
    requests: Receiver<Request>,
    stop: Arc<AtomicBool>,
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Loopback {
    /// Listens on 127.0.0.1 (an ephemeral port) and answers every request with `reply`.
    pub fn start(reply: Reply) -> Loopback {
        Loopback::scripted(vec![reply])
    }

    /// Answers the first request with the first reply, the second with the second, and so on;
    /// the last reply answers every request after the script.
    ///
    /// # Panics
    /// When `replies` is empty, or no loopback port can be had.
    pub fn scripted(replies: Vec<Reply>) -> Loopback {
        assert!(!replies.is_empty(), "a server needs a reply");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("local address");
        let (sender, requests) = channel();
        let stop = Arc::new(AtomicBool::new(false));
        let held = Arc::new(Mutex::new(Vec::new()));
        let (stop_flag, held_streams) = (Arc::clone(&stop), Arc::clone(&held));
        std::thread::spawn(move || {
            for (index, stream) in listener.incoming().enumerate() {
                if stop_flag.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let reply = replies[index.min(replies.len() - 1)].clone();
                let (sender, held) = (sender.clone(), Arc::clone(&held_streams));
                std::thread::spawn(move || serve(stream, &reply, &sender, &held));
            }
        });
        Loopback {
            addr,
            requests,
            stop,
            held,
        }
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `127.0.0.1:<port>`, as channel names show the host.
    pub fn host(&self) -> String {
        self.addr.to_string()
    }

    /// The next request, waiting at most `timeout`.
    pub fn next(&self, timeout: Duration) -> Option<Request> {
        self.requests.recv_timeout(timeout).ok()
    }

    /// The next request, waiting a generous bound so a broken client fails the test, not hangs
    /// it.
    ///
    /// # Panics
    /// When no request came.
    pub fn next_request(&self) -> Request {
        self.next(READ_TIMEOUT)
            .expect("a request reached the server")
    }

    /// A request already received, without waiting.
    pub fn try_next(&self) -> Option<Request> {
        self.requests.try_recv().ok()
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(mut held) = self.held.lock() {
            for stream in held.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        // Wakes the accept loop so it sees the stop flag.
        let _ = TcpStream::connect(self.addr);
    }
}

fn serve(
    mut stream: TcpStream,
    reply: &Reply,
    requests: &Sender<Request>,
    held: &Mutex<Vec<TcpStream>>,
) {
    let Some(request) = read_request(&stream) else {
        return;
    };
    let (status, content_type, body) = match reply {
        Reply::Status(status) => (
            *status,
            "text/plain",
            format!("status {status} from the test server"),
        ),
        Reply::Json(status, body) => (*status, "application/json", body.clone()),
        Reply::Never => {
            if let (Ok(clone), Ok(mut held)) = (stream.try_clone(), held.lock()) {
                held.push(clone);
            }
            let _ = requests.send(request);
            // Until the client hangs up, or the server's drop shuts the connection.
            let _ = stream.set_read_timeout(None);
            let mut sink = [0u8; 256];
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
    };
    let _ = requests.send(request);
    let _ = write!(
        stream,
        "HTTP/1.1 {status} Test\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         connection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

/// Reads a request line, headers and a `Content-Length` body; `None` on anything else.
fn read_request(stream: &TcpStream) -> Option<Request> {
    stream.set_read_timeout(Some(READ_TIMEOUT)).ok()?;
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end_matches(['\r', '\n']);
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}
