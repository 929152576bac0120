//! The decision object and its accessors, and the reason codes.
//!
//! String accessors return views into the decision: valid until
//! `claimcheck_decision_free`. A NULL decision gives the fail-closed answer
//! (not allowed, status 0, `CLAIMCHECK_REASON_NO_DECISION`, absent strings).

use std::ffi::c_char;

use claimcheck_core::{CredentialKind, Decision, Reason};

use crate::boundary::{ffi_free, ffi_getter, ffi_result, ffi_value, try_out, try_ref, try_str};
use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_NOT_FOUND, CLAIMCHECK_RESULT_OK};
use crate::handles::handle;
use crate::strings::claimcheck_str;

/// A reason code: one of the `CLAIMCHECK_REASON_*` values. Stable: a code is
/// never reused; new reasons get new codes.
pub type claimcheck_reason = u32;
/// The request may go through.
pub const CLAIMCHECK_REASON_ALLOWED: claimcheck_reason = 0;
/// No credential was found where `tokenSource` looks (401).
pub const CLAIMCHECK_REASON_MISSING_TOKEN: claimcheck_reason = 1;
/// More than one credential in one request (400, RFC 6750 §2).
pub const CLAIMCHECK_REASON_MULTIPLE_TOKENS: claimcheck_reason = 2;
/// Not a compact JWS with a JSON header and claims (401).
pub const CLAIMCHECK_REASON_MALFORMED_TOKEN: claimcheck_reason = 3;
/// Longer than `limits.maxTokenSize` (401).
pub const CLAIMCHECK_REASON_TOKEN_TOO_LARGE: claimcheck_reason = 4;
/// `alg` is `none`, unknown, not allowed, or does not fit the key (401).
pub const CLAIMCHECK_REASON_UNSUPPORTED_ALGORITHM: claimcheck_reason = 5;
/// No provider has the token's `iss` (401).
pub const CLAIMCHECK_REASON_UNKNOWN_ISSUER: claimcheck_reason = 6;
/// No single key matches the token's `kid` and `alg` (401).
pub const CLAIMCHECK_REASON_UNKNOWN_KEY: claimcheck_reason = 7;
/// The signature does not verify (401).
pub const CLAIMCHECK_REASON_INVALID_SIGNATURE: claimcheck_reason = 8;
/// The header's `typ` is not accepted (401).
pub const CLAIMCHECK_REASON_INVALID_TYPE: claimcheck_reason = 9;
/// `crit` names an unsupported extension (401).
pub const CLAIMCHECK_REASON_UNKNOWN_CRITICAL_HEADER: claimcheck_reason = 10;
/// `now >= exp + leeway` (401).
pub const CLAIMCHECK_REASON_EXPIRED: claimcheck_reason = 11;
/// `now + leeway < nbf` (401).
pub const CLAIMCHECK_REASON_NOT_YET_VALID: claimcheck_reason = 12;
/// `iat` is more than the leeway in the future (401).
pub const CLAIMCHECK_REASON_ISSUED_IN_FUTURE: claimcheck_reason = 13;
/// `exp - iat` exceeds `maxLifetime` (401).
pub const CLAIMCHECK_REASON_LIFETIME_TOO_LONG: claimcheck_reason = 14;
/// `aud` names none of the provider's audiences (401).
pub const CLAIMCHECK_REASON_INVALID_AUDIENCE: claimcheck_reason = 15;
/// A required claim is missing or a claim has the wrong type (401).
pub const CLAIMCHECK_REASON_INVALID_CLAIM: claimcheck_reason = 16;
/// The provider's keys cannot be loaded right now (503).
pub const CLAIMCHECK_REASON_KEYS_UNAVAILABLE: claimcheck_reason = 17;
/// A `deny` rule matched or errored (403, or 401 without a valid token).
pub const CLAIMCHECK_REASON_DENIED_BY_RULE: claimcheck_reason = 18;
/// A `require` rule was false or errored (403, or 401 without a valid token).
pub const CLAIMCHECK_REASON_REQUIRED_RULE_FAILED: claimcheck_reason = 19;
/// Allow rules exist and none matched (403, or 401 without a valid token).
pub const CLAIMCHECK_REASON_NO_RULE_ALLOWED: claimcheck_reason = 20;
/// Not a reason: what `claimcheck_decision_reason` returns for NULL.
pub const CLAIMCHECK_REASON_NO_DECISION: claimcheck_reason = 65535;

