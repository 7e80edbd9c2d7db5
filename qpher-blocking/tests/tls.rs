//! TLS tests of the blocking client against a rustls server on 127.0.0.1.
//!
//! The fixtures are a test root CA and a server certificate for `127.0.0.1` that it signed,
//! both valid until 2126, made with:
//!
//! ```text
//! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500 \
//!     -keyout ca.key -out test-ca.pem -subj "/CN=Qpher test root CA" \
//!     -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign
//! openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout server.key \
//!     -out server.csr -subj "/CN=127.0.0.1"
//! openssl x509 -req -in server.csr -CA test-ca.pem -CAkey ca.key -days 36500 \
//!     -out server.pem -extfile ext.cnf   # CA:FALSE, serverAuth, SAN IP:127.0.0.1
//! ```

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use qpher_blocking::{Algorithm, Client, ErrorKind, RetryPolicy};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

const API_KEY: &str = "qph_test_driver_key";
const TEST_CA: &str = include_str!("fixtures/test-ca.pem");
const SERVER_CERT: &str = include_str!("fixtures/server.pem");
const SERVER_KEY: &str = include_str!("fixtures/server.key");

/// Starts a TLS server on 127.0.0.1 that responds to every request with an empty key list,
/// and returns its base URL.
fn tls_server() -> String {
    let certificate = CertificateDer::from_pem_slice(SERVER_CERT.as_bytes()).unwrap();
    let key = PrivateKeyDer::from_pem_slice(SERVER_KEY.as_bytes()).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certificate], key)
        .unwrap();
    let config = Arc::new(config);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for tcp in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut stream = rustls::StreamOwned::new(connection, tcp);
                let mut head = [0u8; 4096];
                if stream.read(&mut head).is_err() {
                    return;
                }
                let body = r#"{"data":{"keys":[],"total":0},"request_id":"req-tls"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes());
                let _ = stream.flush();
            });
        }
    });
    format!("https://{address}")
}

#[test]
fn added_root_is_trusted() {
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(tls_server())
        .add_root_certificate_pem(TEST_CA)
        .build()
        .unwrap();

    let keys = client.keys().list().unwrap();
    assert_eq!(keys.total, 0);
    assert_eq!(keys.request_id.as_deref(), Some("req-tls"));
}

#[test]
fn untrusted_certificate_is_connect_failure() {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&delays);
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(tls_server())
        .retry_policy(RetryPolicy::default().jitter(false))
        .max_retries(1)
        .sleep_impl(move |delay| recorded.lock().unwrap().push(delay))
        .build()
        .unwrap();

    // A rotation is retried only when the request surely did not leave, so the retry
    // shows that the failed handshake counts as a connection failure.
    let error = client.keys().rotate(Algorithm::Kyber768).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert!(!error.is_outcome_unknown());
    assert_eq!(error.attempts(), 2);
    assert_eq!(*delays.lock().unwrap(), [Duration::from_millis(500)]);
}
