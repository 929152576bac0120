//! The verified identity a valid token establishes.

use std::sync::Arc;

pub use crate::claims::Claims;

/// Who a valid token says the caller is. Cheap to clone: the claims are shared.
#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    /// Name of the provider (from the config) whose key verified the token.
    pub provider: Arc<str>,
    /// The token's `iss`.
    pub issuer: String,
    /// The token's `sub`, when it has one.
    pub subject: Option<String>,
    /// Every claim of the token, verified.
    pub claims: Arc<Claims>,
    /// The granted scopes as one list whatever the IdP sent: an `scp` array, an
    /// `scp` string or a `scope` string, split on spaces; empty when none.
    pub scopes: Arc<[String]>,
}

impl Identity {
    /// Collects the scopes from `scp` (array or space-separated string) or
    /// `scope` (space-separated string). A claim of another type gives none:
    /// scopes are only ever granted, never guessed.
    pub fn scopes_from_claims(claims: &Claims) -> Vec<String> {
        let mut scopes = Vec::new();
        for name in ["scp", "scope"] {
            match claims.get(name) {
                Some(serde_json::Value::String(s)) => {
                    scopes.extend(s.split(' ').filter(|w| !w.is_empty()).map(str::to_owned))
                }
                Some(serde_json::Value::Array(items)) => scopes.extend(
                    items
                        .iter()
                        .filter_map(|v| v.as_str())
                        .map(str::to_owned),
                ),
                _ => continue,
            }
            break;
        }
        scopes
    }
}
