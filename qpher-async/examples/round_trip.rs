//! Encrypts and decrypts a message with the active Kyber768 key.
//!
//! Run against a local development server:
//!
//! ```text
//! QPHER_API_KEY=qph_... QPHER_BASE_URL=http://127.0.0.1:8787 cargo run -p qpher-async --example async_round_trip
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
    let key = active_key(&client, Algorithm::Kyber768).await?;
    println!("active Kyber768 key: version {}", key.key_version);

    let message = b"Hello, Quantum World!";
    let encrypted = client
        .kem()
        .encrypt(message.to_vec(), key.key_version)
        .await?;
    println!(
        "ciphertext: {} bytes under key version {}",
        encrypted.ciphertext.len(),
        encrypted.key_version
    );

    let decrypted = client
        .kem()
        .decrypt(&encrypted.ciphertext, encrypted.key_version)
        .await?;
    assert_eq!(decrypted.plaintext.expose_secret(), message);
    println!(
        "decrypted plaintext matches ({} bytes)",
        decrypted.plaintext.len()
    );
    Ok(())
}
