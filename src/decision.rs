//! The answer to one request: allow, or deny with the HTTP status, a stable
//! reason, a client-safe message, the `WWW-Authenticate` challenge and, when a
//! token was valid, the identity.


use crate::credential::CredentialSource;
use crate::identity::Identity;
pub use crate::reason::Reason;

/// The engine's answer for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Whether the request may go through.
    pub allowed: bool,
    /// The HTTP status to answer with when denied (200 when allowed).
    pub status: u16,
    /// The stable reason.
    pub reason: Reason,
    /// A message safe to show the client.
    pub message: &'static str,
    /// What exactly went wrong, for the host's logs; never for the client.
    pub detail: Option<String>,
    /// The `WWW-Authenticate` header value to send, when there is one.
    pub www_authenticate: Option<String>,
    /// The verified identity, when the request carried a valid token.
    pub identity: Option<Identity>,
    /// The 0-based index of the deciding rule in `authorization.rules`.
    pub rule: Option<usize>,
    /// Whether the deciding rule errored instead of evaluating.
    pub rule_errored: bool,
    /// Where the request's one credential was, whatever the outcome; `None`
    /// when it carried none, or more than one.
    pub credential: Option<CredentialSource>,
}

/// Builds RFC 6750 challenges for one config (realm and RFC 9728 resource
/// metadata are fixed at load).
#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    /// `Bearer realm="..."[, resource_metadata="..."]`, pre-rendered.
    base: String,
}

impl Challenge {
    pub(crate) fn new(realm: &str, resource_metadata: Option<&str>) -> Challenge {
        let mut base = format!("Bearer realm=\"{}\"", quote(realm));
        if let Some(url) = resource_metadata {
            base.push_str(&format!(", resource_metadata=\"{}\"", quote(url)));
        }
        Challenge { base }
    }

    /// The challenge with no error code (RFC 6750 §3.1: a request with no
    /// credential gets none).
    pub(crate) fn plain(&self) -> String {
        self.base.clone()
    }

    /// The challenge with `error` and `error_description`.
    pub(crate) fn with_error(&self, error: &str, description: &str) -> String {
        format!(
            "{}, error=\"{}\", error_description=\"{}\"",
            self.base,
            error,
            quote(description)
        )
    }

    /// The 403 challenge naming the missing scope(s).
    pub(crate) fn insufficient_scope(&self, scope: &str) -> String {
        format!(
            "{}, error=\"insufficient_scope\", scope=\"{}\"",
            self.base,
            quote(scope)
        )
    }
}

/// Makes a value safe inside an RFC 7235 quoted-string: backslash-escapes `"`
/// and `\` and drops control characters, so no input can split the header.
fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_round_trip() {
        let mut codes = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for r in Reason::ALL {
            assert!(codes.insert(r.code()), "code {} reused", r.code());
            assert!(names.insert(r.as_str()), "name {} reused", r.as_str());
            assert_eq!(Reason::from_code(r.code()), Some(r));
            assert_eq!(Reason::from_name(r.as_str()), Some(r));
        }
        assert_eq!(Reason::from_code(99), None);
    }

    #[test]
    fn challenge_values_cannot_break_out_of_their_quotes() {
        let c = Challenge::new("a\"b\\c\r\nd", Some("https://x/\"y"));
        assert_eq!(
            c.plain(),
            r#"Bearer realm="a\"b\\cd", resource_metadata="https://x/\"y""#
        );
        assert_eq!(
            c.insufficient_scope("mcp:write"),
            r#"Bearer realm="a\"b\\cd", resource_metadata="https://x/\"y", error="insufficient_scope", scope="mcp:write""#
        );
    }
}
