//! Property tests: no response, however malformed, makes the core panic.

use std::time::{Duration, SystemTime};

use http::HeaderMap;
use proptest::prelude::*;
use qpher_core::ops::GetActiveKey;
use qpher_core::types::{Algorithm, DecryptRequest, ListKeysQuery};
use qpher_core::{Call, CallIds, Config, RetryPolicy, Step};

fn config() -> Config {
    Config::builder()
        .api_key("qph_property_test")
        .base_url("http://127.0.0.1:1")
        .retry_policy(RetryPolicy::default().max_retries(u32::MAX))
        .max_response_bytes(4096)
        .build_with_env(|_| None)
        .unwrap()
}

fn headers(retry_after: &str, request_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = retry_after.parse() {
        headers.insert("retry-after", value);
    }
    if let Ok(value) = request_id.parse() {
        headers.insert("x-request-id", value);
    }
    if let Ok(value) = "https://elsewhere.example/x".parse() {
        headers.insert("location", value);
    }
    headers
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        ".{0,200}".prop_map(String::into_bytes),
        (any::<u32>(), ".{0,20}", ".{0,20}").prop_map(|(n, a, b)| {
            format!(r#"{{"data":{{"plaintext":"{a}","key_version":{n}}},"request_id":"{b}"}}"#)
                .into_bytes()
        }),
        (".{0,20}", ".{0,20}").prop_map(|(code, message)| {
            serde_json::json!({"error": {"error_code": code, "message": message}})
                .to_string()
                .into_bytes()
        }),
        (".{0,20}").prop_map(|detail| serde_json::json!({"detail": detail})
            .to_string()
            .into_bytes()),
    ]
}

proptest! {
    #[test]
    fn decrypt_parser_never_panics(
        status in any::<u16>(),
        body in bodies(),
        retry_after in ".{0,40}",
        request_id in ".{0,40}",
        random in any::<u64>(),
        seconds in any::<u64>(),
    ) {
        let request = DecryptRequest { ciphertext: vec![1, 2, 3], key_version: 1, algorithm: None };
        let mut call = Call::new(&config(), request, CallIds::from_random([1; 32])).unwrap();
        let _ = call.next_request();
        let now = SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds % (1 << 40))).unwrap_or(SystemTime::UNIX_EPOCH);

        match call.handle_response(status, &headers(&retry_after, &request_id), &body, now, random) {
            Step::Done(Ok(result)) => prop_assert!((200..300).contains(&status), "{:?}", result.key_version),
            Step::Done(Err(error)) => prop_assert!(!error.to_string().is_empty()),
            Step::Retry { delay, .. } => {
                prop_assert!(matches!(status, 429 | 502 | 503 | 504));
                prop_assert!(delay <= Duration::from_secs(10));
            }
        }
    }

    #[test]
    fn key_parsers_never_panic(status in 100u16..600, body in bodies(), random in any::<u64>()) {
        let mut list = Call::new(&config(), ListKeysQuery::default(), CallIds::from_random([2; 32])).unwrap();
        let _ = list.handle_response(status, &HeaderMap::new(), &body, SystemTime::UNIX_EPOCH, random);

        let active = GetActiveKey { algorithm: Algorithm::Kyber768 };
        let mut active = Call::new(&config(), active, CallIds::from_random([3; 32])).unwrap();
        let _ = active.handle_response(status, &HeaderMap::new(), &body, SystemTime::UNIX_EPOCH, random);
    }
}
