//! The answer to one request: allow, or deny with the HTTP status, a stable
//! reason, a client-safe message, the `WWW-Authenticate` challenge and, when a
//! token was valid, the identity.
//!
//! Every decision is built by [`Decision::allow`] or [`Decision::deny`]; the
//! status and the challenge come from the reason ([`Reason::status`],
//! [`Reason::challenge`]), never from the caller.

use crate::credential::CredentialSource;
use crate::identity::Identity;
use crate::log::sanitize_owned;
use crate::reason::{ChallengeKind, Requester};
pub use crate::reason::Reason;
use crate::rules::Refusal;

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

/// The rule that decided a request, as its decision reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct DecidingRule {
    /// The 0-based index in `authorization.rules`; `None` when no single
    /// rule decided (or no rules ran).
    pub(crate) index: Option<usize>,
    /// Whether that rule errored instead of evaluating.
    pub(crate) errored: bool,
    /// For a failed `require` over scopes: the scopes the token lacks,
    /// space-separated (the `insufficient_scope` challenge names them).
    pub(crate) missing_scope: Option<String>,
}

impl From<Refusal> for Reason {
    /// The reason a rule refusal is reported with.
    fn from(refusal: Refusal) -> Reason {
        match refusal {
            Refusal::DeniedByRule => Reason::DeniedByRule,
            Refusal::RequiredRuleFailed => Reason::RequiredRuleFailed,
            Refusal::NoRuleAllowed => Reason::NoRuleAllowed,
        }
    }
}

impl Decision {
    /// The request may go through: 200, no challenge. `identity` is the
    /// verified caller (`None` when anonymous); `detail` is escaped for logs.
    pub(crate) fn allow(identity: Option<Identity>, rule: DecidingRule, detail: Option<String>) -> Decision {
        let reason = Reason::Allowed;
        Decision {
            allowed: true,
            status: reason.status(requester(identity.as_ref(), &rule)),
            reason,
            message: reason.client_message(),
            detail: detail.map(sanitize_owned),
            www_authenticate: None,
            identity,
            rule: rule.index,
            rule_errored: rule.errored,
            credential: None,
        }
    }

    /// The request is refused for `reason`. The status and the challenge
    /// follow from the reason and, for a rule refusal, from whether the
    /// request is authenticated (`identity`) and whether the refusing rule
    /// names missing scopes ([`Requester`]). `detail` is escaped for logs.
    pub(crate) fn deny(
        reason: Reason,
        challenge: &Challenge,
        identity: Option<Identity>,
        rule: DecidingRule,
        detail: Option<String>,
    ) -> Decision {
        let requester = requester(identity.as_ref(), &rule);
        Decision {
            allowed: false,
            status: reason.status(requester),
            reason,
            message: reason.client_message(),
            detail: detail.map(sanitize_owned),
            www_authenticate: challenge.render(reason.challenge(requester), reason, rule.missing_scope.as_deref()),
            identity,
            rule: rule.index,
            rule_errored: rule.errored,
            credential: None,
        }
    }
}

/// Who a decision answers: authenticated when it carries an identity.
fn requester(identity: Option<&Identity>, rule: &DecidingRule) -> Requester {
    match identity {
        Some(_) => Requester::Authenticated { missing_scope: rule.missing_scope.is_some() },
        None => Requester::Anonymous,
    }
}

/// Builds RFC 6750 challenges for one config (realm and RFC 9728 resource
/// metadata are fixed at load).
#[derive(Debug, Clone)]
pub(crate) struct Challenge {
    /// `Bearer realm="..."[, resource_metadata="..."]`, pre-rendered.
    base: String,
}

impl Challenge {
    /// The challenges of a config with this realm and RFC 9728 resource
    /// metadata URL.
    pub(crate) fn new(realm: &str, resource_metadata: Option<&str>) -> Challenge {
        let mut base = format!("Bearer realm=\"{}\"", quote(realm));
        if let Some(url) = resource_metadata {
            base.push_str(&format!(", resource_metadata=\"{}\"", quote(url)));
        }
        Challenge { base }
    }

    /// The `WWW-Authenticate` value of this kind for `reason` (its client
    /// message is the `error_description`); `missing_scope` is what an
    /// `insufficient_scope` challenge names.
    pub(crate) fn render(&self, kind: ChallengeKind, reason: Reason, missing_scope: Option<&str>) -> Option<String> {
        match kind {
            ChallengeKind::None => None,
            ChallengeKind::Plain => Some(self.plain()),
            ChallengeKind::InvalidToken => Some(self.with_error("invalid_token", reason.client_message())),
            ChallengeKind::InvalidRequest => Some(self.with_error("invalid_request", reason.client_message())),
            ChallengeKind::InsufficientScope => missing_scope.map(|scope| self.insufficient_scope(scope)),
        }
    }

    /// The challenge with no error code (RFC 6750 §3.1: a request with no
    /// credential gets none).
    fn plain(&self) -> String {
        self.base.clone()
    }

    /// The challenge with `error` and `error_description`.
    fn with_error(&self, error: &str, description: &str) -> String {
        format!(
            "{}, error=\"{}\", error_description=\"{}\"",
            self.base,
            error,
            quote(description)
        )
    }

    /// The 403 challenge naming the missing scope(s).
    fn insufficient_scope(&self, scope: &str) -> String {
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
