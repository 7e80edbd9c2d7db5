//! Random bytes from the operating system, through `getrandom`: call ids, retry jitter and
//! AES-GCM IVs.

use qpher_core::{Error, ErrorKind};

/// Returns `N` random bytes.
pub(crate) fn bytes<const N: usize>() -> Result<[u8; N], Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|error| {
        Error::new(
            ErrorKind::Configuration,
            format!("the operating system's random number generator failed: {error}"),
        )
    })?;
    Ok(bytes)
}

/// Returns a random value for the retry jitter.
///
/// Jitter only spreads retries out, so when the generator fails this returns `u64::MAX`,
/// which gives the schedule's full delay, instead of failing the call.
pub(crate) fn jitter() -> u64 {
    getrandom::u64().unwrap_or(u64::MAX)
}
