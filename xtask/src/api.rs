//! One interface over both clients, so the demo and the interop check run the same steps
//! through `qpher-async` and `qpher-blocking`.

use qpher_async::{
    Algorithm, DecryptResult, EncryptResult, Error, Key, LocalEnvelope, RotateResult, SecretBytes,
    SignResult, VerifyResult,
};
use tokio::runtime::Runtime;

/// The client calls the tasks make, with the blocking signature of both flavours.
pub(crate) trait Api {
    /// Returns the flavour's name for reports.
    fn flavour(&self) -> &'static str;

    fn generate(&self, algorithm: Algorithm) -> Result<Key, Error>;
    fn get_active(&self, algorithm: Algorithm) -> Result<Key, Error>;
    fn rotate(&self, algorithm: Algorithm) -> Result<RotateResult, Error>;
    fn encrypt(&self, plaintext: &[u8], key_version: u32) -> Result<EncryptResult, Error>;
    fn decrypt(&self, ciphertext: &[u8], key_version: u32) -> Result<DecryptResult, Error>;
    fn sign(&self, message: &[u8], key_version: u32) -> Result<SignResult, Error>;
    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        key_version: u32,
    ) -> Result<VerifyResult, Error>;
    fn encrypt_local(&self, plaintext: &[u8], key_version: u32) -> Result<LocalEnvelope, Error>;
    fn decrypt_local(&self, envelope: &LocalEnvelope) -> Result<SecretBytes, Error>;
}

/// The async client, driven on a runtime owned by the task.
pub(crate) struct AsyncApi {
    pub(crate) client: qpher_async::Client,
    pub(crate) runtime: Runtime,
}

impl Api for AsyncApi {
    fn flavour(&self) -> &'static str {
        "async"
    }

    fn generate(&self, algorithm: Algorithm) -> Result<Key, Error> {
        self.runtime
            .block_on(self.client.keys().generate(algorithm))
    }

    fn get_active(&self, algorithm: Algorithm) -> Result<Key, Error> {
        self.runtime
            .block_on(self.client.keys().get_active(algorithm))
    }

    fn rotate(&self, algorithm: Algorithm) -> Result<RotateResult, Error> {
        self.runtime.block_on(self.client.keys().rotate(algorithm))
    }

    fn encrypt(&self, plaintext: &[u8], key_version: u32) -> Result<EncryptResult, Error> {
        self.runtime
            .block_on(self.client.kem().encrypt(plaintext, key_version))
    }

    fn decrypt(&self, ciphertext: &[u8], key_version: u32) -> Result<DecryptResult, Error> {
        self.runtime
            .block_on(self.client.kem().decrypt(ciphertext, key_version))
    }

    fn sign(&self, message: &[u8], key_version: u32) -> Result<SignResult, Error> {
        self.runtime
            .block_on(self.client.signatures().sign(message, key_version))
    }

    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        key_version: u32,
    ) -> Result<VerifyResult, Error> {
        self.runtime.block_on(
            self.client
                .signatures()
                .verify(message, signature, key_version),
        )
    }

    fn encrypt_local(&self, plaintext: &[u8], key_version: u32) -> Result<LocalEnvelope, Error> {
        self.runtime
            .block_on(self.client.kem().encrypt_local(plaintext, key_version))
    }

    fn decrypt_local(&self, envelope: &LocalEnvelope) -> Result<SecretBytes, Error> {
        self.runtime
            .block_on(self.client.kem().decrypt_local(envelope))
    }
}

impl Api for qpher_blocking::Client {
    fn flavour(&self) -> &'static str {
        "blocking"
    }

    fn generate(&self, algorithm: Algorithm) -> Result<Key, Error> {
        self.keys().generate(algorithm)
    }

    fn get_active(&self, algorithm: Algorithm) -> Result<Key, Error> {
        self.keys().get_active(algorithm)
    }

    fn rotate(&self, algorithm: Algorithm) -> Result<RotateResult, Error> {
        self.keys().rotate(algorithm)
    }

    fn encrypt(&self, plaintext: &[u8], key_version: u32) -> Result<EncryptResult, Error> {
        self.kem().encrypt(plaintext, key_version)
    }

    fn decrypt(&self, ciphertext: &[u8], key_version: u32) -> Result<DecryptResult, Error> {
        self.kem().decrypt(ciphertext, key_version)
    }

    fn sign(&self, message: &[u8], key_version: u32) -> Result<SignResult, Error> {
        self.signatures().sign(message, key_version)
    }

    fn verify(
        &self,
        message: &[u8],
        signature: &[u8],
        key_version: u32,
    ) -> Result<VerifyResult, Error> {
        self.signatures().verify(message, signature, key_version)
    }

    fn encrypt_local(&self, plaintext: &[u8], key_version: u32) -> Result<LocalEnvelope, Error> {
        self.kem().encrypt_local(plaintext, key_version)
    }

    fn decrypt_local(&self, envelope: &LocalEnvelope) -> Result<SecretBytes, Error> {
        self.kem().decrypt_local(envelope)
    }
}

/// Builds both clients for `base_url`, each with its own API key.
///
/// # Errors
///
/// Returns the client builders' errors and a failure to start the runtime.
pub(crate) fn both(
    base_url: &str,
    async_key: &str,
    blocking_key: &str,
) -> Result<Vec<Box<dyn Api>>, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| format!("failed to start a tokio runtime: {error}"))?;
    let async_client = qpher_async::Client::builder()
        .api_key(async_key)
        .base_url(base_url)
        .build()
        .map_err(|error| error.to_string())?;
    let blocking_client = qpher_blocking::Client::builder()
        .api_key(blocking_key)
        .base_url(base_url)
        .build()
        .map_err(|error| error.to_string())?;

    Ok(vec![
        Box::new(AsyncApi {
            client: async_client,
            runtime,
        }),
        Box::new(blocking_client),
    ])
}
