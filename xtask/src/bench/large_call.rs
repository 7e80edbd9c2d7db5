//! The 1 MiB encrypt call: the core's request building and response parsing next to the
//! base64 crate on the same bytes, the call's end-to-end latency, and its peak memory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use qpher_core::types::{EncryptMode, EncryptRequest, SecretBytes};
use qpher_core::{Call, CallIds, Config, Step};

use super::fixed_server::KEM_DEM_OVERHEAD;
use super::load::{self, Budget};

/// The payload of the large call: the service's 1 MiB plaintext limit.
pub(crate) const LARGE_PAYLOAD: usize = 1024 * 1024;

/// Returns `len` bytes of a fixed pattern.
pub(crate) fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|index| (index % 251) as u8).collect()
}

/// Returns the bytes per second, in payload bytes, of building a 1 MiB encrypt request
/// (`Call::new` and `next_request`) and parsing its 200 response (`handle_response`).
///
/// Copying the caller's plaintext into the request model happens outside the timed part,
/// as the SDK's `encrypt` takes an owned `Vec` without copying it.
///
/// # Errors
///
/// Returns an error when the core rejects the request or the canned response.
pub(crate) fn core_codec_rate(budget: Budget) -> Result<f64, String> {
    let config = Config::builder()
        .api_key("qph_benchmark_key")
        .base_url("http://127.0.0.1:8787")
        .build()
        .map_err(|error| format!("invalid benchmark configuration: {error}"))?;
    let plaintext = payload(LARGE_PAYLOAD);
    let response = encrypt_response(LARGE_PAYLOAD + KEM_DEM_OVERHEAD);
    let headers = HeaderMap::new();

    let deadline = Instant::now() + budget.duration;
    let mut timed = Duration::ZERO;
    let mut calls = 0;
    while calls < budget.max_calls && Instant::now() < deadline {
        let request = EncryptRequest {
            plaintext: SecretBytes::from(plaintext.clone()),
            key_version: 1,
            algorithm: None,
            mode: Some(EncryptMode::Standard),
            salt: None,
        };

        let start = Instant::now();
        let mut call = Call::new(&config, request, CallIds::from_random([7; 32]))
            .map_err(|error| format!("the core rejected the request: {error}"))?;
        let sent = call.next_request();
        let step = call.handle_response(200, &headers, &response, SystemTime::now(), 0);
        timed += start.elapsed();

        std::hint::black_box(sent);
        match step {
            Step::Done(Ok(encrypted)) => {
                std::hint::black_box(encrypted);
            }
            Step::Done(Err(error)) => return Err(format!("the canned response failed: {error}")),
            Step::Retry { error, .. } => {
                return Err(format!("the canned response asked for a retry: {error}"));
            }
        }
        calls += 1;
    }
    Ok(load::per_second(calls * LARGE_PAYLOAD as u64, timed))
}

/// Returns the bytes per second, in payload bytes, of the base64 crate's standard
/// encoding of 1 MiB plus decoding the result.
///
/// # Errors
///
/// Returns an error when the decoded bytes differ from the input.
pub(crate) fn base64_codec_rate(budget: Budget) -> Result<f64, String> {
    let bytes = payload(LARGE_PAYLOAD);
    let deadline = Instant::now() + budget.duration;
    let mut timed = Duration::ZERO;
    let mut calls = 0;
    while calls < budget.max_calls && Instant::now() < deadline {
        let start = Instant::now();
        let encoded = STANDARD.encode(&bytes);
        let decoded = STANDARD.decode(&encoded);
        timed += start.elapsed();

        if decoded.as_deref() != Ok(bytes.as_slice()) {
            return Err("base64 decoding did not return the input".to_owned());
        }
        calls += 1;
    }
    Ok(load::per_second(calls * LARGE_PAYLOAD as u64, timed))
}

/// Serializes a 200 encrypt response whose ciphertext is `ciphertext_len` bytes.
fn encrypt_response(ciphertext_len: usize) -> Vec<u8> {
    serde_json::json!({
        "data": {
            "ciphertext": STANDARD.encode(payload(ciphertext_len)),
            "key_version": 1,
            "algorithm": "Kyber768",
        },
        "request_id": "req-benchmark",
        "timestamp": "2026-01-01T00:00:00Z",
    })
    .to_string()
    .into_bytes()
}

