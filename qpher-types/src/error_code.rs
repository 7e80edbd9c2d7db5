//! [`ErrorCode`], the machine-readable code in every error response.

use crate::enums::string_enum;

string_enum! {
    /// The `ERR_<CATEGORY>_<NNN>` code of an error response.
    ///
    /// Codes are stable; messages are for humans and may change, so match on codes.
    /// Codes this version does not know are kept as [`ErrorCode::Other`].
    ErrorCode {
        /// 401: the API key is missing, invalid or inactive.
        Auth001 = "ERR_AUTH_001",
        /// 400: the request body or parameters are invalid.
        Invalid001 = "ERR_INVALID_001",
        /// 422: the request is well-formed but a type or range is wrong.
        Invalid003 = "ERR_INVALID_003",
        /// 403: not allowed for the plan, by policy, or over a quota.
        Forbidden001 = "ERR_FORBIDDEN_001",
        /// 429: rate limit exceeded.
        Rate001 = "ERR_RATE_001",
        /// 429: rate limit exceeded, as spelled by the gateway.
        RateLimit001 = "ERR_RATE_LIMIT_001",
        /// 404: resource or key version not found, not active, or no active key.
        NotFound001 = "ERR_NOT_FOUND_001",
        /// 409: the request conflicts with the current state.
        Conflict001 = "ERR_CONFLICT_001",
        /// 400: invalid encryption request or plaintext encoding.
        Kem001 = "ERR_KEM_001",
        /// 400: invalid ciphertext.
        Kem003 = "ERR_KEM_003",
        /// 404: KEM key version not found.
        Kem005 = "ERR_KEM_005",
        /// 400: invalid symmetric key length for wrapping.
        Kem010 = "ERR_KEM_010",
        /// 400: invalid wrapped key format.
        Kem011 = "ERR_KEM_011",
        /// 400: invalid algorithm for key management.
        Kms001 = "ERR_KMS_001",
        /// 400: invalid sign request.
        Sig001 = "ERR_SIG_001",
        /// 400: invalid signature encoding.
        Sig002 = "ERR_SIG_002",
        /// 404: signature key version not found.
        Sig003 = "ERR_SIG_003",
        /// 503: SLH-DSA is switched off on the service. Permanent for a client: not retried.
        Sig022 = "ERR_SIG_022",
        /// 503: the service is unavailable; also used for client-side connection failures.
        Service001 = "ERR_SERVICE_001",
        /// 504: the request timed out; also used for client-side timeouts.
        Timeout001 = "ERR_TIMEOUT_001",
        /// 500: internal error.
        Internal001 = "ERR_INTERNAL_001",
        /// A success response whose body is not the documented JSON.
        Parse001 = "ERR_PARSE_001",
        /// A success response with a binary field that is not valid base64.
        Parse002 = "ERR_PARSE_002",
    }
}

impl ErrorCode {
    /// Returns the code used when an error response carries none: `ERR_UNKNOWN_<status>`.
    pub fn unknown_for_status(status: u16) -> Self {
        Self::from_wire(&format!("ERR_UNKNOWN_{status}"))
    }

    /// Returns `true` for codes that a retry can never fix, whatever the HTTP status.
    ///
    /// `ERR_SIG_022` arrives with status 503 but means a feature is switched off.
    pub fn is_permanent(&self) -> bool {
        matches!(self, ErrorCode::Sig022)
    }

    /// Returns the category between `ERR_` and the number, such as `KEM` or `RATE_LIMIT`.
    pub fn category(&self) -> Option<&str> {
        let rest = self.as_str().strip_prefix("ERR_")?;
        let (category, number) = rest.rsplit_once('_')?;
        (!category.is_empty() && !number.is_empty()).then_some(category)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_for_status_text() {
        assert_eq!(
            ErrorCode::unknown_for_status(502).as_str(),
            "ERR_UNKNOWN_502"
        );
        assert!(!ErrorCode::unknown_for_status(502).is_known());
    }

    #[test]
    fn category_of_codes() {
        assert_eq!(ErrorCode::RateLimit001.category(), Some("RATE_LIMIT"));
        assert_eq!(ErrorCode::Kem005.category(), Some("KEM"));
        assert_eq!(ErrorCode::from_wire("garbage").category(), None);
    }

    #[test]
    fn only_sig022_is_permanent() {
        let permanent: Vec<&ErrorCode> = ErrorCode::KNOWN
            .iter()
            .filter(|code| code.is_permanent())
            .collect();
        assert_eq!(permanent, [&ErrorCode::Sig022]);
    }
}
