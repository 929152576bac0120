//! One JWK (RFC 7517) turned into a verifying key, parsed once when the key
//! set loads so that a request pays only for the signature check.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use serde_json::{Map, Value};

use super::roca::has_roca_fingerprint;
use crate::json::base64url;
use crate::jose::algorithm::{Algorithm, Curve, KeyFamily};

/// Smallest accepted RSA modulus, in bits (RFC 8725 §3.5 points at NIST's 2048).
pub const MIN_RSA_BITS: usize = 2048;
/// Largest accepted RSA modulus, in bits.
pub const MAX_RSA_BITS: usize = 8192;

/// A key ready to verify signatures.
pub struct VerifyingKey {
    /// The JWK's `kid`.
    pub kid: Option<String>,
    /// The JWK's `alg`, when it names one: then only that algorithm is used.
    pub jwk_alg: Option<Algorithm>,
    material: Material,
}

impl std::fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("jwk_alg", &self.jwk_alg)
            .field("type", &self.describe())
            .finish()
    }
}

enum Material {
    /// One pre-parsed key per RSA algorithm it may verify.
    Rsa { bits: usize, by_alg: Vec<(Algorithm, ParsedPublicKey)> },
    Ec { curve: Curve, key: ParsedPublicKey },
    Ed25519 { key: ParsedPublicKey },
    Hmac { by_alg: Vec<(Algorithm, hmac::Key)> },
}

impl VerifyingKey {
    /// True for a shared secret (`kty: oct`).
    pub fn is_symmetric(&self) -> bool {
        matches!(self.material, Material::Hmac { .. })
    }

    /// A short description for messages: `RSA 2048-bit`, `EC P-256`, ...
    pub fn describe(&self) -> String {
        match &self.material {
            Material::Rsa { bits, .. } => format!("RSA {bits}-bit"),
            Material::Ec { curve, .. } => format!("EC {}", curve.name()),
            Material::Ed25519 { .. } => "OKP Ed25519".to_owned(),
            Material::Hmac { .. } => "oct (HMAC secret)".to_owned(),
        }
    }

    /// Whether this key may verify a signature made with `alg`: the family
    /// and curve fit, and the JWK's own `alg`, when it has one, is `alg`.
    pub fn fits(&self, alg: Algorithm) -> bool {
        if self.jwk_alg.is_some_and(|a| a != alg) {
            return false;
        }
        match &self.material {
            Material::Rsa { by_alg, .. } => by_alg.iter().any(|(a, _)| *a == alg),
            Material::Hmac { by_alg } => by_alg.iter().any(|(a, _)| *a == alg),
            Material::Ec { curve, .. } => alg.family() == KeyFamily::Ec(*curve),
            Material::Ed25519 { .. } => alg == Algorithm::EdDSA,
        }
    }

    /// Checks `signature` over `message` with `alg`. False when the key does
    /// not fit `alg` or the signature is wrong.
    pub fn verify(&self, alg: Algorithm, message: &[u8], signature: &[u8]) -> bool {
        if !self.fits(alg) {
            return false;
        }
        match &self.material {
            Material::Rsa { by_alg, .. } => by_alg
                .iter()
                .find(|(a, _)| *a == alg)
                .is_some_and(|(_, key)| key.verify_sig(message, signature).is_ok()),
            Material::Ec { curve, key } => {
                // JWS ECDSA signatures are the fixed-width R || S (RFC 7518 §3.4).
                signature.len() == 2 * curve.coordinate_len()
                    && key.verify_sig(message, signature).is_ok()
            }
            Material::Ed25519 { key } => key.verify_sig(message, signature).is_ok(),
            Material::Hmac { by_alg } => by_alg
                .iter()
                .find(|(a, _)| *a == alg)
                .is_some_and(|(_, key)| hmac::verify(key, message, signature).is_ok()),
        }
    }
}

/// Members that only a private key has: a JWKS that publishes them has
/// leaked its signing key, so such a key is never trusted.
const PRIVATE_MEMBERS: [&str; 6] = ["d", "p", "q", "dp", "dq", "qi"];

fn opt_str<'a>(jwk: &'a Map<String, Value>, name: &str) -> Result<Option<&'a str>, String> {
    match jwk.get(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(format!("`{name}` is not a string")),
    }
}

