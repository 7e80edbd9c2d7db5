//! [`WireCase`]: one operation's request and response on the wire, checked through a client.

use httpmock::MockServer;
use serde_json::{Value, json};

use crate::fixtures::{API_KEY, is_uuid, success_body};
use crate::flavour::{Flavour, Settings, run};
use crate::mock::{RecordedRequest, last_request, recording_mock};
use crate::op::Op;

/// The `user-agent` every request carries.
const USER_AGENT: &str = concat!("qpher-rust/", env!("CARGO_PKG_VERSION"));

/// One operation's request and response on the wire.
pub struct WireCase {
    /// The operation and its arguments.
    pub op: Op,
    /// The expected method.
    pub method: &'static str,
    /// The expected path.
    pub path: &'static str,
    /// The expected query string, without `?`.
    pub query: Option<&'static str>,
    /// The exact JSON body, or `None` for a request without a body.
    pub body: Option<Value>,
    /// Whether the operation changes keys, so it sends an `idempotency-key`.
    pub lifecycle: bool,
    /// The status of the canned response.
    pub status: u16,
    /// The `data` member of the canned response.
    pub data: Value,
    /// The result's fields, without `request_id`.
    pub expected: Value,
}

/// Checks the headers every request carries.
fn check_headers(request: &RecordedRequest, lifecycle: bool, context: &str) {
    assert_eq!(request.header("x-api-key"), Some(API_KEY), "{context}");
    assert_eq!(
        request.header("content-type"),
        Some("application/json"),
        "{context}"
    );
    assert_eq!(
        request.header("accept"),
        Some("application/json"),
        "{context}"
    );
    assert_eq!(request.header("user-agent"), Some(USER_AGENT), "{context}");
    assert_eq!(request.header("authorization"), None, "{context}");

    let request_id = request
        .header("x-request-id")
        .unwrap_or_else(|| panic!("{context}: no x-request-id"));
    assert!(is_uuid(request_id), "{context}: x-request-id {request_id}");

    let idempotency_key = request.header("idempotency-key");
    if lifecycle {
        let key = idempotency_key.unwrap_or_else(|| panic!("{context}: no idempotency-key"));
        assert!(is_uuid(key), "{context}: idempotency-key {key}");
        assert_ne!(key, request_id, "{context}");
    } else {
        assert_eq!(idempotency_key, None, "{context}");
    }
}

/// Runs `case` through `flavour` and checks the request and the result.
pub fn check_case(case: &WireCase, flavour: Flavour) {
    let context = format!("{flavour:?} {}", case.op.name());
    let server = MockServer::start();
    let request_id = format!("req-{}", case.op.name());
    let body = success_body(case.data.clone(), Some(&request_id)).to_string();
    let headers = [
        ("content-type", "application/json"),
        ("x-request-id", "hdr-not-used"),
    ];
    let (mock, recorded) = recording_mock(&server, case.status, &headers, body.as_bytes());

    let outcome = run(flavour, &Settings::new(server.base_url()), case.op.clone());

    let mut expected = case.expected.clone();
    expected["request_id"] = json!(request_id);
    let fields = outcome.unwrap_or_else(|error| panic!("{context}: {error}"));
    assert_eq!(fields, expected, "{context}");
    assert_eq!(mock.calls(), 1, "{context}");

    let request = last_request(&recorded);
    assert_eq!(request.method, case.method, "{context}");
    assert_eq!(request.path, case.path, "{context}");
    assert_eq!(request.query.as_deref(), case.query, "{context}");
    check_headers(&request, case.lifecycle, &context);

    match &case.body {
        Some(body) => {
            assert_eq!(request.json(), *body, "{context}");
            let text = String::from_utf8_lossy(&request.body);
            assert!(!text.contains("null"), "{context}: {text}");
        }
        None => assert!(
            request.body.is_empty(),
            "{context}: body {:?}",
            request.body
        ),
    }
}

/// Checks every case through both flavours.
pub fn check_all(cases: &[WireCase]) {
    for flavour in Flavour::ALL {
        for case in cases {
            check_case(case, flavour);
        }
    }
}
