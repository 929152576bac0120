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

/// A claim path: the claim's name, then the members inside it
/// (`["realm_access", "roles"]`).
pub(crate) type ClaimPath = Vec<String>;

/// Where a provider's `auth.groups` and `auth.roles` come from (the
/// config's `groupsClaim` / `rolesClaim`, or what the preset says).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClaimViews {
    pub groups: Arc<[ClaimPath]>,
    pub roles: Arc<[ClaimPath]>,
}

impl Default for ClaimViews {
    /// `groups` and `roles`, the claims most IdPs use.
    fn default() -> ClaimViews {
        ClaimViews { groups: Arc::from(vec![vec!["groups".to_owned()]]), roles: Arc::from(vec![vec!["roles".to_owned()]]) }
    }
}

/// Strings read from claim paths (`auth.groups`, `auth.roles`), collected
/// from the claims the first time something reads them. Reads like a
/// `[String]`; empty when the claims are absent.
#[derive(Clone)]
pub struct ClaimList {
    claims: Option<Arc<Claims>>,
    paths: Arc<[ClaimPath]>,
    list: OnceLock<Arc<[String]>>,
}

impl ClaimList {
    pub(crate) fn new(claims: Arc<Claims>, paths: Arc<[ClaimPath]>) -> ClaimList {
        ClaimList { claims: Some(claims), paths, list: OnceLock::new() }
    }

    /// The strings at `paths` in `claims`, in order, each once: a list of
    /// strings gives its strings, a string gives itself; anything else,
    /// or a list with a non-string in it, gives nothing (values are never
    /// guessed).
    pub(crate) fn collect(claims: &Claims, paths: &[ClaimPath]) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for path in paths {
            let Some((first, rest)) = path.split_first() else { continue };
            let mut value = claims.get(first);
            for segment in rest {
                value = value.and_then(|v| v.get(segment.as_str()));
            }
            let found: Vec<&str> = match value {
                Some(serde_json::Value::String(s)) => vec![s.as_str()],
                Some(serde_json::Value::Array(items)) => {
                    items.iter().map(serde_json::Value::as_str).collect::<Option<Vec<_>>>().unwrap_or_default()
                }
                _ => Vec::new(),
            };
            for s in found {
                if !out.iter().any(|o| o == s) {
                    out.push(s.to_owned());
                }
            }
        }
        out
    }
}

impl Default for ClaimList {
    /// The empty list.
    fn default() -> ClaimList {
        ClaimList::from(Vec::new())
    }
}

impl From<Vec<String>> for ClaimList {
    fn from(list: Vec<String>) -> ClaimList {
        ClaimList { claims: None, paths: Arc::from(Vec::new()), list: OnceLock::from(Arc::from(list)) }
    }
}

impl Deref for ClaimList {
    type Target = [String];
    fn deref(&self) -> &[String] {
        self.list.get_or_init(|| match &self.claims {
            Some(claims) => ClaimList::collect(claims, &self.paths).into(),
            None => Arc::from(Vec::new()),
        })
    }
}

impl fmt::Debug for ClaimList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl PartialEq for ClaimList {
    fn eq(&self, other: &ClaimList) -> bool {
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
    /// `auth.groups`: the groups, from the claims the provider's
    /// `groupsClaim` (or preset) names; empty when absent.
    pub groups: ClaimList,
    /// `auth.roles`: the roles, from the provider's `rolesClaim` (or
    /// preset); empty when absent.
    pub roles: ClaimList,
}

impl Identity {
    /// The identity of verified `claims`, read by `provider`'s views.
    pub(crate) fn new(
        provider: Arc<str>,
        issuer: String,
        subject: Option<String>,
        claims: Arc<Claims>,
        views: &ClaimViews,
    ) -> Identity {
        Identity {
            provider,
            issuer,
            subject,
            scopes: Scopes::from_claims(claims.clone()),
            groups: ClaimList::new(claims.clone(), views.groups.clone()),
            roles: ClaimList::new(claims.clone(), views.roles.clone()),
            claims,
        }
    }

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
