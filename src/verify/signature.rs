//! The JWS layer: choose the one key for a token and check its signature.

use crate::jose::algorithm::AlgorithmSet;
use crate::jose::jws::CompactJws;
use crate::keys::{KeyChoiceError, KeySet};
use crate::reason::{Reason, TokenError};

/// Checks the signature of a parsed token with the key its `kid` and `alg`
/// select from `keys`, if `alg` is in `allowed`.
pub fn verify_signature(jws: &CompactJws<'_>, keys: &KeySet, allowed: AlgorithmSet) -> Result<(), TokenError> {
    let alg = jws.header.alg;
    if !allowed.contains(alg) {
        return Err(TokenError::new(
            Reason::UnsupportedAlgorithm,
            format!("alg `{alg}` is not in the provider's `algorithms`"),
        ));
    }
    let key = keys.choose(jws.header.kid.as_deref(), alg).map_err(|e| {
        let reason = match e {
            KeyChoiceError::AlgorithmMismatch { .. } => Reason::UnsupportedAlgorithm,
            _ => Reason::UnknownKey,
        };
        TokenError::new(reason, e.to_string())
    })?;
    if key.verify(alg, jws.signing_input.as_bytes(), &jws.signature) {
        Ok(())
    } else {
        Err(TokenError::new(Reason::InvalidSignature, format!("the {alg} signature does not verify")))
    }
}

/// Verifies a compact JWS against a key set, below any claim check: the
/// entry point for JWS conformance suites (payloads there are often not
/// JSON). Returns the verified payload.
#[cfg(any(test, feature = "test-hooks"))]
pub fn verify_compact_jws(
    token: &str,
    keys: &KeySet,
    allowed: AlgorithmSet,
    max_json_depth: usize,
) -> Result<Vec<u8>, TokenError> {
    let jws = crate::jose::jws::parse_compact(token, max_json_depth)?;
    verify_signature(&jws, keys, allowed)?;
    Ok(jws.payload)
}
