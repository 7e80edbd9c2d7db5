//! Post-quantum primitives and the symmetric layers built on them.
//!
//! This module owns every byte layout the server produces: the KEM-DEM ciphertexts of
//! encrypt and wrap, the sealed private keys in the store, and the API-key hashes. It
//! performs no IO. ML-KEM-768 and ML-DSA-65 come from libcrux; AES-256-GCM, HKDF-SHA256
//! and HMAC-SHA256 from RustCrypto.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use libcrux_ml_dsa::ml_dsa_65::{
    self, MLDSA65Signature, MLDSA65SigningKey, MLDSA65VerificationKey,
};
use libcrux_ml_kem::mlkem768::{self, MlKem768Ciphertext, MlKem768PrivateKey, MlKem768PublicKey};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

/// ML-KEM-768 encapsulation (public) key length in bytes.
pub const KEM_PUBLIC_KEY_LEN: usize = 1184;
/// ML-KEM-768 decapsulation (private) key length in bytes.
pub const KEM_PRIVATE_KEY_LEN: usize = 2400;
/// ML-KEM-768 ciphertext length in bytes.
pub const KEM_CIPHERTEXT_LEN: usize = 1088;
/// ML-KEM shared secret length in bytes.
pub const SHARED_SECRET_LEN: usize = 32;
/// ML-DSA-65 verification (public) key length in bytes.
pub const DSA_PUBLIC_KEY_LEN: usize = 1952;
/// ML-DSA-65 signing (private) key length in bytes.
pub const DSA_PRIVATE_KEY_LEN: usize = 4032;
/// ML-DSA-65 signature length in bytes.
pub const DSA_SIGNATURE_LEN: usize = 3309;

/// AES-GCM nonce length in bytes.
const IV_LEN: usize = 12;
/// AES-GCM tag length in bytes.
const TAG_LEN: usize = 16;

/// First byte of an encrypt ciphertext in format version 1.
pub const ENCRYPT_FORMAT_V1: u8 = 0x01;
/// First byte of a wrapped key in format version 1.
pub const WRAP_FORMAT_V1: u8 = 0x02;
/// First byte of a sealed private key in format version 1.
const SEALED_KEY_FORMAT_V1: u8 = 0x01;

/// Bytes a KEM-DEM blob adds to its payload: format byte, KEM ciphertext, IV and tag.
pub const KEM_DEM_OVERHEAD: usize = 1 + KEM_CIPHERTEXT_LEN + IV_LEN + TAG_LEN;

/// A cryptographic operation that failed.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed: {0}")]
    Random(getrandom::Error),
    /// A ciphertext or wrapped key is malformed or does not authenticate.
    #[error("the ciphertext is malformed or does not authenticate under this key")]
    InvalidCiphertext,
    /// A stored key has the wrong length or encoding.
    #[error("stored key material is malformed")]
    InvalidKey,
    /// ML-DSA signing failed.
    #[error("ML-DSA signing failed")]
    Signing,
}

/// The two algorithms this server implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAlgorithm {
    /// ML-KEM-768 (FIPS 203), `Kyber768` on the wire.
    MlKem768,
    /// ML-DSA-65 (FIPS 204), `Dilithium3` on the wire.
    MlDsa65,
}

impl KeyAlgorithm {
    /// Returns the name the API uses for this algorithm.
    pub fn wire_name(self) -> &'static str {
        match self {
            KeyAlgorithm::MlKem768 => "Kyber768",
            KeyAlgorithm::MlDsa65 => "Dilithium3",
        }
    }

    /// Maps an API name to an implemented algorithm.
    pub fn from_wire_name(name: &str) -> Option<Self> {
        match name {
            "Kyber768" => Some(KeyAlgorithm::MlKem768),
            "Dilithium3" => Some(KeyAlgorithm::MlDsa65),
            _ => None,
        }
    }

    /// Generates a fresh key pair of this algorithm.
    pub fn generate(self) -> Result<KeyPair, CryptoError> {
        match self {
            KeyAlgorithm::MlKem768 => ml_kem_generate(),
            KeyAlgorithm::MlDsa65 => ml_dsa_generate(),
        }
    }
}

