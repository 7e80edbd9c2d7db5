//! [`RecordedRequest`] and an `httpmock` mock that records every request it serves.

use std::sync::{Arc, Mutex, PoisonError};

use httpmock::{HttpMockRequest, Mock, MockServer};
use serde_json::Value;

/// A request as it arrived at a test server.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// The method, such as `POST`.
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// The query string without `?`, when there is one.
    pub query: Option<String>,
    /// The headers in arrival order, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// Returns every value of header `name` (case-insensitive).
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
            .collect()
    }

    /// Returns the single value of header `name`, or `None` when it is absent.
    ///
    /// # Panics
    ///
    /// Panics when the header was sent more than once.
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.header_values(name);
        assert!(
            values.len() <= 1,
            "header {name} sent {} times",
            values.len()
        );
        values.first().copied()
    }

    /// Parses the body as JSON.
    ///
    /// # Panics
    ///
    /// Panics when the body is not JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!(
                "request body is not JSON ({error}): {}",
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    fn from_mock_request(request: &HttpMockRequest) -> Self {
        let uri = request.uri();
        Self {
            method: request.method_str().to_owned(),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            headers: request
                .headers_vec()
                .iter()
                .map(|(name, value)| (name.to_ascii_lowercase(), value.clone()))
                .collect(),
            body: request.body_vec(),
        }
    }
}

/// Requests recorded by a mock, shared with the mock's matcher.
pub type Recorded = Arc<Mutex<Vec<RecordedRequest>>>;

/// Creates a mock that responds to every request with `status`, `headers` and `body`, and
/// records each request it sees.
///
/// Assert the number of requests with `Mock::calls`: the recording is for contents, because
/// `httpmock` may run a matcher more than once per request.
pub fn recording_mock<'a>(
    server: &'a MockServer,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Mock<'a>, Recorded) {
    mount(server, None, status, headers, body)
}

/// Creates a mock like [`recording_mock`] that matches only requests for `path`.
pub fn recording_route<'a>(
    server: &'a MockServer,
    path: &str,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Mock<'a>, Recorded) {
    mount(server, Some(path), status, headers, body)
}

fn mount<'a>(
    server: &'a MockServer,
    path: Option<&str>,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Mock<'a>, Recorded) {
    let recorded = Recorded::default();
    let sink = Arc::clone(&recorded);
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let body = body.to_vec();

    let path = path.map(str::to_owned);
    let mock = server.mock(move |mut when, then| {
        if let Some(path) = path {
            when = when.path(path);
        }
        when.is_true(move |request: &HttpMockRequest| {
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(RecordedRequest::from_mock_request(request));
            true
        });
        headers
            .iter()
            .fold(then.status(status).body(&body), |then, (name, value)| {
                then.header(name, value)
            });
    });
    (mock, recorded)
}

/// Returns the latest request in `recorded`.
///
/// # Panics
///
/// Panics when nothing was recorded.
pub fn last_request(recorded: &Recorded) -> RecordedRequest {
    recorded
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .last()
        .cloned()
        .expect("the mock recorded a request")
}
