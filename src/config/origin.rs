//! Where a loaded config came from: the shape the user wrote (native,
//! agentgateway `policies:`, Kubernetes resources), what was mapped onto
//! the native config, and for every native path the path in the user's
//! file, so errors and warnings name what the user wrote.

use std::collections::BTreeSet;

use serde_json::Value;

use super::error::ConfigError;

/// The shape of a config file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Shape {
    /// This engine's own config.
    #[default]
    Native,
    /// An agentgateway local config with `policies:` blocks.
    AgentgatewayPolicies,
    /// A stream of Kubernetes resources (agentgateway policies and
    /// backends, Gloo `ExtAuthPolicy` / `AuthConfig`).
    Kubernetes,
}

impl Shape {
    /// The stable name (`claimcheck check --json` prints it).
    #[cfg(any(test, feature = "cli", feature = "test-hooks"))]
    pub const fn as_str(self) -> &'static str {
        match self {
            Shape::Native => "native",
            Shape::AgentgatewayPolicies => "agentgateway-policies",
            Shape::Kubernetes => "kubernetes",
        }
    }
}

/// Native path -> the path the user wrote. A native path is rewritten by
/// its longest mapped prefix (`authentication.providers[0].jwks.url` under
/// `authentication.providers[0]`); an unmapped path is its own.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathMap(Vec<(String, String)>);

impl PathMap {
    /// Maps `native` (and everything under it) to `user`.
    pub fn add(&mut self, native: impl Into<String>, user: impl Into<String>) {
        let native = native.into();
        let user = user.into();
        self.0.retain(|(n, _)| *n != native);
        self.0.push((native, user));
    }

    /// The path the user wrote for `native`.
    pub fn user_path(&self, native: &str) -> String {
        let best = self
            .0
            .iter()
            .filter(|(n, _)| {
                native.strip_prefix(n.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
            })
            .max_by_key(|(n, _)| n.len());
        match best {
            Some((n, user)) => format!("{user}{}", native.get(n.len()..).unwrap_or("")),
            None => native.to_owned(),
        }
    }

    /// `e` with its path rewritten to the user's.
    pub fn relocate(&self, mut e: ConfigError) -> ConfigError {
        if let Some(path) = e.path.as_mut() {
            *path = self.user_path(path);
        }
        e
    }

    /// A `path: message` warning with its path rewritten to the user's.
    pub fn relocate_warning(&self, warning: &str) -> String {
        match warning.split_once(": ") {
            Some((path, rest)) if path.starts_with("authentication") || path.starts_with("authorization") => {
                format!("{}: {rest}", self.user_path(path))
            }
            _ => warning.to_owned(),
        }
    }
}

/// What loading learnt about the file besides the config itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The shape the user wrote.
    pub shape: Shape,
    /// What was mapped onto the native config, one line each, for
    /// `claimcheck check` (empty for a native config without presets).
    pub mapped: Vec<String>,
    /// Native paths -> the user's paths.
    pub paths: PathMap,
    /// Native paths a load warning already covers, so `claimcheck check`
    /// does not warn about them a second time under another path.
    pub warned: BTreeSet<String>,
}

impl Origin {
    /// Whether a load warning already covers the native path `native`.
    #[cfg(any(test, feature = "cli", feature = "test-hooks"))]
    pub fn is_warned(&self, native: &str) -> bool {
        self.warned.contains(native)
    }
}

/// A foreign shape translated into the native tree.
#[derive(Debug, Clone)]
pub struct Translated {
    /// The native config tree.
    pub tree: Value,
    /// Shape, mapping and path map.
    pub origin: Origin,
    /// Load warnings, naming the user's paths.
    pub warnings: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_longest_prefix_wins_and_only_at_a_segment_boundary() {
        let mut m = PathMap::default();
        m.add("authentication.providers[0]", "documents[1].spec.providers[0]");
        m.add("authentication.providers[0].jwks.url", "documents[1].spec.providers[0].jwks.remote");
        m.add("authentication.providers[1]", "documents[2].spec.providers[0]");
        assert_eq!(m.user_path("authentication.providers[0].issuer"), "documents[1].spec.providers[0].issuer");
        assert_eq!(m.user_path("authentication.providers[0].jwks.url"), "documents[1].spec.providers[0].jwks.remote");
        assert_eq!(m.user_path("authentication.providers[1]"), "documents[2].spec.providers[0]");
        assert_eq!(m.user_path("authentication.providers[10]"), "authentication.providers[10]");
        assert_eq!(m.user_path("limits.maxRules"), "limits.maxRules");
        assert_eq!(
            m.relocate_warning("authentication.providers[1].jwks: plain HTTP"),
            "documents[2].spec.providers[0].jwks: plain HTTP"
        );
    }
}
