//! [`ScriptedServer`]: a raw TCP listener on 127.0.0.1 that serves each connection with the
//! next scripted [`Action`] and records every request.
//!
//! Each action serves one connection and closes it, so every attempt of a client opens a
//! new connection. The server thread stops by itself once the script is done or after
//! [`SERVER_LIFETIME`], whichever comes first, and no action holds a connection longer than
//! [`MAX_HOLD`], so a test never hangs on it.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use socket2::SockRef;

use crate::mock::RecordedRequest;

/// Maximum time the server waits for connections before it stops.
pub const SERVER_LIFETIME: Duration = Duration::from_secs(10);

/// Maximum time one action keeps a connection open.
pub const MAX_HOLD: Duration = Duration::from_secs(5);

/// Largest request head or body the server reads.
const MAX_REQUEST_BYTES: usize = 1 << 20;

/// How the server responds on one connection, after reading the request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Writes the bytes, then closes the connection.
    Send(Vec<u8>),
    /// Writes the bytes (possibly none), then resets the connection.
    SendThenReset(Vec<u8>),
    /// Writes the bytes (possibly none), then keeps the connection open without writing
    /// until the client closes it or [`MAX_HOLD`] passes.
    SendThenStall(Vec<u8>),
    /// Sends a 200 head declaring `len` body bytes, then streams the body until it is
    /// complete or the client stops reading.
    StreamBody {
        /// Declared and sent body length, in bytes.
        len: usize,
    },
    /// Sends a 200 chunked head, then chunks until the client stops reading or
    /// [`MAX_HOLD`] passes. The final empty chunk is never sent.
    EndlessChunks,
}

/// A scripted server; see the module documentation.
pub struct ScriptedServer {
    address: SocketAddr,
    requests: Arc<Mutex<Vec<RecordedRequest>>>,
    thread: Option<JoinHandle<()>>,
}

impl ScriptedServer {
    /// Starts a server that serves the next connections with `script`, one action each.
    pub fn start(script: Vec<Action>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
        listener
            .set_nonblocking(true)
            .expect("a nonblocking listener");
        let address = listener.local_addr().expect("the listener's address");
        let requests = Arc::<Mutex<Vec<RecordedRequest>>>::default();

        let sink = Arc::clone(&requests);
        let thread = std::thread::spawn(move || serve(&listener, script, &sink));
        Self {
            address,
            requests,
            thread: Some(thread),
        }
    }

    /// Returns the base URL, such as `http://127.0.0.1:40123`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Returns the requests received so far, in arrival order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits for the server thread to finish its script, at most [`SERVER_LIFETIME`].
    pub fn finish(mut self) -> Vec<RecordedRequest> {
        if let Some(thread) = self.thread.take() {
            thread.join().expect("the scripted server thread ends");
        }
        self.requests()
    }
}

/// Returns a base URL on 127.0.0.1 where nothing listens: the port was bound, then released.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    let address = listener.local_addr().expect("the listener's address");
    drop(listener);
    format!("http://{address}")
}

/// Formats a complete HTTP/1.1 response with a `content-length` and `connection: close`.
pub fn http_response(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));

    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

fn serve(listener: &TcpListener, script: Vec<Action>, requests: &Mutex<Vec<RecordedRequest>>) {
    let deadline = Instant::now() + SERVER_LIFETIME;
    for action in script {
        let Some(mut stream) = accept_until(listener, deadline) else {
            return;
        };
        if stream.set_nonblocking(false).is_err() {
            continue;
        }

        let _ = stream.set_read_timeout(Some(MAX_HOLD));
        let _ = stream.set_write_timeout(Some(MAX_HOLD));
        if let Some(request) = read_request(&mut stream) {
            requests
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(request);
        }
        perform(&mut stream, action);
    }
}

fn accept_until(listener: &TcpListener, deadline: Instant) -> Option<TcpStream> {
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => return Some(stream),
            Err(error) if error.kind() == ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(_) => return None,
        }
    }
    None
}

fn perform(stream: &mut TcpStream, action: Action) {
    match action {
        Action::Send(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            let _ = stream.shutdown(Shutdown::Write);
            drain_until_closed(stream);
        }
        Action::SendThenReset(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            reset(stream);
        }
        Action::SendThenStall(bytes) => {
            let _ = stream.write_all(&bytes);
            let _ = stream.flush();
            drain_until_closed(stream);
        }
        Action::StreamBody { len } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\nconnection: close\r\n\r\n"
            );
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = vec![b'a'; 64 * 1024];
            let mut left = len;
            while left > 0 {
                let size = left.min(chunk.len());
                if stream.write_all(&chunk[..size]).is_err() {
                    return;
                }
                left -= size;
            }
            let _ = stream.shutdown(Shutdown::Write);
            drain_until_closed(stream);
        }
        Action::EndlessChunks => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            if stream.write_all(head.as_bytes()).is_err() {
                return;
            }
            let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));
            let deadline = Instant::now() + MAX_HOLD;
            while Instant::now() < deadline {
                if stream.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
        }
    }
}

/// Closes the connection with a TCP reset instead of an orderly close.
fn reset(stream: &TcpStream) {
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
}

/// Reads and discards input until the client closes the connection or [`MAX_HOLD`] passes.
fn drain_until_closed(stream: &mut TcpStream) {
    let deadline = Instant::now() + MAX_HOLD;
    let _ = stream.set_read_timeout(Some(Duration::from_millis(50)));
    let mut buffer = [0u8; 4096];
    while Instant::now() < deadline {
        match stream.read(&mut buffer) {
            Ok(0) => return,
            Ok(_) => {}
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Reads one HTTP/1.1 request with a `content-length` body (or none).
fn read_request(stream: &mut TcpStream) -> Option<RecordedRequest> {
    let mut data = Vec::new();
    let mut buffer = [0u8; 8192];
    let head_end = loop {
        if let Some(position) = find(&data, b"\r\n\r\n") {
            break position;
        }
        if data.len() > MAX_REQUEST_BYTES {
            return None;
        }
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            return None;
        }
        data.extend_from_slice(&buffer[..read]);
    };

    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next()?;
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();

    let length = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .and_then(|(_, value)| value.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_REQUEST_BYTES);
    let mut body = data[head_end + 4..].to_vec();
    while body.len() < length {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&buffer[..read]);
    }

    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target, None),
    };
    Some(RecordedRequest {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}
