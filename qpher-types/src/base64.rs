//! Base64 as the API carries binary fields.
//!
//! Encoding always produces the standard alphabet with padding, which is what the hosted
//! service and the official SDKs send. Decoding is lenient: the standard or the URL-safe
//! alphabet, with or without padding. Anything else, such as mixed alphabets, whitespace or
//! stray characters, is an error that names the field it was found in.

use std::fmt;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use serde::de::{self, Visitor};
use serde::{Deserializer, Serializer};
use zeroize::Zeroizing;

use crate::SecretBytes;

const LENIENT: GeneralPurposeConfig =
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
const STANDARD_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE_LENIENT: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Encodes `bytes` as standard, padded base64.
pub fn encode(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Returns the length of the standard, padded base64 of `len` bytes, saturating at
/// `usize::MAX` where the exact length would overflow.
pub fn encoded_len(len: usize) -> usize {
    base64::encoded_len(len, true).unwrap_or(usize::MAX)
}

/// Appends the standard, padded base64 of `bytes` to `out`, as [`encode`] would produce.
///
/// `out` grows by exactly [`encoded_len`] bytes and reallocates only when its spare
/// capacity is smaller than that, so a caller that reserved enough room keeps a secret in
/// one allocation. No temporary string is made.
pub fn encode_into(bytes: &[u8], out: &mut Vec<u8>) {
    let start = out.len();
    out.resize(start.saturating_add(encoded_len(bytes.len())), 0);
    let encoded = out
        .get_mut(start..)
        .map(|tail| STANDARD.encode_slice(bytes, tail));
    if !matches!(encoded, Some(Ok(_))) {
        // Not reached, because the tail is exactly the encoded length. Encoding through a
        // string keeps the output correct all the same.
        out.truncate(start);
        out.extend_from_slice(Zeroizing::new(encode(bytes)).as_bytes());
    }
}

/// Decodes base64 in the standard or the URL-safe alphabet, padding optional.
///
/// # Errors
///
/// Returns [`DecodeError`] when the text mixes both alphabets or is not base64 at all.
pub fn decode(text: &str) -> Result<Vec<u8>, DecodeError> {
    // The standard alphabet is what the service sends, so it is tried first and the text
    // is scanned only once. Each engine rejects the other alphabet's two symbols, so text
    // that mixes both alphabets fails with both engines.
    let standard_error = match STANDARD_LENIENT.decode(text) {
        Ok(bytes) => return Ok(bytes),
        Err(error) => error,
    };

    let url_safe_error = match URL_SAFE_LENIENT.decode(text) {
        Ok(bytes) => return Ok(bytes),
        Err(error) => error,
    };

    let url_safe = text.bytes().any(|b| b == b'-' || b == b'_');
    let standard = text.bytes().any(|b| b == b'+' || b == b'/');
    let message = match (url_safe, standard) {
        (true, true) => "mixes the standard (+ /) and URL-safe (- _) alphabets".to_owned(),
        (true, false) => url_safe_error.to_string(),
        (false, _) => standard_error.to_string(),
    };
    Err(DecodeError(message))
}

/// Text that could not be decoded as base64.
///
/// The message describes the defect (a bad symbol and its offset, a bad length) and never
/// repeats the input, which may be secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError(String);

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// A type stored as a base64 string on the wire.
pub(crate) trait Base64Value: Sized {
    fn bytes(&self) -> &[u8];
    fn from_bytes(bytes: Vec<u8>) -> Self;
    const SECRET: bool;
}

impl Base64Value for Vec<u8> {
    fn bytes(&self) -> &[u8] {
        self
    }

    fn from_bytes(bytes: Vec<u8>) -> Self {
        bytes
    }

    const SECRET: bool = false;
}

impl Base64Value for SecretBytes {
    fn bytes(&self) -> &[u8] {
        self.expose_secret()
    }

    fn from_bytes(bytes: Vec<u8>) -> Self {
        SecretBytes::new(bytes)
    }

    const SECRET: bool = true;
}

pub(crate) fn serialize_value<T: Base64Value, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if T::SECRET {
        let text = Zeroizing::new(encode(value.bytes()));
        serializer.serialize_str(&text)
    } else {
        serializer.serialize_str(&encode(value.bytes()))
    }
}

