//! Identifiers minted once per call: the `x-request-id` and the `idempotency-key`.
//!
//! The core takes randomness as an argument, so the drivers supply the bytes.

/// The identifiers of one call, reused on every attempt of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallIds {
    request_id: String,
    idempotency_key: String,
}

impl CallIds {
    /// Makes two random (version 4) UUIDs from 32 random bytes.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        let (first, second) = bytes.split_at(16);
        Self {
            request_id: uuid_v4(first),
            idempotency_key: uuid_v4(second),
        }
    }

    /// Returns the `x-request-id` value.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Returns the `idempotency-key` value, sent on key-lifecycle mutations.
    pub fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }
}

/// Formats 16 random bytes as a version 4, variant 1 UUID in lowercase hyphenated form.
fn uuid_v4(random: &[u8]) -> String {
    let mut bytes = [0u8; 16];
    for (slot, byte) in bytes.iter_mut().zip(random) {
        *slot = *byte;
    }
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;

    // `from_digit` is `Some` for every value below 16, so the fallback never applies.
    let digit = |nibble: u8| char::from_digit(u32::from(nibble & 0x0f), 16).unwrap_or('0');

    // Two digits are pushed per byte instead of a `format!` per byte, which allocated 32
    // strings per call.
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(digit(byte >> 4));
        text.push(digit(*byte));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_shape() {
        let ids = CallIds::from_random([0xff; 32]);
        assert_eq!(ids.request_id(), "ffffffff-ffff-4fff-bfff-ffffffffffff");

        let ids = CallIds::from_random([0; 32]);
        assert_eq!(
            ids.idempotency_key(),
            "00000000-0000-4000-8000-000000000000"
        );
    }

    #[test]
    fn halves_differ() {
        let mut bytes = [0u8; 32];
        bytes[16] = 1;
        let ids = CallIds::from_random(bytes);
        assert_ne!(ids.request_id(), ids.idempotency_key());
    }
}
