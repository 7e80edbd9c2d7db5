//! Driver tests of the async client against mock servers on 127.0.0.1: request shape,
//! retries through the sleep hook, redirects, the body cap and the per-attempt timeout.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use httpmock::Method::{GET, POST};
use httpmock::MockServer;
use qpher_async::{Algorithm, Client, ClientBuilder, ErrorKind, LocalEnvelope, RetryPolicy};
use serde_json::{Value, json};

const API_KEY: &str = "qph_test_driver_key";

/// Wraps `data` in the service's success envelope.
fn envelope(data: Value) -> Value {
    json!({ "data": data, "request_id": "req-mock", "timestamp": "2026-01-01T00:00:00Z" })
}

/// Returns a builder for `base_url` with exact delays and a hook that records them.
fn builder(base_url: &str, delays: &Arc<Mutex<Vec<Duration>>>) -> ClientBuilder {
    let recorded = Arc::clone(delays);
    Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .timeout(Duration::from_secs(5))
        .retry_policy(RetryPolicy::default().jitter(false))
        .sleep_impl(move |delay| {
            recorded.lock().unwrap().push(delay);
            Box::pin(async {})
        })
}

fn client(base_url: &str) -> Client {
    builder(base_url, &Arc::default()).build().unwrap()
}

/// Starts a server on 127.0.0.1 that hands each accepted connection to `serve` on its own
/// thread, and returns its base URL.
fn raw_server(serve: fn(TcpStream)) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve(stream));
        }
    });
    format!("http://{address}")
}

/// Reads the request head, so the client is waiting for the response.
fn read_head(stream: &mut TcpStream) {
    let mut buffer = [0u8; 4096];
    let _ = stream.read(&mut buffer);
}

#[test]
fn client_is_send_sync_clone() {
    fn assert_traits<T: Send + Sync + Clone + 'static>() {}
    fn assert_send<T: Send>(_: &T) {}

    assert_traits::<Client>();
    let client = Client::new(API_KEY).unwrap();
    let kem = client.kem();
    assert_send(&kem.encrypt(b"x".to_vec(), 1));
    assert_send(&kem.encrypt_local(b"x", 1));
    assert_send(&client.keys().list());
}

#[tokio::test]
async fn encrypt_decrypt_round_trip() {
    let server = MockServer::start_async().await;
    let encrypt = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/kem/encrypt")
                .header("x-api-key", API_KEY)
                .header("content-type", "application/json")
                .header_exists("x-request-id")
                .json_body(
                    json!({ "plaintext": "aGVsbG8=", "key_version": 3, "mode": "standard" }),
                );
            then.status(200).json_body(envelope(json!({
                "ciphertext": "AAEC", "key_version": 3, "algorithm": "Kyber768"
            })));
        })
        .await;
    let decrypt = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/kem/decrypt")
                .json_body(json!({ "ciphertext": "AAEC", "key_version": 3 }));
            then.status(200).json_body(envelope(json!({
                "plaintext": "aGVsbG8=", "key_version": 3, "algorithm": "Kyber768"
            })));
        })
        .await;

    let client = client(&server.base_url());
    let encrypted = client.kem().encrypt(b"hello".to_vec(), 3).await.unwrap();
    assert_eq!(encrypted.ciphertext, [0, 1, 2]);
    assert_eq!(encrypted.algorithm, Algorithm::Kyber768);
    assert_eq!(encrypted.request_id.as_deref(), Some("req-mock"));

    let decrypted = client
        .kem()
        .decrypt(&encrypted.ciphertext, encrypted.key_version)
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext.expose_secret(), b"hello");
    assert_eq!(encrypt.calls_async().await, 1);
    assert_eq!(decrypt.calls_async().await, 1);
}

#[tokio::test]
async fn get_active_sends_query() {
    let server = MockServer::start_async().await;
    let active = server
        .mock_async(|when, then| {
            when.method(GET)
                .path("/api/v1/kms/keys/active")
                .query_param("algorithm", "Dilithium3");
            then.status(200).json_body(envelope(json!({
                "key_version": 2, "algorithm": "Dilithium3", "status": "active",
                "public_key": "AAEC", "created_at": "2026-01-01T00:00:00Z"
            })));
        })
        .await;

    let key = client(&server.base_url())
        .keys()
        .get_active(Algorithm::Dilithium3)
        .await
        .unwrap();
    assert_eq!(key.key_version, 2);
    assert_eq!(active.calls_async().await, 1);
}

#[tokio::test]
async fn retries_sleep_through_hook() {
    let server = MockServer::start_async().await;
    let unavailable = server
        .mock_async(|when, then| {
            when.method(POST).path("/api/v1/signature/sign");
            then.status(503).json_body(json!({
                "error": { "error_code": "ERR_SERVICE_001", "message": "down" },
                "request_id": "req-down"
            }));
        })
        .await;

    let delays = Arc::default();
    let client = builder(&server.base_url(), &delays)
        .max_retries(2)
        .build()
        .unwrap();
    let error = client.signatures().sign(b"message", 1).await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.status_code(), Some(503));
    assert_eq!(error.attempts(), 3);
    assert_eq!(error.request_id(), Some("req-down"));
    assert_eq!(unavailable.calls_async().await, 3);
    assert_eq!(
        *delays.lock().unwrap(),
        [Duration::from_millis(500), Duration::from_secs(1)]
    );
}

