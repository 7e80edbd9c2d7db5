//! The client contenders: one encrypt call through each SDK client, and the same request
//! written by hand over the HTTP library that client uses.
//!
//! The hand-written calls send the SDK's JSON body and headers (`x-api-key`, `content-type`,
//! `accept`, `user-agent`, `x-request-id`). Their HTTP client has the SDK's settings: no
//! redirects, a 30 s timeout and statuses returned as responses. They decode the response
//! into the ciphertext bytes, so both sides do the same work apart from the SDK itself.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qpher_core::USER_AGENT;
use qpher_types::paths;
use serde::{Deserialize, Serialize};

/// The timeout the SDK clients use by default, applied to the hand-written calls too.
const TIMEOUT: Duration = Duration::from_secs(30);

/// The cap on a response body, the SDK's default `max_response_bytes`.
const MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The server, key and plaintext of every contender's encrypt calls.
#[derive(Clone)]
pub(crate) struct Target {
    /// The server's base URL.
    pub(crate) base_url: String,
    /// The API key sent as `x-api-key`.
    pub(crate) api_key: String,
    /// The plaintext of every encrypt call.
    pub(crate) plaintext: Vec<u8>,
    /// The ciphertext length the server returns, checked on every response.
    pub(crate) ciphertext_len: usize,
}

impl Target {
    fn encrypt_url(&self) -> String {
        format!("{}{}", self.base_url, paths::KEM_ENCRYPT)
    }

    fn check_len(&self, len: usize) -> Result<(), String> {
        if len == self.ciphertext_len {
            Ok(())
        } else {
            Err(format!(
                "the ciphertext is {len} bytes, expected {}",
                self.ciphertext_len
            ))
        }
    }
}

/// Builds the async SDK client for `target`.
pub(crate) fn async_client(target: &Target) -> Result<qpher_async::Client, String> {
    qpher_async::Client::builder()
        .api_key(&target.api_key)
        .base_url(&target.base_url)
        .build()
        .map_err(|error| format!("failed to build the async client: {error}"))
}

/// Builds the blocking SDK client for `target`.
pub(crate) fn blocking_client(target: &Target) -> Result<qpher_blocking::Client, String> {
    qpher_blocking::Client::builder()
        .api_key(&target.api_key)
        .base_url(&target.base_url)
        .build()
        .map_err(|error| format!("failed to build the blocking client: {error}"))
}

/// Sends one encrypt call through the async SDK client.
pub(crate) async fn sdk_async_encrypt(
    client: &qpher_async::Client,
    target: &Target,
) -> Result<(), String> {
    let encrypted = client
        .kem()
        .encrypt(target.plaintext.as_slice(), 1)
        .await
        .map_err(|error| format!("qpher-async encrypt failed: {error}"))?;
    target.check_len(encrypted.ciphertext.len())
}

/// Sends one encrypt call through the blocking SDK client.
pub(crate) fn sdk_blocking_encrypt(
    client: &qpher_blocking::Client,
    target: &Target,
) -> Result<(), String> {
    let encrypted = client
        .kem()
        .encrypt(target.plaintext.as_slice(), 1)
        .map_err(|error| format!("qpher-blocking encrypt failed: {error}"))?;
    target.check_len(encrypted.ciphertext.len())
}

/// The encrypt request body the SDK sends.
#[derive(Serialize)]
struct EncryptBody<'a> {
    plaintext: &'a str,
    key_version: u32,
    mode: &'static str,
}

/// The success envelope of encrypt, as a hand-written client would declare it.
#[derive(Deserialize)]
struct EncryptEnvelope {
    data: EncryptData,
    #[serde(default)]
    #[allow(dead_code, reason = "read so the parse matches the SDK's")]
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct EncryptData {
    ciphertext: String,
    #[allow(dead_code, reason = "read so the parse matches the SDK's")]
    key_version: u32,
    #[serde(default)]
    #[allow(dead_code, reason = "read so the parse matches the SDK's")]
    algorithm: Option<String>,
}

/// Serializes the encrypt body of `plaintext`.
fn encrypt_body(plaintext: &[u8]) -> Result<Vec<u8>, String> {
    let encoded = STANDARD.encode(plaintext);
    serde_json::to_vec(&EncryptBody {
        plaintext: &encoded,
        key_version: 1,
        mode: "standard",
    })
    .map_err(|error| format!("failed to serialize the request body: {error}"))
}

/// Parses a 200 encrypt body into the ciphertext bytes.
fn parse_encrypted(status: u16, body: &[u8]) -> Result<Vec<u8>, String> {
    if status != 200 {
        return Err(format!("the server answered HTTP {status}"));
    }
    let envelope: EncryptEnvelope = serde_json::from_slice(body)
        .map_err(|error| format!("the response is not the encrypt envelope: {error}"))?;
    STANDARD
        .decode(envelope.data.ciphertext)
        .map_err(|error| format!("the ciphertext is not base64: {error}"))
}

/// Returns a request id for the hand-written calls: a counter in UUID form, unique per
/// process.
fn next_request_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("00000000-0000-4000-8000-{:012x}", count & 0xffff_ffff_ffff)
}

/// Builds a reqwest client with the async SDK's settings.
///
/// The workspace compiles rustls with two crypto providers (ring through reqwest,
/// aws-lc-rs through the SDK), so rustls has no default and the client is given a TLS
/// configuration with the aws-lc-rs provider, as the SDK does. The calls use plain HTTP,
/// so the configuration trusts no root.
pub(crate) fn raw_reqwest_client() -> Result<reqwest::Client, String> {
    let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|error| format!("failed to configure rustls: {error}"))?
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];

    reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(TIMEOUT)
        .build()
        .map_err(|error| format!("failed to build the reqwest client: {error}"))
}

/// Sends one encrypt call by hand over reqwest.
pub(crate) async fn raw_reqwest_encrypt(
    http: &reqwest::Client,
    target: &Target,
) -> Result<(), String> {
    let body = encrypt_body(&target.plaintext)?;
    let response = http
        .post(target.encrypt_url())
        .timeout(TIMEOUT)
        .header("x-api-key", &target.api_key)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .header("x-request-id", next_request_id())
        .body(body)
        .send()
        .await
        .map_err(|error| format!("reqwest failed: {error}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .bytes()
        .await
        .map_err(|error| format!("reqwest failed to read the body: {error}"))?;
    let ciphertext = parse_encrypted(status, &bytes)?;
    target.check_len(ciphertext.len())
}

/// Builds a ureq agent with the blocking SDK's settings.
pub(crate) fn raw_ureq_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(TIMEOUT))
        .build()
        .into()
}

/// Sends one encrypt call by hand over ureq.
pub(crate) fn raw_ureq_encrypt(agent: &ureq::Agent, target: &Target) -> Result<(), String> {
    let body = encrypt_body(&target.plaintext)?;
    let mut response = agent
        .post(target.encrypt_url())
        .header("x-api-key", &target.api_key)
        .header("content-type", "application/json")
        .header("accept", "application/json")
        .header("user-agent", USER_AGENT)
        .header("x-request-id", next_request_id())
        .send(body.as_slice())
        .map_err(|error| format!("ureq failed: {error}"))?;
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|error| format!("ureq failed to read the body: {error}"))?;
    let ciphertext = parse_encrypted(status, &bytes)?;
    target.check_len(ciphertext.len())
}
