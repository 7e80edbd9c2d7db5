//! A loopback HTTP server that returns one fixed, valid response for every API endpoint,
//! so the client benchmarks measure the clients and not the server's cryptography.
//!
//! Each handler reads the whole request body before it responds, so a client must send all
//! of it, and returns bytes built once at start-up with the sizes the real service uses:
//! an encrypt ciphertext is the plaintext plus the 1117 bytes of KEM-DEM overhead, a
//! signature is 3309 bytes and a public key 1184 bytes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qpher_types::paths;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::workspace::LOOPBACK_ANY_PORT;

/// Bytes a KEM-DEM ciphertext adds to its plaintext: format byte, ML-KEM-768 ciphertext
/// (1088), AES-GCM IV (12) and tag (16).
pub(crate) const KEM_DEM_OVERHEAD: usize = 1 + 1088 + 12 + 16;

/// ML-DSA-65 signature length in bytes.
const SIGNATURE_LEN: usize = 3309;

/// The running server; dropping it stops the server and joins its thread.
pub(crate) struct FixedServer {
    address: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl FixedServer {
    /// Starts the server on 127.0.0.1 with a port the system picks, on a tokio runtime of
    /// `workers` threads. `plaintext_len` sets the size of the encrypt and decrypt payloads.
    ///
    /// # Errors
    ///
    /// Returns an error when the runtime cannot start or the socket cannot be bound.
    pub(crate) fn start(workers: usize, plaintext_len: usize) -> Result<Self, String> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("fixed-server")
            .enable_all()
            .build()
            .map_err(|error| format!("failed to start the fixed server's runtime: {error}"))?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind(LOOPBACK_ANY_PORT))
            .map_err(|error| format!("failed to bind the fixed server: {error}"))?;
        let address = listener
            .local_addr()
            .map_err(|error| format!("failed to read the fixed server's address: {error}"))?;

        let app = router(Arc::new(Responses::new(plaintext_len)));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("fixed-server".to_owned())
            .spawn(move || {
                runtime.block_on(async move {
                    let served = axum::serve(listener, app)
                        .with_graceful_shutdown(async move {
                            let _ = stopped.await;
                        })
                        .await;
                    if let Err(error) = served {
                        eprintln!("the fixed server failed: {error}");
                    }
                });
            })
            .map_err(|error| format!("failed to start the fixed server's thread: {error}"))?;

        Ok(Self {
            address,
            shutdown: Some(shutdown),
            thread: Some(thread),
        })
    }

    /// Returns the base URL, such as `http://127.0.0.1:40123`.
    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for FixedServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The serialized response of every endpoint.
struct Responses {
    encrypt: Bytes,
    decrypt: Bytes,
    encapsulate: Bytes,
    decapsulate: Bytes,
    wrap: Bytes,
    unwrap: Bytes,
    sign: Bytes,
    verify: Bytes,
    sign_hash: Bytes,
    verify_hash: Bytes,
    key: Bytes,
    key_list: Bytes,
    rotate: Bytes,
}

impl Responses {
    fn new(plaintext_len: usize) -> Self {
        let kem_key = key_info(1, "Kyber768", 1184);
        Self {
            encrypt: envelope(json!({
                "ciphertext": filler(plaintext_len + KEM_DEM_OVERHEAD),
                "key_version": 1,
                "algorithm": "Kyber768",
            })),
            decrypt: envelope(json!({
                "plaintext": filler(plaintext_len),
                "key_version": 1,
                "algorithm": "Kyber768",
            })),
            encapsulate: envelope(json!({
                "kem_ciphertext": filler(1088),
                "shared_secret": filler(32),
                "key_version": 1,
                "algorithm": "Kyber768",
            })),
            decapsulate: envelope(json!({
                "shared_secret": filler(32),
                "key_version": 1,
                "algorithm": "Kyber768",
            })),
            wrap: envelope(json!({
                "wrapped_key": filler(32 + KEM_DEM_OVERHEAD),
                "key_version": 1,
                "algorithm": "Kyber768",
                "wrapping_method": "KEM-DEM",
            })),
            unwrap: envelope(json!({
                "symmetric_key": filler(32),
                "key_version": 1,
                "algorithm": "Kyber768",
            })),
            sign: envelope(json!({
                "signature": filler(SIGNATURE_LEN),
                "key_version": 1,
                "algorithm": "Dilithium3",
            })),
            verify: envelope(json!({
                "valid": true,
                "key_version": 1,
                "algorithm": "Dilithium3",
            })),
            sign_hash: envelope(json!({
                "signature": filler(SIGNATURE_LEN),
                "key_version": 1,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
                "signature_type": "detached",
            })),
            verify_hash: envelope(json!({
                "valid": true,
                "key_version": 1,
                "algorithm": "Dilithium3",
                "hash_algorithm": "SHA-256",
            })),
            key: envelope(kem_key.clone()),
            key_list: envelope(json!({ "keys": [kem_key], "total": 1 })),
            rotate: envelope(json!({
                "key_version": 2,
                "algorithm": "Kyber768",
                "public_key": filler(1184),
                "old_key_version": 1,
            })),
        }
    }
}

