//! Why a request was allowed or denied: the stable [`Reason`] codes, and
//! [`TokenError`], the refusal every stage of token validation returns. A
//! leaf module, so the parsers, the key code and the claim checks can
//! refuse without depending on the decision that is built from it.

use std::fmt;

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
        // One list: the reasons whose challenge is `invalid_token`.
        matches!(self.challenge(Requester::Anonymous), ChallengeKind::InvalidToken)
    }
}

/// Whether the request carried a valid token: the one fact besides the
/// [`Reason`] that a refusal's status and challenge depend on, and only a
/// rule's refusal depends on it (every other reason answers the same in any
/// context; see [`Reason::status`] and [`Reason::challenge`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Requester {
    /// The token validated. A rule refusal is final (403): authenticating
    /// again cannot help. `missing_scope`: the refusing rule is a `require`
    /// over scopes the token lacks, so the 403 names them
    /// (`error="insufficient_scope"`, RFC 6750 §3.1).
    Authenticated {
        /// Whether the refusing rule names scopes the token lacks.
        missing_scope: bool,
    },
    /// No valid token: none, or one that `optional` or `permissive` mode
    /// set aside. A rule refusal is 401 with the plain challenge, since
    /// authenticating may help.
    Anonymous,
}

/// Which `WWW-Authenticate` challenge a decision carries (RFC 6750 §3).
/// Every kind but [`ChallengeKind::None`] starts with the config's
/// `Bearer realm="..."[, resource_metadata="..."]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChallengeKind {
    /// No `WWW-Authenticate` header.
    None,
    /// The challenge without an error code: the request carried no
    /// credential, or no valid one and the rules refused it.
    Plain,
    /// `error="invalid_token"` with the reason's client message.
    InvalidToken,
    /// `error="invalid_request"` with the reason's client message.
    InvalidRequest,
    /// `error="insufficient_scope", scope="..."`: the scopes a failed
    /// `require` names.
    InsufficientScope,
}

impl Reason {
    /// The HTTP status of a decision with this reason: 200 allowed, 400 for
    /// two credentials, 401 for a missing or invalid token, 503 when the keys
    /// are unavailable (no fault of the client's), and for a rule refusal 403
    /// with a valid token but 401 without one.
    pub(crate) const fn status(self, requester: Requester) -> u16 {
        match self {
            Reason::Allowed => 200,
            Reason::MultipleTokens => 400,
            Reason::KeysUnavailable => 503,
            Reason::DeniedByRule | Reason::RequiredRuleFailed | Reason::NoRuleAllowed => match requester {
                Requester::Authenticated { .. } => 403,
                Requester::Anonymous => 401,
            },
            // Every other reason is a missing or invalid token: 401. The
            // exhaustive list of which is which lives once, in `challenge`.
            _ => 401,
        }
    }

    /// The challenge a decision with this reason carries: none when allowed
    /// or when the keys are unavailable (a 503 asks for no credential), the
    /// plain one for a missing token (RFC 6750 §3.1: no error code),
    /// `invalid_request` for two credentials, `invalid_token` for an invalid
    /// one; for a rule refusal the plain one without a valid token, and with
    /// one `insufficient_scope` when the refusing rule names missing scopes,
    /// else none.
    pub(crate) const fn challenge(self, requester: Requester) -> ChallengeKind {
        match self {
            Reason::Allowed | Reason::KeysUnavailable => ChallengeKind::None,
            Reason::MissingToken => ChallengeKind::Plain,
            Reason::MultipleTokens => ChallengeKind::InvalidRequest,
            Reason::DeniedByRule | Reason::RequiredRuleFailed | Reason::NoRuleAllowed => match requester {
                Requester::Anonymous => ChallengeKind::Plain,
                Requester::Authenticated { missing_scope: true } => ChallengeKind::InsufficientScope,
                Requester::Authenticated { missing_scope: false } => ChallengeKind::None,
            },
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
            | Reason::InvalidClaim => ChallengeKind::InvalidToken,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a token was refused, for the decision: the reason and a log detail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    /// The stable reason.
    pub reason: Reason,
    /// What exactly is wrong, for logs.
    pub detail: String,
}

impl TokenError {
    /// A refusal with this reason and detail.
    pub(crate) fn new(reason: Reason, detail: impl Into<String>) -> TokenError {
        TokenError { reason, detail: detail.into() }
    }
}

impl std::fmt::Display for TokenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.reason, self.detail)
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXTS: [Requester; 3] = [
        Requester::Anonymous,
        Requester::Authenticated { missing_scope: false },
        Requester::Authenticated { missing_scope: true },
    ];

    #[test]
    fn only_rule_refusals_depend_on_the_requester() {
        for r in Reason::ALL {
            let statuses: Vec<u16> = CONTEXTS.iter().map(|&c| r.status(c)).collect();
            let challenges: Vec<ChallengeKind> = CONTEXTS.iter().map(|&c| r.challenge(c)).collect();
            if matches!(r, Reason::DeniedByRule | Reason::RequiredRuleFailed | Reason::NoRuleAllowed) {
                assert_eq!(statuses, [401, 403, 403], "{r}");
                assert_eq!(
                    challenges,
                    [ChallengeKind::Plain, ChallengeKind::None, ChallengeKind::InsufficientScope],
                    "{r}"
                );
            } else {
                assert!(statuses.iter().all(|&s| s == statuses[0]), "{r}: {statuses:?}");
                assert!(challenges.iter().all(|&c| c == challenges[0]), "{r}: {challenges:?}");
            }
        }
    }

    #[test]
    fn invalid_token_reasons_are_401_with_the_invalid_token_challenge() {
        for r in Reason::ALL {
            let c = Requester::Anonymous;
            assert_eq!(r.is_invalid_token(), r.challenge(c) == ChallengeKind::InvalidToken, "{r}");
            if r.is_invalid_token() {
                assert_eq!(r.status(c), 401, "{r}");
            }
        }
        let c = Requester::Anonymous;
        assert_eq!((Reason::Allowed.status(c), Reason::Allowed.challenge(c)), (200, ChallengeKind::None));
        assert_eq!((Reason::MissingToken.status(c), Reason::MissingToken.challenge(c)), (401, ChallengeKind::Plain));
        assert_eq!(
            (Reason::MultipleTokens.status(c), Reason::MultipleTokens.challenge(c)),
            (400, ChallengeKind::InvalidRequest)
        );
        assert_eq!(
            (Reason::KeysUnavailable.status(c), Reason::KeysUnavailable.challenge(c)),
            (503, ChallengeKind::None)
        );
    }
}
