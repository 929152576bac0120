//! The answer to one request: allow, or deny with the HTTP status, a stable
//! reason, a client-safe message, the `WWW-Authenticate` challenge and, when a
//! token was valid, the identity.

use std::borrow::Cow;
use std::fmt;

use crate::identity::Identity;

/// Why a request was allowed or denied. The snake_case names and the numeric
/// codes are stable: a code is never reused, new reasons get new codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Reason {
    /// The request may go through.
    Allowed,
    /// No credential was found where `tokenSource` looks.
    MissingToken,
    /// More than one credential in one request (RFC 6750 §2).
    MultipleTokens,
    /// The credential is not a compact JWS with a JSON header and claims.
    MalformedToken,
    /// The credential is longer than `limits.maxTokenSize`.
    TokenTooLarge,
    /// The header's `alg` is `none`, unknown, not allowed for the provider, or
    /// does not fit the key.
    UnsupportedAlgorithm,
    /// No provider has the token's `iss`.
    UnknownIssuer,
    /// No single key of the provider matches the token's `kid` and `alg`.
    UnknownKey,
    /// The signature does not verify.
    InvalidSignature,
    /// The header's `typ` is not `JWT`/`at+jwt`, or not what the provider requires.
    InvalidType,
    /// The header's `crit` names an extension this engine does not implement.
    UnknownCriticalHeader,
    /// `now >= exp + leeway`.
    Expired,
    /// `now + leeway < nbf`.
    NotYetValid,
    /// `iat` is more than the leeway in the future.
    IssuedInFuture,
    /// `exp - iat` exceeds the provider's `maxLifetime`.
    LifetimeTooLong,
    /// `aud` names none of the provider's audiences.
    InvalidAudience,
    /// A required claim is missing, or a claim has the wrong JSON type.
    InvalidClaim,
    /// The provider's keys could not be loaded (503).
    KeysUnavailable,
    /// A `deny` rule matched (or errored).
    DeniedByRule,
    /// A `require` rule did not hold (or errored).
    RequiredRuleFailed,
    /// Allow rules exist and none matched.
    NoRuleAllowed,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 21] = [
        Reason::Allowed,
        Reason::MissingToken,
        Reason::MultipleTokens,
        Reason::MalformedToken,
        Reason::TokenTooLarge,
        Reason::UnsupportedAlgorithm,
        Reason::UnknownIssuer,
        Reason::UnknownKey,
        Reason::InvalidSignature,
        Reason::InvalidType,
        Reason::UnknownCriticalHeader,
        Reason::Expired,
        Reason::NotYetValid,
        Reason::IssuedInFuture,
        Reason::LifetimeTooLong,
        Reason::InvalidAudience,
        Reason::InvalidClaim,
        Reason::KeysUnavailable,
        Reason::DeniedByRule,
        Reason::RequiredRuleFailed,
        Reason::NoRuleAllowed,
    ];

    /// The stable numeric code (the C ABI's `CLAIMCHECK_REASON_*`).
    pub const fn code(self) -> u32 {
        match self {
            Reason::Allowed => 0,
            Reason::MissingToken => 1,
            Reason::MultipleTokens => 2,
            Reason::MalformedToken => 3,
            Reason::TokenTooLarge => 4,
            Reason::UnsupportedAlgorithm => 5,
            Reason::UnknownIssuer => 6,
            Reason::UnknownKey => 7,
            Reason::InvalidSignature => 8,
            Reason::InvalidType => 9,
            Reason::UnknownCriticalHeader => 10,
            Reason::Expired => 11,
            Reason::NotYetValid => 12,
            Reason::IssuedInFuture => 13,
            Reason::LifetimeTooLong => 14,
            Reason::InvalidAudience => 15,
            Reason::InvalidClaim => 16,
            Reason::KeysUnavailable => 17,
            Reason::DeniedByRule => 18,
            Reason::RequiredRuleFailed => 19,
            Reason::NoRuleAllowed => 20,
        }
    }

    /// The reason for a numeric code, if the code is known.
    pub fn from_code(code: u32) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.code() == code)
    }

    /// The stable snake_case name.
    pub const fn as_str(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::MissingToken => "missing_token",
            Reason::MultipleTokens => "multiple_tokens",
            Reason::MalformedToken => "malformed_token",
            Reason::TokenTooLarge => "token_too_large",
            Reason::UnsupportedAlgorithm => "unsupported_algorithm",
            Reason::UnknownIssuer => "unknown_issuer",
            Reason::UnknownKey => "unknown_key",
            Reason::InvalidSignature => "invalid_signature",
            Reason::InvalidType => "invalid_type",
            Reason::UnknownCriticalHeader => "unknown_critical_header",
            Reason::Expired => "expired",
            Reason::NotYetValid => "not_yet_valid",
            Reason::IssuedInFuture => "issued_in_future",
            Reason::LifetimeTooLong => "lifetime_too_long",
            Reason::InvalidAudience => "invalid_audience",
            Reason::InvalidClaim => "invalid_claim",
            Reason::KeysUnavailable => "keys_unavailable",
            Reason::DeniedByRule => "denied_by_rule",
            Reason::RequiredRuleFailed => "required_rule_failed",
            Reason::NoRuleAllowed => "no_rule_allowed",
        }
    }

    /// The reason with this snake_case name.
    pub fn from_name(name: &str) -> Option<Reason> {
        Reason::ALL.iter().copied().find(|r| r.as_str() == name)
    }

    /// The message a client may see: it names the problem and nothing internal.
    pub const fn client_message(self) -> &'static str {
        match self {
            Reason::Allowed => "allowed",
            Reason::MissingToken => "an access token is required",
            Reason::MultipleTokens => "the request carries more than one access token",
            Reason::MalformedToken => "the access token is malformed",
            Reason::TokenTooLarge => "the access token is too large",
            Reason::UnsupportedAlgorithm => "the access token's algorithm is not accepted",
            Reason::UnknownIssuer => "the access token's issuer is not trusted",
            Reason::UnknownKey => "the access token's signing key is not known",
            Reason::InvalidSignature => "the access token's signature is invalid",
            Reason::InvalidType => "the access token's type is not accepted",
            Reason::UnknownCriticalHeader => "the access token uses an unsupported critical extension",
            Reason::Expired => "the access token expired",
            Reason::NotYetValid => "the access token is not valid yet",
            Reason::IssuedInFuture => "the access token was issued in the future",
            Reason::LifetimeTooLong => "the access token's lifetime is too long",
            Reason::InvalidAudience => "the access token is not meant for this service",
            Reason::InvalidClaim => "the access token has a missing or invalid claim",
            Reason::KeysUnavailable => "the service cannot verify access tokens right now",
            Reason::DeniedByRule => "access denied",
            Reason::RequiredRuleFailed => "access denied",
            Reason::NoRuleAllowed => "access denied",
        }
    }

    /// True for the reasons that say the presented token itself is invalid
    /// (401 `invalid_token`).
    pub const fn is_invalid_token(self) -> bool {
        matches!(
            self,
            Reason::MalformedToken
                | Reason::TokenTooLarge
                | Reason::UnsupportedAlgorithm
                | Reason::UnknownIssuer
                | Reason::UnknownKey
                | Reason::InvalidSignature
                | Reason::InvalidType
                | Reason::UnknownCriticalHeader
                | Reason::Expired
                | Reason::NotYetValid
                | Reason::IssuedInFuture
                | Reason::LifetimeTooLong
                | Reason::InvalidAudience
                | Reason::InvalidClaim
        )
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where in a request the credential was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A header (`authorization` with the default `tokenSource`).
    Header,
    /// A cookie.
    Cookie,
    /// A query parameter.
    Query,
}

/// The place a request carried its credential: what a gateway removes
/// before forwarding the request upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSource {
    /// Header, cookie or query parameter.
    pub kind: CredentialKind,
    /// Its name as the config gives it (header names in lower case).
    pub name: Cow<'static, str>,
}

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
