//! Transport faults on raw local listeners, through both clients: each ends with the
//! documented error within a bounded time. Retries are off and the timeout is short.

use std::time::{Duration, Instant};

use qpher_core::ErrorKind;
use qpher_tests::{
    Action, Error, Flavour, Op, ScriptedServer, Settings, http_response, is_uuid, refused_url, run,
};

const TIMEOUT: Duration = Duration::from_millis(500);

/// Upper bound of any fault test's call: the timeout plus generous scheduling slack.
const BOUND: Duration = Duration::from_secs(4);

fn encrypt() -> Op {
    Op::Encrypt {
        plaintext: b"payload".to_vec(),
        key_version: 1,
    }
}

fn settings(url: String) -> Settings {
    Settings::new(url).timeout(TIMEOUT).max_retries(0)
}

/// Runs an encrypt against a server that performs `action`, and returns the error.
fn fault(flavour: Flavour, action: Action) -> Error {
    let server = ScriptedServer::start(vec![action]);
    let started = Instant::now();
    let error = run(flavour, &settings(server.url()), encrypt()).expect_err("the call fails");
    let elapsed = started.elapsed();
    assert!(elapsed < BOUND, "{flavour:?}: took {elapsed:?}");
    assert_eq!(server.finish().len(), 1, "{flavour:?}");
    error
}

fn assert_connection(error: &Error, context: &str) {
    assert_eq!(error.kind(), ErrorKind::Connection, "{context}: {error}");
    assert_eq!(error.error_code().as_str(), "ERR_SERVICE_001", "{context}");
    assert_eq!(error.status_code(), Some(503), "{context}");
    let request_id = error.request_id().unwrap_or_default();
    assert!(is_uuid(request_id), "{context}: request id {request_id:?}");
}

fn assert_timeout(error: &Error, context: &str) {
    assert_eq!(error.kind(), ErrorKind::Timeout, "{context}: {error}");
    assert_eq!(error.error_code().as_str(), "ERR_TIMEOUT_001", "{context}");
    assert_eq!(error.status_code(), Some(504), "{context}");
    assert!(error.is_timeout(), "{context}");
}

#[test]
fn connection_refused() {
    for flavour in Flavour::ALL {
        let started = Instant::now();
        let error = run(flavour, &settings(refused_url()), encrypt()).expect_err("refused");
        assert!(started.elapsed() < BOUND, "{flavour:?}");
        assert_connection(&error, &format!("{flavour:?}"));
        assert_eq!(error.attempts(), 1, "{flavour:?}");
    }
}

#[test]
fn reset_before_response() {
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::SendThenReset(Vec::new()));
        assert_connection(&error, &format!("{flavour:?}"));
    }
}

#[test]
fn reset_mid_response() {
    let partial = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"data\":{".to_vec();
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::SendThenReset(partial.clone()));
        assert_connection(&error, &format!("{flavour:?}"));
    }
}

#[test]
fn headers_never_sent() {
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::SendThenStall(Vec::new()));
        assert_timeout(&error, &format!("{flavour:?}"));
    }
}

#[test]
fn body_stalls() {
    let partial = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{\"data\":{".to_vec();
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::SendThenStall(partial.clone()));
        assert_timeout(&error, &format!("{flavour:?}"));
    }
}

#[test]
fn oversized_body() {
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![Action::StreamBody { len: 20 << 20 }]);
        let settings = Settings::new(server.url()).max_retries(0);
        let started = Instant::now();

        let error = run(flavour, &settings, encrypt()).expect_err("the body is over the cap");

        assert!(started.elapsed() < BOUND, "{flavour:?}");
        assert_eq!(
            error.kind(),
            ErrorKind::ResponseTooLarge,
            "{flavour:?}: {error}"
        );
        assert_eq!(server.finish().len(), 1, "{flavour:?}");
    }
}

#[test]
fn small_cap_error_body() {
    let body = vec![b'x'; 4096];
    for flavour in Flavour::ALL {
        let server = ScriptedServer::start(vec![Action::Send(http_response(500, &[], &body))]);
        let settings = Settings::new(server.url())
            .max_retries(0)
            .max_response_bytes(1024);

        let error = run(flavour, &settings, encrypt()).expect_err("the body is over the cap");

        assert_eq!(
            error.kind(),
            ErrorKind::ResponseTooLarge,
            "{flavour:?}: {error}"
        );
        drop(server);
    }
}

#[test]
fn endless_chunked_body() {
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::EndlessChunks);
        let kind = error.kind();
        assert!(
            matches!(kind, ErrorKind::Timeout | ErrorKind::ResponseTooLarge),
            "{flavour:?}: {error}"
        );
    }
}

#[test]
fn gateway_error_bodies() {
    let html: &[u8] = b"<html><body><h1>Bad Gateway</h1></body></html>";
    let cases = [
        (
            502,
            html,
            ErrorKind::Server,
            "HTTP 502: <html><body><h1>Bad Gateway</h1></body></html>",
        ),
        (502, b"", ErrorKind::Server, "HTTP 502 with an empty body"),
        (
            503,
            html,
            ErrorKind::Connection,
            "HTTP 503: <html><body><h1>Bad Gateway</h1></body></html>",
        ),
        (
            503,
            b"",
            ErrorKind::Connection,
            "HTTP 503 with an empty body",
        ),
    ];
    for flavour in Flavour::ALL {
        for (status, body, kind, message) in cases {
            let context = format!("{flavour:?} {status} {message}");
            let headers = [
                ("content-type", "text/html"),
                ("x-request-id", "hdr-gateway"),
            ];
            let response = http_response(status, &headers, body);

            let error = fault(flavour, Action::Send(response));

            assert_eq!(error.kind(), kind, "{context}");
            let code = format!("ERR_UNKNOWN_{status}");
            assert_eq!(error.error_code().as_str(), code, "{context}");
            assert_eq!(error.status_code(), Some(status), "{context}");
            assert_eq!(error.message(), message, "{context}");
            assert_eq!(error.request_id(), Some("hdr-gateway"), "{context}");
        }
    }
}

#[test]
fn garbage_response() {
    for flavour in Flavour::ALL {
        let error = fault(flavour, Action::Send(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec()));
        assert_connection(&error, &format!("{flavour:?}"));
    }
}
