//! What the `claimcheck` command reads beyond the engine (feature `cli`):
//! the config file model for `check` and `schema`, the key-set parse for
//! `check`'s warnings, expression evaluation for `eval`, and the unverified
//! token reader for `decode`. Not part of the embedding API.

pub use crate::config::schema::{Jwks, Provider};
pub use crate::config::duration::ConfigDuration;
pub use crate::config::load::parse_config;
pub use crate::config::native::{native_text, native_tree};
pub use crate::config::origin::{Origin, Shape};
pub use crate::config::schema::{ConfigFile, Limits};
pub use crate::credential::percent_decode;
pub use crate::json::base64url;
pub use crate::keys::KeySet;
pub use crate::rules::{eval_expression, RuleKind};

/// A JSON object as serde_json holds it.
pub type JsonObject = serde_json::Map<String, serde_json::Value>;

/// Reads a token's header and claims without verifying anything, with the
/// same strict JSON reader and nesting bound (`max_depth`, the config's
/// `limits.maxJsonDepth`) as the engine, so `decode` accepts exactly what
/// the engine can parse. Errors say which part is wrong and how.
pub fn decode_unverified(token: &str, max_depth: usize) -> Result<(JsonObject, JsonObject), String> {
    let jws = crate::jose::jws::parse_compact(token, max_depth).map_err(|e| e.detail)?;
    let encoded = jws.signing_input.split('.').next().unwrap_or("");
    let header_bytes = base64url::decode(encoded).map_err(|e| format!("the header is not base64url: {e}"))?;
    let header = crate::unique_json::from_slice(&header_bytes)
        .map_err(|(e, _)| format!("the header is not a JSON object: {e}"))?;
    let payload = String::from_utf8(jws.payload).map_err(|_| "the claims are not UTF-8 text".to_owned())?;
    // The engine's claims reader: strict scan, duplicate names refused.
    crate::claims::Claims::parse(payload.clone(), max_depth).map_err(|e| format!("the claims are not a JSON object: {e}"))?;
    let claims = crate::unique_json::from_slice(payload.as_bytes())
        .map_err(|(e, _)| format!("the claims are not a JSON object: {e}"))?;
    match (header, claims) {
        (serde_json::Value::Object(h), serde_json::Value::Object(c)) => Ok((h, c)),
        _ => Err("the header and claims must be JSON objects".to_owned()),
    }
}
