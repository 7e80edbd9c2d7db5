//! Client-side envelope encryption: the [`LocalEnvelope`] made by `encrypt_local` and read by
//! `decrypt_local`.
//!
//! The plaintext never leaves the process. The service only encapsulates a shared secret
//! (and later decapsulates it); the data itself is sealed here with AES-256-GCM, keyed by
//! the raw 32-byte shared secret, with a random 12-byte IV and the KEM ciphertext as
//! associated data, so an envelope cannot be re-paired with another KEM ciphertext.
//!
//! [`LocalEnvelope::to_bytes`] uses the official Python SDK's layout, so envelopes move
//! between the SDKs:
//!
//! ```text
//! u16 big-endian length of the KEM ciphertext ‖ KEM ciphertext ‖ 12-byte IV ‖ AES-GCM ciphertext with 16-byte tag
//! ```
//!
//! The key version and algorithm are not in those bytes; store them beside the envelope.

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use qpher_types::{Algorithm, SecretBytes};
use zeroize::Zeroizing;

use crate::{Error, ErrorKind};

/// Length of the AES-GCM IV, in bytes.
pub const IV_LEN: usize = 12;

/// Length of the AES-GCM authentication tag, in bytes.
pub const TAG_LEN: usize = 16;

/// Length of the shared secret used as the AES-256 key, in bytes.
pub const SHARED_SECRET_LEN: usize = 32;

/// Data sealed on the client under a KEM shared secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalEnvelope {
    /// The KEM ciphertext; decapsulating it with `key_version` recovers the AES key.
    pub kem_ciphertext: Vec<u8>,
    /// The 12-byte AES-GCM IV.
    pub iv: [u8; IV_LEN],
    /// The AES-GCM ciphertext followed by its 16-byte tag.
    pub aes_ciphertext: Vec<u8>,
    /// The key version the KEM ciphertext was made for.
    pub key_version: u32,
    /// The KEM algorithm.
    pub algorithm: Algorithm,
    /// The request id of the encapsulate call.
    pub request_id: Option<String>,
}

impl LocalEnvelope {
    /// Serializes the envelope in the official Python SDK's byte layout.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::InvalidArgument`] when the KEM ciphertext is
    /// longer than the 65,535 bytes a two-byte length can describe.
    pub fn to_bytes(&self) -> Result<Vec<u8>, Error> {
        let kem_len = u16::try_from(self.kem_ciphertext.len()).map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "kem_ciphertext is {} bytes; the envelope layout allows at most 65535",
                    self.kem_ciphertext.len()
                ),
            )
        })?;

        let mut bytes =
            Vec::with_capacity(2 + self.kem_ciphertext.len() + IV_LEN + self.aes_ciphertext.len());
        bytes.extend_from_slice(&kem_len.to_be_bytes());
        bytes.extend_from_slice(&self.kem_ciphertext);
        bytes.extend_from_slice(&self.iv);
        bytes.extend_from_slice(&self.aes_ciphertext);
        Ok(bytes)
    }

    /// Parses bytes made by [`LocalEnvelope::to_bytes`] or by the official Python SDK.
    ///
    /// # Errors
    ///
    /// Returns an error of kind [`ErrorKind::InvalidArgument`] when the bytes are too short
    /// for the length they declare or for the IV and tag.
    pub fn from_bytes(bytes: &[u8], key_version: u32, algorithm: Algorithm) -> Result<Self, Error> {
        let truncated = |what: &str| {
            Error::new(
                ErrorKind::InvalidArgument,
                format!(
                    "envelope is truncated: {} bytes end before the {what}; pass the bytes produced by to_bytes",
                    bytes.len()
                ),
            )
        };

        let (length, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or_else(|| truncated("length prefix"))?;
        let kem_len = usize::from(u16::from_be_bytes(*length));
        let (kem_ciphertext, rest) = rest
            .split_at_checked(kem_len)
            .ok_or_else(|| truncated("end of the KEM ciphertext"))?;
        let (iv, aes_ciphertext) = rest
            .split_first_chunk::<IV_LEN>()
            .ok_or_else(|| truncated("end of the IV"))?;
        if aes_ciphertext.len() < TAG_LEN {
            return Err(truncated("end of the authentication tag"));
        }

        Ok(Self {
            kem_ciphertext: kem_ciphertext.to_vec(),
            iv: *iv,
            aes_ciphertext: aes_ciphertext.to_vec(),
            key_version,
            algorithm,
            request_id: None,
        })
    }
}

