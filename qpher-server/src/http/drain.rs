//! Middleware that reads and discards the part of a request body that the handler left
//! unread, so the client receives the response instead of a reset connection.
//!
//! When a response is sent before the request body has been read to the end, as with a
//! 413 for an oversized body or a 401, hyper (1.13) reads only the bytes already
//! received and then closes the connection. A client that writes the whole body before
//! it reads the response, such as ureq, then fails with a broken pipe or a connection
//! reset and may retry the upload. Reading the rest of the body first lets the client
//! finish writing and then read the response.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body_util::BodyExt as _;
use tokio::sync::oneshot;

/// Largest request body, counting the bytes the handler read, whose rest is read and
/// discarded. A longer body is left unread, and hyper closes the connection.
const MAX_DRAINED_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// Maximum time spent reading and discarding the rest of one request body.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(5);

/// A request body that the handler dropped before reading it to the end.
struct UnreadBody {
    body: Body,
    /// Bytes the handler read before it dropped the body.
    read_bytes: u64,
    /// Whether the handler polled the body at least once. hyper sends `100 Continue` on
    /// the first poll, so an unpolled body of an `Expect: 100-continue` request has not
    /// been sent by the client.
    polled: bool,
}

/// A request body that hands itself back through `unread` when it is dropped before
/// its end.
struct TrackedBody {
    inner: Option<Body>,
    read_bytes: u64,
    polled: bool,
    ended: bool,
    unread: Option<oneshot::Sender<UnreadBody>>,
}

impl HttpBody for TrackedBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, axum::Error>>> {
        let this = self.get_mut();
        let Some(inner) = this.inner.as_mut() else {
            return Poll::Ready(None);
        };
        this.polled = true;

        let poll = Pin::new(inner).poll_frame(cx);
        match &poll {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.read_bytes = this.read_bytes.saturating_add(data.len() as u64);
                }
            }
            // After an error the connection is unusable, so there is nothing to drain.
            Poll::Ready(None) | Poll::Ready(Some(Err(_))) => this.ended = true,
            Poll::Pending => {}
        }
        poll
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(HttpBody::is_end_stream)
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner
            .as_ref()
            .map_or_else(|| http_body::SizeHint::with_exact(0), HttpBody::size_hint)
    }
}

impl Drop for TrackedBody {
    fn drop(&mut self) {
        let (Some(body), Some(unread)) = (self.inner.take(), self.unread.take()) else {
            return;
        };
        if self.ended || body.is_end_stream() {
            return;
        }
        let _ = unread.send(UnreadBody {
            body,
            read_bytes: self.read_bytes,
            polled: self.polled,
        });
    }
}

/// Outermost middleware: after the response is built, reads and discards the rest of a
/// request body that the handler did not read, within [`MAX_DRAINED_BODY_BYTES`] and
/// [`DRAIN_TIMEOUT`], before the response is sent.
pub(crate) async fn drain_unread_body(request: Request, next: Next) -> Response {
    let expects_continue = expects_continue(request.headers());
    let declared_length = content_length(request.headers());

    let (parts, body) = request.into_parts();
    let (sender, mut receiver) = oneshot::channel();
    let body = Body::new(TrackedBody {
        inner: Some(body),
        read_bytes: 0,
        polled: false,
        ended: false,
        unread: Some(sender),
    });
    let response = next.run(Request::from_parts(parts, body)).await;

    // The receiver is empty when the body was read to the end, and also when a task
    // still owns the body, which no handler of this server does.
    let Ok(unread) = receiver.try_recv() else {
        return response;
    };
    if expects_continue && !unread.polled {
        // The client waits for 100 Continue before it sends the body, and hyper sends it
        // only when the body is polled, so the client reads this response instead.
        return response;
    }
    if declared_length.is_some_and(|length| length > MAX_DRAINED_BODY_BYTES) {
        tracing::debug!(
            target: "qpher_server",
            content_length = declared_length,
            "request body left unread because it is over the drain limit; closing the connection"
        );
        return response;
    }

    discard(unread).await;
    response
}

/// Reads `unread` to its end and drops the data, stopping at the byte or time limit.
async fn discard(unread: UnreadBody) {
    let UnreadBody {
        mut body,
        read_bytes,
        ..
    } = unread;
    let budget = MAX_DRAINED_BODY_BYTES.saturating_sub(read_bytes);

    let reading = async {
        let mut discarded: u64 = 0;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| error.to_string())?;
            if let Some(data) = frame.data_ref() {
                discarded = discarded.saturating_add(data.len() as u64);
                if discarded > budget {
                    return Err(format!(
                        "body is longer than {MAX_DRAINED_BODY_BYTES} bytes"
                    ));
                }
            }
        }
        Ok(discarded)
    };

    match tokio::time::timeout(DRAIN_TIMEOUT, reading).await {
        Ok(Ok(discarded)) => tracing::debug!(
            target: "qpher_server",
            read_bytes,
            discarded_bytes = discarded,
            "discarded the unread rest of a request body"
        ),
        Ok(Err(error)) => tracing::debug!(
            target: "qpher_server",
            %error,
            "stopped discarding an unread request body; closing the connection"
        ),
        Err(_) => tracing::debug!(
            target: "qpher_server",
            timeout_seconds = DRAIN_TIMEOUT.as_secs(),
            "timed out discarding an unread request body; closing the connection"
        ),
    }
}

/// Returns `true` when the request carries `Expect: 100-continue`.
fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Returns the declared `Content-Length`, when present and valid.
pub(crate) fn content_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok())
}
