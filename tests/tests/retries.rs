//! Retries through both clients against a scripted server: attempt counts, delays,
//! `Retry-After`, codes and operations that are not retried, and the identical request on
//! every attempt. The sleep hook records each delay, so no test waits for a backoff.

use std::time::{Duration, SystemTime};

use qpher_core::ErrorKind;
use qpher_tests::{
    Action, Flavour, Op, RecordedRequest, ScriptedServer, Settings, error_body, http_response,
    refused_url, run, success_body,
};
use qpher_types::Algorithm;
use serde_json::json;

fn secs(seconds: f64) -> Duration {
    Duration::from_secs_f64(seconds)
}

fn encrypt() -> Op {
    Op::Encrypt {
        plaintext: b"payload".to_vec(),
        key_version: 1,
    }
}

fn generate() -> Op {
    Op::Generate {
        algorithm: Algorithm::Kyber768,
    }
}

fn rotate() -> Op {
    Op::Rotate {
        algorithm: Algorithm::Kyber768,
    }
}

fn retire() -> Op {
    Op::Retire {
        algorithm: Algorithm::Kyber768,
        key_version: 1,
    }
}

/// Returns an action that sends an error response with the usual envelope and `headers`.
fn failure(status: u16, headers: &[(&str, &str)]) -> Action {
    let body = error_body("ERR_TEST_001", "try again", "req-failed").to_string();
    Action::Send(http_response(status, headers, body.as_bytes()))
}

fn encrypt_ok() -> Action {
    let data = json!({ "ciphertext": "AAEC", "key_version": 1, "algorithm": "Kyber768" });
    let body = success_body(data, Some("req-ok")).to_string();
    Action::Send(http_response(200, &[], body.as_bytes()))
}

fn key_ok() -> Action {
    let data = json!({
        "key_version": 2,
        "algorithm": "Kyber768",
        "status": "active",
        "public_key": "AAEC",
        "created_at": "2026-01-01T00:00:00Z",
        "old_key_version": 1,
    });
    let body = success_body(data, Some("req-ok")).to_string();
    Action::Send(http_response(200, &[], body.as_bytes()))
}

/// Asserts that every request repeats the first one: same body bytes, request id and
/// idempotency key.
fn assert_same_request(requests: &[RecordedRequest], context: &str) {
    let first = requests.first().expect("at least one request");
    for (attempt, request) in requests.iter().enumerate().skip(1) {
        let context = format!("{context} attempt {}", attempt + 1);
        assert_eq!(request.method, first.method, "{context}");
        assert_eq!(request.path, first.path, "{context}");
        assert_eq!(request.body, first.body, "{context}");
        assert_eq!(
            request.header("x-request-id"),
            first.header("x-request-id"),
            "{context}"
        );
        assert_eq!(
            request.header("idempotency-key"),
            first.header("idempotency-key"),
            "{context}"
        );
    }
}

#[test]
fn retryable_statuses() {
    let kinds = [
        (429, ErrorKind::RateLimit),
        (502, ErrorKind::Server),
        (503, ErrorKind::Connection),
        (504, ErrorKind::Timeout),
    ];
    for flavour in Flavour::ALL {
        for (status, kind) in kinds {
            let context = format!("{flavour:?} {status}");
            let server = ScriptedServer::start(vec![failure(status, &[]); 4]);
            let settings = Settings::new(server.url());

            let error = run(flavour, &settings, encrypt()).expect_err("every attempt fails");
            let requests = server.finish();

            assert_eq!(requests.len(), 4, "{context}");
            assert_eq!(
                settings.delays(),
                [secs(0.5), secs(1.0), secs(2.0)],
                "{context}"
            );
            assert_eq!(error.kind(), kind, "{context}");
            assert_eq!(error.status_code(), Some(status), "{context}");
            assert_eq!(error.attempts(), 4, "{context}");
            assert_same_request(&requests, &context);
        }
    }
}

#[test]
fn retry_then_success() {
    for flavour in Flavour::ALL {
        let script = vec![failure(502, &[]), failure(503, &[]), encrypt_ok()];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());

        let fields = run(flavour, &settings, encrypt())
            .unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        let requests = server.finish();

        assert_eq!(fields["request_id"], "req-ok", "{flavour:?}");
        assert_eq!(requests.len(), 3, "{flavour:?}");
        assert_eq!(settings.delays(), [secs(0.5), secs(1.0)], "{flavour:?}");
        assert_same_request(&requests, &format!("{flavour:?}"));
    }
}

