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

    /// Sends a message to the sink, if there is one, with control
    /// characters escaped and its length bounded ([`sanitize`]): a message
    /// may quote a `kid` or claim text an attacker chose.
    ///
    /// The sink runs on the calling thread; callers never hold a lock while
    /// they log, so a sink may call back into the engine's read-only API.
    pub fn log(&self, level: LogLevel, message: &str) {
        if let Some(sink) = self.sink.load().as_ref() {
            (sink.0)(level, &sanitize(message));
        }
    }

    /// True when a sink is registered (skip formatting otherwise).
    pub fn enabled(&self) -> bool {
        self.sink.load().is_some()
    }
}

/// Longest text, in bytes, that goes into a decision's `detail` or a log
/// message; longer text is cut (at a character boundary) and says so.
pub const MAX_MESSAGE_BYTES: usize = 2048;

/// Makes text that may carry attacker-chosen parts (a `kid`, claim text, a
/// regex from a rule error) safe for a log line: control characters (C0,
/// DEL, C1, and the Unicode line and paragraph separators and bidi
/// overrides, which can fake or reorder a line on a terminal) become
/// `\u{..}` escapes, a backslash stays a backslash, and the text is cut at
/// [`MAX_MESSAGE_BYTES`]. Text that needs neither is returned as it is.
pub fn sanitize(text: &str) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if text.len() <= MAX_MESSAGE_BYTES && !text.chars().any(unsafe_char) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE_BYTES + 32));
    for (i, c) in text.char_indices() {
        if out.len() >= MAX_MESSAGE_BYTES {
            use std::fmt::Write;
            let _ = write!(out, "... ({} more bytes)", text.len() - i);
            break;
        }
        if unsafe_char(c) {
            use std::fmt::Write;
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// [`sanitize`] for an owned string: no copy when it is already safe.
pub(crate) fn sanitize_owned(text: String) -> String {
    match sanitize(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(safe) => safe,
    }
}

/// Quotes a piece of input for a message, cut to 40 characters, with
/// control characters escaped: `` `2.001e+206` ``.
pub(crate) fn quote_short(text: &str) -> String {
    let mut shown: String = text.chars().take(40).collect();
    if shown.len() < text.len() {
        shown.push_str("...");
    }
    format!("`{}`", sanitize(&shown))
}

#[cfg(test)]
mod sanitize_tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_borrowed() {
        assert!(matches!(sanitize("kid `abc` unknown"), std::borrow::Cow::Borrowed(_)));
        assert_eq!(sanitize("a\nb\r\x1b[31mc\u{7f}\u{85}\u{2028}\u{202e}"), "a\\u{a}b\\u{d}\\u{1b}[31mc\\u{7f}\\u{85}\\u{2028}\\u{202e}");
        assert_eq!(sanitize("tab\there"), "tab\\u{9}here");
    }

    #[test]
    fn long_text_is_cut_at_a_character_boundary() {
        let long = "é".repeat(MAX_MESSAGE_BYTES);
        let out = sanitize(&long);
        assert!(out.len() < MAX_MESSAGE_BYTES + 40, "{}", out.len());
        assert!(out.ends_with(&format!("... ({} more bytes)", long.len() - MAX_MESSAGE_BYTES)), "{out}");
        assert_eq!(quote_short(&"9".repeat(100)), format!("`{}...`", "9".repeat(40)));
    }
}
