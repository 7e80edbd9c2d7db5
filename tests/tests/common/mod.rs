//! Helpers of the end-to-end tests: a `qpher-server` in process on 127.0.0.1, a tenant
//! per flavour, and calls through the harness that fail with the flavour and operation.

// Each end-to-end test binary uses only part of these helpers.
#![allow(dead_code)]

use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use qpher_core::ErrorKind;
use qpher_server::{BackgroundServer, ServerConfig};
use qpher_tests::{Error, Flavour, Op, Settings, is_uuid, run};
use qpher_types::Algorithm;
use serde_json::Value;

/// Time allowed for one attempt. A 1 MiB encrypt against the debug build of the server
/// took about 0.6 s on a 2-core machine, so this leaves room for a loaded machine.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// Starts an in-memory server on a free port of 127.0.0.1.
pub fn start_server() -> BackgroundServer {
    start(ServerConfig::in_memory())
}

/// Starts a server that keeps its database, master key and API key in `data_dir`.
pub fn start_persistent(data_dir: &Path) -> BackgroundServer {
    start(ServerConfig::persistent(data_dir))
}

fn start(config: ServerConfig) -> BackgroundServer {
    let address = "127.0.0.1:0".parse().expect("a valid socket address");
    config
        .listen(address)
        .start_background()
        .expect("the server starts")
}

/// Creates a tenant with its own API key, so each flavour starts without keys, and
/// returns client settings for it.
pub fn new_tenant(server: &BackgroundServer) -> Settings {
    let api_key = server
        .create_api_key()
        .expect("the server creates a tenant");
    settings(server, &api_key)
}

/// Returns client settings for `server` with `api_key`.
pub fn settings(server: &BackgroundServer, api_key: &str) -> Settings {
    Settings::new(server.base_url())
        .api_key(api_key)
        .timeout(ATTEMPT_TIMEOUT)
}

/// Runs `op` and returns its fields, or panics with the flavour, operation and error.
pub fn call(flavour: Flavour, settings: &Settings, op: Op) -> Value {
    let name = op.name();
    run(flavour, settings, op).unwrap_or_else(|error| panic!("{flavour:?} {name}: {error}"))
}

/// Runs `op`, which must fail, and returns its error.
pub fn call_error(flavour: Flavour, settings: &Settings, op: Op) -> Error {
    let name = op.name();
    match run(flavour, settings, op) {
        Ok(fields) => panic!("{flavour:?} {name}: expected an error, got {fields}"),
        Err(error) => error,
    }
}

/// Generates a key pair of `algorithm` and returns its version.
pub fn generate(flavour: Flavour, settings: &Settings, algorithm: Algorithm) -> u32 {
    let key = call(flavour, settings, Op::Generate { algorithm });
    version(&key, "key_version")
}

/// Returns the base64 field `name` of `fields` decoded.
pub fn bytes(fields: &Value, name: &str) -> Vec<u8> {
    let text = fields[name]
        .as_str()
        .unwrap_or_else(|| panic!("no string field {name} in {fields}"));
    STANDARD
        .decode(text)
        .unwrap_or_else(|error| panic!("field {name} is not base64: {error}"))
}

/// Returns the key version field `name` of `fields`.
pub fn version(fields: &Value, name: &str) -> u32 {
    let number = fields[name]
        .as_u64()
        .unwrap_or_else(|| panic!("no integer field {name} in {fields}"));
    u32::try_from(number).expect("a key version fits in u32")
}

/// Returns a copy of `bytes` with the lowest bit of the byte at `index` flipped.
pub fn flip_bit(bytes: &[u8], index: usize) -> Vec<u8> {
    let mut tampered = bytes.to_vec();
    tampered[index] ^= 0x01;
    tampered
}

/// Asserts that a request id is present and is the UUID v4 the client sent or the server
/// generated.
pub fn assert_request_id(context: &str, request_id: Option<&str>) {
    let request_id = request_id.unwrap_or_else(|| panic!("{context}: no request id"));
    assert!(is_uuid(request_id), "{context}: request id {request_id:?}");
}

/// Asserts the kind, code, status and request id of an error response.
pub fn assert_service_error(
    context: &str,
    error: &Error,
    kind: ErrorKind,
    code: &str,
    status: u16,
) {
    assert_eq!(error.kind(), kind, "{context}: kind of {error}");
    assert_eq!(
        error.error_code().as_str(),
        code,
        "{context}: code of {error}"
    );
    assert_eq!(
        error.status_code(),
        Some(status),
        "{context}: status of {error}"
    );
    assert_request_id(context, error.request_id());
}

/// Builds a blocking client for `server` with `api_key`, for tests that call it directly.
pub fn blocking_client(server: &BackgroundServer, api_key: &str) -> qpher_blocking::Client {
    qpher_blocking::Client::builder()
        .api_key(api_key)
        .base_url(server.base_url())
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .expect("the blocking client builds")
}

/// Builds an async client for `server` with `api_key`, for tests that call it directly.
pub fn async_client(server: &BackgroundServer, api_key: &str) -> qpher_async::Client {
    qpher_async::Client::builder()
        .api_key(api_key)
        .base_url(server.base_url())
        .timeout(ATTEMPT_TIMEOUT)
        .build()
        .expect("the async client builds")
}
