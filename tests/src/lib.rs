//! Harness of the workspace-level contract tests.
//!
//! Every wire case runs through both clients, `qpher-async` and `qpher-blocking`, so the two
//! cannot drift apart. A test describes an operation as an [`Op`], runs it with [`run`] or
//! [`run_many`] under each [`Flavour`], and compares the normalized [`Outcome`]: the result's
//! fields as JSON (secrets included, base64-encoded) or the client's error.
//!
//! The servers are all local: `httpmock` for ordinary responses, [`ScriptedServer`] for
//! scripted attempt sequences and faults on a raw TCP listener, both on 127.0.0.1.

mod capture;
mod fixtures;
mod flavour;
mod mock;
mod op;
mod scripted;
mod wire;

pub use capture::{Capture, capture_tracing};
pub use fixtures::{
    API_KEY, BINARY_FORMS_LEN, Canary, b64, error_body, is_uuid, secret_forms, success_body,
};
pub use flavour::{Flavour, Outcome, Settings, run, run_many};
pub use mock::{Recorded, RecordedRequest, last_request, recording_mock, recording_route};
pub use op::Op;
pub use scripted::{Action, MAX_HOLD, SERVER_LIFETIME, ScriptedServer, http_response, refused_url};
pub use wire::{WireCase, check_all, check_case};

/// The `qpher-core` error that both clients return.
pub use qpher_core::Error;
