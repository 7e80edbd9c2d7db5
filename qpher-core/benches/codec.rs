//! Request building and response parsing of the core, next to the base64 crate's own
//! encode and decode of the same bytes.
//!
//! Every group reports throughput in payload bytes: the plaintext of an encrypt request or
//! a decrypt response, and the plaintext plus the KEM-DEM overhead of an encrypt response.
//! Run with `cargo bench -p qpher-core`.

use std::hint::black_box;
use std::time::SystemTime;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{BatchSize, BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http::HeaderMap;
use qpher_core::types::{DecryptRequest, EncryptMode, EncryptRequest, SecretBytes};
use qpher_core::{Call, CallIds, Config, Step};

/// Payload sizes: 1 KiB, 64 KiB and the service's 1 MiB plaintext limit.
const SIZES: [usize; 3] = [1024, 64 * 1024, 1024 * 1024];

/// Bytes the server's KEM-DEM format adds to a plaintext: format byte, ML-KEM-768
/// ciphertext (1088), AES-GCM IV (12) and tag (16).
const KEM_DEM_OVERHEAD: usize = 1 + 1088 + 12 + 16;

fn config() -> Config {
    Config::builder()
        .api_key("qph_benchmark_key")
        .base_url("http://127.0.0.1:8787")
        .build()
        .expect("the benchmark configuration is valid")
}

fn payload(len: usize) -> Vec<u8> {
    (0..len).map(|index| (index % 251) as u8).collect()
}

fn encrypt_request(plaintext: &[u8]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBytes::from(plaintext),
        key_version: 1,
        algorithm: None,
        mode: Some(EncryptMode::Standard),
        salt: None,
    }
}

/// Builds a 200 body in the documented envelope with `field` set to `bytes` in base64.
fn success_body(field: &str, bytes: &[u8]) -> Vec<u8> {
    let body = serde_json::json!({
        "data": {
            field: STANDARD.encode(bytes),
            "key_version": 1,
            "algorithm": "Kyber768",
        },
        "request_id": "req-benchmark",
        "timestamp": "2026-01-01T00:00:00Z",
    });
    serde_json::to_vec(&body).expect("the canned body serializes")
}

fn build_encrypt_request(c: &mut Criterion) {
    let config = config();
    let mut group = c.benchmark_group("encrypt_request_build");
    for size in SIZES {
        let plaintext = payload(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &plaintext, |b, data| {
            b.iter_batched(
                || encrypt_request(data),
                |request| {
                    let mut call = Call::new(&config, request, CallIds::from_random([7; 32]))
                        .expect("the request is valid");
                    black_box(call.next_request())
                },
                BatchSize::LargeInput,
            );
        });
    }
    group.finish();
}

fn parse_encrypt_response(c: &mut Criterion) {
    let config = config();
    let headers = HeaderMap::new();
    let now = SystemTime::now();
    let mut group = c.benchmark_group("encrypt_response_parse");
    for size in SIZES {
        let body = success_body("ciphertext", &payload(size + KEM_DEM_OVERHEAD));
        let mut call = Call::new(
            &config,
            encrypt_request(b"x"),
            CallIds::from_random([7; 32]),
        )
        .expect("the request is valid");
        group.throughput(Throughput::Bytes((size + KEM_DEM_OVERHEAD) as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &body, |b, body| {
            b.iter(|| match call.handle_response(200, &headers, body, now, 0) {
                Step::Done(Ok(result)) => black_box(result),
                other => panic!("the canned body must parse: {other:?}"),
            });
        });
    }
    group.finish();
}

fn parse_decrypt_response(c: &mut Criterion) {
    let config = config();
    let headers = HeaderMap::new();
    let now = SystemTime::now();
    let request = DecryptRequest {
        ciphertext: payload(KEM_DEM_OVERHEAD),
        key_version: 1,
        algorithm: None,
    };
    let mut call =
        Call::new(&config, request, CallIds::from_random([7; 32])).expect("the request is valid");
    let mut group = c.benchmark_group("decrypt_response_parse");
    for size in SIZES {
        let body = success_body("plaintext", &payload(size));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &body, |b, body| {
            b.iter(|| match call.handle_response(200, &headers, body, now, 0) {
                Step::Done(Ok(result)) => black_box(result),
                other => panic!("the canned body must parse: {other:?}"),
            });
        });
    }
    group.finish();
}

fn base64_baseline(c: &mut Criterion) {
    let mut group = c.benchmark_group("base64_encode");
    for size in SIZES {
        let bytes = payload(size);
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &bytes, |b, bytes| {
            b.iter(|| black_box(STANDARD.encode(bytes)));
        });
    }
    group.finish();

    let mut group = c.benchmark_group("base64_decode");
    for size in SIZES {
        let text = STANDARD.encode(payload(size));
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_with_input(BenchmarkId::from_parameter(size), &text, |b, text| {
            b.iter(|| black_box(STANDARD.decode(text).expect("the text is base64")));
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    build_encrypt_request,
    parse_encrypt_response,
    parse_decrypt_response,
    base64_baseline
);
criterion_main!(benches);