/// Returns `len` bytes of a fixed pattern in base64.
fn filler(len: usize) -> String {
    let bytes: Vec<u8> = (0..len).map(|index| (index % 251) as u8).collect();
    STANDARD.encode(bytes)
}

fn key_info(version: u32, algorithm: &str, public_key_len: usize) -> Value {
    json!({
        "key_version": version,
        "algorithm": algorithm,
        "status": "active",
        "public_key": filler(public_key_len),
        "created_at": "2026-01-01T00:00:00Z",
    })
}

/// Wraps `data` in the success envelope and serializes it.
fn envelope(data: Value) -> Bytes {
    let body = json!({
        "data": data,
        "request_id": "req-fixed-server",
        "timestamp": "2026-01-01T00:00:00Z",
    });
    Bytes::from(body.to_string())
}

type Shared = State<Arc<Responses>>;

fn router(responses: Arc<Responses>) -> Router {
    Router::new()
        .route(
            paths::KEM_ENCRYPT,
            post(|s: Shared, b: Bytes| reply(b, s.encrypt.clone())),
        )
        .route(
            paths::KEM_DECRYPT,
            post(|s: Shared, b: Bytes| reply(b, s.decrypt.clone())),
        )
        .route(
            paths::KEM_ENCAPSULATE,
            post(|s: Shared, b: Bytes| reply(b, s.encapsulate.clone())),
        )
        .route(
            paths::KEM_DECAPSULATE,
            post(|s: Shared, b: Bytes| reply(b, s.decapsulate.clone())),
        )
        .route(
            paths::KEM_WRAP,
            post(|s: Shared, b: Bytes| reply(b, s.wrap.clone())),
        )
        .route(
            paths::KEM_WRAP_SHORT,
            post(|s: Shared, b: Bytes| reply(b, s.wrap.clone())),
        )
        .route(
            paths::KEM_UNWRAP,
            post(|s: Shared, b: Bytes| reply(b, s.unwrap.clone())),
        )
        .route(
            paths::KEM_UNWRAP_SHORT,
            post(|s: Shared, b: Bytes| reply(b, s.unwrap.clone())),
        )
        .route(
            paths::SIGN,
            post(|s: Shared, b: Bytes| reply(b, s.sign.clone())),
        )
        .route(
            paths::VERIFY,
            post(|s: Shared, b: Bytes| reply(b, s.verify.clone())),
        )
        .route(
            paths::SIGN_HASH,
            post(|s: Shared, b: Bytes| reply(b, s.sign_hash.clone())),
        )
        .route(
            paths::VERIFY_HASH,
            post(|s: Shared, b: Bytes| reply(b, s.verify_hash.clone())),
        )
        .route(
            paths::KEYS,
            get(|s: Shared| reply(Bytes::new(), s.key_list.clone())),
        )
        .route(
            paths::KEYS_GENERATE,
            post(|s: Shared, b: Bytes| reply(b, s.key.clone())),
        )
        .route(
            paths::KEYS_ACTIVE,
            get(|s: Shared| reply(Bytes::new(), s.key.clone())),
        )
        .route(
            paths::KEYS_ROTATE,
            post(|s: Shared, b: Bytes| reply(b, s.rotate.clone())),
        )
        .route(
            paths::KEYS_RETIRE,
            post(|s: Shared, b: Bytes| reply(b, s.key.clone())),
        )
        .route(
            "/api/v1/kms/keys/{key_version}",
            get(|s: Shared| reply(Bytes::new(), s.key.clone())),
        )
        .with_state(responses)
}

/// Responds with `body` once the request body `_request` has been read in full.
async fn reply(_request: Bytes, body: Bytes) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}
