//! The blocking client refuses to send while ureq-proto's TRACE wire dump is enabled,
//! because that dump would write the API key and bodies to the application's log.
//!
//! This file is its own test binary, so the `log` logger installed here (every level and
//! target enabled) does not affect the other tests.

use std::sync::{Mutex, PoisonError};

use httpmock::MockServer;
use qpher_core::ErrorKind;
use qpher_tests::Canary;

/// A `log` logger that enables everything and keeps each record's text.
struct RecordingLogger(Mutex<String>);

impl log::Log for RecordingLogger {
    fn enabled(&self, _metadata: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        let mut text = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        text.push_str(&format!("{} {}\n", record.target(), record.args()));
    }

    fn flush(&self) {}
}

static LOGGER: RecordingLogger = RecordingLogger(Mutex::new(String::new()));

#[test]
fn trace_dump_rejected() {
    log::set_logger(&LOGGER).unwrap();
    log::set_max_level(log::LevelFilter::Trace);

    let server = MockServer::start();
    let mock = server.mock(|when, then| {
        when.any_request();
        then.status(200).body("{}");
    });

    let client = qpher_blocking::Client::builder()
        .api_key(Canary::API_KEY)
        .base_url(server.base_url())
        .build()
        .unwrap();
    let error = client.kem().encrypt(Canary::PLAINTEXT, 1).unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Configuration);
    assert!(
        error.message().contains("ureq_proto"),
        "{}",
        error.message()
    );
    assert_eq!(mock.calls(), 0, "nothing may be sent");

    let logged = LOGGER
        .0
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(
        !logged.contains(Canary::API_KEY),
        "the API key reached the log:\n{logged}"
    );
}
