//! [`Op`]: every API operation with its arguments, as a value a table row can hold.

use qpher_core::LocalEnvelope;
use qpher_types::{Algorithm, HashAlgorithm, KeyStatus};

/// One client call with its arguments.
///
/// KEM and signature operations go through the client's default view, which leaves
/// `algorithm` off the wire. Wrap one in [`Op::WithAlgorithm`] to call it through
/// `with_algorithm`.
#[derive(Clone, Debug)]
pub enum Op {
    /// `kem().encrypt`.
    Encrypt {
        /// Data to encrypt.
        plaintext: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().encrypt_deterministic`.
    EncryptDeterministic {
        /// Data to encrypt.
        plaintext: Vec<u8>,
        /// Key version.
        key_version: u32,
        /// Salt of at least 32 bytes.
        salt: Vec<u8>,
    },
    /// `kem().decrypt`.
    Decrypt {
        /// Ciphertext from encrypt.
        ciphertext: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().encapsulate`.
    Encapsulate {
        /// Key version.
        key_version: u32,
    },
    /// `kem().decapsulate`.
    Decapsulate {
        /// KEM ciphertext from encapsulate.
        kem_ciphertext: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().wrap`.
    Wrap {
        /// Key to wrap.
        symmetric_key: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().unwrap`.
    Unwrap {
        /// Wrapped key from wrap.
        wrapped_key: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().encrypt_local`.
    EncryptLocal {
        /// Data to seal on the client.
        plaintext: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `kem().decrypt_local`.
    DecryptLocal {
        /// Envelope to open.
        envelope: LocalEnvelope,
    },
    /// `signatures().sign`.
    Sign {
        /// Message to sign.
        message: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `signatures().verify`.
    Verify {
        /// Signed message.
        message: Vec<u8>,
        /// Signature to check.
        signature: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `signatures().sign_hash`.
    SignHash {
        /// Raw digest.
        hash: Vec<u8>,
        /// Digest algorithm.
        hash_algorithm: HashAlgorithm,
        /// Key version.
        key_version: u32,
    },
    /// `signatures().verify_hash`.
    VerifyHash {
        /// Raw digest.
        hash: Vec<u8>,
        /// Digest algorithm.
        hash_algorithm: HashAlgorithm,
        /// Signature to check.
        signature: Vec<u8>,
        /// Key version.
        key_version: u32,
    },
    /// `keys().generate`.
    Generate {
        /// Algorithm of the new key pair.
        algorithm: Algorithm,
    },
    /// `keys().list`.
    List,
    /// `keys().list_filtered`.
    ListFiltered {
        /// Algorithm filter.
        algorithm: Option<Algorithm>,
        /// Status filter.
        status: Option<KeyStatus>,
    },
    /// `keys().get_active`.
    GetActive {
        /// Algorithm of the key.
        algorithm: Algorithm,
    },
    /// `keys().get`.
    Get {
        /// Algorithm of the key.
        algorithm: Algorithm,
        /// Key version.
        key_version: u32,
    },
    /// `keys().rotate`.
    Rotate {
        /// Algorithm of the key.
        algorithm: Algorithm,
    },
    /// `keys().retire`.
    Retire {
        /// Algorithm of the key.
        algorithm: Algorithm,
        /// Key version to retire.
        key_version: u32,
    },
    /// A KEM or signature operation called through `with_algorithm(algorithm)`.
    WithAlgorithm {
        /// Algorithm set on the view.
        algorithm: Algorithm,
        /// The KEM or signature operation.
        op: Box<Op>,
    },
}

impl Op {
    /// Returns the operation's short name, such as `encrypt`, for assertion messages.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Encrypt { .. } => "encrypt",
            Op::EncryptDeterministic { .. } => "encrypt_deterministic",
            Op::Decrypt { .. } => "decrypt",
            Op::Encapsulate { .. } => "encapsulate",
            Op::Decapsulate { .. } => "decapsulate",
            Op::Wrap { .. } => "wrap",
            Op::Unwrap { .. } => "unwrap",
            Op::EncryptLocal { .. } => "encrypt_local",
            Op::DecryptLocal { .. } => "decrypt_local",
            Op::Sign { .. } => "sign",
            Op::Verify { .. } => "verify",
            Op::SignHash { .. } => "sign_hash",
            Op::VerifyHash { .. } => "verify_hash",
            Op::Generate { .. } => "generate",
            Op::List => "list",
            Op::ListFiltered { .. } => "list_filtered",
            Op::GetActive { .. } => "get_active",
            Op::Get { .. } => "get",
            Op::Rotate { .. } => "rotate",
            Op::Retire { .. } => "retire",
            Op::WithAlgorithm { op, .. } => op.name(),
        }
    }

    /// Splits off the algorithm of [`Op::WithAlgorithm`].
    pub(crate) fn into_parts(self) -> (Op, Option<Algorithm>) {
        match self {
            Op::WithAlgorithm { algorithm, op } => (*op, Some(algorithm)),
            op => (op, None),
        }
    }
}
