//! [`Capture`]: a global `tracing` subscriber that keeps every span and event field as text.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};
use tracing_log::NormalizeEvent as _;
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};
use tracing_subscriber::registry::LookupSpan;

/// Targets left out of the capture: the in-process `httpmock` server logs the requests it
/// receives, API key included, and it is test equipment, not part of the clients.
const IGNORED_TARGET_PREFIXES: [&str; 1] = ["httpmock"];

fn is_ignored(target: &str) -> bool {
    IGNORED_TARGET_PREFIXES
        .iter()
        .any(|prefix| target.starts_with(prefix))
}

/// Text of every span and event recorded since the capture was installed.
#[derive(Clone, Default)]
pub struct Capture {
    tracing: Arc<Mutex<String>>,
    log: Arc<Mutex<String>>,
}

impl Capture {
    /// Returns the spans and events emitted through `tracing`.
    pub fn tracing_text(&self) -> String {
        self.tracing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Returns the records emitted through the `log` crate, followed by the bytes of every
    /// hex dump in them.
    ///
    /// `ureq-proto` logs the bytes it sends and receives at TRACE as hex rows of 16 bytes,
    /// so a secret there is split across rows. Reassembling the rows makes it searchable.
    pub fn log_text(&self) -> String {
        let text = self
            .log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let dumps = reassemble_hex_rows(&text);
        format!("{text}\n--- reassembled hex dumps ---\n{dumps}")
    }

    fn append(&self, from_log: bool, line: &str) {
        let buffer = if from_log { &self.log } else { &self.tracing };
        let mut text = buffer.lock().unwrap_or_else(PoisonError::into_inner);
        text.push_str(line);
        text.push('\n');
    }
}

/// Installs the capture as the global subscriber at TRACE level, once per test binary, and
/// returns it. Records of the `log` crate (used by some HTTP libraries) are captured too.
///
/// # Panics
///
/// Panics when another global subscriber or logger was installed first.
pub fn capture_tracing() -> Capture {
    static CAPTURE: OnceLock<Capture> = OnceLock::new();
    CAPTURE
        .get_or_init(|| {
            let capture = Capture::default();
            let subscriber = tracing_subscriber::registry().with(CaptureLayer {
                capture: capture.clone(),
            });
            tracing::subscriber::set_global_default(subscriber)
                .expect("no other global tracing subscriber");
            tracing_log::LogTracer::init().expect("no other global logger");
            capture
        })
        .clone()
}

struct CaptureLayer {
    capture: Capture,
}

/// Target prefix of ureq-proto's TRACE wire dumps. The blocking client refuses to send while
/// they are enabled, so the capture leaves that one level and target off; a separate test
/// checks the refusal.
const WIRE_DUMP_TARGET_PREFIX: &str = "ureq_proto";

impl<S: Subscriber + for<'lookup> LookupSpan<'lookup>> Layer<S> for CaptureLayer {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        !(*metadata.level() == Level::TRACE
            && metadata.target().starts_with(WIRE_DUMP_TARGET_PREFIX))
    }

    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        if is_ignored(metadata.target()) {
            return;
        }
        let mut line = format!(
            "span {} {} {}",
            metadata.level(),
            metadata.target(),
            metadata.name()
        );
        attrs.record(&mut FieldWriter(&mut line));
        self.capture.append(false, &line);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else {
            return;
        };
        let metadata = span.metadata();
        if is_ignored(metadata.target()) {
            return;
        }
        let mut line = format!("record {} {}", metadata.target(), metadata.name());
        values.record(&mut FieldWriter(&mut line));
        self.capture.append(false, &line);
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let normalized = event.normalized_metadata();
        let metadata = normalized.as_ref().unwrap_or_else(|| event.metadata());
        if is_ignored(metadata.target()) {
            return;
        }
        let mut line = format!("event {} {}", metadata.level(), metadata.target());
        event.record(&mut FieldWriter(&mut line));
        self.capture.append(event.is_log(), &line);
    }
}

/// Appends each field as ` name=value`, formatting values with `Debug` (which is `Display`
/// for fields recorded with `%`).
struct FieldWriter<'a>(&'a mut String);

impl Visit for FieldWriter<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_bytes(&mut self, field: &Field, value: &[u8]) {
        let _ = write!(
            self.0,
            " {}={value:?} {}",
            field.name(),
            String::from_utf8_lossy(value)
        );
    }
}

/// Bytes per row of a `ureq-proto` hex dump: eight groups of two bytes.
const HEX_ROW_GROUPS: usize = 8;

/// Concatenates the bytes of consecutive hex-dump rows (`7b22 6572 ... {"er`) and returns
/// each run of rows as text, one run per line.
fn reassemble_hex_rows(text: &str) -> String {
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for line in text.lines() {
        match hex_row_bytes(line) {
            Some(bytes) => current.extend(bytes),
            None if current.is_empty() => {}
            None => runs.push(String::from_utf8_lossy(&std::mem::take(&mut current)).into_owned()),
        }
    }
    if !current.is_empty() {
        runs.push(String::from_utf8_lossy(&current).into_owned());
    }
    runs.join("\n")
}

/// Parses the bytes of one hex-dump row, the `message` of a captured event.
fn hex_row_bytes(line: &str) -> Option<Vec<u8>> {
    let (_, message) = line.split_once("message=")?;
    let mut bytes = Vec::with_capacity(2 * HEX_ROW_GROUPS);
    let mut groups = message.split(' ');
    for _ in 0..HEX_ROW_GROUPS {
        let group = groups.next()?;
        if group.len() != 4 {
            return None;
        }
        for pair in [group.get(..2)?, group.get(2..)?] {
            if pair == "--" {
                continue;
            }
            bytes.push(u8::from_str_radix(pair, 16).ok()?);
        }
    }
    Some(bytes)
}