#[tokio::test]
async fn redirect_not_followed() {
    let elsewhere = MockServer::start_async().await;
    let target = elsewhere
        .mock_async(|when, then| {
            when.any_request();
            then.status(200);
        })
        .await;
    let server = MockServer::start_async().await;
    let location = elsewhere.url("/api/v1/kms/keys");
    server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/kms/keys");
            then.status(307).header("location", location.as_str());
        })
        .await;

    let error = client(&server.base_url()).keys().list().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Redirect);
    assert_eq!(error.status_code(), Some(307));
    assert!(error.message().contains(&elsewhere.base_url()), "{error}");
    assert_eq!(target.calls_async().await, 0);
}

#[tokio::test]
async fn oversized_body_stops_reading() {
    let server = MockServer::start_async().await;
    let keys = server
        .mock_async(|when, then| {
            when.method(GET).path("/api/v1/kms/keys");
            then.status(200).body(vec![b' '; 4096]);
        })
        .await;

    let client = builder(&server.base_url(), &Arc::default())
        .max_response_bytes(1024)
        .build()
        .unwrap();
    let error = client.keys().list().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge);
    assert_eq!(keys.calls_async().await, 1);
}

#[tokio::test]
async fn chunked_body_over_cap() {
    let base_url = raw_server(|mut stream| {
        read_head(&mut stream);
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        let chunk = format!("400\r\n{}\r\n", " ".repeat(0x400));
        while stream.write_all(chunk.as_bytes()).is_ok() {}
    });

    let client = builder(&base_url, &Arc::default())
        .max_response_bytes(64 * 1024)
        .build()
        .unwrap();
    let error = client.keys().list().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::ResponseTooLarge);
}

#[tokio::test]
async fn silent_server_times_out() {
    let base_url = raw_server(|mut stream| {
        read_head(&mut stream);
        std::thread::sleep(Duration::from_secs(10));
    });

    let client = builder(&base_url, &Arc::default())
        .timeout(Duration::from_millis(300))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.keys().list().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert_eq!(error.status_code(), Some(504));
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn stalled_body_times_out() {
    let base_url = raw_server(|mut stream| {
        read_head(&mut stream);
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        let _ = stream.write_all(head.as_bytes());
        while stream.write_all(b"1\r\n \r\n").is_ok() {
            std::thread::sleep(Duration::from_millis(50));
        }
    });

    let client = builder(&base_url, &Arc::default())
        .timeout(Duration::from_millis(400))
        .max_retries(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client.keys().list().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn refused_connection_is_retried() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);

    let delays = Arc::default();
    let client = builder(&base_url, &delays).max_retries(1).build().unwrap();
    let error = client.keys().list().await.unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Connection);
    assert_eq!(error.status_code(), Some(503));
    assert_eq!(error.attempts(), 2);
    assert_eq!(*delays.lock().unwrap(), [Duration::from_millis(500)]);
}

#[tokio::test]
async fn local_envelope_round_trip() {
    let server = MockServer::start_async().await;
    let secret = "B".repeat(42) + "A=";
    let encapsulate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/kem/encapsulate")
                .json_body(json!({ "key_version": 1 }));
            then.status(200).json_body(envelope(json!({
                "kem_ciphertext": "AAEC", "shared_secret": secret,
                "key_version": 1, "algorithm": "Kyber768"
            })));
        })
        .await;
    let decapsulate = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/api/v1/kem/decapsulate")
                .json_body(json!({
                    "kem_ciphertext": "AAEC", "key_version": 1, "algorithm": "Kyber768"
                }));
            then.status(200).json_body(envelope(json!({
                "shared_secret": secret, "key_version": 1, "algorithm": "Kyber768"
            })));
        })
        .await;

    let client = client(&server.base_url());
    let sealed = client.kem().encrypt_local(b"local data", 1).await.unwrap();
    assert_eq!(sealed.kem_ciphertext, [0, 1, 2]);
    assert_eq!(sealed.aes_ciphertext.len(), b"local data".len() + 16);

    let again = client.kem().encrypt_local(b"local data", 1).await.unwrap();
    assert_ne!(sealed.iv, again.iv);

    let opened = client.kem().decrypt_local(&sealed).await.unwrap();
    assert_eq!(opened.expose_secret(), b"local data");

    let mut tampered: LocalEnvelope = sealed.clone();
    tampered.aes_ciphertext[0] ^= 1;
    let error = client.kem().decrypt_local(&tampered).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidArgument);

    assert_eq!(encapsulate.calls_async().await, 2);
    assert_eq!(decapsulate.calls_async().await, 2);
}

#[test]
fn invalid_root_certificate_rejected() {
    let error = Client::builder()
        .api_key(API_KEY)
        .add_root_certificate_pem("not a certificate")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);
    assert!(error.message().contains("add_root_certificate_pem"));
}

#[test]
fn malformed_root_certificate_rejected() {
    // A well-formed PEM block whose content is three bytes, not DER X.509.
    let error = Client::builder()
        .api_key(API_KEY)
        .add_root_certificate_pem("-----BEGIN CERTIFICATE-----\nAAEC\n-----END CERTIFICATE-----\n")
        .build()
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Configuration);
    assert!(
        error.message().contains("not a valid X.509 certificate"),
        "{}",
        error.message()
    );
}

#[test]
fn debug_hides_api_key() {
    let client = Client::new(API_KEY).unwrap();
    let text = format!("{client:?}");
    assert!(!text.contains(API_KEY), "{text}");

    let builder = Client::builder().api_key(API_KEY);
    let text = format!("{builder:?}");
    assert!(!text.contains(API_KEY), "{text}");
}
