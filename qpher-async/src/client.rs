//! [`Client`] and its retry loop: each call runs the core's [`Call`] state machine, sending
//! attempts with reqwest and sleeping between them on the tokio timer.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use qpher_core::local::IV_LEN;
use qpher_core::{Call, CallIds, Config, Error, Operation, Step};
use tracing::field::Empty;
use tracing::{Instrument, Span};

use crate::builder::{SleepFn, SleepFuture};
use crate::transport::{self, Received};
use crate::{ClientBuilder, random};

/// The asynchronous Qpher client.
///
/// Cheap to clone: clones share one configuration and one connection pool, so build a
/// client once and clone it into tasks. Every method returns the core's [`Error`].
/// Calls need a tokio runtime with its time driver enabled (`#[tokio::main]` and
/// `Builder::enable_all` enable it) for the per-attempt deadline and the retry sleep.
///
/// ```no_run
/// # async fn run() -> Result<(), qpher_async::Error> {
/// use qpher_async::{Algorithm, Client};
///
/// let client = Client::from_env()?;
/// let key = client.keys().get_active(Algorithm::Kyber768).await?;
/// let encrypted = client.kem().encrypt(b"hello".to_vec(), key.key_version).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    http: reqwest::Client,
    sleep: Option<SleepFn>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client with `api_key`, taking the base URL from `QPHER_BASE_URL` when it is
    /// set and every other setting from its default.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`](crate::ErrorKind::Configuration)
    /// when the key or the base URL is invalid.
    pub fn new(api_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder().api_key(api_key).build()
    }

    /// Builds a client from `QPHER_API_KEY` and `QPHER_BASE_URL`.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`](crate::ErrorKind::Configuration)
    /// when `QPHER_API_KEY` is unset or either value is invalid.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    /// Starts a builder with nothing set.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    pub(crate) fn from_parts(
        config: Config,
        http: reqwest::Client,
        sleep: Option<SleepFn>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                http,
                sleep,
            }),
        }
    }

    /// Returns the validated configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Runs one operation to its result, retrying as the configured policy allows.
    ///
    /// The views ([`Client::kem`], [`Client::signatures`], [`Client::keys`]) call this;
    /// it is public for callers that build the request models themselves.
    ///
    /// # Errors
    ///
    /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) before
    /// sending anything when an argument is invalid, and otherwise the error of the last
    /// attempt.
    pub async fn execute<O: Operation>(&self, operation: O) -> Result<O::Output, Error> {
        let ids = CallIds::from_random(random::bytes()?);
        let call = Call::new(&self.inner.config, operation, ids)?;
        let span = tracing::debug_span!(
            target: "qpher",
            "qpher.call",
            operation = O::NAME,
            request_id = call.request_id(),
        );
        self.run(call).instrument(span).await
    }

    async fn run<O: Operation>(&self, mut call: Call<O>) -> Result<O::Output, Error> {
        loop {
            let span = tracing::debug_span!(
                target: "qpher",
                "qpher.attempt",
                attempt = call.attempts().saturating_add(1),
                status = Empty,
                latency_ms = Empty,
                retry_delay_ms = Empty,
            );

            let step = self.attempt(&mut call).instrument(span.clone()).await;
            let (delay, error) = match step {
                Step::Done(result) => return result,
                Step::Retry { delay, error } => (delay, error),
            };

            span.record("retry_delay_ms", delay.as_millis());
            tracing::debug!(
                target: "qpher",
                parent: &span,
                error = %error,
                delay_ms = delay.as_millis(),
                "attempt failed; retrying"
            );
            self.sleep(delay).await;
        }
    }

    /// Sends one attempt and hands its outcome to the core.
    async fn attempt<O: Operation>(&self, call: &mut Call<O>) -> Step<O::Output> {
        let request = call.next_request();
        let max_response_bytes = call.max_response_bytes();
        let started = tokio::time::Instant::now();

        // One deadline covers connecting, sending and reading the whole body, so a silent
        // server or a body that never ends cannot hold the call past the timeout.
        let sent = transport::send(&self.inner.http, request, max_response_bytes);
        let outcome = tokio::time::timeout(call.timeout(), sent)
            .await
            .unwrap_or_else(|elapsed| Err(transport::timed_out(elapsed)));

        let latency_ms = started.elapsed().as_millis();
        let span = Span::current();
        span.record("latency_ms", latency_ms);
        let random = random::jitter();

        match outcome {
            Ok(Received {
                status,
                headers,
                body,
            }) => {
                span.record("status", status);
                tracing::debug!(target: "qpher", status, latency_ms, "response received");
                call.handle_response(status, &headers, &body, SystemTime::now(), random)
            }
            Err(failure) => {
                tracing::debug!(
                    target: "qpher",
                    kind = ?failure.kind(),
                    latency_ms,
                    "no usable response"
                );
                call.handle_transport_error(failure, random)
            }
        }
    }

    fn sleep(&self, delay: Duration) -> SleepFuture {
        match &self.inner.sleep {
            Some(sleep) => sleep(delay),
            None => Box::pin(tokio::time::sleep(delay)),
        }
    }

    /// Returns a fresh AES-GCM IV for `encrypt_local`.
    fn random_iv(&self) -> Result<[u8; IV_LEN], Error> {
        random::bytes()
    }
}

qpher_core::client_api!(async Client);
