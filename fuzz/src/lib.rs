//! Shared harness code for the fuzz targets: a fixed key set (committed under
//! `fuzz/keys/`, so seed tokens stay valid across runs and machines), the
//! engine config built from it, and token signing.
//!
//! These keys are fuzzing fixtures: they sign nothing outside this folder.

use std::sync::OnceLock;

use claimcheck::dev::DevKey;
use claimcheck::test_hooks::base64url;
use claimcheck::Engine;
use serde_json::{json, Value};

/// The decision time every target uses (2025-06-15): seeds carry `exp`
/// around it, and a fixed clock keeps runs reproducible.
pub const NOW: f64 = 1_750_000_000.0;
/// Issuer of the RS256 + ES256 provider.
pub const ISSUER: &str = "https://issuer.example";
/// Issuer of the HS256 provider (a shared secret needs its own key set).
pub const HS_ISSUER: &str = "https://hs.example";
/// The accepted audience of both providers.
pub const AUDIENCE: &str = "api://fuzz";
/// Leeway of both providers, seconds.
pub const LEEWAY: f64 = 30.0;

/// The three fixture keys.
pub struct Keys {
    /// RS256, kid `fuzz-rs256`.
    pub rsa: DevKey,
    /// ES256, kid `fuzz-es256`.
    pub ec: DevKey,
    /// HS256, kid `fuzz-hs256`.
    pub hs: DevKey,
}

fn load(text: &str) -> DevKey {
    let doc: Value = serde_json::from_str(text).expect("fixture key is JSON");
    DevKey::from_json(&doc).expect("fixture key loads")
}

/// The fixture keys, loaded once.
pub fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        rsa: load(include_str!("../keys/rs256.json")),
        ec: load(include_str!("../keys/es256.json")),
        hs: load(include_str!("../keys/hs256.json")),
    })
}

/// The native config (JSON) of the fixed engine: two providers with inline
/// key sets and a deny rule that reads a claim list through the fast path.
pub fn config_json() -> String {
    config_json_with(
        None,
        json!([
            {"deny": "has(auth.claims.groups) && \"banned\" in auth.claims.groups"},
            {"allow": "true"}
        ]),
    )
}

/// The fixed providers with these token sources (default when `None`) and rules.
pub fn config_json_with(token_sources: Option<Value>, rules: Value) -> String {
    let k = keys();
    let mut doc = json!({
        "authentication": {
            "mode": "strict",
            "providers": [
                {
                    "name": "pki",
                    "issuer": ISSUER,
                    "audiences": [AUDIENCE],
                    "algorithms": ["RS256", "ES256"],
                    "leeway": "30s",
                    "jwks": {"inline": DevKey::jwks(&[&k.rsa, &k.ec])}
                },
                {
                    "name": "shared",
                    "issuer": HS_ISSUER,
                    "audiences": [AUDIENCE],
                    "algorithms": ["HS256"],
                    "leeway": "30s",
                    "jwks": {"inline": DevKey::jwks(&[&k.hs])}
                }
            ]
        },
        "authorization": {"rules": rules}
    });
    if let Some(sources) = token_sources {
        doc["authentication"]["tokenSource"] = sources;
    }
    doc.to_string()
}

/// The fixed engine, built once per process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&config_json()).expect("the fixture config loads"))
}

/// Decides `request` at `now` (which must be a valid clock: finite, not
/// negative). The one place the targets call `authorize_at`.
pub fn decide(engine: &Engine, request: &claimcheck::Request<'_>, now: f64) -> claimcheck::Decision {
    engine.authorize_at(request, now).expect("the fixed clock is valid")
}

/// Which key signs in the structured token mode.
#[derive(Debug, Clone, Copy)]
pub enum Signer {
    /// RS256 (slow: used for one input in four of the signed ones).
    Rsa,
    /// ES256.
    Ec,
    /// HS256.
    Hs,
}

/// Signs raw header and payload bytes with a fixture key.
pub fn sign(signer: Signer, header: &[u8], payload: &[u8]) -> String {
    let k = keys();
    let key = match signer {
        Signer::Rsa => &k.rsa,
        Signer::Ec => &k.ec,
        Signer::Hs => &k.hs,
    };
    key.sign_raw(header, payload).expect("fixture key signs")
}

/// base64url without padding, as the project encodes.
pub fn b64(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Splits `data` at its first NUL byte (the separator of the structured
/// inputs: a NUL is never valid in JSON text, so no part needs escaping).
pub fn split_nul(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[]),
    }
}

/// The header text a fixture key signs with by default.
pub fn default_header(signer: Signer) -> String {
    let (alg, kid) = match signer {
        Signer::Rsa => ("RS256", "fuzz-rs256"),
        Signer::Ec => ("ES256", "fuzz-es256"),
        Signer::Hs => ("HS256", "fuzz-hs256"),
    };
    json!({"alg": alg, "kid": kid, "typ": "JWT"}).to_string()
}
