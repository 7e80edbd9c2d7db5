//! Error responses through both clients against `httpmock`: every envelope shape and every
//! status maps to the right kind, code, status and request id.

use httpmock::MockServer;
use qpher_core::ErrorKind;
use qpher_tests::{Error, Flavour, Op, Settings, error_body, recording_mock, run};
use serde_json::json;

/// One error response and the error both clients must return for it.
struct ErrorCase {
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: String,
    kind: ErrorKind,
    code: &'static str,
    message: &'static str,
    request_id: Option<&'static str>,
}

fn encrypt() -> Op {
    Op::Encrypt {
        plaintext: b"payload".to_vec(),
        key_version: 1,
    }
}

/// Runs `op` against a server that responds with `status`, `headers` and `body`, without
/// retries, and returns the error and the number of requests the server received.
fn error_for(
    flavour: Flavour,
    op: Op,
    status: u16,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (Error, usize) {
    let server = MockServer::start();
    let (mock, _recorded) = recording_mock(&server, status, headers, body);
    let settings = Settings::new(server.base_url()).max_retries(0);
    let error = match run(flavour, &settings, op) {
        Ok(fields) => panic!("{flavour:?} status {status}: expected an error, got {fields}"),
        Err(error) => error,
    };
    (error, mock.calls())
}

fn check_cases(cases: &[ErrorCase]) {
    for flavour in Flavour::ALL {
        for case in cases {
            let context = format!("{flavour:?} {} {}", case.status, case.body);
            let (error, hits) = error_for(
                flavour,
                encrypt(),
                case.status,
                case.headers,
                case.body.as_bytes(),
            );

            assert_eq!(hits, 1, "{context}");
            assert_eq!(error.kind(), case.kind, "{context}");
            assert_eq!(error.error_code().as_str(), case.code, "{context}");
            assert_eq!(error.message(), case.message, "{context}");
            assert_eq!(error.status_code(), Some(case.status), "{context}");
            assert_eq!(error.request_id(), case.request_id, "{context}");
            assert_eq!(error.attempts(), 1, "{context}");
            assert!(!error.is_outcome_unknown(), "{context}");
        }
    }
}

#[test]
fn envelope_variants() {
    let json_type: &[(&str, &str)] = &[("content-type", "application/json")];
    let cases = [
        ErrorCase {
            status: 404,
            headers: json_type,
            body: error_body("ERR_KEM_005", "Key version 9 not found", "req-a").to_string(),
            kind: ErrorKind::NotFound,
            code: "ERR_KEM_005",
            message: "Key version 9 not found",
            request_id: Some("req-a"),
        },
        ErrorCase {
            status: 401,
            headers: json_type,
            body: json!({
                "error": { "code": "ERR_AUTH_001", "message": "Invalid API key" },
                "request_id": "req-b",
            })
            .to_string(),
            kind: ErrorKind::Authentication,
            code: "ERR_AUTH_001",
            message: "Invalid API key",
            request_id: Some("req-b"),
        },
        ErrorCase {
            status: 400,
            headers: json_type,
            body: json!({
                "detail": { "error_code": "ERR_SIG_001", "message": "Message is required" },
                "request_id": "req-c",
            })
            .to_string(),
            kind: ErrorKind::Validation,
            code: "ERR_SIG_001",
            message: "Message is required",
            request_id: Some("req-c"),
        },
        ErrorCase {
            status: 404,
            headers: json_type,
            body: json!({ "detail": "Not Found" }).to_string(),
            kind: ErrorKind::NotFound,
            code: "ERR_UNKNOWN_404",
            message: "Not Found",
            request_id: None,
        },
        ErrorCase {
            status: 422,
            headers: json_type,
            body: r#"{"detail":[{"loc":["body","key_version"],"msg":"field required"}]}"#
                .to_owned(),
            kind: ErrorKind::Validation,
            code: "ERR_UNKNOWN_422",
            message: r#"HTTP 422: {"detail":[{"loc":["body","key_version"],"msg":"field required"}]}"#,
            request_id: None,
        },
        ErrorCase {
            status: 500,
            headers: &[("content-type", "text/plain"), ("x-request-id", "hdr-500")],
            body: "Internal Server Error".to_owned(),
            kind: ErrorKind::Server,
            code: "ERR_UNKNOWN_500",
            message: "HTTP 500: Internal Server Error",
            request_id: Some("hdr-500"),
        },
        ErrorCase {
            status: 502,
            headers: &[],
            body: String::new(),
            kind: ErrorKind::Server,
            code: "ERR_UNKNOWN_502",
            message: "HTTP 502 with an empty body",
            request_id: None,
        },
        ErrorCase {
            status: 400,
            headers: json_type,
            body: "[1,2,3]".to_owned(),
            kind: ErrorKind::Validation,
            code: "ERR_UNKNOWN_400",
            message: "HTTP 400: [1,2,3]",
            request_id: None,
        },
        ErrorCase {
            status: 403,
            headers: &[
                ("content-type", "application/json"),
                ("x-request-id", "hdr-403"),
            ],
            body: json!({ "error": { "message": "Plan does not allow X-Wing" } }).to_string(),
            kind: ErrorKind::Forbidden,
            code: "ERR_UNKNOWN_403",
            message: "Plan does not allow X-Wing",
            request_id: Some("hdr-403"),
        },
        ErrorCase {
            status: 409,
            headers: &[
                ("content-type", "application/json"),
                ("x-request-id", "hdr-409"),
            ],
            body: error_body("ERR_CONFLICT_001", "Active key exists", "req-409").to_string(),
            kind: ErrorKind::Conflict,
            code: "ERR_CONFLICT_001",
            message: "Active key exists",
            request_id: Some("req-409"),
        },
    ];
    check_cases(&cases);
}

#[test]
fn status_kinds() {
    let statuses = [
        (400, ErrorKind::Validation, false),
        (401, ErrorKind::Authentication, false),
        (403, ErrorKind::Forbidden, false),
        (404, ErrorKind::NotFound, false),
        (409, ErrorKind::Conflict, false),
        (418, ErrorKind::Rejected, false),
        (422, ErrorKind::Validation, false),
        (429, ErrorKind::RateLimit, true),
        (500, ErrorKind::Server, false),
        (502, ErrorKind::Server, true),
        (503, ErrorKind::Connection, true),
        (504, ErrorKind::Timeout, true),
    ];
    for flavour in Flavour::ALL {
        for (status, kind, retryable) in statuses {
            let context = format!("{flavour:?} {status}");
            let body = error_body("ERR_TEST_777", "test message", "req-status").to_string();
            let (error, hits) = error_for(flavour, encrypt(), status, &[], body.as_bytes());
            assert_eq!(hits, 1, "{context}");
            assert_eq!(error.kind(), kind, "{context}");
            assert_eq!(error.error_code().as_str(), "ERR_TEST_777", "{context}");
            assert_eq!(error.status_code(), Some(status), "{context}");
            assert_eq!(error.request_id(), Some("req-status"), "{context}");
            assert_eq!(error.is_retryable(), retryable, "{context}");

            let (error, _) = error_for(flavour, encrypt(), status, &[], b"");
            assert_eq!(error.kind(), kind, "{context} empty body");
            let unknown = format!("ERR_UNKNOWN_{status}");
            assert_eq!(error.error_code().as_str(), unknown, "{context} empty body");
            assert_eq!(error.status_code(), Some(status), "{context} empty body");
            assert_eq!(error.request_id(), None, "{context} empty body");
        }
    }
}

#[test]
fn malformed_success() {
    let cases: [(&[u8], &str); 3] = [
        (b"<html>ok</html>", "ERR_PARSE_001"),
        (
            br#"{"data":{"key_version":1},"request_id":"r"}"#,
            "ERR_PARSE_001",
        ),
        (
            br#"{"data":{"ciphertext":"!!","key_version":1},"request_id":"r"}"#,
            "ERR_PARSE_002",
        ),
    ];
    for flavour in Flavour::ALL {
        for (body, code) in cases {
            let context = format!("{flavour:?} {}", String::from_utf8_lossy(body));
            let headers = [("x-request-id", "hdr-parse")];
            let (error, hits) = error_for(flavour, encrypt(), 200, &headers, body);
            assert_eq!(hits, 1, "{context}");
            assert_eq!(error.kind(), ErrorKind::MalformedResponse, "{context}");
            assert_eq!(error.error_code().as_str(), code, "{context}");
            assert_eq!(error.status_code(), Some(200), "{context}");
            assert_eq!(error.request_id(), Some("hdr-parse"), "{context}");
        }
    }
}

#[test]
fn redirect_not_followed() {
    for flavour in Flavour::ALL {
        let target = MockServer::start();
        let (target_mock, _) = recording_mock(&target, 200, &[], b"{}");
        let origin = MockServer::start();
        let location = target.url("/api/v1/kem/encrypt");
        let headers = [("location", location.as_str())];
        let (origin_mock, _) = recording_mock(&origin, 302, &headers, b"");

        let settings = Settings::new(origin.base_url());
        let error = run(flavour, &settings, encrypt()).expect_err("a redirect is an error");

        assert_eq!(error.kind(), ErrorKind::Redirect, "{flavour:?}");
        assert_eq!(error.status_code(), Some(302), "{flavour:?}");
        assert_eq!(
            error.error_code().as_str(),
            "ERR_UNKNOWN_302",
            "{flavour:?}"
        );
        let message = error.message();
        assert!(message.contains("302"), "{flavour:?}: {message}");
        assert!(
            message.contains(&target.base_url()),
            "{flavour:?}: {message}"
        );
        assert_eq!(origin_mock.calls(), 1, "{flavour:?}");
        assert_eq!(target_mock.calls(), 0, "{flavour:?}");
    }
}

#[test]
fn invalid_argument_sends_nothing() {
    let cases = [
        Op::Encrypt {
            plaintext: b"x".to_vec(),
            key_version: 0,
        },
        Op::EncryptDeterministic {
            plaintext: b"x".to_vec(),
            key_version: 1,
            salt: vec![1; 31],
        },
        Op::SignHash {
            hash: vec![0; 31],
            hash_algorithm: qpher_types::HashAlgorithm::Sha256,
            key_version: 1,
        },
    ];
    for flavour in Flavour::ALL {
        for op in &cases {
            let context = format!("{flavour:?} {op:?}");
            let server = MockServer::start();
            let (mock, _) = recording_mock(&server, 200, &[], b"{}");
            let error = run(flavour, &Settings::new(server.base_url()), op.clone())
                .expect_err("an invalid argument is an error");
            assert_eq!(error.kind(), ErrorKind::InvalidArgument, "{context}");
            assert_eq!(mock.calls(), 0, "{context}");
        }
    }
}