/// The engine's answer for one request. Owned by the caller; free it with
/// `claimcheck_decision_free`. Its accessors may be called from any thread,
/// also at once.
pub struct claimcheck_decision {
    pub(crate) decision: Decision,
}
handle!(claimcheck_decision);

/// Whether the request may go through (false for NULL).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_allowed(decision: *const claimcheck_decision) -> bool {
    ffi_getter!(decision, false, |d| d.decision.allowed)
}

/// The HTTP status to answer with: 200 when allowed, else 400, 401, 403 or
/// 503 (0 for NULL).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_status(decision: *const claimcheck_decision) -> u32 {
    ffi_getter!(decision, 0, |d| u32::from(d.decision.status))
}

/// The reason code, a `CLAIMCHECK_REASON_*` value
/// (`CLAIMCHECK_REASON_NO_DECISION` for NULL).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_reason(decision: *const claimcheck_decision) -> claimcheck_reason {
    ffi_getter!(decision, CLAIMCHECK_REASON_NO_DECISION, |d| d.decision.reason.code())
}

/// The stable snake_case name of a reason code (`"expired"`, ...), a static
/// string; absent (NULL) for an unknown code.
#[no_mangle]
pub extern "C" fn claimcheck_reason_name(reason: claimcheck_reason) -> claimcheck_str {
    ffi_value!(claimcheck_str::ABSENT, claimcheck_str::view_opt(Reason::from_code(reason).map(Reason::as_str)))
}

/// A message safe to show the client (static text, never internal detail).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_message(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view(d.decision.message))
}

/// What exactly went wrong, for the host's logs and never for the client;
/// absent when there is nothing to add.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_detail(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.detail.as_deref()))
}

/// The `WWW-Authenticate` header value to send, absent when none.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_www_authenticate(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.www_authenticate.as_deref()))
}

/// The name (from the config) of the provider whose key verified the token;
/// absent without a valid token.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_provider(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.identity.as_ref().map(|i| &*i.provider)))
}

/// The verified token's `iss`; absent without a valid token.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_issuer(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.identity.as_ref().map(|i| i.issuer.as_str())))
}

/// The verified token's `sub`; absent without a valid token or without `sub`.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_subject(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.identity.as_ref().and_then(|i| i.subject.as_deref())))
}

/// Every verified claim as one JSON object: the token's payload exactly as
/// it was signed; absent without a valid token. The view lives as long as
/// the decision.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_claims_json(decision: *const claimcheck_decision) -> claimcheck_str {
    // The verified payload itself: no serialization per call.
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.identity.as_ref().map(|i| i.claims.as_json())))
}

/// Writes the JSON of the verified claim named by `name_len` bytes at `name`
/// to `*json_out` (`"alice"`, `["a","b"]`, `1750000000`, ...); the view lives
/// as long as the decision. `CLAIMCHECK_RESULT_NOT_FOUND` when there is no
/// valid token or it lacks the claim (nothing written).
///
/// # Safety
/// `decision` is NULL or a live decision; `name` points to `name_len`
/// readable bytes (or is NULL with length 0); `json_out` is NULL or valid for
/// writes.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_claim(
    decision: *const claimcheck_decision,
    name: *const c_char,
    name_len: usize,
    json_out: *mut claimcheck_str,
) -> claimcheck_result {
    ffi_result! {
        let d = try_ref!(decision);
        let name = try_str!(name, name_len);
        let out = try_out!(json_out);
        // The claim's JSON text exactly as the verified token has it.
        let Some(raw) = d.decision.identity.as_ref().and_then(|i| i.claims.raw(name)) else {
            return CLAIMCHECK_RESULT_NOT_FOUND;
        };
        out.write(claimcheck_str::view(raw));
        CLAIMCHECK_RESULT_OK
    }
}

