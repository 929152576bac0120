//! Development signing keys: mint tokens for tests, benchmarks, the demo
//! and `claimcheck mint`. Production tokens come from an identity provider;
//! nothing on the request path uses this module.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use aws_lc_rs::hmac;
use serde_json::{json, Map, Value};

pub use crate::jose::algorithm::Algorithm;
pub use crate::json::base64url;

// One key per DevKey, built once: the size difference between variants
// costs nothing worth boxing for.
#[allow(clippy::large_enum_variant)]
enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
    Ed(Ed25519KeyPair),
    Hmac(hmac::Key, Vec<u8>),
}

/// A private key that signs development tokens with one algorithm.
pub struct DevKey {
    kid: String,
    alg: Algorithm,
    signer: Signer,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey").field("kid", &self.kid).field("alg", &self.alg).finish()
    }
}

fn failed(what: &str) -> String {
    format!("could not {what}")
}

impl DevKey {
    /// Generates a fresh key for `alg` (RSA keys are 2048 bits; HMAC
    /// secrets are as long as the hash output).
    pub fn generate(alg: Algorithm, kid: &str) -> Result<DevKey, String> {
        let signer = match alg {
            Algorithm::RS256 | Algorithm::RS384 | Algorithm::RS512 | Algorithm::PS256 | Algorithm::PS384 | Algorithm::PS512 => {
                Signer::Rsa(RsaKeyPair::generate(KeySize::Rsa2048).map_err(|_| failed("generate an RSA key"))?)
            }
            Algorithm::ES256 | Algorithm::ES384 | Algorithm::ES512 => {
                Signer::Ec(EcdsaKeyPair::generate(ecdsa_alg(alg)).map_err(|_| failed("generate an EC key"))?)
            }
            Algorithm::EdDSA => Signer::Ed(Ed25519KeyPair::generate().map_err(|_| failed("generate an Ed25519 key"))?),
            Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512 => {
                let (hmac_alg, len) = hmac_alg(alg);
                let mut secret = vec![0u8; len];
                aws_lc_rs::rand::fill(&mut secret).map_err(|_| failed("generate a secret"))?;
                Signer::Hmac(hmac::Key::new(hmac_alg, &secret), secret)
            }
        };
        Ok(DevKey { kid: kid.to_owned(), alg, signer })
    }

    /// Loads a key from PKCS#8 DER (asymmetric) or the raw secret (HMAC).
    pub fn from_private_bytes(alg: Algorithm, kid: &str, bytes: &[u8]) -> Result<DevKey, String> {
        let signer = match alg.family() {
            crate::jose::algorithm::KeyFamily::Rsa => {
                Signer::Rsa(RsaKeyPair::from_pkcs8(bytes).map_err(|e| format!("not an RSA PKCS#8 key: {e}"))?)
            }
            crate::jose::algorithm::KeyFamily::Ec(_) => Signer::Ec(
                EcdsaKeyPair::from_pkcs8(ecdsa_alg(alg), bytes).map_err(|e| format!("not an EC PKCS#8 key for {alg}: {e}"))?,
            ),
            crate::jose::algorithm::KeyFamily::Ed25519 => {
                Signer::Ed(Ed25519KeyPair::from_pkcs8(bytes).map_err(|e| format!("not an Ed25519 PKCS#8 key: {e}"))?)
            }
            crate::jose::algorithm::KeyFamily::Hmac => Signer::Hmac(hmac::Key::new(hmac_alg(alg).0, bytes), bytes.to_vec()),
        };
        Ok(DevKey { kid: kid.to_owned(), alg, signer })
    }

    /// The private key as PKCS#8 DER (asymmetric) or the raw secret (HMAC).
    pub fn private_bytes(&self) -> Result<Vec<u8>, String> {
        use aws_lc_rs::encoding::AsDer;
        match &self.signer {
            Signer::Rsa(pair) => pair.as_der().map(|d| d.as_ref().to_vec()).map_err(|_| failed("export the key")),
            Signer::Ec(pair) => pair.to_pkcs8v1().map(|d| d.as_ref().to_vec()).map_err(|_| failed("export the key")),
            Signer::Ed(pair) => pair.to_pkcs8().map(|d| d.as_ref().to_vec()).map_err(|_| failed("export the key")),
            Signer::Hmac(_, secret) => Ok(secret.clone()),
        }
    }

    /// The key as a small JSON document `{alg, kid, private}` (private: base64url
    /// PKCS#8 or secret), for `claimcheck mint --key` and the dev issuer.
    pub fn to_json(&self) -> Result<Value, String> {
        Ok(json!({"alg": self.alg.name(), "kid": self.kid, "private": base64url::encode(&self.private_bytes()?)}))
    }

    /// Reads a key written by [`DevKey::to_json`].
    pub fn from_json(doc: &Value) -> Result<DevKey, String> {
        let field = |name: &str| doc.get(name).and_then(Value::as_str).ok_or_else(|| format!("the key file has no `{name}`"));
        let alg_name = field("alg")?;
        let alg = Algorithm::from_name(alg_name).ok_or_else(|| format!("unknown alg `{alg_name}`"))?;
        let private = base64url::decode(field("private")?).map_err(|e| format!("`private` is not base64url: {e}"))?;
        DevKey::from_private_bytes(alg, field("kid")?, &private)
    }

