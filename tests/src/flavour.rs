//! [`Flavour`] and the runners that send an [`Op`] through the async or the blocking client.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use qpher_core::ops::{
    DecapsulateResult, DecryptResult, EncapsulateResult, EncryptResult, Key, KeyList, RotateResult,
    SignHashResult, SignResult, UnwrapResult, VerifyHashResult, VerifyResult, WrapResult,
};
use qpher_core::{LocalEnvelope, RetryPolicy};
use qpher_types::{KeyInfo, SecretBytes};
use serde_json::{Value, json};

use crate::fixtures::{API_KEY, b64};
use crate::op::Op;

/// The result of one call: the result's fields as JSON, or the client's error.
pub type Outcome = Result<Value, qpher_core::Error>;

/// Time allowed for one attempt unless a test sets another. Mock servers respond at once.
const DEFAULT_TEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Which client runs a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Flavour {
    /// `qpher-async`, on a current-thread tokio runtime.
    Async,
    /// `qpher-blocking`, on a plain thread of its own.
    Blocking,
}

impl Flavour {
    /// Both flavours, in the order the tests run them.
    pub const ALL: [Flavour; 2] = [Flavour::Async, Flavour::Blocking];
}

/// Client settings of a test run, applied the same way to both flavours.
///
/// Retries use the exact schedule (no jitter), and the sleep hook records each delay and
/// returns at once, so no test waits for a backoff.
#[derive(Clone)]
pub struct Settings {
    base_url: String,
    api_key: String,
    timeout: Duration,
    max_retries: Option<u32>,
    retry_policy: RetryPolicy,
    max_response_bytes: Option<usize>,
    delays: Arc<Mutex<Vec<Duration>>>,
}

impl Settings {
    /// Creates settings for a server at `base_url`, with the test API key, a 5 s timeout
    /// and the retry policy's defaults without jitter.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            api_key: API_KEY.to_owned(),
            timeout: DEFAULT_TEST_TIMEOUT,
            max_retries: None,
            retry_policy: RetryPolicy::default().jitter(false),
            max_response_bytes: None,
            delays: Arc::default(),
        }
    }

    /// Sets the API key.
    pub fn api_key(mut self, api_key: &str) -> Self {
        self.api_key = api_key.to_owned();
        self
    }

    /// Sets the time allowed for one attempt.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of retries through the builder's `max_retries`.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.retry_policy = policy;
        self
    }

    /// Sets the response body cap.
    pub fn max_response_bytes(mut self, max_response_bytes: usize) -> Self {
        self.max_response_bytes = Some(max_response_bytes);
        self
    }

    /// Returns the delays the clients asked to sleep during the latest run.
    pub fn delays(&self) -> Vec<Duration> {
        self.delays
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn record_delay(delays: &Mutex<Vec<Duration>>, delay: Duration) {
        delays
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(delay);
    }

    fn async_client(&self) -> qpher_async::Client {
        let delays = Arc::clone(&self.delays);
        let sleep = move |delay: Duration| -> Pin<Box<dyn Future<Output = ()> + Send>> {
            Settings::record_delay(&delays, delay);
            Box::pin(std::future::ready(()))
        };

        let mut builder = qpher_async::Client::builder()
            .api_key(self.api_key.as_str())
            .base_url(self.base_url.as_str())
            .timeout(self.timeout)
            .retry_policy(self.retry_policy.clone())
            .sleep_impl(sleep);
        if let Some(max_retries) = self.max_retries {
            builder = builder.max_retries(max_retries);
        }
        if let Some(max_response_bytes) = self.max_response_bytes {
            builder = builder.max_response_bytes(max_response_bytes);
        }
        builder.build().expect("the async client builds")
    }

    fn blocking_client(&self) -> qpher_blocking::Client {
        let delays = Arc::clone(&self.delays);
        let sleep = move |delay: Duration| Settings::record_delay(&delays, delay);

        let mut builder = qpher_blocking::Client::builder()
            .api_key(self.api_key.as_str())
            .base_url(self.base_url.as_str())
            .timeout(self.timeout)
            .retry_policy(self.retry_policy.clone())
            .sleep_impl(sleep);
        if let Some(max_retries) = self.max_retries {
            builder = builder.max_retries(max_retries);
        }
        if let Some(max_response_bytes) = self.max_response_bytes {
            builder = builder.max_response_bytes(max_response_bytes);
        }
        builder.build().expect("the blocking client builds")
    }
}

