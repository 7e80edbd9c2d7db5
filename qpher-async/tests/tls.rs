//! TLS tests of the async client against a rustls server on 127.0.0.1.
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
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use qpher_async::{Algorithm, Client, ErrorKind, RetryPolicy};
use rustls::NamedGroup;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

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

/// What the key exchange server saw in its one handshake and request.
#[derive(Debug)]
struct Handshake {
    /// The client's `supported_groups`, in its order of preference.
    offered_groups: Vec<NamedGroup>,
    /// The key exchange group that the handshake negotiated.
    negotiated_group: Option<NamedGroup>,
    /// The first line of the HTTP request.
    request_line: String,
}

/// Starts a TLS server on 127.0.0.1 with a new self-signed certificate for `127.0.0.1`,
/// which serves one connection and responds with an active Kyber768 key.
///
/// Returns the base URL, the certificate as PEM, and a receiver that gets the
/// [`Handshake`] before the response is written.
fn key_exchange_server() -> (String, String, mpsc::Receiver<Handshake>) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let certificate_pem = certified.cert.pem();
    let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key.into())
        .unwrap();
    let config = Arc::new(config);

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();

        // The Acceptor exposes the ClientHello before the handshake goes on.
        let mut acceptor = rustls::server::Acceptor::default();
        let accepted = loop {
            acceptor.read_tls(&mut tcp).unwrap();
            if let Some(accepted) = acceptor.accept().map_err(|(error, _)| error).unwrap() {
                break accepted;
            }
        };
        let offered_groups = accepted
            .client_hello()
            .named_groups()
            .unwrap_or_default()
            .to_vec();
        let connection = accepted
            .into_connection(config)
            .map_err(|(error, _)| error)
            .unwrap();

        let mut stream = rustls::StreamOwned::new(connection, tcp);
        let mut head = Vec::new();
        let mut buffer = [0u8; 4096];
        while !head.windows(4).any(|window| window == b"\r\n\r\n") {
            let read = stream.read(&mut buffer).unwrap();
            assert_ne!(
                read, 0,
                "the client closed the connection before the request ended"
            );
            head.extend_from_slice(&buffer[..read]);
        }
        let head = String::from_utf8_lossy(&head);
        sender
            .send(Handshake {
                offered_groups,
                negotiated_group: stream
                    .conn
                    .negotiated_key_exchange_group()
                    .map(|group| group.name()),
                request_line: head.lines().next().unwrap_or_default().to_owned(),
            })
            .unwrap();

        let body = r#"{"data":{"key_version":3,"algorithm":"Kyber768","status":"active","public_key":"AAEC","created_at":"2026-01-01T00:00:00Z"},"request_id":"req-pq","timestamp":"2026-01-01T00:00:00Z"}"#;
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(response.as_bytes()).unwrap();
        stream.flush().unwrap();
        stream.conn.send_close_notify();
        let _ = stream.flush();
    });
    (format!("https://{address}"), certificate_pem, receiver)
}

#[tokio::test]
async fn added_root_is_trusted() {
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(tls_server())
        .add_root_certificate_pem(TEST_CA)
        .build()
        .unwrap();

    let keys = client.keys().list().await.unwrap();
    assert_eq!(keys.total, 0);
    assert_eq!(keys.request_id.as_deref(), Some("req-tls"));
}

#[tokio::test]
async fn untrusted_certificate_is_connect_failure() {
    let delays = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&delays);
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(tls_server())
        .retry_policy(RetryPolicy::default().jitter(false))
        .max_retries(1)
        .sleep_impl(move |delay| {
            recorded.lock().unwrap().push(delay);
            Box::pin(async {})
        })
        .build()
        .unwrap();

    // A rotation is retried only when the request surely did not leave, so the retry
    // shows that the failed handshake counts as a connection failure.
    let error = client.keys().rotate(Algorithm::Kyber768).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Connection);
    assert!(!error.is_outcome_unknown());
    assert_eq!(error.attempts(), 2);
    assert_eq!(*delays.lock().unwrap(), [Duration::from_millis(500)]);
}

#[tokio::test]
async fn key_exchange_is_x25519mlkem768() {
    let (base_url, certificate_pem, handshakes) = key_exchange_server();
    let client = Client::builder()
        .api_key(API_KEY)
        .base_url(base_url)
        .add_root_certificate_pem(certificate_pem)
        .max_retries(0)
        .build()
        .unwrap();

    let key = client.keys().get_active(Algorithm::Kyber768).await.unwrap();
    assert_eq!(key.key_version, 3);
    assert_eq!(key.public_key, [0, 1, 2]);

    let handshake = handshakes.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(
        handshake.offered_groups.first(),
        Some(&NamedGroup::X25519MLKEM768),
        "offered groups: {:?}",
        handshake.offered_groups
    );
    assert!(
        handshake.offered_groups.contains(&NamedGroup::X25519),
        "offered groups: {:?}",
        handshake.offered_groups
    );
    assert_eq!(handshake.negotiated_group, Some(NamedGroup::X25519MLKEM768));
    assert_eq!(
        handshake.request_line,
        "GET /api/v1/kms/keys/active?algorithm=Kyber768 HTTP/1.1"
    );
}

/// An application's own reqwest client, built in the same program with the features this
/// crate turns on, must still find a TLS provider: reqwest falls back to ring when no
/// process default is installed, and panics when the build has no provider at all.
#[test]
fn plain_reqwest_client_builds() {
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());

    let client = reqwest::Client::builder().build();
    assert!(client.is_ok(), "{client:?}");
}