#[test]
fn non_retryable_statuses() {
    for flavour in Flavour::ALL {
        for status in [400, 401, 403, 404, 409, 418, 422, 500] {
            let context = format!("{flavour:?} {status}");
            let server = ScriptedServer::start(vec![failure(status, &[]), encrypt_ok()]);
            let settings = Settings::new(server.url());

            let error = run(flavour, &settings, encrypt()).expect_err("the status is final");
            assert_eq!(error.status_code(), Some(status), "{context}");
            assert_eq!(error.attempts(), 1, "{context}");
            assert!(settings.delays().is_empty(), "{context}");
            drop(server);
        }
    }
}

#[test]
fn backoff_caps_at_ten() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![failure(503, &[]); 7]);
        let settings = Settings::new(server.url()).max_retries(6);

        let error = run(flavour, &settings, encrypt()).expect_err("every attempt fails");
        let requests = server.finish();

        assert_eq!(requests.len(), 7, "{flavour:?}");
        assert_eq!(error.attempts(), 7, "{flavour:?}");
        let expected = [0.5, 1.0, 2.0, 4.0, 8.0, 10.0].map(secs);
        assert_eq!(settings.delays(), expected, "{flavour:?}");
    }
}

#[test]
fn max_retries_zero() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![failure(503, &[]), encrypt_ok()]);
        let settings = Settings::new(server.url()).max_retries(0);

        let error = run(flavour, &settings, encrypt()).expect_err("no retry is allowed");
        drop(server);

        assert_eq!(error.kind(), ErrorKind::Connection, "{flavour:?}");
        assert_eq!(error.attempts(), 1, "{flavour:?}");
        assert!(settings.delays().is_empty(), "{flavour:?}");
    }
}

#[test]
fn retry_after_seconds() {
    for flavour in Flavour::ALL {
        let script = vec![failure(429, &[("retry-after", "3")]), encrypt_ok()];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());

        run(flavour, &settings, encrypt()).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        assert_eq!(server.finish().len(), 2, "{flavour:?}");
        assert_eq!(settings.delays(), [secs(3.0)], "{flavour:?}");
    }
}

#[test]
fn retry_after_below_backoff() {
    for flavour in Flavour::ALL {
        let script = vec![
            failure(503, &[("retry-after", "0")]),
            failure(503, &[("retry-after", "0")]),
            encrypt_ok(),
        ];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());

        run(flavour, &settings, encrypt()).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        assert_eq!(settings.delays(), [secs(0.5), secs(1.0)], "{flavour:?}");
    }
}

#[test]
fn retry_after_date() {
    for flavour in Flavour::ALL {
        let date = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(5));
        let script = vec![
            failure(503, &[("retry-after", date.as_str())]),
            encrypt_ok(),
        ];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());

        run(flavour, &settings, encrypt()).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        let delays = settings.delays();
        assert_eq!(delays.len(), 1, "{flavour:?}");
        // The date has whole-second precision and some time passes before the client
        // reads it, so the delay lies between 3 and 5 seconds.
        let delay = delays[0];
        assert!(
            delay >= secs(3.0) && delay <= secs(5.0),
            "{flavour:?}: {delay:?}"
        );
    }
}

#[test]
fn retry_after_over_cap() {
    for flavour in Flavour::ALL {
        let script = vec![failure(429, &[("retry-after", "120")]), encrypt_ok()];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());

        let error = run(flavour, &settings, encrypt()).expect_err("the wait is too long");
        drop(server);

        assert_eq!(error.kind(), ErrorKind::RateLimit, "{flavour:?}");
        assert_eq!(error.retry_after(), Some(secs(120.0)), "{flavour:?}");
        assert_eq!(error.attempts(), 1, "{flavour:?}");
        assert!(settings.delays().is_empty(), "{flavour:?}");
    }
}

#[test]
fn sig_022_not_retried() {
    let body = json!({
        "detail": { "error_code": "ERR_SIG_022", "message": "SLH-DSA is disabled" },
        "request_id": "req-sig",
    })
    .to_string();
    for flavour in Flavour::ALL {
        let script = vec![Action::Send(http_response(503, &[], body.as_bytes())); 2];
        let server = ScriptedServer::start(script);
        let settings = Settings::new(server.url());
        let op = Op::WithAlgorithm {
            algorithm: Algorithm::SlhDsaSha2_128s,
            op: Box::new(Op::Sign {
                message: b"m".to_vec(),
                key_version: 1,
            }),
        };

        let error = run(flavour, &settings, op).expect_err("the feature is off");
        drop(server);

        assert_eq!(error.error_code().as_str(), "ERR_SIG_022", "{flavour:?}");
        assert_eq!(error.status_code(), Some(503), "{flavour:?}");
        assert_eq!(error.request_id(), Some("req-sig"), "{flavour:?}");
        assert_eq!(error.attempts(), 1, "{flavour:?}");
        assert!(!error.is_retryable(), "{flavour:?}");
        assert!(settings.delays().is_empty(), "{flavour:?}");
    }
}

