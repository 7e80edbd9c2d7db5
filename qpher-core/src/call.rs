//! [`Call`]: one operation from its first attempt to its result, driven by a driver.
//!
//! A driver runs this loop, doing the IO and the sleeping that the core never does:
//!
//! ```text
//! let mut call = Call::new(&config, operation, CallIds::from_random(random_bytes))?;
//! loop {
//!     let request = call.next_request();
//!     let step = match send(request) {                 // the driver's HTTP library
//!         Ok(response) => call.handle_response(status, &headers, &body, now, random),
//!         Err(failure) => call.handle_transport_error(failure, random),
//!     };
//!     match step {
//!         Step::Done(result) => return result,
//!         Step::Retry { delay, .. } => sleep(delay),
//!     }
//! }
//! ```

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{ACCEPT, CONTENT_TYPE, HeaderValue, LOCATION, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, Method, Request, Uri};
use qpher_types::ErrorCode;
use zeroize::Zeroizing;

use crate::response::{header_request_id, parse_error, parse_success};
use crate::retry::{Decision, Failure, RetryClass, RetryState, StopReason, parse_retry_after};
use crate::{CallIds, Config, Error, ErrorKind, Operation, TransportError, TransportErrorKind};

/// The driver's next action after an attempt.
#[derive(Debug)]
pub enum Step<T> {
    /// The call is over: return this result.
    Done(Result<T, Error>),
    /// Wait `delay`, then send [`Call::next_request`] again.
    Retry {
        /// How long to wait before the next attempt.
        delay: Duration,
        /// The failure of the attempt that just ended, for logging.
        error: Error,
    },
}

/// One call of an operation: the request built once and the retry state.
///
/// `Debug` shows the body's length, never its bytes, because the body may carry a
/// plaintext or a symmetric key.
pub struct Call<O: Operation> {
    operation: O,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
    request_id: String,
    retry: RetryState,
    attempts: u32,
    timeout: Duration,
    max_response_bytes: usize,
}