/// Sends `count` 1 MiB encrypt calls one after another and returns the latency of each,
/// in milliseconds.
///
/// # Errors
///
/// Returns the first failed call.
pub(crate) fn end_to_end_latencies(
    runtime: &tokio::runtime::Runtime,
    client: &qpher_async::Client,
    key_version: u32,
    count: usize,
) -> Result<Vec<f64>, String> {
    let mut latencies = Vec::with_capacity(count);
    for _ in 0..count {
        let plaintext = payload(LARGE_PAYLOAD);
        let start = Instant::now();
        let encrypted = runtime
            .block_on(client.kem().encrypt(plaintext, key_version))
            .map_err(|error| format!("the 1 MiB encrypt failed: {error}"))?;
        latencies.push(start.elapsed().as_secs_f64() * 1000.0);

        if encrypted.ciphertext.len() != LARGE_PAYLOAD + KEM_DEM_OVERHEAD {
            return Err(format!(
                "the 1 MiB encrypt returned {} bytes of ciphertext",
                encrypted.ciphertext.len()
            ));
        }
    }
    Ok(latencies)
}

/// Runs `bench-run memory` in a child process against the server at `base_url` and returns
/// the bytes its peak resident set grew by during one 1 MiB encrypt call.
///
/// # Errors
///
/// Returns an error when the child fails or prints no figures.
pub(crate) fn peak_memory_growth(
    base_url: &str,
    api_key: &str,
    key_version: u32,
) -> Result<u64, String> {
    let exe = std::env::current_exe()
        .map_err(|error| format!("failed to find the running xtask binary: {error}"))?;
    let output = Command::new(exe)
        .args(["bench-run", "memory"])
        .env("QPHER_BASE_URL", base_url)
        .env("QPHER_API_KEY", api_key)
        .env("BENCH_KEY_VERSION", key_version.to_string())
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("failed to start the memory child: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "the memory child failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }

    let field = |name: &str| {
        stdout
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().parse::<u64>().ok())
            .ok_or_else(|| format!("the memory child printed no {name}line: {stdout}"))
    };
    let baseline = field("BASELINE_BYTES ")?;
    let peak = field("PEAK_BYTES ")?;
    Ok(peak.saturating_sub(baseline))
}

/// Sends one 1 MiB encrypt call through the async client with the peak resident set reset
/// just before it: the `bench-run memory` child.
///
/// Reads `QPHER_BASE_URL`, `QPHER_API_KEY` and `BENCH_KEY_VERSION`, and prints
/// `BASELINE_BYTES` (the resident set after a warm-up call, with the plaintext allocated)
/// and `PEAK_BYTES` (the peak resident set once the call returned).
///
/// # Errors
///
/// Returns an error when a variable is missing, the call fails or `/proc/self` cannot be
/// read.
pub(crate) fn memory_child() -> Result<(), String> {
    let variable = |name: &str| {
        std::env::var(name).map_err(|_| format!("the environment variable {name} is not set"))
    };
    let base_url = variable("QPHER_BASE_URL")?;
    let api_key = variable("QPHER_API_KEY")?;
    let key_version: u32 = variable("BENCH_KEY_VERSION")?
        .parse()
        .map_err(|error| format!("BENCH_KEY_VERSION is not a key version: {error}"))?;

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| format!("failed to start a tokio runtime: {error}"))?;
    let client = qpher_async::Client::builder()
        .api_key(api_key)
        .base_url(base_url)
        .build()
        .map_err(|error| format!("failed to build the async client: {error}"))?;

    runtime
        .block_on(client.kem().encrypt(b"warm-up".as_slice(), key_version))
        .map_err(|error| format!("the warm-up encrypt failed: {error}"))?;
    let plaintext = payload(LARGE_PAYLOAD);

    // Writing 5 to clear_refs resets VmHWM to the current resident set (Linux 4.0 and
    // later), so the peak read afterwards belongs to the call alone.
    std::fs::write("/proc/self/clear_refs", "5")
        .map_err(|error| format!("failed to reset the peak resident set: {error}"))?;
    let baseline = status_bytes("VmRSS:")?;

    let encrypted = runtime
        .block_on(client.kem().encrypt(plaintext, key_version))
        .map_err(|error| format!("the 1 MiB encrypt failed: {error}"))?;
    let peak = status_bytes("VmHWM:")?;
    std::hint::black_box(encrypted);

    println!("BASELINE_BYTES {baseline}");
    println!("PEAK_BYTES {peak}");
    Ok(())
}

/// Reads one `kB` field of `/proc/self/status` and returns it in bytes.
fn status_bytes(field: &str) -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status")
        .map_err(|error| format!("failed to read /proc/self/status: {error}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map(|kib| kib * 1024)
        .ok_or_else(|| format!("/proc/self/status has no {field} field in kB"))
}