/// A freshly generated key pair; the private half is zeroized on drop.
pub struct KeyPair {
    /// The public key, as the API returns it.
    pub public_key: Vec<u8>,
    /// The private key in the encoding of its standard.
    pub private_key: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyPair")
            .field("public_key_len", &self.public_key.len())
            .field("private_key", &"[REDACTED]")
            .finish()
    }
}

/// Fills an array with bytes from the operating system's generator.
pub fn random_array<const N: usize>() -> Result<Zeroizing<[u8; N]>, CryptoError> {
    let mut bytes = Zeroizing::new([0u8; N]);
    getrandom::fill(bytes.as_mut_slice()).map_err(CryptoError::Random)?;
    Ok(bytes)
}

/// Generates an ML-KEM-768 key pair from 64 fresh random bytes (`d ‖ z`).
pub fn ml_kem_generate() -> Result<KeyPair, CryptoError> {
    let seed = random_array::<64>()?;
    Ok(ml_kem_generate_from_seed(*seed))
}

/// Derives an ML-KEM-768 key pair from the 64-byte seed `d ‖ z` of FIPS 203.
pub fn ml_kem_generate_from_seed(seed: [u8; 64]) -> KeyPair {
    // NOTE: libcrux key types do not zeroize themselves, so the copy inside `pair` is
    // left in freed memory; the copies this crate keeps are zeroized.
    let pair = mlkem768::generate_key_pair(seed);
    KeyPair {
        public_key: pair.pk().to_vec(),
        private_key: Zeroizing::new(pair.sk().to_vec()),
    }
}

/// Encapsulates to an ML-KEM-768 public key with the given 32-byte randomness `m`.
///
/// Returns the KEM ciphertext and the shared secret.
pub fn ml_kem_encapsulate(
    public_key: &[u8],
    randomness: [u8; 32],
) -> Result<(Vec<u8>, Zeroizing<[u8; SHARED_SECRET_LEN]>), CryptoError> {
    let public_key =
        MlKem768PublicKey::try_from(public_key).map_err(|_| CryptoError::InvalidKey)?;
    if !mlkem768::validate_public_key(&public_key) {
        return Err(CryptoError::InvalidKey);
    }

    let (ciphertext, shared_secret) = mlkem768::encapsulate(&public_key, randomness);
    Ok((ciphertext.as_ref().to_vec(), Zeroizing::new(shared_secret)))
}

/// Recovers the shared secret of an ML-KEM-768 ciphertext.
///
/// A ciphertext of the right length always yields a secret (implicit rejection), so a
/// wrong one only shows when the secret is used.
pub fn ml_kem_decapsulate(
    private_key: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<[u8; SHARED_SECRET_LEN]>, CryptoError> {
    let ciphertext =
        MlKem768Ciphertext::try_from(ciphertext).map_err(|_| CryptoError::InvalidCiphertext)?;
    let mut private_key =
        MlKem768PrivateKey::try_from(private_key).map_err(|_| CryptoError::InvalidKey)?;

    let shared_secret = Zeroizing::new(mlkem768::decapsulate(&private_key, &ciphertext));
    wipe_kem_private_key(&mut private_key);
    Ok(shared_secret)
}

#[allow(
    clippy::indexing_slicing,
    reason = "the range `0..` of a fixed-size key is always in bounds"
)]
fn wipe_kem_private_key(key: &mut MlKem768PrivateKey) {
    key[0..].zeroize();
}

/// Generates an ML-DSA-65 key pair from a fresh 32-byte seed.
pub fn ml_dsa_generate() -> Result<KeyPair, CryptoError> {
    let seed = random_array::<32>()?;
    Ok(ml_dsa_generate_from_seed(*seed))
}