impl<O: Operation> std::fmt::Debug for Call<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("operation", &O::NAME)
            .field("method", &self.method)
            .field("uri", &self.uri)
            .field("headers", &self.headers)
            .field("body_len", &self.body.len())
            .field("request_id", &self.request_id)
            .field("retry", &self.retry)
            .field("attempts", &self.attempts)
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl<O: Operation> Call<O> {
    /// Validates `operation` and builds its request once; every attempt sends the same bytes.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::InvalidArgument`] when an argument is invalid.
    pub fn new(config: &Config, operation: O, ids: CallIds) -> Result<Self, Error> {
        operation.validate()?;

        let uri = build_uri(config, &operation)?;

        let mut buffer = Zeroizing::new(Vec::with_capacity(operation.body_size_hint()));
        let has_body = operation.write_body(&mut buffer).map_err(|error| {
            Error::new(
                ErrorKind::InvalidArgument,
                "the request body could not be serialized",
            )
            .with_source(error)
        })?;
        let body = if has_body {
            Bytes::from_owner(SecretBody(buffer))
        } else {
            Bytes::new()
        };

        let headers = build_headers(config, &ids, O::CLASS)?;

        Ok(Self {
            operation,
            method: O::METHOD,
            uri,
            headers,
            body,
            request_id: ids.request_id().to_owned(),
            retry: RetryState::new(config.retry.clone(), O::CLASS),
            attempts: 0,
            timeout: config.timeout,
            max_response_bytes: config.max_response_bytes,
        })
    }

    /// Returns the operation name, such as `kem.encrypt`.
    pub fn operation_name(&self) -> &'static str {
        O::NAME
    }

    /// Returns the `x-request-id` sent on every attempt of this call.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Returns the number of attempts started so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Returns the time allowed for one attempt.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Returns the largest response body to read; a driver stops reading past it.
    pub fn max_response_bytes(&self) -> usize {
        self.max_response_bytes
    }

    /// Returns the request for the next attempt: the same method, URL, headers and body
    /// bytes every time. The body shares one buffer, zeroized when the last copy is dropped.
    ///
    /// After [`Call::handle_response`] has handled a 2xx response the call is done and
    /// its body released, so a request taken then has an empty body.
    pub fn next_request(&mut self) -> Request<Bytes> {
        self.attempts = self.attempts.saturating_add(1);

        let mut request = Request::new(self.body.clone());
        *request.method_mut() = self.method.clone();
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = self.headers.clone();
        request
    }

    /// Handles a complete response of the latest attempt.
    ///
    /// `now` dates an HTTP-date `Retry-After`; `random` draws the jitter of the next delay.
    pub fn handle_response(
        &mut self,
        status: u16,
        headers: &HeaderMap,
        body: &[u8],
        now: SystemTime,
        random: u64,
    ) -> Step<O::Output> {
        if body.len() > self.max_response_bytes {
            let failure = TransportError::from_kind(TransportErrorKind::ResponseTooLarge);
            return self.handle_transport_error(failure, random);
        }

        if (200..300).contains(&status) {
            // A 2xx ends the call, so no attempt will resend the body. Both drivers have
            // dropped their copy by the time they pass the response here, so releasing
            // this one keeps a large request from living on while its response is parsed.
            self.body = Bytes::new();
            let result = parse_success::<O::Data>(status, headers, body)
                .map(|(data, request_id)| self.operation.finish(data, request_id))
                .map_err(|error| error.with_attempts(self.attempts));
            return Step::Done(result);
        }

        if (300..400).contains(&status) {
            return Step::Done(Err(self.redirect_error(status, headers)));
        }

        let error = if status >= 400 {
            parse_error(status, headers, body)
        } else {
            Error::new(
                ErrorKind::MalformedResponse,
                format!("unexpected HTTP status {status}"),
            )
            .with_status(status)
            .with_request_id(header_request_id(headers))
        };

        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, now));
        let error = error.with_retry_after(retry_after);

        let failure = Failure::Status {
            status,
            code: error.error_code(),
            retry_after,
        };
        let decision = self.retry.decide(failure, random);
        self.step(decision, error)
    }

    /// Handles an attempt that ended without a usable response.
    pub fn handle_transport_error(
        &mut self,
        failure: TransportError,
        random: u64,
    ) -> Step<O::Output> {
        let kind = failure.kind();
        let (error_kind, code, message) = match kind {
            TransportErrorKind::Connect => (
                ErrorKind::Connection,
                ErrorCode::Service001,
                format!(
                    "could not connect to {}; check base_url (scheme, host and port) and that the service is running",
                    origin(&self.uri)
                ),
            ),
            TransportErrorKind::Timeout => (
                ErrorKind::Timeout,
                ErrorCode::Timeout001,
                format!(
                    "no complete response within the {:.1} s timeout",
                    self.timeout.as_secs_f64()
                ),
            ),
            TransportErrorKind::Io => (
                ErrorKind::Connection,
                ErrorCode::Service001,
                format!("the connection to {} failed", origin(&self.uri)),
            ),
            TransportErrorKind::ResponseTooLarge => (
                ErrorKind::ResponseTooLarge,
                ErrorCode::Parse001,
                format!(
                    "the response body exceeds the {}-byte cap; raise max_response_bytes if this is expected",
                    self.max_response_bytes
                ),
            ),
        };

        let source = failure.into_source();
        let message = match &source {
            Some(source) => format!("{message}: {source}"),
            None => message,
        };
        let mut error = Error::new(error_kind, message)
            .with_code(code)
            .with_request_id(Some(self.request_id.clone()));
        if let Some(status) = synthesized_status(kind) {
            error = error.with_status(status);
        }
        if let Some(source) = source {
            error = error.with_source(source);
        }

        let decision = self.retry.decide(Failure::Transport(kind), random);
        self.step(decision, error)
    }

    fn step(&mut self, decision: Decision, error: Error) -> Step<O::Output> {
        let error = error.with_attempts(self.attempts);
        match decision {
            Decision::Retry(delay) => Step::Retry { delay, error },
            Decision::Stop(StopReason::OutcomeUnknown) => {
                Step::Done(Err(error.mark_outcome_unknown()))
            }
            Decision::Stop(_) => Step::Done(Err(error)),
        }
    }

    fn redirect_error(&self, status: u16, headers: &HeaderMap) -> Error {
        // Only a redirect needs the request URL as a `url::Url`, so it is parsed here.
        let target = headers
            .get(LOCATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|location| {
                let base = url::Url::parse(&self.uri.to_string()).ok()?;
                base.join(location).ok()
            })
            .map(|target| target.origin().ascii_serialization());

        let message = match target {
            Some(target) => format!(
                "the service answered {status} with a redirect to {target}; redirects are not \
                 followed so the API key is sent only to {}; check base_url",
                origin(&self.uri)
            ),
            None => format!(
                "the service answered {status} with a redirect; redirects are not followed; check base_url"
            ),
        };
        Error::from_response(
            status,
            ErrorCode::unknown_for_status(status),
            message,
            header_request_id(headers),
        )
        .with_attempts(self.attempts)
    }
}

/// Returns the status the official SDKs report for a failure without a response: 503 for a
/// connection failure and 504 for a timeout, matching the codes `ERR_SERVICE_001` and
/// `ERR_TIMEOUT_001`.
fn synthesized_status(kind: TransportErrorKind) -> Option<u16> {
    match kind {
        TransportErrorKind::Connect | TransportErrorKind::Io => Some(503),
        TransportErrorKind::Timeout => Some(504),
        TransportErrorKind::ResponseTooLarge => None,
    }
}

/// The serialized request body, zeroized when the last `Bytes` handle is dropped.
struct SecretBody(Zeroizing<Vec<u8>>);

