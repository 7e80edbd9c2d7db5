//! [`ApiKey`], the credential sent in the `x-api-key` header.

use std::fmt;

use zeroize::Zeroizing;

use crate::{Error, ErrorKind};

/// The prefix every Qpher API key starts with.
pub const API_KEY_PREFIX: &str = "qph_";

/// A validated Qpher API key.
///
/// It starts with `qph_` and contains only visible ASCII characters (no whitespace or
/// control characters), so it is always a valid header value. The key is zeroized on drop,
/// `Debug` prints `ApiKey([REDACTED])`, and there is no `Display`: the only way to read it is
/// [`ApiKey::expose_secret`].
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    /// Validates `key` and wraps it.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::Configuration`] when the key is empty, lacks the
    /// `qph_` prefix, or contains whitespace, control or non-ASCII characters. The message
    /// describes the defect without repeating the key.
    pub fn new(key: impl Into<String>) -> Result<Self, Error> {
        Self::from_zeroizing(Zeroizing::new(key.into()))
    }

    pub(crate) fn from_zeroizing(key: Zeroizing<String>) -> Result<Self, Error> {
        if key.is_empty() {
            return Err(invalid(
                "api_key is required: pass it to the builder or set QPHER_API_KEY",
            ));
        }
        if !key.starts_with(API_KEY_PREFIX) || key.len() == API_KEY_PREFIX.len() {
            return Err(invalid(
                "api_key is invalid: a Qpher API key starts with `qph_` followed by the key text",
            ));
        }
        if let Some(position) = key.bytes().position(|b| !b.is_ascii_graphic()) {
            return Err(invalid(&format!(
                "api_key is invalid: character {position} is whitespace, a control character \
                 or not ASCII; check for a stray newline or quote when it was copied"
            )));
        }

        Ok(Self(key))
    }

    /// Returns the key text, for the one place that puts it in a header.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey([REDACTED])")
    }
}

fn invalid(message: &str) -> Error {
    Error::new(ErrorKind::Configuration, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_valid_key() {
        let key = ApiKey::new("qph_live_abc123").unwrap();
        assert_eq!(key.expose_secret(), "qph_live_abc123");
    }

    #[test]
    fn rejects_bad_keys() {
        for bad in [
            "",
            "qph_",
            "sk_live_abc",
            "QPH_abc",
            "qph_abc\n",
            "qph_a b",
            "qph_\u{e9}t\u{e9}",
            " qph_abc",
        ] {
            let error = ApiKey::new(bad).unwrap_err();
            assert_eq!(error.kind(), ErrorKind::Configuration, "{bad:?}");
            assert!(error.message().starts_with("api_key"), "{bad:?}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let key = ApiKey::new("qph_secret_value").unwrap();
        let printed = format!("{key:?}");
        assert!(!printed.contains("secret_value"));
        assert_eq!(printed, "ApiKey([REDACTED])");
    }

    #[test]
    fn error_never_echoes_key() {
        let error = ApiKey::new("qph_secret\tvalue").unwrap_err();
        assert!(!error.to_string().contains("secret"));
    }
}
