//! One HTTP exchange over ureq: send the core's request, read the body up to the cap, and
//! classify failures as the core's [`TransportErrorKind`]s.

use std::io::{self, Read};

use bytes::Bytes;
use http::HeaderMap;
use qpher_core::{Error, ErrorKind, TransportError, TransportErrorKind};
use zeroize::Zeroizing;

/// Target of ureq-proto's TRACE records, which dump every byte sent and received as hex.
const UREQ_WIRE_LOG_TARGET: &str = "ureq_proto::util";

/// Rejects a call while ureq-proto's wire dump is enabled in the `log` facade.
///
/// ureq-proto 0.7 logs the raw request head (the `x-api-key` header included) and every
/// response body at TRACE, and no setting of ureq turns that off. Sending would put the API
/// key, plaintexts and secrets into the application's logs, so the call fails instead with
/// an error that explains how to lower that one target.
pub(crate) fn check_wire_logging() -> Result<(), Error> {
    if log::log_enabled!(target: UREQ_WIRE_LOG_TARGET, log::Level::Trace) {
        return Err(Error::new(
            ErrorKind::Configuration,
            "TRACE logging is enabled for the `ureq_proto` log target, which would write the \
             API key and request and response bodies to the log; lower that target to DEBUG \
             (for example RUST_LOG=trace,ureq_proto=debug) or use qpher-async",
        ));
    }
    Ok(())
}

/// First buffer size for a body of unknown length, and the size of each read.
const READ_CHUNK: usize = 8 * 1024;

/// A complete response: status, headers and the body, zeroized when dropped because
/// decrypt and unwrap responses carry secrets.
pub(crate) struct Received {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Zeroizing<Vec<u8>>,
}

/// Sends `request` and reads the whole response, stopping once the body passes
/// `max_response_bytes`. The agent's global timeout bounds the whole exchange.
pub(crate) fn send(
    agent: &ureq::Agent,
    request: http::Request<Bytes>,
    max_response_bytes: usize,
) -> Result<Received, TransportError> {
    // The header map moves to ureq as it is, keeping the sensitive flag on `x-api-key`.
    // The body is borrowed, so the request bytes are not copied into a plain buffer.
    let (parts, body) = request.into_parts();
    let request = http::Request::from_parts(parts, body.as_ref());

    let response = agent.run(request).map_err(classify)?;
    let status = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let body = read_body(body, max_response_bytes)?;

    Ok(Received {
        status,
        headers: parts.headers,
        body,
    })
}

/// Reads the body into a zeroizing buffer, failing with
/// [`TransportErrorKind::ResponseTooLarge`] as soon as it would pass the cap.
fn read_body(
    body: ureq::Body,
    max_response_bytes: usize,
) -> Result<Zeroizing<Vec<u8>>, TransportError> {
    let too_large = || TransportError::from_kind(TransportErrorKind::ResponseTooLarge);

    let capacity = match body.content_length().map(usize::try_from) {
        Some(Ok(length)) if length <= max_response_bytes => length,
        Some(_) => return Err(too_large()),
        None => READ_CHUNK.min(max_response_bytes),
    };

    let mut reader = body.into_reader();
    let mut chunk = Zeroizing::new([0u8; READ_CHUNK]);
    let mut buffer = Zeroizing::new(Vec::with_capacity(capacity));
    loop {
        let read = match reader.read(chunk.as_mut_slice()) {
            Ok(0) => return Ok(buffer),
            Ok(read) => read,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(classify(ureq::Error::from(error))),
        };
        if read > max_response_bytes.saturating_sub(buffer.len()) {
            return Err(too_large());
        }
        let bytes = chunk.get(..read).unwrap_or_default();
        extend_zeroizing(&mut buffer, bytes);
    }
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

/// Classifies a ureq failure.
///
/// Every timeout is [`TransportErrorKind::Timeout`]. DNS failures, refused connections and
/// failed TLS handshakes are [`TransportErrorKind::Connect`] because the request surely did
/// not leave. Anything else may have happened after sending, so it is
/// [`TransportErrorKind::Io`].
fn classify(error: ureq::Error) -> TransportError {
    let kind = match &error {
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => TransportErrorKind::Connect,
        ureq::Error::Tls(_) | ureq::Error::Pem(_) => TransportErrorKind::Connect,
        ureq::Error::Rustls(error) => rustls_kind(error),
        // Errors in building the request happen before anything is sent.
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
            TransportErrorKind::Connect
        }
        ureq::Error::BodyExceedsLimit(_) => TransportErrorKind::ResponseTooLarge,
        ureq::Error::Io(error) => io_kind(error),
        _ => TransportErrorKind::Io,
    };
    TransportError::new(kind, error)
}

/// Classifies an IO error by its kind, and by the rustls error inside it when the TLS
/// layer failed.
fn io_kind(error: &io::Error) -> TransportErrorKind {
    let tls = error
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    if let Some(tls) = tls {
        return rustls_kind(tls);
    }

    match error.kind() {
        io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock => TransportErrorKind::Timeout,
        io::ErrorKind::ConnectionRefused
        | io::ErrorKind::AddrNotAvailable
        | io::ErrorKind::HostUnreachable
        | io::ErrorKind::NetworkUnreachable
        | io::ErrorKind::NotConnected => TransportErrorKind::Connect,
        _ => TransportErrorKind::Io,
    }
}

/// Classifies a rustls error: the ones only a handshake produces mean the request was
/// never sent.
fn rustls_kind(error: &rustls::Error) -> TransportErrorKind {
    match error {
        rustls::Error::InvalidCertificate(_)
        | rustls::Error::NoCertificatesPresented
        | rustls::Error::PeerIncompatible(_)
        | rustls::Error::UnsupportedNameType
        | rustls::Error::InappropriateHandshakeMessage { .. }
        | rustls::Error::AlertReceived(rustls::AlertDescription::HandshakeFailure) => {
            TransportErrorKind::Connect
        }
        _ => TransportErrorKind::Io,
    }
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

    #[test]
    fn io_errors_by_kind() {
        let cases = [
            (
                io::ErrorKind::ConnectionRefused,
                TransportErrorKind::Connect,
            ),
            (io::ErrorKind::TimedOut, TransportErrorKind::Timeout),
            (io::ErrorKind::ConnectionReset, TransportErrorKind::Io),
            (io::ErrorKind::UnexpectedEof, TransportErrorKind::Io),
        ];
        for (io_kind, expected) in cases {
            let error = ureq::Error::Io(io::Error::from(io_kind));
            assert_eq!(classify(error).kind(), expected, "{io_kind:?}");
        }
    }

    #[test]
    fn handshake_failure_is_connect() {
        let certificate =
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let error = io::Error::new(io::ErrorKind::InvalidData, certificate);
        assert_eq!(
            classify(ureq::Error::Io(error)).kind(),
            TransportErrorKind::Connect
        );

        let record = io::Error::new(io::ErrorKind::InvalidData, rustls::Error::DecryptError);
        assert_eq!(
            classify(ureq::Error::Io(record)).kind(),
            TransportErrorKind::Io
        );
    }

    #[test]
    fn ureq_variants() {
        assert_eq!(
            classify(ureq::Error::HostNotFound).kind(),
            TransportErrorKind::Connect
        );
        assert_eq!(
            classify(ureq::Error::Timeout(ureq::Timeout::Global)).kind(),
            TransportErrorKind::Timeout
        );
        assert_eq!(
            classify(ureq::Error::BodyExceedsLimit(1)).kind(),
            TransportErrorKind::ResponseTooLarge
        );
    }
}