impl AsRef<[u8]> for SecretBody {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Returns `scheme://host[:port]` of the request URI.
///
/// The URI is the serialization of a `url::Url`, which leaves out default ports, so this
/// equals that URL's ASCII origin.
fn origin(uri: &Uri) -> String {
    let scheme = uri.scheme_str().unwrap_or_default();
    let authority = uri.authority().map_or("", |authority| authority.as_str());
    format!("{scheme}://{authority}")
}

/// Builds the request URI: the base URL's path with `operation`'s path appended, and its
/// query form-encoded.
///
/// The base URL was parsed and normalized once by `Config`, and it has no query or
/// fragment, so the text is joined here and parsed once, as a `Uri`.
fn build_uri<O: Operation>(config: &Config, operation: &O) -> Result<Uri, Error> {
    let base = config.base_url.as_str().trim_end_matches('/');
    let path = operation.path();
    let query = operation.query();

    let mut text = String::with_capacity(base.len() + path.len() + 64);
    text.push_str(base);
    text.push_str(&path);
    if !query.is_empty() {
        text.push('?');
        let start = text.len();
        url::form_urlencoded::Serializer::for_suffix(&mut text, start)
            .extend_pairs(query)
            .finish();
    }

    text.parse().map_err(|error| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the request URL is not a valid URI",
        )
        .with_source(error)
    })
}

fn build_headers(config: &Config, ids: &CallIds, class: RetryClass) -> Result<HeaderMap, Error> {
    let header = |value: &str, name: &str| {
        HeaderValue::from_str(value).map_err(|error| {
            Error::new(
                ErrorKind::Configuration,
                format!("{name} is not a valid header value"),
            )
            .with_source(error)
        })
    };

    let mut api_key = header(config.api_key.expose_secret(), "api_key")?;
    api_key.set_sensitive(true);

    let mut headers = HeaderMap::with_capacity(7);
    headers.insert("x-api-key", api_key);
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
    headers.insert(USER_AGENT, header(&config.user_agent, "user_agent")?);
    headers.insert("x-request-id", header(ids.request_id(), "request id")?);
    if class == RetryClass::LifecycleMutation {
        headers.insert(
            "idempotency-key",
            header(ids.idempotency_key(), "idempotency key")?,
        );
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use qpher_types::{EncryptMode, EncryptRequest, SecretBytes};

    fn encrypt_call() -> Call<EncryptRequest> {
        let config = Config::builder()
            .api_key("qph_call_test")
            .base_url("http://127.0.0.1:8787")
            .build_with_env(|_| None)
            .unwrap();
        let request = EncryptRequest {
            plaintext: SecretBytes::from("Hello"),
            key_version: 1,
            algorithm: None,
            mode: Some(EncryptMode::Standard),
            salt: None,
        };
        Call::new(&config, request, CallIds::from_random([1; 32])).unwrap()
    }

    const SUCCESS: &[u8] = br#"{"data":{"ciphertext":"AAEC","key_version":1},"request_id":"r"}"#;

    #[test]
    fn success_releases_body() {
        let mut call = encrypt_call();
        let body = call.next_request().into_body();
        assert!(!body.is_empty());

        let step = call.handle_response(200, &HeaderMap::new(), SUCCESS, SystemTime::now(), 0);
        assert!(matches!(step, Step::Done(Ok(_))));
        assert!(call.next_request().body().is_empty());
    }

    #[test]
    fn uri_and_origin_match_url_crate() {
        use qpher_types::{Algorithm, KeyStatus, ListKeysQuery};

        let bases = [
            "https://api.qpher.ai",
            "https://api.qpher.ai:443/",
            "https://proxy.example:8443/qpher/",
            "https://proxy.example/a%20b/c/",
            "https://bücher.example/",
            "http://[::1]:8787",
            "http://127.0.0.1:80/",
        ];
        let query = ListKeysQuery {
            algorithm: Some(Algorithm::from_wire("New Algo&x=1/ä")),
            status: Some(KeyStatus::Retired),
        };
        for base in bases {
            let config = Config::builder()
                .api_key("qph_call_test")
                .base_url(base)
                .build_with_env(|_| None)
                .unwrap();

            let mut expected = config.base_url.clone();
            let prefix = expected.path().trim_end_matches('/').to_owned();
            expected.set_path(&format!("{prefix}{}", query.path()));
            expected.query_pairs_mut().extend_pairs(query.query());

            let uri = build_uri(&config, &query).unwrap();
            assert_eq!(uri.to_string(), expected.as_str(), "{base}");
            assert_eq!(
                origin(&uri),
                expected.origin().ascii_serialization(),
                "{base}"
            );
        }
    }

    #[test]
    fn retry_keeps_body() {
        let mut call = encrypt_call();
        let first = call.next_request().into_body();

        let step = call.handle_response(503, &HeaderMap::new(), b"", SystemTime::now(), 0);
        assert!(matches!(step, Step::Retry { .. }));
        assert_eq!(call.next_request().into_body(), first);
    }
}