pub(crate) fn deserialize_value<'de, T: Base64Value, D: Deserializer<'de>>(
    deserializer: D,
    field: &'static str,
) -> Result<T, D::Error> {
    deserializer.deserialize_str(Base64Visitor::<T> {
        field,
        marker: std::marker::PhantomData,
    })
}

struct Base64Visitor<T> {
    field: &'static str,
    marker: std::marker::PhantomData<T>,
}

impl<T: Base64Value> Base64Visitor<T> {
    fn decode_field<E: de::Error>(&self, text: &str) -> Result<T, E> {
        match decode(text) {
            Ok(bytes) => Ok(T::from_bytes(bytes)),
            Err(error) => Err(E::custom(format_args!(
                "invalid base64 in field `{}`: {error}",
                self.field
            ))),
        }
    }
}

impl<T: Base64Value> Visitor<'_> for Base64Visitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a base64 string in field `{}`", self.field)
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<T, E> {
        self.decode_field(text)
    }

    fn visit_string<E: de::Error>(self, text: String) -> Result<T, E> {
        let text = Zeroizing::new(text);
        self.decode_field(&text)
    }
}

/// Declares one serde `with` module per binary field, so a decoding error names its field.
macro_rules! base64_fields {
    ($($module:ident),* $(,)?) => {
        $(
            pub(crate) mod $module {
                use serde::{Deserializer, Serializer};

                pub(crate) fn serialize<T: super::Base64Value, S: Serializer>(
                    value: &T,
                    serializer: S,
                ) -> Result<S::Ok, S::Error> {
                    super::serialize_value(value, serializer)
                }

                pub(crate) fn deserialize<'de, T: super::Base64Value, D: Deserializer<'de>>(
                    deserializer: D,
                ) -> Result<T, D::Error> {
                    super::deserialize_value(deserializer, stringify!($module))
                }
            }
        )*
    };
}

base64_fields!(
    plaintext,
    ciphertext,
    kem_ciphertext,
    shared_secret,
    symmetric_key,
    wrapped_key,
    message,
    signature,
    hash,
    public_key,
);

/// The optional `salt` field of an encrypt request.
pub(crate) mod salt {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(
        value: &Option<Vec<u8>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(bytes) => super::serialize_value(bytes, serializer),
            None => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Vec<u8>>, D::Error> {
        let Some(text) = Option::<String>::deserialize(deserializer)? else {
            return Ok(None);
        };
        super::decode(&text).map(Some).map_err(|error| {
            serde::de::Error::custom(format_args!("invalid base64 in field `salt`: {error}"))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_is_standard_padded() {
        assert_eq!(encode(&[0xfb, 0xff]), "+/8=");
    }

    #[test]
    fn encode_into_matches_encode() {
        for len in 0..40 {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let mut out = b"prefix".to_vec();
            encode_into(&bytes, &mut out);
            assert_eq!(&out[..6], b"prefix");
            assert_eq!(&out[6..], encode(&bytes).as_bytes(), "length {len}");
            assert_eq!(out.len() - 6, encoded_len(len), "length {len}");
        }
    }

    #[test]
    fn encode_into_keeps_reserved_buffer() {
        let bytes = vec![0xa5; 1000];
        let mut out = Vec::with_capacity(encoded_len(bytes.len()));
        let pointer = out.as_ptr();
        encode_into(&bytes, &mut out);
        assert_eq!(out.as_ptr(), pointer);
    }

    #[test]
    fn decode_accepts_both_alphabets() {
        assert_eq!(decode("+/8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("+/8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_8=").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn decode_names_mixed_alphabets() {
        let error = decode("+_8=").unwrap_err();
        assert!(error.to_string().contains("mixes"), "{error}");
    }

    #[test]
    fn decode_rejects_garbage() {
        for text in ["+_8=", "ab c", "a", "!!!!", "aGVsbG8=\n", "aGVsbG8=="] {
            assert!(decode(text).is_err(), "{text:?} should be rejected");
        }
    }
}
