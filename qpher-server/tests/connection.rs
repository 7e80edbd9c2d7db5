//! Connection-level behaviour seen by blocking clients over a raw TCP stream: the error
//! response for a body the server does not read, and a start on an address in use.

mod common;

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use common::b64;
use qpher_server::{BackgroundServer, ServerConfig, ServerError};
use serde_json::{Value, json};

const ENCRYPT_PATH: &str = "/api/v1/kem/encrypt";

fn start_server() -> BackgroundServer {
    ServerConfig::in_memory()
        .listen(SocketAddr::from(([127, 0, 0, 1], 0)))
        .start_background()
        .unwrap()
}

fn connect(server: &BackgroundServer) -> TcpStream {
    let stream = TcpStream::connect(server.local_addr()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
}

/// Returns the head of a POST request with `Connection: close`, so the server closes
/// the connection after its response and the response can be read to the end.
fn request_head(path: &str, api_key: Option<&str>, extra_headers: &[&str]) -> String {
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Connection: close\r\n"
    );
    if let Some(api_key) = api_key {
        head.push_str(&format!("x-api-key: {api_key}\r\n"));
    }
    for header in extra_headers {
        head.push_str(header);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

/// Returns an encrypt request body with a plaintext of `plaintext_len` zero bytes.
fn encrypt_body(plaintext_len: usize) -> Vec<u8> {
    let plaintext = vec![0_u8; plaintext_len];
    serde_json::to_vec(&json!({"plaintext": b64(&plaintext), "key_version": 1})).unwrap()
}

/// Reads a whole response from a connection that the server closes after it, and
/// returns the status code and the JSON body.
fn read_response(stream: &mut TcpStream) -> (u16, Value) {
    let mut raw = Vec::new();
    stream
        .read_to_end(&mut raw)
        .unwrap_or_else(|error| panic!("reading the response failed: {error}"));
    let text = String::from_utf8(raw).unwrap();
    let (head, body) = text
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("response has no end of head: {text:?}"));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("invalid status line: {head:?}"));
    let body = serde_json::from_str(body)
        .unwrap_or_else(|error| panic!("body is not JSON ({error}): {body:?}"));
    (status, body)
}

fn error_code(body: &Value) -> &str {
    body["error"]["error_code"].as_str().unwrap_or("")
}

fn error_message(body: &Value) -> &str {
    body["error"]["message"].as_str().unwrap_or("")
}

#[test]
fn oversized_body_gets_413_after_full_write() {
    let server = start_server();
    let body = encrypt_body(2 * 1024 * 1024);
    let head = request_head(
        ENCRYPT_PATH,
        Some(server.api_key()),
        &[&format!("Content-Length: {}", body.len())],
    );

    // The server rejects the size before it reads the body, so a reset connection would
    // show up as a write error on some of these attempts.
    for attempt in 0..10 {
        let mut stream = connect(&server);
        stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(&body))
            .unwrap_or_else(|error| panic!("attempt {attempt}: writing failed: {error}"));

        let (status, reply) = read_response(&mut stream);
        assert_eq!(status, 413, "attempt {attempt}: {reply}");
        assert_eq!(error_code(&reply), "ERR_INVALID_001", "{reply}");
        assert!(reply["request_id"].is_string(), "{reply}");
        assert!(reply["timestamp"].is_string(), "{reply}");

        let message = error_message(&reply);
        assert!(
            message.contains(&format!("request body of {} bytes", body.len())),
            "{message}"
        );
        assert!(message.contains("limit of 1463640 bytes"), "{message}");
        assert!(message.contains("1 MiB plaintext"), "{message}");
        assert!(message.contains("encrypt_local"), "{message}");
        assert!(message.contains("sign-hash"), "{message}");
    }
}

#[test]
fn oversized_chunked_body_gets_413() {
    let server = start_server();
    let body = encrypt_body(2 * 1024 * 1024);
    let head = request_head(
        ENCRYPT_PATH,
        Some(server.api_key()),
        &["Transfer-Encoding: chunked"],
    );

    let mut stream = connect(&server);
    stream.write_all(head.as_bytes()).unwrap();
    for chunk in body.chunks(64 * 1024) {
        stream
            .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .unwrap();
        stream.write_all(chunk).unwrap();
        stream.write_all(b"\r\n").unwrap();
    }
    stream.write_all(b"0\r\n\r\n").unwrap();

    let (status, reply) = read_response(&mut stream);
    assert_eq!(status, 413, "{reply}");
    assert_eq!(error_code(&reply), "ERR_INVALID_001", "{reply}");
    let message = error_message(&reply);
    assert!(
        message.starts_with("request body exceeds the limit of 1463640 bytes"),
        "{message}"
    );
}

#[test]
fn expect_continue_gets_413_without_body() {
    let server = start_server();
    let head = request_head(
        ENCRYPT_PATH,
        Some(server.api_key()),
        &["Content-Length: 3000000", "Expect: 100-continue"],
    );

    // The client sends no body, so the server must respond with 413 and not with
    // 100 Continue followed by waiting for the body.
    let mut stream = connect(&server);
    stream.write_all(head.as_bytes()).unwrap();
    let (status, reply) = read_response(&mut stream);
    assert_eq!(status, 413, "{reply}");
    assert_eq!(error_code(&reply), "ERR_INVALID_001", "{reply}");
}

#[test]
fn unauthenticated_large_body_gets_401() {
    let server = start_server();
    let body = encrypt_body(1024 * 1024);
    let head = request_head(
        ENCRYPT_PATH,
        Some("qph_wrong"),
        &[&format!("Content-Length: {}", body.len())],
    );

    let mut stream = connect(&server);
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(&body))
        .unwrap_or_else(|error| panic!("writing failed: {error}"));
    let (status, reply) = read_response(&mut stream);
    assert_eq!(status, 401, "{reply}");
    assert_eq!(error_code(&reply), "ERR_AUTH_001", "{reply}");
}

#[test]
fn body_within_limit_still_served() {
    let server = start_server();
    let mut stream = connect(&server);
    let head = "POST /api/v1/kms/keys/generate HTTP/1.1\r\nHost: 127.0.0.1\r\n\
                Content-Type: application/json\r\nConnection: close\r\n";
    let body = br#"{"algorithm":"Kyber768"}"#;
    let request = format!(
        "{head}x-api-key: {}\r\nContent-Length: {}\r\n\r\n",
        server.api_key(),
        body.len()
    );
    stream.write_all(request.as_bytes()).unwrap();
    stream.write_all(body).unwrap();
    let (status, _) = read_response(&mut stream);
    assert_eq!(status, 201);

    // A 1 MiB plaintext, the largest the API takes, fits under the body limit.
    let mut stream = connect(&server);
    let body = encrypt_body(1024 * 1024);
    let head = request_head(
        ENCRYPT_PATH,
        Some(server.api_key()),
        &[&format!("Content-Length: {}", body.len())],
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body).unwrap();
    let (status, reply) = read_response(&mut stream);
    assert_eq!(status, 200, "{reply}");
}

#[test]
fn busy_address_leaves_no_files() {
    let occupied = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = occupied.local_addr().unwrap();
    let parent = tempfile::tempdir().unwrap();
    let data_dir = parent.path().join("data");

    let error = ServerConfig::persistent(&data_dir)
        .listen(address)
        .start_background()
        .unwrap_err();
    assert!(matches!(error, ServerError::Bind { .. }), "{error:?}");
    assert!(
        !data_dir.exists(),
        "a failed start created {}",
        data_dir.display()
    );
}