fn member_bytes(jwk: &Map<String, Value>, name: &str) -> Result<Vec<u8>, String> {
    let text = opt_str(jwk, name)?.ok_or_else(|| format!("`{name}` is missing"))?;
    base64url::decode(text).map_err(|e| format!("`{name}` is not base64url: {e}"))
}

/// Parses one JWK. The error says why the key cannot be used; the caller
/// skips it with a warning rather than failing the whole set.
pub fn parse_jwk(value: &Value) -> Result<VerifyingKey, String> {
    let jwk = value.as_object().ok_or("a key is not a JSON object")?;
    let kty = opt_str(jwk, "kty")?.ok_or("`kty` is missing")?;
    let kid = opt_str(jwk, "kid")?.map(str::to_owned);

    if let Some(usage) = opt_str(jwk, "use")? {
        if usage != "sig" {
            return Err(format!("`use` is `{usage}`, not `sig`"));
        }
    }
    match jwk.get("key_ops") {
        None => {}
        Some(Value::Array(ops)) => {
            if !ops.iter().any(|op| op.as_str() == Some("verify")) {
                return Err("`key_ops` does not include `verify`".to_owned());
            }
            if ops.iter().any(|op| !op.is_string()) {
                return Err("`key_ops` holds a value that is not a string".to_owned());
            }
        }
        Some(_) => return Err("`key_ops` is not an array".to_owned()),
    }
    let jwk_alg = match opt_str(jwk, "alg")? {
        None => None,
        Some(name) => Some(Algorithm::from_name(name).ok_or_else(|| {
            format!("`alg` `{name}` is not a signature algorithm this engine verifies")
        })?),
    };
    if kty != "oct" {
        if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
            return Err(format!(
                "the key holds private key material (`{member}`); a published key set must hold public keys only"
            ));
        }
    }

    let material = match kty {
        "RSA" => rsa_material(jwk, jwk_alg)?,
        "EC" => ec_material(jwk)?,
        "OKP" => okp_material(jwk)?,
        "oct" => hmac_material(jwk, jwk_alg)?,
        other => return Err(format!("`kty` `{other}` is not supported")),
    };
    let key = VerifyingKey { kid, jwk_alg, material };
    if let Some(alg) = jwk_alg {
        if !key.fits(alg) {
            return Err(format!("`alg` `{alg}` does not fit a {} key", key.describe()));
        }
    }
    Ok(key)
}

fn bit_length(bytes: &[u8]) -> usize {
    match bytes.iter().position(|b| *b != 0) {
        None => 0,
        Some(i) => {
            let first = bytes.get(i).copied().unwrap_or(0);
            (bytes.len() - i - 1) * 8 + (8 - first.leading_zeros() as usize)
        }
    }
}