    /// The key's `kid`.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The algorithm it signs with.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK (for HMAC: the secret as an `oct` key), with `kid`,
    /// `alg` and `use: sig`.
    pub fn public_jwk(&self) -> Value {
        let mut jwk = match &self.signer {
            Signer::Rsa(pair) => {
                let public = pair.public_key();
                json!({
                    "kty": "RSA",
                    "n": base64url::encode(public.modulus().big_endian_without_leading_zero()),
                    "e": base64url::encode(public.exponent().big_endian_without_leading_zero()),
                })
            }
            Signer::Ec(pair) => {
                let point = pair.public_key().as_ref();
                let len = (point.len().saturating_sub(1)) / 2;
                let x = point.get(1..1 + len).unwrap_or_default();
                let y = point.get(1 + len..).unwrap_or_default();
                let crv = match self.alg {
                    Algorithm::ES384 => "P-384",
                    Algorithm::ES512 => "P-521",
                    _ => "P-256",
                };
                json!({"kty": "EC", "crv": crv, "x": base64url::encode(x), "y": base64url::encode(y)})
            }
            Signer::Ed(pair) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": base64url::encode(pair.public_key().as_ref())})
            }
            Signer::Hmac(_, secret) => json!({"kty": "oct", "k": base64url::encode(secret)}),
        };
        if let Some(obj) = jwk.as_object_mut() {
            obj.insert("kid".into(), Value::String(self.kid.clone()));
            obj.insert("alg".into(), Value::String(self.alg.name().into()));
            obj.insert("use".into(), Value::String("sig".into()));
        }
        jwk
    }

    /// A JWKS document holding this key's public JWK.
    pub fn jwks(keys: &[&DevKey]) -> Value {
        json!({"keys": keys.iter().map(|k| k.public_jwk()).collect::<Vec<_>>()})
    }

    /// Signs `claims` with a header of `alg`, `kid`, `typ` (when given) and
    /// any `extra` header members.
    pub fn sign(&self, claims: &Value, typ: Option<&str>, extra: &Map<String, Value>) -> Result<String, String> {
        let mut header = Map::new();
        header.insert("alg".into(), Value::String(self.alg.name().into()));
        header.insert("kid".into(), Value::String(self.kid.clone()));
        if let Some(typ) = typ {
            header.insert("typ".into(), Value::String(typ.into()));
        }
        for (k, v) in extra {
            header.insert(k.clone(), v.clone());
        }
        let header = serde_json::to_vec(&Value::Object(header)).map_err(|e| e.to_string())?;
        let payload = serde_json::to_vec(claims).map_err(|e| e.to_string())?;
        self.sign_raw(&header, &payload)
    }

    /// Signs raw header and payload bytes, exactly as given (tests use this
    /// to build malformed tokens that still carry a valid signature).
    pub fn sign_raw(&self, header: &[u8], payload: &[u8]) -> Result<String, String> {
        let signing_input = format!("{}.{}", base64url::encode(header), base64url::encode(payload));
        let signature = self.sign_bytes(signing_input.as_bytes())?;
        Ok(format!("{signing_input}.{}", base64url::encode(&signature)))
    }

    /// The raw JWS signature of `message` with this key's algorithm.
    pub fn sign_bytes(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let rng = SystemRandom::new();
        match &self.signer {
            Signer::Rsa(pair) => {
                let padding: &'static dyn signature::RsaEncoding = match self.alg {
                    Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
                    Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
                    Algorithm::PS256 => &signature::RSA_PSS_SHA256,
                    Algorithm::PS384 => &signature::RSA_PSS_SHA384,
                    Algorithm::PS512 => &signature::RSA_PSS_SHA512,
                    _ => &signature::RSA_PKCS1_SHA256,
                };
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(padding, &rng, message, &mut sig).map_err(|_| failed("sign"))?;
                Ok(sig)
            }
            Signer::Ec(pair) => Ok(pair.sign(&rng, message).map_err(|_| failed("sign"))?.as_ref().to_vec()),
            Signer::Ed(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Signer::Hmac(key, _) => Ok(hmac::sign(key, message).as_ref().to_vec()),
        }
    }
}

fn ecdsa_alg(alg: Algorithm) -> &'static signature::EcdsaSigningAlgorithm {
    match alg {
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        Algorithm::ES512 => &signature::ECDSA_P521_SHA512_FIXED_SIGNING,
        _ => &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
    }
}

fn hmac_alg(alg: Algorithm) -> (hmac::Algorithm, usize) {
    match alg {
        Algorithm::HS384 => (hmac::HMAC_SHA384, 48),
        Algorithm::HS512 => (hmac::HMAC_SHA512, 64),
        _ => (hmac::HMAC_SHA256, 32),
    }
}
