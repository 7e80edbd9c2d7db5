//! A JSON object writer for the POST request bodies.
//!
//! The bodies are flat objects of base64 strings, short text and unsigned integers.
//! `serde_json` would first encode each binary field into a temporary base64 string and
//! then scan it for characters to escape. Base64 output is plain ASCII without `"` or `\`,
//! so this writer encodes it straight into the body buffer instead. Text values (algorithm
//! names, modes, hash algorithms) may be unknown values from the caller, so `serde_json`
//! still escapes them, and the bytes equal `serde_json::to_vec` of the same model.

use std::io::Write as _;

/// A member value of a request body.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    /// Bytes written as standard, padded base64.
    Base64(&'a [u8]),
    /// Text written as a JSON string, escaped by `serde_json`.
    Text(&'a str),
    /// An unsigned integer.
    Unsigned(u32),
}

/// One `"name":value` member. Names are the models' field names, which need no escaping.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Member<'a> {
    pub(crate) name: &'static str,
    pub(crate) value: Value<'a>,
}

impl<'a> Member<'a> {
    pub(crate) fn base64(name: &'static str, bytes: &'a [u8]) -> Self {
        Self {
            name,
            value: Value::Base64(bytes),
        }
    }

    pub(crate) fn text(name: &'static str, text: &'a str) -> Self {
        Self {
            name,
            value: Value::Text(text),
        }
    }

    /// Returns the `algorithm` member, or `None` when the request leaves it to the service.
    pub(crate) fn algorithm(algorithm: Option<&'a qpher_types::Algorithm>) -> Option<Self> {
        algorithm.map(|algorithm| Self::text("algorithm", algorithm.as_str()))
    }

    pub(crate) fn unsigned(name: &'static str, number: u32) -> Self {
        Self {
            name,
            value: Value::Unsigned(number),
        }
    }

    /// Returns the largest number of bytes this member can take, comma included.
    fn max_len(&self) -> usize {
        // `,"name":` is the name plus four bytes.
        let name = self.name.len() + 4;
        let value = match self.value {
            Value::Base64(bytes) => qpher_types::base64::encoded_len(bytes.len()) + 2,
            // serde_json escapes a character as at most six bytes (`\u001f`).
            Value::Text(text) => text.len().saturating_mul(6).saturating_add(2),
            Value::Unsigned(_) => U32_MAX_DIGITS,
        };
        name.saturating_add(value)
    }
}

/// Digits of `u32::MAX`.
const U32_MAX_DIGITS: usize = 10;

/// Returns an upper bound of the bytes [`write_object`] appends for `members`.
pub(crate) fn max_len<'a>(members: impl IntoIterator<Item = Member<'a>>) -> usize {
    // The braces count two bytes, and the first member's comma is not written.
    members
        .into_iter()
        .fold(2, |total, member| total.saturating_add(member.max_len()))
}

/// Appends `members` to `out` as one JSON object, in order.
///
/// Reserves [`max_len`] bytes before writing anything, so `out` never reallocates while it
/// contains part of the body; a buffer created with that capacity keeps the body, secrets
/// included, in a single allocation.
///
/// # Errors
///
/// Returns the error of `serde_json` for a text value, which does not happen when writing
/// to a `Vec`.
pub(crate) fn write_object<'a, I>(members: I, out: &mut Vec<u8>) -> Result<(), serde_json::Error>
where
    I: IntoIterator<Item = Member<'a>>,
    I::IntoIter: Clone,
{
    let members = members.into_iter();
    out.reserve(max_len(members.clone()));

    out.push(b'{');
    for (index, member) in members.enumerate() {
        if index > 0 {
            out.push(b',');
        }
        out.push(b'"');
        out.extend_from_slice(member.name.as_bytes());
        out.extend_from_slice(b"\":");

        match member.value {
            Value::Base64(bytes) => {
                out.push(b'"');
                qpher_types::base64::encode_into(bytes, out);
                out.push(b'"');
            }
            Value::Text(text) => serde_json::to_writer(&mut *out, text)?,
            Value::Unsigned(number) => write!(out, "{number}").map_err(serde_json::Error::io)?,
        }
    }
    out.push(b'}');
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(members: &[Member<'_>]) -> Vec<u8> {
        let mut out = Vec::new();
        write_object(members.iter().copied(), &mut out).unwrap();
        out
    }

    #[test]
    fn empty_object() {
        assert_eq!(written(&[]), b"{}");
        assert!(max_len([]) >= 2);
    }

    #[test]
    fn member_kinds() {
        let members = [
            Member::base64("data", b"Hello"),
            Member::base64("empty", b""),
            Member::unsigned("zero", 0),
            Member::unsigned("max", u32::MAX),
            Member::text("name", "a\"b\\c\n\u{1}é"),
        ];
        let expected =
            r#"{"data":"SGVsbG8=","empty":"","zero":0,"max":4294967295,"name":"a\"b\\c\n\u0001é"}"#;
        assert_eq!(written(&members), expected.as_bytes());
    }

    #[test]
    fn bound_covers_worst_escapes() {
        let text: String = std::iter::repeat_n('\u{1f}', 50).collect();
        let members = [
            Member::text("name", &text),
            Member::unsigned("max", u32::MAX),
        ];
        let bytes = written(&members);
        assert!(bytes.len() <= max_len(members), "{}", bytes.len());
    }

    #[test]
    fn reserved_buffer_stays_put() {
        let payload = vec![0x5a; 4096];
        let members = [
            Member::base64("plaintext", &payload),
            Member::unsigned("key_version", 7),
            Member::text("mode", "standard"),
        ];
        let mut out = Vec::with_capacity(max_len(members));
        let pointer = out.as_ptr();
        let capacity = out.capacity();
        write_object(members, &mut out).unwrap();

        assert_eq!(out.as_ptr(), pointer);
        assert_eq!(out.capacity(), capacity);
    }
}