/// Derives an ML-DSA-65 key pair from the 32-byte seed `ξ` of FIPS 204.
pub fn ml_dsa_generate_from_seed(seed: [u8; 32]) -> KeyPair {
    let mut pair = ml_dsa_65::generate_key_pair(seed);
    let key_pair = KeyPair {
        public_key: pair.verification_key.as_slice().to_vec(),
        private_key: Zeroizing::new(pair.signing_key.as_slice().to_vec()),
    };
    pair.signing_key.as_mut_slice().zeroize();
    key_pair
}

/// Signs `message` with ML-DSA-65 under the context string `context` (at most 255 bytes).
///
/// `randomness` is the 32-byte `rnd` of FIPS 204: random for hedged signing, all zero
/// for the deterministic variant.
pub fn ml_dsa_sign(
    private_key: &[u8],
    message: &[u8],
    context: &[u8],
    randomness: [u8; 32],
) -> Result<Vec<u8>, CryptoError> {
    let bytes: Zeroizing<[u8; DSA_PRIVATE_KEY_LEN]> = Zeroizing::new(
        private_key
            .try_into()
            .map_err(|_| CryptoError::InvalidKey)?,
    );
    let mut signing_key = MLDSA65SigningKey::new(*bytes);

    let signature = ml_dsa_65::sign(&signing_key, message, context, randomness);
    signing_key.as_mut_slice().zeroize();

    signature
        .map(|signature| signature.as_slice().to_vec())
        .map_err(|_| CryptoError::Signing)
}

/// Checks an ML-DSA-65 signature; a signature of the wrong length is simply invalid.
pub fn ml_dsa_verify(public_key: &[u8], message: &[u8], context: &[u8], signature: &[u8]) -> bool {
    let Ok(public_key) = <[u8; DSA_PUBLIC_KEY_LEN]>::try_from(public_key) else {
        return false;
    };
    let Ok(signature) = <[u8; DSA_SIGNATURE_LEN]>::try_from(signature) else {
        return false;
    };

    let public_key = MLDSA65VerificationKey::new(public_key);
    let signature = MLDSA65Signature::new(signature);
    ml_dsa_65::verify(&public_key, message, context, &signature).is_ok()
}

/// Source of the encapsulation randomness and IV of a KEM-DEM encryption.
pub enum SealRandomness<'a> {
    /// Fresh encapsulation randomness and IV from the system generator.
    Fresh,
    /// Encapsulation randomness and IV derived from the salt and the plaintext, so that
    /// equal inputs give equal ciphertexts.
    Deterministic {
        /// The caller's salt, at least 32 bytes.
        salt: &'a [u8],
    },
}

/// Encrypts `payload` to an ML-KEM-768 public key: the blob layout is
/// `format ‖ KEM ciphertext (1088) ‖ IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16)`.
///
/// The AES key is HKDF-SHA256 of the shared secret. The associated data binds the format
/// byte, the algorithm and the key version, so a blob opens only for the same operation
/// and key version.
pub fn kem_dem_seal(
    format: u8,
    public_key: &[u8],
    key_version: u32,
    payload: &[u8],
    randomness: SealRandomness<'_>,
) -> Result<Vec<u8>, CryptoError> {
    let (encapsulation_randomness, iv) = match randomness {
        SealRandomness::Fresh => (random_array::<32>()?, random_array::<IV_LEN>()?),
        SealRandomness::Deterministic { salt } => {
            derive_deterministic_inputs(format, public_key, key_version, payload, salt)?
        }
    };

    let (kem_ciphertext, shared_secret) =
        ml_kem_encapsulate(public_key, *encapsulation_randomness)?;
    let cipher = dem_cipher(format, shared_secret.as_slice())?;
    let aad = kem_dem_aad(format, key_version);
    let sealed = cipher
        .encrypt(
            Nonce::from_slice(iv.as_slice()),
            Payload {
                msg: payload,
                aad: &aad,
            },
        )
        .map_err(|_| CryptoError::InvalidCiphertext)?;

    let mut blob = Vec::with_capacity(KEM_DEM_OVERHEAD + payload.len());
    blob.push(format);
    blob.extend_from_slice(&kem_ciphertext);
    blob.extend_from_slice(iv.as_slice());
    blob.extend_from_slice(&sealed);
    Ok(blob)
}

