//! The verified identity a valid token establishes.

use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

pub use crate::claims::Claims;

/// The granted scopes, collected from the claims the first time something
/// reads them (most decisions never do). Reads like a `[String]`.
#[derive(Clone)]
pub struct Scopes {
    claims: Option<Arc<Claims>>,
    list: OnceLock<Arc<[String]>>,
}

impl Scopes {
    /// Scopes read from these claims on first use ([`Identity::scopes_from_claims`]).
    pub fn from_claims(claims: Arc<Claims>) -> Scopes {
        Scopes { claims: Some(claims), list: OnceLock::new() }
    }
}

impl From<Vec<String>> for Scopes {
    fn from(list: Vec<String>) -> Scopes {
        Scopes { claims: None, list: OnceLock::from(Arc::from(list)) }
    }
}

impl Deref for Scopes {
    type Target = [String];
    fn deref(&self) -> &[String] {
        self.list.get_or_init(|| match &self.claims {
            Some(claims) => Identity::scopes_from_claims(claims).into(),
            None => Arc::from(Vec::new()),
        })
    }
}

impl fmt::Debug for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for Scopes {
    fn eq(&self, other: &Scopes) -> bool {
        **self == **other
    }
}

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
    /// Collected on first read.
    pub scopes: Scopes,
}

impl Identity {
    /// Collects the scopes from `scp` (an array of strings or a
    /// space-separated string) or, when there is no `scp`, from `scope` (a
    /// space-separated string). A present claim of another shape grants
    /// nothing, and never makes the other claim count instead: scopes are
    /// only ever granted, never guessed.
    pub fn scopes_from_claims(claims: &Claims) -> Vec<String> {
        let words = |s: &str| s.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect::<Vec<_>>();
        match (claims.get("scp"), claims.get("scope")) {
            (Some(serde_json::Value::String(s)), _) => words(s),
            (Some(serde_json::Value::Array(items)), _) => {
                let strings: Option<Vec<String>> = items.iter().map(|v| v.as_str().map(str::to_owned)).collect();
                strings.unwrap_or_default()
            }
            (Some(_), _) => Vec::new(),
            (None, Some(serde_json::Value::String(s))) => words(s),
            (None, _) => Vec::new(),
        }
    }
}
