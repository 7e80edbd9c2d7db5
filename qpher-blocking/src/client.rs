//! [`Client`] and its retry loop: each call runs the core's [`Call`] state machine, sending
//! attempts with ureq on the calling thread and sleeping between them.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use qpher_core::local::IV_LEN;
use qpher_core::{Call, CallIds, Config, Error, Operation, Step};
use tracing::field::Empty;

use crate::builder::SleepFn;
use crate::transport::{self, Received};
use crate::{ClientBuilder, random};

/// The blocking Qpher client.
///
/// Cheap to clone: clones share one configuration and one connection pool, so build a
/// client once and clone it into threads. Every method returns the core's [`Error`].
/// Calls block the calling thread, including a thread that runs a tokio runtime (no
/// runtime is entered or created), so prefer `qpher-async` inside async code.
///
/// ```no_run
/// use qpher_blocking::{Algorithm, Client};
///
/// let client = Client::from_env()?;
/// let key = client.keys().get_active(Algorithm::Kyber768)?;
/// let encrypted = client.kem().encrypt(b"hello".to_vec(), key.key_version)?;
/// # Ok::<(), qpher_blocking::Error>(())
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    agent: ureq::Agent,
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

    pub(crate) fn from_parts(config: Config, agent: ureq::Agent, sleep: Option<SleepFn>) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                agent,
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
    pub fn execute<O: Operation>(&self, operation: O) -> Result<O::Output, Error> {
        transport::check_wire_logging()?;

        let ids = CallIds::from_random(random::bytes()?);
        let mut call = Call::new(&self.inner.config, operation, ids)?;
        let span = tracing::debug_span!(
            target: "qpher",
            "qpher.call",
            operation = O::NAME,
            request_id = call.request_id(),
        );
        let _call = span.enter();

        loop {
            let span = tracing::debug_span!(
                target: "qpher",
                "qpher.attempt",
                attempt = call.attempts().saturating_add(1),
                status = Empty,
                latency_ms = Empty,
                retry_delay_ms = Empty,
            );
            let attempt = span.enter();

            let (delay, error) = match self.attempt(&mut call, &span) {
                Step::Done(result) => return result,
                Step::Retry { delay, error } => (delay, error),
            };

            span.record("retry_delay_ms", delay.as_millis());
            tracing::debug!(
                target: "qpher",
                error = %error,
                delay_ms = delay.as_millis(),
                "attempt failed; retrying"
            );
            drop(attempt);
            self.sleep(delay);
        }
    }

    /// Sends one attempt and hands its outcome to the core.
    fn attempt<O: Operation>(&self, call: &mut Call<O>, span: &tracing::Span) -> Step<O::Output> {
        let request = call.next_request();
        let started = Instant::now();
        let outcome = transport::send(&self.inner.agent, request, call.max_response_bytes());

        let latency_ms = started.elapsed().as_millis();
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

    fn sleep(&self, delay: Duration) {
        match &self.inner.sleep {
            Some(sleep) => sleep(delay),
            None => std::thread::sleep(delay),
        }
    }

    /// Returns a fresh AES-GCM IV for `encrypt_local`.
    fn random_iv(&self) -> Result<[u8; IV_LEN], Error> {
        random::bytes()
    }
}

qpher_core::client_api!(blocking Client);
