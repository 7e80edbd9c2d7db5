//! Values shared by the tests: the API key, distinctive secrets and canned response bodies.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use serde_json::{Value, json};

/// The API key every client in the tests sends.
pub const API_KEY: &str = "qph_contract_test_key_0001";

/// Shortest secret whose binary forms ([`secret_forms`]) are checked as well as its text.
///
/// Shorter values would also match unrelated bytes in a capture.
pub const BINARY_FORMS_LEN: usize = 8;

/// Encodes `bytes` as standard, padded base64, the wire's encoding.
pub fn b64(bytes: impl AsRef<[u8]>) -> String {
    STANDARD.encode(bytes)
}

/// Returns `true` when `text` is a lowercase hyphenated version 4 UUID.
pub fn is_uuid(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return false;
    }

    bytes.iter().enumerate().all(|(index, byte)| match index {
        8 | 13 | 18 | 23 => *byte == b'-',
        14 => *byte == b'4',
        19 => matches!(byte, b'8' | b'9' | b'a' | b'b'),
        _ => byte.is_ascii_digit() || (b'a'..=b'f').contains(byte),
    })
}

/// Distinctive secret values that must never appear in logs or `Debug` output.
pub struct Canary;

impl Canary {
    /// An API key that is easy to find in captured text.
    pub const API_KEY: &'static str = "qph_canary_api_key_Zx81Vq";
    /// A plaintext sent to encrypt and returned by decrypt.
    pub const PLAINTEXT: &'static [u8] = b"canary plaintext 7f3e91";
    /// A 32-byte shared secret returned by encapsulate and decapsulate.
    pub const SHARED_SECRET: &'static [u8; 32] = b"canary-shared-secret-Q7w2e9r4t6y";
    /// A 32-byte symmetric key sent to wrap and returned by unwrap.
    pub const SYMMETRIC_KEY: &'static [u8; 32] = b"canary-symmetric-key-M3n5b7v9c1x";

    /// Returns every secret with a label, for assertion messages.
    pub fn all() -> [(&'static str, &'static [u8]); 4] {
        [
            ("API key", Self::API_KEY.as_bytes()),
            ("plaintext", Self::PLAINTEXT),
            ("shared secret", Self::SHARED_SECRET),
            ("symmetric key", Self::SYMMETRIC_KEY),
        ]
    }
}

/// Returns the forms in which `secret` could leak into text: itself, its base64 (standard,
/// unpadded, URL-safe), its lowercase hex, and the `Debug` form of its bytes.
pub fn secret_forms(secret: &[u8]) -> Vec<String> {
    let mut forms = vec![
        String::from_utf8_lossy(secret).into_owned(),
        STANDARD.encode(secret),
        STANDARD_NO_PAD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
    ];
    if secret.len() >= BINARY_FORMS_LEN {
        forms.push(secret.iter().map(|byte| format!("{byte:02x}")).collect());
        forms.push(format!("{secret:?}"));
    }
    forms
}

/// Builds a success envelope around `data`, with a top-level `request_id` when given.
pub fn success_body(data: Value, request_id: Option<&str>) -> Value {
    let mut body = json!({ "data": data, "timestamp": "2026-01-01T00:00:00Z" });
    if let Some(request_id) = request_id {
        body["request_id"] = json!(request_id);
    }
    body
}

/// Builds the usual error envelope: `{"error":{"error_code","message"},"request_id"}`.
pub fn error_body(code: &str, message: &str, request_id: &str) -> Value {
    json!({
        "error": { "error_code": code, "message": message },
        "request_id": request_id,
        "timestamp": "2026-01-01T00:00:00Z",
    })
}