/// Calls `$op` on `$client` and normalizes the result. With `await` as the last argument it
/// awaits each call, so one match serves both flavours.
macro_rules! execute {
    ($client:ident, $op:expr $(, $await:tt)?) => {{
        let (op, algorithm) = $op.into_parts();
        let kem = match algorithm.clone() {
            Some(algorithm) => $client.kem().with_algorithm(algorithm),
            None => $client.kem(),
        };
        let signatures = match algorithm {
            Some(algorithm) => $client.signatures().with_algorithm(algorithm),
            None => $client.signatures(),
        };
        let keys = $client.keys();

        match op {
            Op::Encrypt { plaintext, key_version } => {
                kem.encrypt(plaintext, key_version)$(.$await)?.map(|r| encrypt_fields(&r))
            }
            Op::EncryptDeterministic { plaintext, key_version, salt } => kem
                .encrypt_deterministic(plaintext, key_version, salt)$(.$await)?
                .map(|r| encrypt_fields(&r)),
            Op::Decrypt { ciphertext, key_version } => {
                kem.decrypt(ciphertext, key_version)$(.$await)?.map(|r| decrypt_fields(&r))
            }
            Op::Encapsulate { key_version } => {
                kem.encapsulate(key_version)$(.$await)?.map(|r| encapsulate_fields(&r))
            }
            Op::Decapsulate { kem_ciphertext, key_version } => kem
                .decapsulate(kem_ciphertext, key_version)$(.$await)?
                .map(|r| decapsulate_fields(&r)),
            Op::Wrap { symmetric_key, key_version } => {
                kem.wrap(symmetric_key, key_version)$(.$await)?.map(|r| wrap_fields(&r))
            }
            Op::Unwrap { wrapped_key, key_version } => {
                kem.unwrap(wrapped_key, key_version)$(.$await)?.map(|r| unwrap_fields(&r))
            }
            Op::EncryptLocal { plaintext, key_version } => kem
                .encrypt_local(plaintext, key_version)$(.$await)?
                .map(|envelope| envelope_fields(&envelope)),
            Op::DecryptLocal { envelope } => kem
                .decrypt_local(&envelope)$(.$await)?
                .map(|plaintext| secret_fields("plaintext", &plaintext)),
            Op::Sign { message, key_version } => {
                signatures.sign(message, key_version)$(.$await)?.map(|r| sign_fields(&r))
            }
            Op::Verify { message, signature, key_version } => signatures
                .verify(message, signature, key_version)$(.$await)?
                .map(|r| verify_fields(&r)),
            Op::SignHash { hash, hash_algorithm, key_version } => signatures
                .sign_hash(hash, hash_algorithm, key_version)$(.$await)?
                .map(|r| sign_hash_fields(&r)),
            Op::VerifyHash { hash, hash_algorithm, signature, key_version } => signatures
                .verify_hash(hash, hash_algorithm, signature, key_version)$(.$await)?
                .map(|r| verify_hash_fields(&r)),
            Op::Generate { algorithm } => {
                keys.generate(algorithm)$(.$await)?.map(|r| key_fields(&r))
            }
            Op::List => keys.list()$(.$await)?.map(|r| key_list_fields(&r)),
            Op::ListFiltered { algorithm, status } => keys
                .list_filtered(algorithm, status)$(.$await)?
                .map(|r| key_list_fields(&r)),
            Op::GetActive { algorithm } => {
                keys.get_active(algorithm)$(.$await)?.map(|r| key_fields(&r))
            }
            Op::Get { algorithm, key_version } => {
                keys.get(algorithm, key_version)$(.$await)?.map(|r| key_fields(&r))
            }
            Op::Rotate { algorithm } => keys.rotate(algorithm)$(.$await)?.map(|r| rotate_fields(&r)),
            Op::Retire { algorithm, key_version } => {
                keys.retire(algorithm, key_version)$(.$await)?.map(|r| key_fields(&r))
            }
            Op::WithAlgorithm { .. } => panic!("with_algorithm cannot be nested"),
        }
    }};
}

/// Runs `op` through a new client of `flavour` and returns its normalized outcome.
pub fn run(flavour: Flavour, settings: &Settings, op: Op) -> Outcome {
    run_many(flavour, settings, vec![op])
        .pop()
        .expect("one outcome per operation")
}

