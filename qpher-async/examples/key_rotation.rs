//! Rotates the Kyber768 key and shows that the retired version still decrypts what it
//! encrypted but no longer encrypts. Rotation changes the account's keys, so run it
//! against a local development server.
//!
//! ```text
//! QPHER_API_KEY=qph_... QPHER_BASE_URL=http://127.0.0.1:8787 cargo run -p qpher-async --example async_key_rotation
//! ```

use qpher_async::{Algorithm, Client, Error, Key, KeyStatus};

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
    let old = active_key(&client, Algorithm::Kyber768).await?;
    let encrypted = client
        .kem()
        .encrypt(b"quarterly report".to_vec(), old.key_version)
        .await?;
    println!("encrypted under key version {}", encrypted.key_version);

    let rotated = client.keys().rotate(Algorithm::Kyber768).await?;
    println!(
        "rotated: version {} is active, version {} is retired",
        rotated.key_version, rotated.old_key_version
    );

    // The ciphertext stored with its key version still decrypts after the rotation.
    let decrypted = client
        .kem()
        .decrypt(&encrypted.ciphertext, encrypted.key_version)
        .await?;
    assert_eq!(decrypted.plaintext.expose_secret(), b"quarterly report");
    println!("retired version {} still decrypts", encrypted.key_version);

    // A retired version no longer encrypts.
    match client
        .kem()
        .encrypt(b"new data".to_vec(), old.key_version)
        .await
    {
        Ok(_) => println!("the service still encrypts with the retired version"),
        Err(error) => println!("encrypting with the retired version fails: {error}"),
    }

    let retired = client
        .keys()
        .list_filtered(Some(Algorithm::Kyber768), Some(KeyStatus::Retired))
        .await?;
    println!("number of retired Kyber768 versions: {}", retired.total);
    Ok(())
}