#[test]
fn lifecycle_uncertain_not_retried() {
    let failures = [
        ("502", failure(502, &[])),
        ("504", failure(504, &[])),
        ("reset", Action::SendThenReset(Vec::new())),
    ];
    for flavour in Flavour::ALL {
        for op in [generate(), rotate(), retire()] {
            for (label, action) in &failures {
                let context = format!("{flavour:?} {} {label}", op.name());
                let server = ScriptedServer::start(vec![action.clone(), key_ok()]);
                let settings = Settings::new(server.url());

                let error = run(flavour, &settings, op.clone()).expect_err("no retry");
                drop(server);

                assert!(error.is_outcome_unknown(), "{context}: {error}");
                assert_eq!(error.attempts(), 1, "{context}");
                assert!(settings.delays().is_empty(), "{context}");
            }
        }
    }
}

#[test]
fn lifecycle_retried_when_unprocessed() {
    for flavour in Flavour::ALL {
        for op in [generate(), rotate(), retire()] {
            let context = format!("{flavour:?} {}", op.name());
            let script = vec![failure(429, &[]), failure(503, &[]), key_ok()];
            let server = ScriptedServer::start(script);
            let settings = Settings::new(server.url());

            run(flavour, &settings, op).unwrap_or_else(|error| panic!("{context}: {error}"));
            let requests = server.finish();

            assert_eq!(requests.len(), 3, "{context}");
            assert_eq!(settings.delays(), [secs(0.5), secs(1.0)], "{context}");
            assert!(requests[0].header("idempotency-key").is_some(), "{context}");
            assert_same_request(&requests, &context);
        }
    }
}

#[test]
fn transport_failures_retried() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![
            Action::SendThenReset(Vec::new()),
            Action::SendThenReset(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{".to_vec()),
            encrypt_ok(),
        ]);
        let settings = Settings::new(server.url());

        run(flavour, &settings, encrypt()).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        let requests = server.finish();

        assert_eq!(requests.len(), 3, "{flavour:?}");
        assert_eq!(settings.delays(), [secs(0.5), secs(1.0)], "{flavour:?}");
        assert_same_request(&requests, &format!("{flavour:?}"));
    }
}

#[test]
fn refused_retried() {
    for flavour in Flavour::ALL {
        let settings = Settings::new(refused_url());

        let error = run(flavour, &settings, generate()).expect_err("nothing listens");

        assert_eq!(error.kind(), ErrorKind::Connection, "{flavour:?}");
        assert_eq!(
            error.error_code().as_str(),
            "ERR_SERVICE_001",
            "{flavour:?}"
        );
        assert_eq!(error.attempts(), 4, "{flavour:?}");
        assert!(!error.is_outcome_unknown(), "{flavour:?}");
        assert_eq!(
            settings.delays(),
            [secs(0.5), secs(1.0), secs(2.0)],
            "{flavour:?}"
        );
    }
}

#[test]
fn timeout_retried() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![Action::SendThenStall(Vec::new()), encrypt_ok()]);
        let settings = Settings::new(server.url()).timeout(Duration::from_millis(300));

        run(flavour, &settings, encrypt()).unwrap_or_else(|error| panic!("{flavour:?}: {error}"));
        let requests = server.finish();

        assert_eq!(requests.len(), 2, "{flavour:?}");
        assert_eq!(settings.delays(), [secs(0.5)], "{flavour:?}");
        assert_same_request(&requests, &format!("{flavour:?}"));
    }
}

#[test]
fn lifecycle_timeout_not_retried() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![Action::SendThenStall(Vec::new()), key_ok()]);
        let settings = Settings::new(server.url()).timeout(Duration::from_millis(300));

        let error = run(flavour, &settings, rotate()).expect_err("no retry");
        drop(server);

        assert_eq!(error.kind(), ErrorKind::Timeout, "{flavour:?}");
        assert!(error.is_outcome_unknown(), "{flavour:?}: {error}");
        assert_eq!(error.attempts(), 1, "{flavour:?}");
        assert!(settings.delays().is_empty(), "{flavour:?}");
    }
}
