//! Config errors: what is wrong and exactly where (a field path, a line, or a
//! rule and column), in cedar's message style.

pub(crate) use crate::suggest::closest;
use std::fmt;

/// What kind of problem a config has. The numeric codes are stable (the C
/// ABI's `CLAIMCHECK_ERROR_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigErrorKind {
    /// The text is not valid YAML or JSON.
    Syntax,
    /// A field is unknown, missing, of the wrong type, or has a bad value.
    Invalid,
    /// A rule does not compile or exceeds a limit.
    Rule,
    /// A key set could not be read or has no usable key.
    Keys,
    /// A file could not be read.
    Io,
}

impl ConfigErrorKind {
    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            ConfigErrorKind::Syntax => "config_syntax",
            ConfigErrorKind::Invalid => "config_invalid",
            ConfigErrorKind::Rule => "rule_invalid",
            ConfigErrorKind::Keys => "keys_invalid",
            ConfigErrorKind::Io => "io",
        }
    }
}

/// A config that cannot be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The kind of problem.
    pub kind: ConfigErrorKind,
    /// The field path, such as `authentication.providers[1].audiences`.
    pub path: Option<String>,
    /// 1-based line in the config text, for syntax errors.
    pub line: Option<usize>,
    /// For a rule error: the rule's 0-based index in `authorization.rules`.
    pub rule: Option<usize>,
    /// 1-based column: in the rule text for rule errors, in the line for
    /// syntax errors.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl ConfigError {
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: ConfigErrorKind::Invalid,
            path: Some(path.into()),
            line: None,
            rule: None,
            column: None,
            message: message.into(),
        }
    }

    pub(crate) fn keys(path: impl Into<String>, message: impl Into<String>) -> ConfigError {
        ConfigError { kind: ConfigErrorKind::Keys, ..ConfigError::invalid(path, message) }
    }

    pub(crate) fn io(message: impl Into<String>) -> ConfigError {
        ConfigError {
            kind: ConfigErrorKind::Io,
            path: None,
            line: None,
            rule: None,
            column: None,
            message: message.into(),
        }
    }

    /// Where the problem is, in words: `authentication.providers[1].audiences`,
    /// `line 3, column 7`, or `authorization.rules[2], column 14`.
    pub fn location(&self) -> Option<String> {
        match (&self.path, self.line, self.rule, self.column) {
            // a rule's path is the one the user wrote (`policies.authorization.rules[0]`)
            (Some(path), _, Some(_), Some(col)) if !path.is_empty() => Some(format!("{path}, column {col}")),
            (_, _, Some(rule), Some(col)) => Some(format!("authorization.rules[{rule}], column {col}")),
            (Some(path), _, Some(_), None) if !path.is_empty() => Some(path.clone()),
            (_, _, Some(rule), None) => Some(format!("authorization.rules[{rule}]")),
            (Some(path), _, _, _) if !path.is_empty() => Some(path.clone()),
            (_, Some(line), _, Some(col)) => Some(format!("line {line}, column {col}")),
            (_, Some(line), _, None) => Some(format!("line {line}")),
            _ => None,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location() {
            Some(loc) => write!(f, "{loc}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<crate::rules::RuleError> for ConfigError {
    fn from(e: crate::rules::RuleError) -> ConfigError {
        ConfigError {
            kind: ConfigErrorKind::Rule,
            path: Some(format!("authorization.rules[{}]", e.index)),
            line: None,
            rule: Some(e.index),
            column: e.column,
            message: e.message,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_names_only() {
        let fields = ["audiences", "issuer", "jwks", "requiredClaims", "maxLifetime"];
        assert_eq!(closest("audiense", fields), Some("audiences"));
        assert_eq!(closest("Issuer", fields), Some("issuer"));
        assert_eq!(closest("required_claims", fields), Some("requiredClaims"));
        assert_eq!(closest("colour", fields), None);
    }
}
