//! String-valued enums of the wire: algorithms, key statuses, encrypt modes and hash
//! algorithms.
//!
//! Each enum keeps a value it does not know in [`Unrecognized`], so a server that adds an
//! algorithm or a status never breaks an older client's parsing of a whole response.

use std::fmt;

/// Wire text of an enum value that this version of the SDK does not know.
///
/// It can only be produced by parsing, so a known value always maps to its own variant.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Unrecognized(pub(crate) String);

impl Unrecognized {
    /// Returns the text exactly as it was received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Declares an enum that is a string on the wire, with a catch-all for unknown values.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$variant_meta])* $variant, )*
            /// A value this version of the SDK does not know, kept as received.
            Other(crate::enums::Unrecognized),
        }

        impl $name {
            /// Every value this version of the SDK recognizes, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),*];

            /// Returns the wire text of this value.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )*
                    $name::Other(value) => value.as_str(),
                }
            }

            /// Maps wire text to a value; text that matches no known value becomes `Other`.
            pub fn from_wire(text: &str) -> Self {
                match text {
                    $( $text => $name::$variant, )*
                    other => $name::Other(crate::enums::Unrecognized(other.to_owned())),
                }
            }

            /// Returns `true` when this version of the SDK recognizes the value.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Other(_))
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = ::std::convert::Infallible;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Ok(Self::from_wire(text))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                Self::from_wire(text)
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct WireVisitor;

                impl ::serde::de::Visitor<'_> for WireVisitor {
                    type Value = $name;

                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a ", stringify!($name), " string"))
                    }

                    fn visit_str<E: ::serde::de::Error>(self, text: &str) -> Result<$name, E> {
                        Ok($name::from_wire(text))
                    }
                }

                deserializer.deserialize_str(WireVisitor)
            }
        }
    };
}

pub(crate) use string_enum;

string_enum! {
    /// A cryptographic algorithm, by the name the API uses.
    Algorithm {
        /// ML-KEM-768 (FIPS 203), the default KEM.
        Kyber768 = "Kyber768",
        /// X-Wing: X25519 combined with ML-KEM-768.
        XWing = "X-Wing",
        /// ML-DSA-65 (FIPS 204), the default signature algorithm.
        Dilithium3 = "Dilithium3",
        /// ECDSA P-256 combined with ML-DSA-65.
        CompositeMlDsa = "Composite-ML-DSA",
        /// SLH-DSA-SHA2-128s (FIPS 205), small signatures.
        SlhDsaSha2_128s = "SLH-DSA-SHA2-128s",
        /// SLH-DSA-SHA2-128f (FIPS 205), fast signing.
        SlhDsaSha2_128f = "SLH-DSA-SHA2-128f",
        /// SLH-DSA-SHA2-192s (FIPS 205).
        SlhDsaSha2_192s = "SLH-DSA-SHA2-192s",
        /// SLH-DSA-SHA2-256s (FIPS 205).
        SlhDsaSha2_256s = "SLH-DSA-SHA2-256s",
    }
}

impl Algorithm {
    /// Returns `true` for key-encapsulation algorithms (Kyber768, X-Wing).
    pub fn is_kem(&self) -> bool {
        matches!(self, Algorithm::Kyber768 | Algorithm::XWing)
    }

    /// Returns `true` for signature algorithms (Dilithium3, Composite-ML-DSA, SLH-DSA).
    pub fn is_signature(&self) -> bool {
        matches!(
            self,
            Algorithm::Dilithium3
                | Algorithm::CompositeMlDsa
                | Algorithm::SlhDsaSha2_128s
                | Algorithm::SlhDsaSha2_128f
                | Algorithm::SlhDsaSha2_192s
                | Algorithm::SlhDsaSha2_256s
        )
    }
}

string_enum! {
    /// The lifecycle status of a key version.
    KeyStatus {
        /// The one version per algorithm that new encryptions and signatures use.
        Active = "active",
        /// Still decrypts, unwraps, decapsulates and verifies, but no longer encrypts or signs.
        Retired = "retired",
        /// Allows no operation.
        Archived = "archived",
    }
}

string_enum! {
    /// The mode of a server-side encryption.
    EncryptMode {
        /// Fresh randomness per call: equal plaintexts give different ciphertexts.
        Standard = "standard",
        /// Derived from a caller-supplied salt: equal plaintexts give equal ciphertexts.
        Deterministic = "deterministic",
    }
}

string_enum! {
    /// The digest algorithm of a precomputed hash given to sign-hash and verify-hash.
    HashAlgorithm {
        /// SHA-256, 32-byte digests.
        Sha256 = "SHA-256",
        /// SHA-384, 48-byte digests.
        Sha384 = "SHA-384",
        /// SHA-512, 64-byte digests.
        Sha512 = "SHA-512",
    }
}

impl HashAlgorithm {
    /// Returns the digest length in bytes, or `None` for an unrecognized algorithm.
    pub fn digest_len(&self) -> Option<usize> {
        match self {
            HashAlgorithm::Sha256 => Some(32),
            HashAlgorithm::Sha384 => Some(48),
            HashAlgorithm::Sha512 => Some(64),
            HashAlgorithm::Other(_) => None,
        }
    }
}

impl fmt::Display for Unrecognized {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn algorithm_wire_names() {
        let names: Vec<&str> = Algorithm::KNOWN.iter().map(Algorithm::as_str).collect();
        assert_eq!(
            names,
            [
                "Kyber768",
                "X-Wing",
                "Dilithium3",
                "Composite-ML-DSA",
                "SLH-DSA-SHA2-128s",
                "SLH-DSA-SHA2-128f",
                "SLH-DSA-SHA2-192s",
                "SLH-DSA-SHA2-256s",
            ]
        );
    }

    #[test]
    fn unknown_value_keeps_text() {
        let parsed: Algorithm = serde_json::from_str("\"ML-KEM-1024\"").unwrap();
        assert!(!parsed.is_known());
        assert_eq!(parsed.as_str(), "ML-KEM-1024");
        assert_eq!(serde_json::to_string(&parsed).unwrap(), "\"ML-KEM-1024\"");
    }

    #[test]
    fn known_text_maps_to_variant() {
        assert_eq!(Algorithm::from_wire("X-Wing"), Algorithm::XWing);
        assert_eq!(KeyStatus::from_wire("retired"), KeyStatus::Retired);
        assert_eq!(HashAlgorithm::from_wire("SHA-384").digest_len(), Some(48));
        assert_eq!(
            EncryptMode::from_wire("deterministic"),
            EncryptMode::Deterministic
        );
    }

    #[test]
    fn non_string_is_rejected() {
        assert!(serde_json::from_str::<KeyStatus>("3").is_err());
    }
}