/// Runs `ops` in order through one client of `flavour`.
///
/// The delay log of `settings` is cleared first, so afterwards it contains this run's delays.
/// The blocking client runs on a thread of its own and the async one on a current-thread
/// runtime, so no blocking call ever occupies a tokio worker. Both inherit the caller's
/// `tracing` dispatcher.
pub fn run_many(flavour: Flavour, settings: &Settings, ops: Vec<Op>) -> Vec<Outcome> {
    settings
        .delays
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clear();

    let settings = settings.clone();
    let dispatch = tracing::dispatcher::get_default(Clone::clone);
    let thread = std::thread::spawn(move || {
        tracing::dispatcher::with_default(&dispatch, || match flavour {
            Flavour::Async => run_async(&settings, ops),
            Flavour::Blocking => run_blocking(&settings, ops),
        })
    });
    match thread.join() {
        Ok(outcomes) => outcomes,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

fn run_async(settings: &Settings, ops: Vec<Op>) -> Vec<Outcome> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime starts");
    runtime.block_on(async {
        let client = settings.async_client();
        let mut outcomes = Vec::with_capacity(ops.len());
        for op in ops {
            outcomes.push(execute!(client, op, await));
        }
        outcomes
    })
}

fn run_blocking(settings: &Settings, ops: Vec<Op>) -> Vec<Outcome> {
    let client = settings.blocking_client();
    ops.into_iter().map(|op| execute!(client, op)).collect()
}

fn secret_b64(secret: &SecretBytes) -> String {
    base64::engine::general_purpose::STANDARD.encode(secret.expose_secret())
}

fn secret_fields(name: &str, secret: &SecretBytes) -> Value {
    json!({ name: secret_b64(secret) })
}

fn encrypt_fields(r: &EncryptResult) -> Value {
    json!({
        "ciphertext": b64(&r.ciphertext),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn decrypt_fields(r: &DecryptResult) -> Value {
    json!({
        "plaintext": secret_b64(&r.plaintext),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn encapsulate_fields(r: &EncapsulateResult) -> Value {
    json!({
        "kem_ciphertext": b64(&r.kem_ciphertext),
        "shared_secret": secret_b64(&r.shared_secret),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn decapsulate_fields(r: &DecapsulateResult) -> Value {
    json!({
        "shared_secret": secret_b64(&r.shared_secret),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn wrap_fields(r: &WrapResult) -> Value {
    json!({
        "wrapped_key": b64(&r.wrapped_key),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "wrapping_method": r.wrapping_method,
        "request_id": r.request_id,
    })
}

fn unwrap_fields(r: &UnwrapResult) -> Value {
    json!({
        "symmetric_key": secret_b64(&r.symmetric_key),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn envelope_fields(envelope: &LocalEnvelope) -> Value {
    let bytes = envelope.to_bytes().expect("the envelope serializes");
    json!({
        "bytes": b64(bytes),
        "kem_ciphertext": b64(&envelope.kem_ciphertext),
        "iv": b64(envelope.iv),
        "aes_ciphertext": b64(&envelope.aes_ciphertext),
        "key_version": envelope.key_version,
        "algorithm": envelope.algorithm.as_str(),
        "request_id": envelope.request_id,
    })
}

fn sign_fields(r: &SignResult) -> Value {
    json!({
        "signature": b64(&r.signature),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn verify_fields(r: &VerifyResult) -> Value {
    json!({
        "valid": r.valid,
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn sign_hash_fields(r: &SignHashResult) -> Value {
    json!({
        "signature": b64(&r.signature),
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "hash_algorithm": r.hash_algorithm.as_str(),
        "signature_type": r.signature_type,
        "request_id": r.request_id,
    })
}

fn verify_hash_fields(r: &VerifyHashResult) -> Value {
    json!({
        "valid": r.valid,
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "hash_algorithm": r.hash_algorithm.as_str(),
        "request_id": r.request_id,
    })
}

fn key_info_fields(info: &KeyInfo) -> Value {
    json!({
        "key_version": info.key_version,
        "algorithm": info.algorithm.as_str(),
        "status": info.status.as_str(),
        "public_key": b64(&info.public_key),
        "created_at": info.created_at,
    })
}

fn key_fields(r: &Key) -> Value {
    json!({
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "status": r.status.as_str(),
        "public_key": b64(&r.public_key),
        "created_at": r.created_at,
        "request_id": r.request_id,
    })
}

fn key_list_fields(r: &KeyList) -> Value {
    let keys: Vec<Value> = r.keys.iter().map(key_info_fields).collect();
    json!({ "keys": keys, "total": r.total, "request_id": r.request_id })
}

fn rotate_fields(r: &RotateResult) -> Value {
    json!({
        "key_version": r.key_version,
        "algorithm": r.algorithm.as_str(),
        "public_key": b64(&r.public_key),
        "old_key_version": r.old_key_version,
        "request_id": r.request_id,
    })
}
