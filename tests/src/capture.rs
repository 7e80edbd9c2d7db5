//! [`Capture`]: a global `tracing` subscriber that keeps every span and event field as text.

use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt as _};

/// Text of every span and event recorded since the capture was installed.
#[derive(Clone, Default)]
pub struct Capture {
    text: Arc<Mutex<String>>,
}

impl Capture {
    /// Returns everything captured so far.
    pub fn text(&self) -> String {
        self.text
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn append(&self, line: &str) {
        let mut text = self.text.lock().unwrap_or_else(PoisonError::into_inner);
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

impl<S: Subscriber> Layer<S> for CaptureLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, _id: &Id, _ctx: Context<'_, S>) {
        let metadata = attrs.metadata();
        let mut line = format!(
            "span {} {} {}",
            metadata.level(),
            metadata.target(),
            metadata.name()
        );
        attrs.record(&mut FieldWriter(&mut line));
        self.capture.append(&line);
    }

    fn on_record(&self, _id: &Id, values: &Record<'_>, _ctx: Context<'_, S>) {
        let mut line = String::from("record");
        values.record(&mut FieldWriter(&mut line));
        self.capture.append(&line);
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let metadata = event.metadata();
        let mut line = format!("event {} {}", metadata.level(), metadata.target());
        event.record(&mut FieldWriter(&mut line));
        self.capture.append(&line);
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
