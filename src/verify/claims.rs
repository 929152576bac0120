//! Claim checks (RFC 7519 §4.1, RFC 8725, RFC 9068): types, presence, time
//! and audience, for a token whose signature already verified.

use serde_json::Value;

use serde::{Deserialize, Serialize};
use crate::reason::Reason;
use crate::claims::{for_each_plain_string, json_number, plain_string, JsonKind};
use crate::claims::Claims;
use crate::jose::jws::normalized_typ;
use crate::reason::TokenError;

/// RFC 9068 `typ` requirement (the config's `typ`).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TypRequirement {
    /// Any `typ`, or none; when present it must still name `JWT` or `at+jwt`.
    #[default]
    #[serde(rename = "any")]
    Any,
    /// The header must carry `typ: at+jwt` (RFC 9068 access tokens).
    #[serde(rename = "at+jwt")]
    AtJwt,
}

/// Which audiences a provider accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AudienceCheck {
    /// `audiences: ["*"]`: `aud` is not checked (but must be well-typed).
    Any,
    /// One of these must appear in `aud`.
    OneOf(Vec<String>),
}

/// The claim rules of one provider, fixed at load.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimPolicy {
    /// Accepted audiences.
    pub audiences: AudienceCheck,
    /// Tolerated clock skew, seconds.
    pub leeway: f64,
    /// Claims that must be present.
    pub required: Vec<String>,
    /// Longest accepted `exp - iat`, seconds.
    pub max_lifetime: Option<f64>,
    /// The `typ` requirement.
    pub typ: TypRequirement,
    /// The value the `typ` claim must have when present (Keycloak's kind
    /// of token: `Bearer` for access tokens).
    pub typ_claim: Option<String>,
}

fn invalid(detail: impl Into<String>) -> TokenError {
    TokenError::new(Reason::InvalidClaim, detail)
}

/// The latest NumericDate a time claim may hold: 9999-12-31T23:59:59Z. A
/// later `exp` (say `2.001e+206`) is a token that never expires, which the
/// default `requiredClaims: [exp]` must not accept.
pub(crate) const LATEST_DATE: f64 = 253_402_300_799.0;
/// The earliest: 0000-01-01T00:00:00Z (negative `iat`/`nbf` are dates).
pub(crate) const EARLIEST_DATE: f64 = -62_167_219_200.0;

/// A NumericDate claim: a JSON number (fractions allowed) that names a date
/// between the years 0 and 9999, or absent.
fn numeric_date(claims: &Claims, name: &str) -> Result<Option<f64>, TokenError> {
    let Some(raw) = claims.raw(name) else {
        return Ok(None);
    };
    match JsonKind::of(raw) {
        JsonKind::Number => json_number(raw)
            .filter(|v| (EARLIEST_DATE..=LATEST_DATE).contains(v))
            .map(Some)
            .ok_or_else(|| {
                invalid(format!(
                    "claim `{name}` is not a date between the years 0 and 9999: {}",
                    crate::log::quote_short(raw)
                ))
            }),
        _ => Err(invalid(format!("claim `{name}` is not a number"))),
    }
}

/// Checks that a claim, when present, is a string (read from its text).
fn string_claim(claims: &Claims, name: &str) -> Result<(), TokenError> {
    match claims.kind(name) {
        None | Some(JsonKind::String) => Ok(()),
        Some(_) => Err(invalid(format!("claim `{name}` is not a string"))),
    }
}

/// Checks `aud`'s type (a string or an array of strings) and whether it
/// names one of `accepted`: `None` when the token has no `aud`. Plain
/// strings are compared in the token's text, with no value built.
fn audience_matches(claims: &Claims, accepted: &[String]) -> Result<Option<bool>, TokenError> {
    let Some(raw) = claims.raw("aud") else {
        return Ok(None);
    };
    let accepts = |a: &str| accepted.iter().any(|ok| ok == a);
    match JsonKind::of(raw) {
        JsonKind::String => {
            if let Some(text) = plain_string(raw) {
                return Ok(Some(accepts(text)));
            }
        }
        JsonKind::Array => {
            // Visit every element (never stop early): each must be a string.
            let mut found = false;
            if for_each_plain_string(raw, |a| {
                found |= accepts(a);
                false
            })
            .is_some()
            {
                return Ok(Some(found));
            }
        }
        _ => return Err(invalid("claim `aud` is not a string or an array of strings")),
    }
    // Escapes or elements that are not strings: the parsed value decides.
    Ok(audiences(claims)?.map(|list| list.iter().any(|a| accepts(a))))
}

