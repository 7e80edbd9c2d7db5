//! `cargo xtask demo`: the main job, end to end, on a local `qpher-server`.
//!
//! The server gets a fresh temporary data directory, and each client a tenant of its own.
//! Each client generates keys, runs the encrypt/decrypt round trip, and signs and verifies
//! (a tampered message must not verify). It then rotates a key and shows that the retired
//! version still decrypts but no longer encrypts. Last, it encrypts and decrypts a file: on
//! the server when it fits the 1 MiB limit, and always with the client-side envelope.

use std::fmt::Display;
use std::path::Path;
use std::time::Instant;

use qpher_async::{Algorithm, Error};
use qpher_server::ServerConfig;

use crate::api::{self, Api};
use crate::workspace::{LOOPBACK_ANY_PORT, ScratchDir};

/// Largest plaintext the server encrypts in one call: 1 MiB.
const SERVER_SIDE_LIMIT: usize = 1_048_576;

const MESSAGE: &[u8] = b"Hello, Quantum World!";
const INVOICE: &[u8] = b"Invoice #12345: $1,000.00";
const TAMPERED_INVOICE: &[u8] = b"Invoice #12345: $9,000.00";

/// Runs the demo with `file` as the file to encrypt.
///
/// # Errors
///
/// Returns a description of the first failed step or mismatch.
pub(crate) fn run(file: &Path) -> Result<(), String> {
    let contents = std::fs::read(file).map_err(|error| {
        format!(
            "failed to read {}: {error}; pass an existing file with --file",
            file.display()
        )
    })?;

    let data_dir = ScratchDir::new("qpher-demo")
        .map_err(|error| format!("failed to create a temporary directory: {error}"))?;
    let server = ServerConfig::persistent(data_dir.path())
        .listen(LOOPBACK_ANY_PORT)
        .start_background()
        .map_err(|error| format!("failed to start qpher-server: {error}"))?;
    println!(
        "qpher-server listening on {} (data in {})",
        server.base_url(),
        data_dir.path().display()
    );

    let blocking_key = server.create_api_key().map_err(|error| error.to_string())?;
    let clients = api::both(&server.base_url(), server.api_key(), &blocking_key)?;

    for client in &clients {
        println!();
        println!("== {} client", client.flavour());
        run_flavour(client.as_ref(), file, &contents)?;
    }

    println!();
    println!("demo passed: every step and check succeeded in both clients");
    Ok(())
}

fn run_flavour(client: &dyn Api, file: &Path, contents: &[u8]) -> Result<(), String> {
    let kem_key = step(
        "generate Kyber768 key",
        || client.generate(Algorithm::Kyber768),
        |key| {
            (
                format!(
                    "version {}, {}-byte public key",
                    key.key_version,
                    key.public_key.len()
                ),
                key.request_id.clone(),
            )
        },
    )?;
    let signing_key = step(
        "generate Dilithium3 key",
        || client.generate(Algorithm::Dilithium3),
        |key| {
            (
                format!(
                    "version {}, {}-byte public key",
                    key.key_version,
                    key.public_key.len()
                ),
                key.request_id.clone(),
            )
        },
    )?;

    let active = step(
        "get active Kyber768 key",
        || client.get_active(Algorithm::Kyber768),
        |key| {
            (
                format!("version {}", key.key_version),
                key.request_id.clone(),
            )
        },
    )?;
    expect(
        active.key_version == kem_key.key_version,
        "the active key is the generated one",
    )?;

    let encrypted = step(
        "encrypt",
        || client.encrypt(MESSAGE, active.key_version),
        |result| {
            (
                format!(
                    "{} bytes -> {} bytes",
                    MESSAGE.len(),
                    result.ciphertext.len()
                ),
                result.request_id.clone(),
            )
        },
    )?;
    let decrypted = step(
        "decrypt",
        || client.decrypt(&encrypted.ciphertext, encrypted.key_version),
        |result| {
            (
                format!("{} bytes", result.plaintext.len()),
                result.request_id.clone(),
            )
        },
    )?;
    expect(
        decrypted.plaintext.expose_secret() == MESSAGE,
        "the decrypted text equals the original",
    )?;

    let signed = step(
        "sign",
        || client.sign(INVOICE, signing_key.key_version),
        |result| {
            (
                format!("{}-byte signature", result.signature.len()),
                result.request_id.clone(),
            )
        },
    )?;
    let verified = step(
        "verify",
        || client.verify(INVOICE, &signed.signature, signed.key_version),
        |result| {
            (
                format!("valid = {}", result.valid),
                result.request_id.clone(),
            )
        },
    )?;
    expect(verified.valid, "the signature verifies")?;
    let tampered = step(
        "verify a tampered message",
        || client.verify(TAMPERED_INVOICE, &signed.signature, signed.key_version),
        |result| {
            (
                format!("valid = {}", result.valid),
                result.request_id.clone(),
            )
        },
    )?;
    expect(!tampered.valid, "the tampered message does not verify")?;

    let rotated = step(
        "rotate Kyber768",
        || client.rotate(Algorithm::Kyber768),
        |result| {
            (
                format!(
                    "version {} -> {}",
                    result.old_key_version, result.key_version
                ),
                result.request_id.clone(),
            )
        },
    )?;
    let old_text = step(
        "decrypt with the retired version",
        || client.decrypt(&encrypted.ciphertext, rotated.old_key_version),
        |result| {
            (
                format!("{} bytes", result.plaintext.len()),
                result.request_id.clone(),
            )
        },
    )?;
    expect(
        old_text.plaintext.expose_secret() == MESSAGE,
        "the retired version still decrypts",
    )?;
    expect_rejected(
        "encrypt with the retired version",
        client.encrypt(MESSAGE, rotated.old_key_version),
    )?;

    encrypt_file(client, file, contents, rotated.key_version)
}

