//! `matches()` without compiling its regex on every call.
//!
//! The stock `matches` overload compiles the pattern on each call (13-26 us).
//! At load, every `matches` call whose pattern is a string literal is
//! rewritten to call [`MATCHES_LITERAL`] with the index of the pattern in a
//! table compiled once; any other `matches` call is rewritten to
//! [`MATCHES_DYNAMIC`], which compiles per call but under a size limit.

use regex::{Regex, RegexBuilder};

/// Internal function: `@cc_matches(text, index)` matches against the
/// precompiled pattern at `index`.
pub(crate) const MATCHES_LITERAL: &str = "@cc_matches";
/// Internal function: `@cc_matches_dyn(text, pattern)` compiles `pattern`
/// under [`DYNAMIC_SIZE_LIMIT`].
pub(crate) const MATCHES_DYNAMIC: &str = "@cc_matches_dyn";

/// Longest pattern a non-literal `matches` call may compile, in bytes.
pub(crate) const DYNAMIC_MAX_PATTERN: usize = 1024;
/// Compiled-program size limit for any pattern (literal or not), so a
/// pattern such as `a{1000}{1000}` cannot make a huge automaton.
pub(crate) const DYNAMIC_SIZE_LIMIT: usize = 1 << 20;

/// Compiles `pattern` under the size limits; the error is a user message.
pub(crate) fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    RegexBuilder::new(pattern)
        .size_limit(DYNAMIC_SIZE_LIMIT)
        .dfa_size_limit(DYNAMIC_SIZE_LIMIT)
        .build()
        .map_err(|e| {
            let detail = e.to_string();
            let last = detail.lines().last().unwrap_or("").trim().to_owned();
            format!("invalid regular expression `{pattern}`: {}", last.to_lowercase())
        })
}

/// Compiles a pattern that reached `matches` at run time.
pub(crate) fn compile_dynamic(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > DYNAMIC_MAX_PATTERN {
        return Err(format!(
            "regular expression is too long: {} bytes exceeds the limit of {DYNAMIC_MAX_PATTERN}",
            pattern.len()
        ));
    }
    compile_pattern(pattern)
}