/// The token's audiences: `aud` as a string or an array of strings.
fn audiences(claims: &Claims) -> Result<Option<Vec<&str>>, TokenError> {
    match claims.get("aud") {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(vec![s.as_str()])),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| v.as_str().ok_or_else(|| invalid("claim `aud` holds a value that is not a string")))
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(invalid("claim `aud` is not a string or an array of strings")),
    }
}

impl ClaimPolicy {
    /// Checks the claims of a verified token at time `now` (seconds since the
    /// epoch). `typ` is the header's `typ`, already known to be well-formed.
    ///
    /// Every time comparison is written so that it fails closed: a NaN on
    /// either side refuses the token (the engine already refuses such a
    /// `now`; this keeps the checks safe on their own).
    #[allow(clippy::neg_cmp_op_on_partial_ord)]
    pub fn check(&self, claims: &Claims, typ: Option<&str>, now: f64) -> Result<(), TokenError> {
        if self.typ == TypRequirement::AtJwt && typ.and_then(normalized_typ) != Some("at+jwt") {
            return Err(TokenError::new(
                Reason::InvalidType,
                format!(
                    "the provider requires `typ: at+jwt` (RFC 9068); the token has {}",
                    typ.map(|t| format!("`{t}`")).unwrap_or_else(|| "none".to_owned())
                ),
            ));
        }
        if let Some(want) = &self.typ_claim {
            if claims.contains_key("typ") {
                match claims.string("typ") {
                    Some(got) if got == want => {}
                    Some(got) => {
                        return Err(TokenError::new(
                            Reason::InvalidType,
                            format!("the token's `typ` claim is `{got}`, not `{want}`: an ID or refresh token is no access token"),
                        ))
                    }
                    None => return Err(TokenError::new(Reason::InvalidType, "claim `typ` is not a string")),
                }
            }
        }
        for name in &self.required {
            if claims.kind(name).is_none_or(|k| k == JsonKind::Null) {
                return Err(invalid(format!("required claim `{name}` is missing")));
            }
        }
        // Types first: a claim of the wrong type is invalid, never skipped.
        let exp = numeric_date(claims, "exp")?;
        let nbf = numeric_date(claims, "nbf")?;
        let iat = numeric_date(claims, "iat")?;
        string_claim(claims, "sub")?;
        string_claim(claims, "jti")?;
        let accepted = match &self.audiences {
            AudienceCheck::OneOf(accepted) => accepted.as_slice(),
            AudienceCheck::Any => &[],
        };
        let aud_matches = audience_matches(claims, accepted)?;

        if let Some(exp) = exp {
            if !(now < exp + self.leeway) {
                return Err(TokenError::new(
                    Reason::Expired,
                    format!("exp {exp} is past (now {now}, leeway {}s)", self.leeway),
                ));
            }
        }
        if let Some(nbf) = nbf {
            if !(now + self.leeway >= nbf) {
                return Err(TokenError::new(
                    Reason::NotYetValid,
                    format!("nbf {nbf} is in the future (now {now}, leeway {}s)", self.leeway),
                ));
            }
        }
        if let Some(iat) = iat {
            if !(iat <= now + self.leeway) {
                return Err(TokenError::new(
                    Reason::IssuedInFuture,
                    format!("iat {iat} is in the future (now {now}, leeway {}s)", self.leeway),
                ));
            }
        }
        if let Some(max) = self.max_lifetime {
            let (Some(exp), Some(iat)) = (exp, iat) else {
                return Err(invalid("`maxLifetime` is set, so claims `exp` and `iat` are required"));
            };
            if !(exp - iat <= max) {
                return Err(TokenError::new(
                    Reason::LifetimeTooLong,
                    format!("exp - iat is {}s, over maxLifetime {max}s", exp - iat),
                ));
            }
        }
        if let AudienceCheck::OneOf(accepted) = &self.audiences {
            if !aud_matches.ok_or_else(|| invalid("required claim `aud` is missing"))? {
                let aud = audiences(claims)?.unwrap_or_default();
                return Err(TokenError::new(
                    Reason::InvalidAudience,
                    format!("aud {aud:?} names none of the accepted audiences {accepted:?}"),
                ));
            }
        }
        Ok(())
    }
}
