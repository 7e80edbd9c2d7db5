//! The API's operations and their results.
//!
//! POST endpoints use the request models of `qpher-types` directly as operations; GET
//! endpoints use the query structs defined here. Every result carries the `request_id` of
//! the response that produced it.

mod kem;
mod keys;
mod signature;

pub use kem::{
    DecapsulateResult, DecryptResult, EncapsulateResult, EncryptResult, UnwrapResult, WrapResult,
};
pub use keys::{GetActiveKey, GetKey, Key, KeyList, RotateResult};
pub use signature::{SignHashResult, SignResult, VerifyHashResult, VerifyResult};

use crate::json_writer::Member;

/// The endpoint-specific parts of a POST operation, which [`post_operation!`] assembles
/// into an [`crate::Operation`] implementation.
trait PostParts<Data, Output> {
    fn check(&self) -> Result<(), crate::Error>;

    /// Returns the body's members in the model's field order, leaving out the optional
    /// fields that serde skips, so the body equals `serde_json::to_vec` of the model.
    fn members(&self) -> impl Iterator<Item = Member<'_>> + Clone;

    fn result(&self, data: Data, request_id: Option<String>) -> Output;
}

/// Implements the parts of [`crate::Operation`] shared by every POST endpoint.
macro_rules! post_operation {
    ($request:ty, $data:ty, $output:ty, $name:literal, $path:expr, $class:expr) => {
        impl crate::operation::sealed::Sealed for $request {}

        impl crate::Operation for $request {
            type Output = $output;
            type Data = $data;
            const NAME: &'static str = $name;
            const METHOD: http::Method = http::Method::POST;
            const CLASS: crate::RetryClass = $class;

            fn path(&self) -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed($path)
            }

            fn validate(&self) -> Result<(), crate::Error> {
                <Self as crate::ops::PostParts<$data, $output>>::check(self)
            }

            fn write_body(&self, out: &mut Vec<u8>) -> Result<bool, serde_json::Error> {
                let members = <Self as crate::ops::PostParts<$data, $output>>::members(self);
                crate::json_writer::write_object(members, out)?;
                Ok(true)
            }

            fn body_size_hint(&self) -> usize {
                let members = <Self as crate::ops::PostParts<$data, $output>>::members(self);
                crate::json_writer::max_len(members)
            }

            fn finish(&self, data: $data, request_id: Option<String>) -> $output {
                <Self as crate::ops::PostParts<$data, $output>>::result(self, data, request_id)
            }
        }
    };
}

pub(crate) use post_operation;
