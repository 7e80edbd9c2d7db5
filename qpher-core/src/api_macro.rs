//! The `client_api!` and `config_setters!` macros: the API methods and the builder setters
//! of the `qpher-async` and `qpher-blocking` clients, written once.
//!
//! The two clients expose the same `Kem`, `Signatures` and `Keys` views with the same
//! methods, arguments and docs; only `async` and `.await` differ. Each client invokes the
//! macro once and supplies the IO through two inherent methods of its `Client`:
//!
//! - `execute(&self, operation: O) -> Result<O::Output, Error>` for any `Operation`, an
//!   `async fn` in the async client;
//! - `random_iv(&self) -> Result<[u8; IV_LEN], Error>`, the AES-GCM IV of `encrypt_local`.
//!
//! A macro and not a crate feature (such as `maybe-async`) switches the flavour, because
//! Cargo unifies features across one build and both clients are built together.

/// Generates the `Kem`, `Signatures` and `Keys` views and the `Client` methods that return
/// them. `client_api!(async Client)` makes async methods, `client_api!(blocking Client)`
/// plain ones. Not a public interface: only the Qpher clients invoke it.
#[doc(hidden)]
#[macro_export]
macro_rules! client_api {
    (async $client:ident) => {
        $crate::client_api!(@methods $client [async] [.await]);
    };
    (blocking $client:ident) => {
        $crate::client_api!(@methods $client [] []);
    };
    (@methods $client:ident [$($async:tt)*] [$($await:tt)*]) => {
        impl $client {
            /// Returns the KEM view: encrypt, decrypt, encapsulate, wrap and the local
            /// envelope.
            pub fn kem(&self) -> Kem<'_> {
                Kem { client: self, algorithm: None }
            }

            /// Returns the signature view: sign and verify messages or digests.
            pub fn signatures(&self) -> Signatures<'_> {
                Signatures { client: self, algorithm: None }
            }

            /// Returns the key management view: generate, list, get, rotate and retire.
            pub fn keys(&self) -> Keys<'_> {
                Keys { client: self }
            }
        }

        /// KEM operations, returned by [`Client::kem`].
        ///
        /// Requests leave out `algorithm`, so the service uses its default (`Kyber768`),
        /// unless [`Kem::with_algorithm`] names one.
        #[derive(Clone, Debug)]
        pub struct Kem<'a> {
            client: &'a $client,
            algorithm: Option<$crate::types::Algorithm>,
        }

        impl<'a> Kem<'a> {
            /// Returns a view that sends `algorithm` with every request, such as
            /// [`Algorithm::XWing`](crate::Algorithm::XWing).
            pub fn with_algorithm(mut self, algorithm: $crate::types::Algorithm) -> Self {
                self.algorithm = Some(algorithm);
                self
            }

            /// Encrypts `plaintext` on the service under `key_version` (standard mode: a
            /// fresh encapsulation, so the same input gives a different ciphertext each
            /// time).
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0 or a signature algorithm, and the service's error (such
            /// as [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for a missing or
            /// retired key version) otherwise.
            pub $($async)* fn encrypt(
                &self,
                plaintext: impl Into<$crate::types::SecretBytes>,
                key_version: u32,
            ) -> Result<$crate::ops::EncryptResult, $crate::Error> {
                let request = $crate::types::EncryptRequest {
                    plaintext: plaintext.into(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                    mode: Some($crate::types::EncryptMode::Standard),
                    salt: None,
                };
                self.client.execute(request) $($await)*
            }

            /// Encrypts `plaintext` in deterministic mode: the same plaintext, salt and key
            /// version always give the same ciphertext, so ciphertexts can be compared for
            /// equality. `salt` must be at least 32 bytes.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for a salt shorter than 32 bytes or key version 0, and the service's error
            /// otherwise.
            pub $($async)* fn encrypt_deterministic(
                &self,
                plaintext: impl Into<$crate::types::SecretBytes>,
                key_version: u32,
                salt: impl Into<Vec<u8>>,
            ) -> Result<$crate::ops::EncryptResult, $crate::Error> {
                let request = $crate::types::EncryptRequest {
                    plaintext: plaintext.into(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                    mode: Some($crate::types::EncryptMode::Deterministic),
                    salt: Some(salt.into()),
                };
                self.client.execute(request) $($await)*
            }

            /// Decrypts a ciphertext made by [`Kem::encrypt`] with the same `key_version`,
            /// which may since have been retired. The plaintext is zeroized when dropped.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error (such as
            /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) for a damaged
            /// ciphertext) otherwise.
            pub $($async)* fn decrypt(
                &self,
                ciphertext: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::DecryptResult, $crate::Error> {
                let request = $crate::types::DecryptRequest {
                    ciphertext: ciphertext.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Makes a fresh 32-byte shared secret and the KEM ciphertext that carries it
            /// to `key_version`.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error otherwise.
            pub $($async)* fn encapsulate(
                &self,
                key_version: u32,
            ) -> Result<$crate::ops::EncapsulateResult, $crate::Error> {
                let request = $crate::types::EncapsulateRequest {
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Recovers the shared secret of a KEM ciphertext made by
            /// [`Kem::encapsulate`].
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error otherwise.
            pub $($async)* fn decapsulate(
                &self,
                kem_ciphertext: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::DecapsulateResult, $crate::Error> {
                let request = $crate::types::DecapsulateRequest {
                    kem_ciphertext: kem_ciphertext.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Wraps a symmetric key (16, 24, 32, 48 or 64 bytes) under `key_version`.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error (such as
            /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) for an unsupported
            /// key length) otherwise.
            pub $($async)* fn wrap(
                &self,
                symmetric_key: impl Into<$crate::types::SecretBytes>,
                key_version: u32,
            ) -> Result<$crate::ops::WrapResult, $crate::Error> {
                let request = $crate::types::WrapRequest {
                    symmetric_key: symmetric_key.into(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Unwraps a key made by [`Kem::wrap`] with the same `key_version`. The key is
            /// zeroized when dropped.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error otherwise.
            pub $($async)* fn unwrap(
                &self,
                wrapped_key: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::UnwrapResult, $crate::Error> {
                let request = $crate::types::UnwrapRequest {
                    wrapped_key: wrapped_key.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Encrypts `plaintext` on this machine: the service only encapsulates a
            /// shared secret, which keys AES-256-GCM here, so the plaintext never leaves
            /// the process. Store the envelope's `key_version` and `algorithm` beside it.
            ///
            /// # Errors
            ///
            /// Returns the error of the encapsulate call, or
            /// [`ErrorKind::MalformedResponse`](crate::ErrorKind::MalformedResponse) when
            /// the service returns a shared secret that is not 32 bytes.
            pub $($async)* fn encrypt_local(
                &self,
                plaintext: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::LocalEnvelope, $crate::Error> {
                let encapsulated = self.encapsulate(key_version) $($await)* ?;
                let iv = self.client.random_iv()?;
                let aes_ciphertext = $crate::local::seal(
                    &encapsulated.shared_secret,
                    &encapsulated.kem_ciphertext,
                    &iv,
                    plaintext.as_ref(),
                )?;

                Ok($crate::LocalEnvelope {
                    kem_ciphertext: encapsulated.kem_ciphertext,
                    iv,
                    aes_ciphertext,
                    key_version: encapsulated.key_version,
                    algorithm: encapsulated.algorithm,
                    request_id: encapsulated.request_id,
                })
            }

            /// Decrypts an envelope made by [`Kem::encrypt_local`]: the service
            /// decapsulates the shared secret with the envelope's key version and
            /// algorithm, and AES-256-GCM opens the data here.
            ///
            /// # Errors
            ///
            /// Returns the error of the decapsulate call, or
            /// [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument) when the
            /// envelope fails authentication (altered, or the wrong key version).
            pub $($async)* fn decrypt_local(
                &self,
                envelope: &$crate::LocalEnvelope,
            ) -> Result<$crate::types::SecretBytes, $crate::Error> {
                let request = $crate::types::DecapsulateRequest {
                    kem_ciphertext: envelope.kem_ciphertext.clone(),
                    key_version: envelope.key_version,
                    algorithm: Some(envelope.algorithm.clone()),
                };
                let decapsulated = self.client.execute(request) $($await)* ?;
                $crate::local::open(&decapsulated.shared_secret, envelope)
            }
        }

        /// Signature operations, returned by [`Client::signatures`].
        ///
        /// Requests leave out `algorithm`, so the service uses its default
        /// (`Dilithium3`), unless [`Signatures::with_algorithm`] names one.
        #[derive(Clone, Debug)]
        pub struct Signatures<'a> {
            client: &'a $client,
            algorithm: Option<$crate::types::Algorithm>,
        }

        impl<'a> Signatures<'a> {
            /// Returns a view that sends `algorithm` with every request, such as
            /// [`Algorithm::CompositeMlDsa`](crate::Algorithm::CompositeMlDsa).
            pub fn with_algorithm(mut self, algorithm: $crate::types::Algorithm) -> Self {
                self.algorithm = Some(algorithm);
                self
            }

            /// Signs `message` (at most 1 MiB) with `key_version`, which must be active.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0 or a KEM algorithm, and the service's error otherwise.
            pub $($async)* fn sign(
                &self,
                message: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::SignResult, $crate::Error> {
                let request = $crate::types::SignRequest {
                    message: message.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Verifies `signature` over `message` with `key_version`, which may since
            /// have been retired. A wrong signature is `Ok` with `valid == false`, not an
            /// error.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, and the service's error otherwise.
            pub $($async)* fn verify(
                &self,
                message: impl AsRef<[u8]>,
                signature: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::VerifyResult, $crate::Error> {
                let request = $crate::types::VerifyRequest {
                    message: message.as_ref().to_vec(),
                    signature: signature.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Signs a precomputed digest, so a large document never crosses the network.
            /// `hash` is the raw digest, of the length `hash_algorithm` produces.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for a digest of the wrong length or key version 0, and the service's error
            /// otherwise.
            pub $($async)* fn sign_hash(
                &self,
                hash: impl AsRef<[u8]>,
                hash_algorithm: $crate::types::HashAlgorithm,
                key_version: u32,
            ) -> Result<$crate::ops::SignHashResult, $crate::Error> {
                let request = $crate::types::SignHashRequest {
                    hash: hash.as_ref().to_vec(),
                    hash_algorithm,
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }

            /// Verifies a signature made by [`Signatures::sign_hash`]. A wrong signature
            /// is `Ok` with `valid == false`, not an error.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for a digest of the wrong length or key version 0, and the service's error
            /// otherwise.
            pub $($async)* fn verify_hash(
                &self,
                hash: impl AsRef<[u8]>,
                hash_algorithm: $crate::types::HashAlgorithm,
                signature: impl AsRef<[u8]>,
                key_version: u32,
            ) -> Result<$crate::ops::VerifyHashResult, $crate::Error> {
                let request = $crate::types::VerifyHashRequest {
                    hash: hash.as_ref().to_vec(),
                    hash_algorithm,
                    signature: signature.as_ref().to_vec(),
                    key_version,
                    algorithm: self.algorithm.clone(),
                };
                self.client.execute(request) $($await)*
            }
        }

        /// Key management operations, returned by [`Client::keys`].
        ///
        /// Generate, rotate and retire send an `idempotency-key` and are retried only
        /// when the request surely did not take effect; see
        /// [`Error::is_outcome_unknown`](crate::Error::is_outcome_unknown).
        #[derive(Clone, Debug)]
        pub struct Keys<'a> {
            client: &'a $client,
        }

        impl<'a> Keys<'a> {
            /// Generates the first key pair of `algorithm`; use [`Keys::rotate`] when an
            /// active key already exists.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for an SLH-DSA algorithm, which has no managed keys, and the service's
            /// error (such as [`ErrorKind::Conflict`](crate::ErrorKind::Conflict))
            /// otherwise.
            pub $($async)* fn generate(
                &self,
                algorithm: $crate::types::Algorithm,
            ) -> Result<$crate::ops::Key, $crate::Error> {
                let request = $crate::types::GenerateKeyRequest { algorithm };
                self.client.execute(request) $($await)*
            }

            /// Lists every key version of every algorithm.
            ///
            /// # Errors
            ///
            /// Returns the service's error.
            pub $($async)* fn list(&self) -> Result<$crate::ops::KeyList, $crate::Error> {
                self.client.execute($crate::types::ListKeysQuery::default()) $($await)*
            }

            /// Lists the key versions that match `algorithm` and `status`; `None` matches
            /// any value.
            ///
            /// # Errors
            ///
            /// Returns the service's error.
            pub $($async)* fn list_filtered(
                &self,
                algorithm: Option<$crate::types::Algorithm>,
                status: Option<$crate::types::KeyStatus>,
            ) -> Result<$crate::ops::KeyList, $crate::Error> {
                let query = $crate::types::ListKeysQuery { algorithm, status };
                self.client.execute(query) $($await)*
            }

            /// Returns the active key of `algorithm`.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) when the
            /// algorithm has no active key, and the service's other errors.
            pub $($async)* fn get_active(
                &self,
                algorithm: $crate::types::Algorithm,
            ) -> Result<$crate::ops::Key, $crate::Error> {
                let query = $crate::ops::GetActiveKey { algorithm };
                self.client.execute(query) $($await)*
            }

            /// Returns one key version of `algorithm`, whatever its status.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0, [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for
            /// a version that does not exist, and the service's other errors.
            pub $($async)* fn get(
                &self,
                algorithm: $crate::types::Algorithm,
                key_version: u32,
            ) -> Result<$crate::ops::Key, $crate::Error> {
                let query = $crate::ops::GetKey { key_version, algorithm };
                self.client.execute(query) $($await)*
            }

            /// Rotates `algorithm`: a new version becomes active and the previous one is
            /// retired, so it still decrypts and verifies but no longer encrypts or signs.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for an SLH-DSA algorithm, and the service's error otherwise.
            pub $($async)* fn rotate(
                &self,
                algorithm: $crate::types::Algorithm,
            ) -> Result<$crate::ops::RotateResult, $crate::Error> {
                let request = $crate::types::RotateKeyRequest { algorithm };
                self.client.execute(request) $($await)*
            }

            /// Retires one key version of `algorithm`.
            ///
            /// # Errors
            ///
            /// Returns [`ErrorKind::InvalidArgument`](crate::ErrorKind::InvalidArgument)
            /// for key version 0 or an SLH-DSA algorithm, and the service's error
            /// otherwise.
            pub $($async)* fn retire(
                &self,
                algorithm: $crate::types::Algorithm,
                key_version: u32,
            ) -> Result<$crate::ops::Key, $crate::Error> {
                let request = $crate::types::RetireKeyRequest { algorithm, key_version };
                self.client.execute(request) $($await)*
            }
        }
    };
}

/// Generates the `ClientBuilder` setters that both clients share: each one forwards to the
/// core's [`ConfigBuilder`](crate::ConfigBuilder), which validates everything in `build`.
/// The builder must have a field `config: qpher_core::ConfigBuilder`. Not a public
/// interface: only the Qpher clients invoke it.
#[doc(hidden)]
#[macro_export]
macro_rules! config_setters {
    ($builder:ident) => {
        impl $builder {
            /// Sets the API key. Default: the `QPHER_API_KEY` environment variable.
            pub fn api_key(mut self, api_key: impl Into<String>) -> Self {
                self.config = self.config.api_key(api_key);
                self
            }

            /// Sets the base URL. Default: `QPHER_BASE_URL`, else `https://api.qpher.ai`.
            ///
            /// Plain `http://` is accepted only for loopback hosts unless
            /// `allow_insecure_http` is set. Redirects are never followed, so the API key
            /// goes only to this origin.
            pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
                self.config = self.config.base_url(base_url);
                self
            }

            /// Sets the time allowed for one attempt: connecting, sending and reading the
            /// whole response body. Default: 30 seconds.
            pub fn timeout(mut self, timeout: std::time::Duration) -> Self {
                self.config = self.config.timeout(timeout);
                self
            }

            /// Sets how many times a failed call is retried; 3 (the default) means at most 4
            /// attempts, and 0 disables retries.
            pub fn max_retries(mut self, max_retries: u32) -> Self {
                self.config = self.config.max_retries(max_retries);
                self
            }

            /// Replaces the retry policy (schedule, jitter, lifecycle retries). Call it
            /// before `max_retries`, which edits the policy set here.
            pub fn retry_policy(mut self, policy: $crate::RetryPolicy) -> Self {
                self.config = self.config.retry_policy(policy);
                self
            }

            /// Sets the largest response body the client reads; a larger one fails with
            /// `ErrorKind::ResponseTooLarge` without being buffered. Default: 16 MiB.
            pub fn max_response_bytes(mut self, max_response_bytes: usize) -> Self {
                self.config = self.config.max_response_bytes(max_response_bytes);
                self
            }

            /// Appends a product token to the `user-agent` header, such as `my-app/1.2`.
            pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
                self.config = self.config.user_agent_suffix(suffix);
                self
            }

            /// Allows a plain `http://` base URL on a host that is not loopback. Default:
            /// off, because the API key would cross the network in clear text.
            pub fn allow_insecure_http(mut self, allow: bool) -> Self {
                self.config = self.config.allow_insecure_http(allow);
                self
            }
        }
    };
}
