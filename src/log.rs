//! Messages the engine reports to its host: skipped keys, key fetch
//! failures, rule evaluation errors. The host registers one sink; without
//! one, messages are dropped (the engine never writes to stderr itself).

use std::fmt;
use std::sync::Arc;

/// How serious a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogLevel {
    /// Something worth knowing while debugging.
    Debug = 1,
    /// Normal operation worth recording (keys refreshed, ...).
    Info = 2,
    /// Something was skipped or degraded (a key could not be parsed, ...).
    Warn = 3,
    /// Something failed (a key fetch, a rule evaluation, ...).
    Error = 4,
}

impl LogLevel {
    /// Lowercase name.
    pub const fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "debug",
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
}

impl fmt::Display for LogLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A sink for engine messages. It may be called from any thread, including
/// background key-refresh threads, so it must be `Send + Sync`.
pub type LogSink = Arc<dyn Fn(LogLevel, &str) + Send + Sync>;

/// The engine's logger: an optional sink behind a lock-free swap.
#[derive(Default)]
pub struct Logger {
    sink: arc_swap::ArcSwapOption<Sink>,
}

/// Holder that gives the sink a sized type for `ArcSwapOption`.
struct Sink(LogSink);

impl fmt::Debug for Logger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Logger").field("has_sink", &self.sink.load().is_some()).finish()
    }
}

impl Logger {
    /// Replaces the sink (`None` removes it).
    pub fn set(&self, sink: Option<LogSink>) {
        self.sink.store(sink.map(|s| Arc::new(Sink(s))));
    }

    /// Sends a message to the sink, if there is one.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Some(sink) = self.sink.load().as_ref() {
            (sink.0)(level, message);
        }
    }

    /// True when a sink is registered (skip formatting otherwise).
    pub fn enabled(&self) -> bool {
        self.sink.load().is_some()
    }
}
