//! Signs a message with the active Dilithium3 key, verifies it, and shows that a changed
//! message does not verify.
//!
//! ```text
//! QPHER_API_KEY=qph_... QPHER_BASE_URL=http://127.0.0.1:8787 cargo run -p qpher-async --example async_sign_verify
//! ```

use qpher_async::{Algorithm, Client, Error, Key};

/// Returns the active key of `algorithm`, generating the first one on a fresh account.
async fn active_key(client: &Client, algorithm: Algorithm) -> Result<Key, Error> {
    match client.keys().get_active(algorithm.clone()).await {
        Err(error) if error.is_not_found() => client.keys().generate(algorithm).await,
        result => result,
    }
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let client = Client::from_env()?;
    let key = active_key(&client, Algorithm::Dilithium3).await?;

    let message = b"Transfer 100 EUR to account 42";
    let signed = client.signatures().sign(message, key.key_version).await?;
    println!(
        "signature: {} bytes with Dilithium3 key version {}",
        signed.signature.len(),
        signed.key_version
    );

    let verified = client
        .signatures()
        .verify(message, &signed.signature, signed.key_version)
        .await?;
    assert!(verified.valid);
    println!("original message: valid = {}", verified.valid);

    let tampered = b"Transfer 900 EUR to account 42";
    let verified = client
        .signatures()
        .verify(tampered, &signed.signature, signed.key_version)
        .await?;
    assert!(!verified.valid);
    println!("tampered message: valid = {}", verified.valid);
    Ok(())
}
