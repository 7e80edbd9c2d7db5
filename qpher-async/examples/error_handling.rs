//! Shows how to react to errors: match on `kind()`, read `error_code()` and keep
//! `request_id()` for support.
//!
//! ```text
//! QPHER_API_KEY=qph_... QPHER_BASE_URL=http://127.0.0.1:8787 cargo run -p qpher-async --example async_error_handling
//! ```

use qpher_async::{Client, Error, ErrorKind};

/// Prints what a caller would do for each kind of error.
fn report(error: &Error) {
    let advice = match error.kind() {
        ErrorKind::InvalidArgument => "fix the argument; nothing was sent",
        ErrorKind::Authentication => "check QPHER_API_KEY",
        ErrorKind::NotFound => "check the key version and algorithm",
        ErrorKind::RateLimit => "wait for retry_after, then try again",
        ErrorKind::Timeout | ErrorKind::Connection => "the service is unreachable; try later",
        _ if error.is_retryable() => "a later call may succeed",
        _ => "see the message",
    };

    println!("{:?} ({advice})", error.kind());
    println!("  code:       {}", error.error_code());
    println!("  status:     {:?}", error.status_code());
    println!("  request id: {:?}", error.request_id());
    println!("  message:    {}", error.message());
    if let Some(delay) = error.retry_after() {
        println!("  retry after {:.1} s", delay.as_secs_f64());
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;

    // Rejected before sending: key versions start at 1.
    if let Err(error) = client.kem().decrypt(b"ciphertext", 0).await {
        report(&error);
    }

    // Rejected by the service: this key version does not exist.
    if let Err(error) = client.kem().decrypt([0u8; 64], 999_999).await {
        report(&error);
    }

    // Rejected by the service: the key is not a Qpher API key of this account.
    let base_url = client.config().base_url().to_owned();
    let stranger = Client::builder()
        .api_key("qph_not_a_real_key")
        .base_url(base_url)
        .build()?;
    if let Err(error) = stranger.keys().list().await {
        report(&error);
    }
    Ok(())
}