fn encrypt_file(
    client: &dyn Api,
    file: &Path,
    contents: &[u8],
    key_version: u32,
) -> Result<(), String> {
    let name = file.display();

    if contents.len() <= SERVER_SIDE_LIMIT {
        let encrypted = step(
            &format!("encrypt {name} on the server"),
            || client.encrypt(contents, key_version),
            |result| {
                (
                    format!(
                        "{} bytes -> {} bytes",
                        contents.len(),
                        result.ciphertext.len()
                    ),
                    result.request_id.clone(),
                )
            },
        )?;
        let decrypted = step(
            &format!("decrypt {name} on the server"),
            || client.decrypt(&encrypted.ciphertext, key_version),
            |result| {
                (
                    format!("{} bytes", result.plaintext.len()),
                    result.request_id.clone(),
                )
            },
        )?;
        expect(
            decrypted.plaintext.expose_secret() == contents,
            "the decrypted file equals the original",
        )?;
    } else {
        println!(
            "  skip   server-side encryption of {name}: {} bytes is over the 1 MiB limit",
            contents.len()
        );
    }

    let envelope = step(
        &format!("encrypt_local {name}"),
        || client.encrypt_local(contents, key_version),
        |envelope| {
            (
                format!(
                    "{} bytes -> {}-byte envelope",
                    contents.len(),
                    envelope.to_bytes().map_or(0, |bytes| bytes.len())
                ),
                envelope.request_id.clone(),
            )
        },
    )?;
    let opened = step(
        &format!("decrypt_local {name}"),
        || client.decrypt_local(&envelope),
        |plaintext| (format!("{} bytes", plaintext.len()), None),
    )?;
    expect(
        opened.expose_secret() == contents,
        "the locally decrypted file equals the original",
    )
}

/// Runs one step, prints its outcome, timing and request id, and turns an error into the
/// demo's failure.
fn step<T>(
    name: &str,
    call: impl FnOnce() -> Result<T, Error>,
    describe: impl FnOnce(&T) -> (String, Option<String>),
) -> Result<T, String> {
    let started = Instant::now();
    let result = call();
    let elapsed = started.elapsed().as_secs_f64() * 1000.0;

    match result {
        Ok(value) => {
            let (detail, request_id) = describe(&value);
            let request_id = request_id
                .map(|id| format!(", request id {id}"))
                .unwrap_or_default();
            println!("  ok     {name}: {detail} ({elapsed:.1} ms{request_id})");
            Ok(value)
        }
        Err(error) => {
            println!("  FAILED {name}: {error}");
            Err(format!("step `{name}` failed: {error}"))
        }
    }
}

/// Checks that a call the service must reject was rejected, and prints the error code.
fn expect_rejected<T>(name: &str, result: Result<T, Error>) -> Result<(), String> {
    match result {
        Ok(_) => {
            println!("  FAILED {name}: the call succeeded");
            Err(format!("step `{name}` succeeded but must be rejected"))
        }
        Err(error) => {
            let request_id = error
                .request_id()
                .map(|id| format!(", request id {id}"))
                .unwrap_or_default();
            println!(
                "  ok     {name}: rejected with {} ({}{request_id})",
                error.error_code(),
                kind_name(&error)
            );
            Ok(())
        }
    }
}

fn kind_name(error: &Error) -> impl Display {
    format!("{:?}", error.kind())
}

fn expect(condition: bool, claim: &str) -> Result<(), String> {
    if condition {
        println!("  ok     check: {claim}");
        Ok(())
    } else {
        println!("  FAILED check: {claim}");
        Err(format!("mismatch: expected that {claim}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_file_named() {
        let path = Path::new("/nonexistent/qpher-demo-input.bin");
        let error = run(path).unwrap_err();
        assert!(
            error.contains("/nonexistent/qpher-demo-input.bin"),
            "{error}"
        );
        assert!(error.contains("--file"), "{error}");
    }
}
