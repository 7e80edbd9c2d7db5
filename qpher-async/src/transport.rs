//! One HTTP exchange over reqwest: send the core's request, read the body up to the cap,
//! and classify failures as the core's [`TransportErrorKind`]s.

use bytes::Bytes;
use http::HeaderMap;
use qpher_core::{TransportError, TransportErrorKind};
use zeroize::Zeroizing;

/// First buffer size for a body of unknown length.
const INITIAL_BODY_CAPACITY: usize = 8 * 1024;

/// A complete response: status, headers and the body, zeroized when dropped because
/// decrypt and unwrap responses carry secrets.
pub(crate) struct Received {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// Sends `request` and reads the whole response, stopping once the body passes
/// `max_response_bytes`.
pub(crate) async fn send(
    client: &reqwest::Client,
    request: http::Request<Bytes>,
    max_response_bytes: usize,
) -> Result<Received, TransportError> {
    // The conversion keeps the header values as they are, including the sensitive flag
    // on `x-api-key`. It fails only for a URL reqwest cannot use, before anything is sent.
    let request = reqwest::Request::try_from(request)
        .map_err(|error| TransportError::new(TransportErrorKind::Connect, error))?;

    let mut response = client.execute(request).await.map_err(classify)?;
    let status = response.status().as_u16();
    let headers = std::mem::take(response.headers_mut());
    let body = read_body(&mut response, max_response_bytes).await?;

    Ok(Received {
        status,
        headers,
        body,
    })
}

/// Reads the body chunk by chunk into a zeroizing buffer, failing with
/// [`TransportErrorKind::ResponseTooLarge`] as soon as it would pass the cap.
async fn read_body(
    response: &mut reqwest::Response,
    max_response_bytes: usize,
) -> Result<Zeroizing<Vec<u8>>, TransportError> {
    let too_large = || TransportError::from_kind(TransportErrorKind::ResponseTooLarge);

    let declared = response.content_length();
    let capacity = match declared.map(usize::try_from) {
        Some(Ok(length)) if length <= max_response_bytes => length,
        Some(_) => return Err(too_large()),
        None => INITIAL_BODY_CAPACITY.min(max_response_bytes),
    };

    // NOTE: the chunks themselves live in reqwest's buffers, which are not zeroized.
    let mut body = Zeroizing::new(Vec::with_capacity(capacity));
    while let Some(chunk) = response.chunk().await.map_err(classify)? {
        if chunk.len() > max_response_bytes.saturating_sub(body.len()) {
            return Err(too_large());
        }
        extend_zeroizing(&mut body, &chunk);
    }
    Ok(body)
}

/// Appends `bytes` to `buffer`, growing it by hand so the old allocation is zeroized
/// rather than freed with its contents by `Vec`'s own reallocation.
fn extend_zeroizing(buffer: &mut Zeroizing<Vec<u8>>, bytes: &[u8]) {
    let needed = buffer.len().saturating_add(bytes.len());
    if needed > buffer.capacity() {
        let capacity = needed.max(buffer.capacity().saturating_mul(2));
        let mut grown = Zeroizing::new(Vec::with_capacity(capacity));
        grown.extend_from_slice(buffer);
        *buffer = grown;
    }
    buffer.extend_from_slice(bytes);
}

/// Classifies a reqwest failure: timeouts first (a connect timeout is both), then
/// failures to connect (refused, DNS, TLS handshake), and everything after the request
/// may have left as [`TransportErrorKind::Io`].
fn classify(error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else {
        TransportErrorKind::Io
    };
    TransportError::new(kind, error)
}

/// Wraps the expiry of the per-attempt deadline as a [`TransportErrorKind::Timeout`].
pub(crate) fn timed_out(elapsed: tokio::time::error::Elapsed) -> TransportError {
    TransportError::new(TransportErrorKind::Timeout, elapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_grows_and_keeps_bytes() {
        let mut buffer = Zeroizing::new(Vec::with_capacity(2));
        extend_zeroizing(&mut buffer, b"ab");
        extend_zeroizing(&mut buffer, b"cde");
        extend_zeroizing(&mut buffer, b"");
        assert_eq!(buffer.as_slice(), b"abcde");
        assert!(buffer.capacity() >= 5);
    }
}
