//! The [`Operation`] trait: what the core needs to know to send one endpoint's request and
//! read its response.

use std::borrow::Cow;

use http::Method;
use serde::de::DeserializeOwned;

use crate::retry::RetryClass;
use crate::{Error, ErrorKind};

/// One API endpoint: its request and how its response becomes a result.
///
/// Implemented by the request models of `qpher-types` for POST endpoints and by the small
/// query structs of [`crate::ops`] for GET endpoints. The trait is sealed: the set of
/// endpoints is the API's.
pub trait Operation: sealed::Sealed {
    /// The result handed to the caller.
    type Output;

    /// The shape of the response's `data` member.
    type Data: DeserializeOwned;

    /// The operation name used in logs and spans, such as `kem.encrypt`.
    const NAME: &'static str;

    /// The HTTP method.
    const METHOD: Method;

    /// Whether the operation may be repeated when its outcome is unknown.
    const CLASS: RetryClass;

    /// Returns the path below the base URL.
    fn path(&self) -> Cow<'static, str>;

    /// Returns the query parameters; absent filters are left out.
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Checks the arguments before anything is sent.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::InvalidArgument`] naming the argument.
    fn validate(&self) -> Result<(), Error> {
        Ok(())
    }

    /// Appends the JSON body to `out` and returns `true`, or returns `false` for no body.
    ///
    /// # Errors
    ///
    /// Returns the serializer's error, which does not happen for the API's models.
    fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
        let _ = out;
        Ok(false)
    }

    /// Returns the expected size of the JSON body, so the buffer is allocated once.
    fn body_size_hint(&self) -> usize {
        0
    }

    /// Builds the result from the response's `data` and request id.
    fn finish(&self, data: Self::Data, request_id: Option<String>) -> Self::Output;
}

pub(crate) mod sealed {
    pub trait Sealed {}
}

/// Rejects key version 0: versions start at 1.
pub(crate) fn check_key_version(key_version: u32) -> Result<(), Error> {
    if key_version == 0 {
        return Err(Error::new(
            ErrorKind::InvalidArgument,
            "key_version must be 1 or greater: versions are numbered from 1",
        ));
    }
    Ok(())
}

/// Rejects key version 0 and a known algorithm of the wrong family: the checks every KEM and
/// signature operation makes before sending.
pub(crate) fn check_version_and_family(
    key_version: u32,
    algorithm: Option<&qpher_types::Algorithm>,
    want_kem: bool,
) -> Result<(), Error> {
    check_key_version(key_version)?;
    check_family(algorithm, want_kem)
}

/// Rejects a known algorithm of the wrong family, such as Dilithium3 for encryption.
///
/// Unknown algorithm names pass, so a new service algorithm works before the SDK lists it.
pub(crate) fn check_family(
    algorithm: Option<&qpher_types::Algorithm>,
    want_kem: bool,
) -> Result<(), Error> {
    let Some(algorithm) = algorithm else {
        return Ok(());
    };
    if !algorithm.is_known() || algorithm.is_kem() == want_kem {
        return Ok(());
    }

    let (family, examples) = if want_kem {
        ("a KEM", "Kyber768 or X-Wing")
    } else {
        ("a signature", "Dilithium3, Composite-ML-DSA or SLH-DSA-*")
    };
    Err(Error::new(
        ErrorKind::InvalidArgument,
        format!("algorithm {algorithm} is not {family} algorithm; use {examples}"),
    ))
}