/// Seals `plaintext` with AES-256-GCM under `shared_secret`, binding `kem_ciphertext` as
/// associated data. Returns the ciphertext followed by the tag.
///
/// # Errors
///
/// Returns an error when the shared secret is not 32 bytes.
pub fn seal(
    shared_secret: &SecretBytes,
    kem_ciphertext: &[u8],
    iv: &[u8; IV_LEN],
    plaintext: &[u8],
) -> Result<Vec<u8>, Error> {
    let cipher = cipher(shared_secret)?;
    let payload = Payload {
        msg: plaintext,
        aad: kem_ciphertext,
    };
    cipher.encrypt(Nonce::from_slice(iv), payload).map_err(|_| {
        Error::new(
            ErrorKind::InvalidArgument,
            "the plaintext is too long for AES-GCM",
        )
    })
}

/// Opens what [`seal`] produced.
///
/// # Errors
///
/// Returns an error of kind [`ErrorKind::InvalidArgument`] when authentication fails: the
/// envelope was altered, or the key version or algorithm does not match the one used.
pub fn open(shared_secret: &SecretBytes, envelope: &LocalEnvelope) -> Result<SecretBytes, Error> {
    let cipher = cipher(shared_secret)?;
    let payload = Payload {
        msg: &envelope.aes_ciphertext,
        aad: &envelope.kem_ciphertext,
    };
    cipher
        .decrypt(Nonce::from_slice(&envelope.iv), payload)
        .map(SecretBytes::new)
        .map_err(|_| {
            Error::new(
                ErrorKind::InvalidArgument,
                "envelope authentication failed: it was altered, or key_version or algorithm does not match the encryption",
            )
        })
}

fn cipher(shared_secret: &SecretBytes) -> Result<Aes256Gcm, Error> {
    let key = Zeroizing::new(shared_secret.expose_secret().to_vec());
    Aes256Gcm::new_from_slice(&key).map_err(|_| {
        Error::new(
            ErrorKind::MalformedResponse,
            format!(
                "the shared secret is {} bytes; AES-256-GCM needs {SHARED_SECRET_LEN}",
                shared_secret.len()
            ),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn envelope(plaintext: &[u8]) -> (SecretBytes, LocalEnvelope) {
        let secret = SecretBytes::new(vec![7; 32]);
        let kem_ciphertext = vec![9; 1088];
        let iv = [3; IV_LEN];
        let aes_ciphertext = seal(&secret, &kem_ciphertext, &iv, plaintext).unwrap();
        let envelope = LocalEnvelope {
            kem_ciphertext,
            iv,
            aes_ciphertext,
            key_version: 1,
            algorithm: Algorithm::Kyber768,
            request_id: None,
        };
        (secret, envelope)
    }

    #[test]
    fn seal_open_round_trip() {
        let (secret, envelope) = envelope(b"hello");
        assert_eq!(envelope.aes_ciphertext.len(), 5 + TAG_LEN);
        assert_eq!(open(&secret, &envelope).unwrap().expose_secret(), b"hello");
    }

    #[test]
    fn bytes_layout() {
        let (_, envelope) = envelope(b"hello");
        let bytes = envelope.to_bytes().unwrap();
        assert_eq!(&bytes[..2], &[0x04, 0x40]);
        assert_eq!(bytes.len(), 2 + 1088 + 12 + 5 + 16);

        let parsed = LocalEnvelope::from_bytes(&bytes, 1, Algorithm::Kyber768).unwrap();
        assert_eq!(parsed, envelope);
    }

    #[test]
    fn tamper_detected() {
        let (secret, mut envelope) = envelope(b"hello");
        envelope.kem_ciphertext[0] ^= 1;
        let error = open(&secret, &envelope).unwrap_err();
        assert!(error.message().contains("authentication failed"));
    }

    #[test]
    fn truncated_bytes_rejected() {
        let (_, envelope) = envelope(b"hello");
        let bytes = envelope.to_bytes().unwrap();
        for len in [0, 1, 2, 100, 1090, 1101, 1102 + 15] {
            let result = LocalEnvelope::from_bytes(&bytes[..len], 1, Algorithm::Kyber768);
            assert!(result.is_err(), "length {len}");
        }
    }

    #[test]
    fn wrong_secret_length() {
        let secret = SecretBytes::new(vec![1; 16]);
        assert!(seal(&secret, b"", &[0; IV_LEN], b"x").is_err());
    }
}
