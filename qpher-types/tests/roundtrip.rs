//! Property test: every model survives a trip through JSON unchanged.

use proptest::prelude::*;
use qpher_types::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

fn round_trips<T>(value: &T) -> Result<(), TestCaseError>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_vec(value).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let tree: serde_json::Value =
        serde_json::from_slice(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert!(
        !contains_null(&tree),
        "optional fields must be omitted: {tree}"
    );

    let parsed: T =
        serde_json::from_slice(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(&parsed, value);
    Ok(())
}

fn contains_null(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::Null => true,
        serde_json::Value::Array(items) => items.iter().any(contains_null),
        serde_json::Value::Object(members) => members.values().any(contains_null),
        _ => false,
    }
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..200)
}

fn secret() -> impl Strategy<Value = SecretBytes> {
    bytes().prop_map(SecretBytes::new)
}

fn algorithm() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        proptest::sample::select(Algorithm::KNOWN.to_vec()),
        "[A-Za-z0-9-]{1,20}".prop_map(|text| Algorithm::from_wire(&text)),
    ]
}

fn optional_algorithm() -> impl Strategy<Value = Option<Algorithm>> {
    proptest::option::of(algorithm())
}

fn hash_algorithm() -> impl Strategy<Value = HashAlgorithm> {
    prop_oneof![
        proptest::sample::select(HashAlgorithm::KNOWN.to_vec()),
        "[A-Z0-9-]{1,12}".prop_map(|text| HashAlgorithm::from_wire(&text)),
    ]
}

fn key_status() -> impl Strategy<Value = KeyStatus> {
    prop_oneof![
        proptest::sample::select(KeyStatus::KNOWN.to_vec()),
        "[a-z]{1,12}".prop_map(|text| KeyStatus::from_wire(&text)),
    ]
}

fn key_info() -> impl Strategy<Value = KeyInfo> {
    (any::<u32>(), algorithm(), key_status(), bytes(), ".{0,30}").prop_map(
        |(key_version, algorithm, status, public_key, created_at)| KeyInfo {
            key_version,
            algorithm,
            status,
            public_key,
            created_at,
        },
    )
}

proptest! {
    #[test]
    fn encrypt_models(
        plaintext in secret(),
        ciphertext in bytes(),
        key_version in any::<u32>(),
        algorithm in optional_algorithm(),
        deterministic in any::<bool>(),
        salt in proptest::option::of(bytes()),
    ) {
        let mode = Some(if deterministic { EncryptMode::Deterministic } else { EncryptMode::Standard });
        round_trips(&EncryptRequest { plaintext: plaintext.clone(), key_version, algorithm: algorithm.clone(), mode, salt })?;
        round_trips(&EncryptResponse { ciphertext: ciphertext.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&DecryptRequest { ciphertext, key_version, algorithm: algorithm.clone() })?;
        round_trips(&DecryptResponse { plaintext, key_version, algorithm })?;
    }

    #[test]
    fn kem_models(
        secret in secret(),
        blob in bytes(),
        key_version in any::<u32>(),
        algorithm in optional_algorithm(),
        method in proptest::option::of("[A-Z-]{1,10}"),
    ) {
        round_trips(&EncapsulateRequest { key_version, algorithm: algorithm.clone() })?;
        round_trips(&EncapsulateResponse { kem_ciphertext: blob.clone(), shared_secret: secret.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&DecapsulateRequest { kem_ciphertext: blob.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&DecapsulateResponse { shared_secret: secret.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&WrapRequest { symmetric_key: secret.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&WrapResponse { wrapped_key: blob.clone(), key_version, algorithm: algorithm.clone(), wrapping_method: method })?;
        round_trips(&UnwrapRequest { wrapped_key: blob, key_version, algorithm: algorithm.clone() })?;
        round_trips(&UnwrapResponse { symmetric_key: secret, key_version, algorithm })?;
    }

    #[test]
    fn signature_models(
        message in bytes(),
        signature in bytes(),
        key_version in any::<u32>(),
        algorithm in optional_algorithm(),
        hash_algorithm in hash_algorithm(),
        valid in any::<bool>(),
        signature_type in proptest::option::of("[a-z]{1,10}"),
    ) {
        round_trips(&SignRequest { message: message.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&SignResponse { signature: signature.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&VerifyRequest { message: message.clone(), signature: signature.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&VerifyResponse { valid, key_version, algorithm: algorithm.clone() })?;
        round_trips(&SignHashRequest { hash: message.clone(), hash_algorithm: hash_algorithm.clone(), key_version, algorithm: algorithm.clone() })?;
        round_trips(&SignHashResponse { signature: signature.clone(), key_version, algorithm: algorithm.clone(), hash_algorithm: Some(hash_algorithm.clone()), signature_type })?;
        round_trips(&VerifyHashRequest { hash: message, hash_algorithm: hash_algorithm.clone(), signature, key_version, algorithm: algorithm.clone() })?;
        round_trips(&VerifyHashResponse { valid, key_version, algorithm, hash_algorithm: Some(hash_algorithm) })?;
    }

    #[test]
    fn key_models(
        info in key_info(),
        keys in proptest::collection::vec(key_info(), 0..4),
        algorithm in algorithm(),
        status in proptest::option::of(key_status()),
        key_version in any::<u32>(),
        old_key_version in any::<u32>(),
        public_key in bytes(),
    ) {
        round_trips(&info)?;
        round_trips(&GenerateKeyRequest { algorithm: algorithm.clone() })?;
        round_trips(&ListKeysResponse { total: keys.len() as u64, keys })?;
        round_trips(&ListKeysQuery { algorithm: Some(algorithm.clone()), status })?;
        round_trips(&KeyQuery { algorithm: Some(algorithm.clone()) })?;
        round_trips(&RotateKeyRequest { algorithm: algorithm.clone() })?;
        round_trips(&RotateKeyResponse { key_version, algorithm: algorithm.clone(), public_key, old_key_version })?;
        round_trips(&RetireKeyRequest { algorithm, key_version })?;
    }

    #[test]
    fn envelopes(
        info in key_info(),
        request_id in proptest::option::of("[a-z0-9-]{1,36}"),
        timestamp in proptest::option::of("[0-9TZ:.-]{1,24}"),
        code in "ERR_[A-Z]{1,8}_[0-9]{3}",
        message in proptest::option::of(".{0,40}"),
        use_detail in any::<bool>(),
    ) {
        round_trips(&Envelope { data: info, request_id: request_id.clone(), timestamp: timestamp.clone() })?;

        let body = ErrorBody::Object(ErrorDetail { error_code: Some(ErrorCode::from_wire(&code)), code: None, message });
        let (error, detail) = if use_detail { (None, Some(body)) } else { (Some(body), None) };
        round_trips(&ErrorEnvelope { error, detail, request_id, timestamp })?;
    }
}