/// The number of scopes the verified token grants: the list rules see as
/// `auth.scopes` (an `scp` array of strings, an `scp` string or, without
/// `scp`, a `scope` string, split on spaces); 0 without a valid token, when
/// the token grants none, or for NULL. Read them with
/// `claimcheck_decision_scopes_get`.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_scopes_count(decision: *const claimcheck_decision) -> usize {
    ffi_getter!(decision, 0, |d| d.decision.identity.as_ref().map_or(0, |i| i.scopes.len()))
}

/// Writes a view of scope number `index` (0-based, in the token's order) to
/// `*scope_out`; the view lives as long as the decision.
/// `CLAIMCHECK_RESULT_NOT_FOUND` when `index` is not below
/// `claimcheck_decision_scopes_count` (nothing written).
///
/// # Safety
/// `decision` is NULL or a live decision; `scope_out` is NULL or valid for writes.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_scopes_get(
    decision: *const claimcheck_decision,
    index: usize,
    scope_out: *mut claimcheck_str,
) -> claimcheck_result {
    ffi_result! {
        let d = try_ref!(decision);
        let out = try_out!(scope_out);
        let Some(scope) = d.decision.identity.as_ref().and_then(|i| i.scopes.get(index)) else {
            return CLAIMCHECK_RESULT_NOT_FOUND;
        };
        out.write(claimcheck_str::view(scope));
        CLAIMCHECK_RESULT_OK
    }
}

/// The 0-based index in `authorization.rules` of the rule that decided, or
/// -1 when no single rule decided (no rules, or a token check decided).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_rule(decision: *const claimcheck_decision) -> i64 {
    ffi_getter!(decision, -1, |d| d.decision.rule.and_then(|r| i64::try_from(r).ok()).unwrap_or(-1))
}

/// Whether the deciding rule errored instead of evaluating (an erroring deny
/// or require denies; an erroring allow does not match).
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_rule_errored(decision: *const claimcheck_decision) -> bool {
    ffi_getter!(decision, false, |d| d.decision.rule_errored)
}

/// Where a request carried its credential: one of `CLAIMCHECK_CREDENTIAL_*`.
pub type claimcheck_credential_kind = u32;
/// The request carried no credential, or more than one (or NULL decision).
pub const CLAIMCHECK_CREDENTIAL_NONE: claimcheck_credential_kind = 0;
/// A header; its name is in lower case.
pub const CLAIMCHECK_CREDENTIAL_HEADER: claimcheck_credential_kind = 1;
/// A cookie.
pub const CLAIMCHECK_CREDENTIAL_COOKIE: claimcheck_credential_kind = 2;
/// A query parameter.
pub const CLAIMCHECK_CREDENTIAL_QUERY: claimcheck_credential_kind = 3;

/// Where the request's one credential was, whatever the outcome, so a
/// gateway can remove it before forwarding an allowed request:
/// `CLAIMCHECK_CREDENTIAL_NONE` when it carried none or more than one.
/// Its name is `claimcheck_decision_credential_name`.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_credential_kind(
    decision: *const claimcheck_decision,
) -> claimcheck_credential_kind {
    ffi_getter!(decision, CLAIMCHECK_CREDENTIAL_NONE, |d| match d.decision.credential.as_ref().map(|c| c.kind) {
        None => CLAIMCHECK_CREDENTIAL_NONE,
        Some(CredentialKind::Header) => CLAIMCHECK_CREDENTIAL_HEADER,
        Some(CredentialKind::Cookie) => CLAIMCHECK_CREDENTIAL_COOKIE,
        Some(CredentialKind::Query) => CLAIMCHECK_CREDENTIAL_QUERY,
    })
}

/// The name of the header, cookie or query parameter that carried the
/// credential (`authorization` by default); absent when
/// `claimcheck_decision_credential_kind` is `CLAIMCHECK_CREDENTIAL_NONE`.
///
/// # Safety
/// `decision` is NULL or a live decision.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_credential_name(decision: *const claimcheck_decision) -> claimcheck_str {
    ffi_getter!(decision, claimcheck_str::ABSENT, |d| claimcheck_str::view_opt(d.decision.credential.as_ref().map(|c| &*c.name)))
}

/// Frees a decision; every view it returned dies with it. NULL is a no-op.
///
/// # Safety
/// `decision` is NULL or a decision not freed before and not used after.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_decision_free(decision: *mut claimcheck_decision) {
    ffi_free!(decision)
}