fn rsa_material(jwk: &Map<String, Value>, jwk_alg: Option<Algorithm>) -> Result<Material, String> {
    let n = member_bytes(jwk, "n")?;
    let e = member_bytes(jwk, "e")?;
    let n: Vec<u8> = n.iter().copied().skip_while(|b| *b == 0).collect();
    let e: Vec<u8> = e.iter().copied().skip_while(|b| *b == 0).collect();
    let bits = bit_length(&n);
    if bits < MIN_RSA_BITS {
        return Err(format!("RSA key of {bits} bits is too small (at least {MIN_RSA_BITS})"));
    }
    if bits > MAX_RSA_BITS {
        return Err(format!("RSA key of {bits} bits is too large (at most {MAX_RSA_BITS})"));
    }
    // The public exponent must be odd and greater than 1 (e = 1 makes every
    // "signature" its own message); more than 4 bytes is not a real key.
    let e_value = e.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
    if e.len() > 4 || e_value < 3 || e_value % 2 == 0 {
        return Err("RSA public exponent is not a valid odd value above 1".to_owned());
    }
    if has_roca_fingerprint(&n) {
        return Err("RSA key carries the ROCA weakness (CVE-2017-15361)".to_owned());
    }
    let components = RsaPublicKeyComponents { n: n.as_slice(), e: e.as_slice() };
    let candidates: [(Algorithm, &'static signature::RsaParameters); 6] = [
        (Algorithm::RS256, &signature::RSA_PKCS1_2048_8192_SHA256),
        (Algorithm::RS384, &signature::RSA_PKCS1_2048_8192_SHA384),
        (Algorithm::RS512, &signature::RSA_PKCS1_2048_8192_SHA512),
        (Algorithm::PS256, &signature::RSA_PSS_2048_8192_SHA256),
        (Algorithm::PS384, &signature::RSA_PSS_2048_8192_SHA384),
        (Algorithm::PS512, &signature::RSA_PSS_2048_8192_SHA512),
    ];
    let mut by_alg = Vec::new();
    for (alg, params) in candidates {
        if jwk_alg.is_some_and(|a| a != alg) {
            continue;
        }
        let key = components
            .to_parsed_public_key(params)
            .map_err(|e| format!("RSA key is invalid: {e}"))?;
        by_alg.push((alg, key));
    }
    Ok(Material::Rsa { bits, by_alg })
}

fn ec_material(jwk: &Map<String, Value>) -> Result<Material, String> {
    let crv = opt_str(jwk, "crv")?.ok_or("`crv` is missing")?;
    let (curve, alg): (Curve, &'static signature::EcdsaVerificationAlgorithm) = match crv {
        "P-256" => (Curve::P256, &signature::ECDSA_P256_SHA256_FIXED),
        "P-384" => (Curve::P384, &signature::ECDSA_P384_SHA384_FIXED),
        "P-521" => (Curve::P521, &signature::ECDSA_P521_SHA512_FIXED),
        other => return Err(format!("EC curve `{other}` is not supported")),
    };
    let x = member_bytes(jwk, "x")?;
    let y = member_bytes(jwk, "y")?;
    let len = curve.coordinate_len();
    // RFC 7518 §6.2.1.2: coordinates are exactly the field size, zero-padded.
    if x.len() != len || y.len() != len {
        return Err(format!("EC {} coordinates must be {len} bytes each", curve.name()));
    }
    let mut point = Vec::with_capacity(1 + 2 * len);
    point.push(0x04);
    point.extend_from_slice(&x);
    point.extend_from_slice(&y);
    let key = ParsedPublicKey::new(alg, &point)
        .map_err(|_| format!("EC {} point is not on the curve", curve.name()))?;
    Ok(Material::Ec { curve, key })
}

fn okp_material(jwk: &Map<String, Value>) -> Result<Material, String> {
    let crv = opt_str(jwk, "crv")?.ok_or("`crv` is missing")?;
    if crv != "Ed25519" {
        return Err(format!("OKP curve `{crv}` is not supported (only Ed25519)"));
    }
    let x = member_bytes(jwk, "x")?;
    if x.len() != 32 {
        return Err("Ed25519 public key must be 32 bytes".to_owned());
    }
    let key = ParsedPublicKey::new(&signature::ED25519, &x)
        .map_err(|_| "Ed25519 public key is invalid".to_owned())?;
    Ok(Material::Ed25519 { key })
}

fn hmac_material(jwk: &Map<String, Value>, jwk_alg: Option<Algorithm>) -> Result<Material, String> {
    let secret = member_bytes(jwk, "k")?;
    // RFC 7518 §3.2: the secret is at least as long as the hash output.
    let candidates = [
        (Algorithm::HS256, hmac::HMAC_SHA256, 32usize),
        (Algorithm::HS384, hmac::HMAC_SHA384, 48),
        (Algorithm::HS512, hmac::HMAC_SHA512, 64),
    ];
    let mut by_alg = Vec::new();
    for (alg, hmac_alg, min_len) in candidates {
        if jwk_alg.is_some_and(|a| a != alg) {
            continue;
        }
        if secret.len() >= min_len {
            by_alg.push((alg, hmac::Key::new(hmac_alg, &secret)));
        } else if jwk_alg == Some(alg) {
            return Err(format!(
                "{alg} secret of {} bytes is too short (at least {min_len})",
                secret.len()
            ));
        }
    }
    if by_alg.is_empty() {
        return Err(format!(
            "HMAC secret of {} bytes is too short for any HS algorithm (at least 32)",
            secret.len()
        ));
    }
    Ok(Material::Hmac { by_alg })
}