/// Decrypts a blob made by [`kem_dem_seal`] with the same format byte and key version.
pub fn kem_dem_open(
    format: u8,
    private_key: &[u8],
    key_version: u32,
    blob: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if blob.len() < KEM_DEM_OVERHEAD {
        return Err(CryptoError::InvalidCiphertext);
    }
    let (&found_format, rest) = blob.split_first().ok_or(CryptoError::InvalidCiphertext)?;
    if found_format != format {
        return Err(CryptoError::InvalidCiphertext);
    }
    let (kem_ciphertext, rest) = rest
        .split_at_checked(KEM_CIPHERTEXT_LEN)
        .ok_or(CryptoError::InvalidCiphertext)?;
    let (iv, sealed) = rest
        .split_at_checked(IV_LEN)
        .ok_or(CryptoError::InvalidCiphertext)?;

    let shared_secret = ml_kem_decapsulate(private_key, kem_ciphertext)?;
    let cipher = dem_cipher(format, shared_secret.as_slice())?;
    let aad = kem_dem_aad(format, key_version);
    cipher
        .decrypt(
            Nonce::from_slice(iv),
            Payload {
                msg: sealed,
                aad: &aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::InvalidCiphertext)
}

/// Encapsulation randomness `m` and AES-GCM IV of one seal.
type SealInputs = (Zeroizing<[u8; 32]>, Zeroizing<[u8; IV_LEN]>);

fn derive_deterministic_inputs(
    format: u8,
    public_key: &[u8],
    key_version: u32,
    payload: &[u8],
    salt: &[u8],
) -> Result<SealInputs, CryptoError> {
    let mut info = Vec::with_capacity(64);
    info.extend_from_slice(b"qpher-server v1 deterministic");
    info.push(format);
    info.extend_from_slice(&key_version.to_be_bytes());
    info.extend_from_slice(&Sha256::digest(public_key));

    let mut okm = Zeroizing::new([0u8; 32 + IV_LEN]);
    Hkdf::<Sha256>::new(Some(salt), payload)
        .expand(&info, okm.as_mut_slice())
        .map_err(|_| CryptoError::InvalidKey)?;

    let mut randomness = Zeroizing::new([0u8; 32]);
    let mut iv = Zeroizing::new([0u8; IV_LEN]);
    let (left, right) = okm.split_at(32);
    randomness.copy_from_slice(left);
    iv.copy_from_slice(right);
    Ok((randomness, iv))
}

fn dem_cipher(format: u8, shared_secret: &[u8]) -> Result<Aes256Gcm, CryptoError> {
    let info: &[u8] = if format == WRAP_FORMAT_V1 {
        b"qpher-server v1 wrap"
    } else {
        b"qpher-server v1 encrypt"
    };
    let mut key = Zeroizing::new([0u8; 32]);
    Hkdf::<Sha256>::new(None, shared_secret)
        .expand(info, key.as_mut_slice())
        .map_err(|_| CryptoError::InvalidKey)?;
    Aes256Gcm::new_from_slice(key.as_slice()).map_err(|_| CryptoError::InvalidKey)
}

fn kem_dem_aad(format: u8, key_version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(16);
    aad.push(format);
    aad.extend_from_slice(KeyAlgorithm::MlKem768.wire_name().as_bytes());
    aad.extend_from_slice(&key_version.to_be_bytes());
    aad
}

/// Keys derived from the master key, one per purpose.
pub struct DerivedKeys {
    sealing: Zeroizing<[u8; 32]>,
    api_key_hmac: Zeroizing<[u8; 32]>,
    check: Zeroizing<[u8; 32]>,
}

impl DerivedKeys {
    /// Derives the private-key sealing key, the API-key HMAC key and the check key.
    pub fn derive(master_key: &[u8; 32]) -> Result<Self, CryptoError> {
        let hkdf = Hkdf::<Sha256>::new(None, master_key);
        let expand = |info: &[u8]| {
            let mut key = Zeroizing::new([0u8; 32]);
            hkdf.expand(info, key.as_mut_slice())
                .map_err(|_| CryptoError::InvalidKey)?;
            Ok::<_, CryptoError>(key)
        };
        Ok(Self {
            sealing: expand(b"qpher-server v1 private key sealing")?,
            api_key_hmac: expand(b"qpher-server v1 api key hmac")?,
            check: expand(b"qpher-server v1 master key check")?,
        })
    }

    /// Returns a value that identifies the master key without revealing it.
    pub fn check_value(&self) -> Result<[u8; 32], CryptoError> {
        hmac_sha256(self.check.as_slice(), b"qpher-server master key check")
    }

    /// Hashes an API key for storage and lookup.
    pub fn hash_api_key(&self, api_key: &str) -> Result<[u8; 32], CryptoError> {
        hmac_sha256(self.api_key_hmac.as_slice(), api_key.as_bytes())
    }

    /// Seals a private key; the row identity is the associated data, so a sealed key
    /// copied to another tenant, algorithm or version no longer opens.
    ///
    /// Layout: `0x01 ‖ IV (12) ‖ AES-256-GCM ciphertext ‖ tag (16)`.
    pub fn seal_private_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
        private_key: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let iv = random_array::<IV_LEN>()?;
        let aad = sealed_key_aad(tenant_id, algorithm, version);
        let cipher = Aes256Gcm::new_from_slice(self.sealing.as_slice())
            .map_err(|_| CryptoError::InvalidKey)?;
        let sealed = cipher
            .encrypt(
                Nonce::from_slice(iv.as_slice()),
                Payload {
                    msg: private_key,
                    aad: &aad,
                },
            )
            .map_err(|_| CryptoError::InvalidKey)?;

        let mut blob = Vec::with_capacity(1 + IV_LEN + sealed.len());
        blob.push(SEALED_KEY_FORMAT_V1);
        blob.extend_from_slice(iv.as_slice());
        blob.extend_from_slice(&sealed);
        Ok(blob)
    }

    /// Opens a private key sealed by [`DerivedKeys::seal_private_key`] for the same row.
    pub fn open_private_key(
        &self,
        tenant_id: &str,
        algorithm: KeyAlgorithm,
        version: u32,
        blob: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let (&format, rest) = blob.split_first().ok_or(CryptoError::InvalidKey)?;
        if format != SEALED_KEY_FORMAT_V1 {
            return Err(CryptoError::InvalidKey);
        }
        let (iv, sealed) = rest
            .split_at_checked(IV_LEN)
            .ok_or(CryptoError::InvalidKey)?;

        let aad = sealed_key_aad(tenant_id, algorithm, version);
        let cipher = Aes256Gcm::new_from_slice(self.sealing.as_slice())
            .map_err(|_| CryptoError::InvalidKey)?;
        cipher
            .decrypt(
                Nonce::from_slice(iv),
                Payload {
                    msg: sealed,
                    aad: &aad,
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| CryptoError::InvalidKey)
    }
}

fn sealed_key_aad(tenant_id: &str, algorithm: KeyAlgorithm, version: u32) -> Vec<u8> {
    let mut aad = Vec::with_capacity(80);
    aad.extend_from_slice(b"qpher-server private key v1\0");
    aad.extend_from_slice(tenant_id.as_bytes());
    aad.push(0);
    aad.extend_from_slice(algorithm.wire_name().as_bytes());
    aad.push(0);
    aad.extend_from_slice(&version.to_be_bytes());
    aad
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> Result<[u8; 32], CryptoError> {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).map_err(|_| CryptoError::InvalidKey)?;
    mac.update(message);
    Ok(mac.finalize().into_bytes().into())
}

/// Generates an API key: `qph_` followed by 32 random ASCII letters and digits.
pub fn generate_api_key() -> Result<String, CryptoError> {
    const ALPHABET: &[u8; 62] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut key = String::with_capacity(36);
    key.push_str("qph_");

    while key.len() < 36 {
        let batch = random_array::<64>()?;
        // Rejection sampling: 248 = 4 × 62, so bytes below it map uniformly.
        for &byte in batch.iter().filter(|&&byte| byte < 248) {
            if key.len() == 36 {
                break;
            }
            if let Some(&symbol) = ALPHABET.get(usize::from(byte % 62)) {
                key.push(char::from(symbol));
            }
        }
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encrypt_round_trip() {
        let pair = ml_kem_generate().unwrap();
        let blob = kem_dem_seal(
            ENCRYPT_FORMAT_V1,
            &pair.public_key,
            3,
            b"hello",
            SealRandomness::Fresh,
        )
        .unwrap();
        assert_eq!(blob.len(), KEM_DEM_OVERHEAD + 5);
        assert_eq!(blob[0], ENCRYPT_FORMAT_V1);

        let opened = kem_dem_open(ENCRYPT_FORMAT_V1, &pair.private_key, 3, &blob).unwrap();
        assert_eq!(opened.as_slice(), b"hello");
    }

    #[test]
    fn open_rejects_other_version_and_format() {
        let pair = ml_kem_generate().unwrap();
        let blob = kem_dem_seal(
            ENCRYPT_FORMAT_V1,
            &pair.public_key,
            1,
            b"x",
            SealRandomness::Fresh,
        )
        .unwrap();
        assert!(kem_dem_open(ENCRYPT_FORMAT_V1, &pair.private_key, 2, &blob).is_err());
        assert!(kem_dem_open(WRAP_FORMAT_V1, &pair.private_key, 1, &blob).is_err());
        assert!(kem_dem_open(ENCRYPT_FORMAT_V1, &pair.private_key, 1, &blob[..50]).is_err());
    }

    #[test]
    fn deterministic_mode_repeats() {
        let pair = ml_kem_generate().unwrap();
        let salt = [7u8; 32];
        let seal = |payload: &[u8]| {
            kem_dem_seal(
                ENCRYPT_FORMAT_V1,
                &pair.public_key,
                1,
                payload,
                SealRandomness::Deterministic { salt: &salt },
            )
            .unwrap()
        };
        assert_eq!(seal(b"same"), seal(b"same"));
        assert_ne!(seal(b"same"), seal(b"other"));
    }

    #[test]
    fn sealed_private_key_bound_to_row() {
        let keys = DerivedKeys::derive(&[1u8; 32]).unwrap();
        let blob = keys
            .seal_private_key("tenant-a", KeyAlgorithm::MlKem768, 1, b"secret key")
            .unwrap();
        let opened = keys
            .open_private_key("tenant-a", KeyAlgorithm::MlKem768, 1, &blob)
            .unwrap();
        assert_eq!(opened.as_slice(), b"secret key");

        assert!(
            keys.open_private_key("tenant-b", KeyAlgorithm::MlKem768, 1, &blob)
                .is_err()
        );
        assert!(
            keys.open_private_key("tenant-a", KeyAlgorithm::MlDsa65, 1, &blob)
                .is_err()
        );
        assert!(
            keys.open_private_key("tenant-a", KeyAlgorithm::MlKem768, 2, &blob)
                .is_err()
        );
    }

    #[test]
    fn api_key_shape() {
        let key = generate_api_key().unwrap();
        assert_eq!(key.len(), 36);
        assert!(key.starts_with("qph_"));
        assert!(key[4..].chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(key, generate_api_key().unwrap());
    }

    #[test]
    fn sign_and_verify() {
        let pair = ml_dsa_generate().unwrap();
        let signature = ml_dsa_sign(&pair.private_key, b"msg", b"", [0u8; 32]).unwrap();
        assert_eq!(signature.len(), DSA_SIGNATURE_LEN);
        assert!(ml_dsa_verify(&pair.public_key, b"msg", b"", &signature));
        assert!(!ml_dsa_verify(&pair.public_key, b"msg", b"ctx", &signature));
        assert!(!ml_dsa_verify(&pair.public_key, b"other", b"", &signature));
        assert!(!ml_dsa_verify(
            &pair.public_key,
            b"msg",
            b"",
            &signature[1..]
        ));
    }
}

#[cfg(test)]
mod kat;
