//! A provider's set of verifying keys (a parsed JWKS) and the choice of the
//! one key that may verify a given token.


use serde_json::Value;

use super::jwk::{parse_jwk, VerifyingKey};
use crate::jose::algorithm::Algorithm;

/// Parsed keys of one JWKS document.
#[derive(Debug, Default)]
pub struct KeySet {
    keys: Vec<VerifyingKey>,
    /// Key indexes by `kid`, sorted for binary search.
    by_kid: Vec<(String, Vec<usize>)>,
    /// `kid`s the document lists more than once, counting keys that were
    /// skipped: a token naming one of them is refused rather than verified
    /// with whichever copy happened to parse (Wycheproof DuplicateKid).
    ambiguous_kids: std::collections::HashSet<String>,
    /// `kid`s of keys the document lists but that were skipped, with why:
    /// a token naming one is told so instead of "no key has kid".
    skipped: Vec<(String, String)>,
}

/// Why no key was chosen for a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyChoiceError {
    /// No key has the token's `kid`.
    UnknownKid(String),
    /// The key set lists a key with the token's `kid`, but it was skipped
    /// when the set was loaded (unusable, `use: enc`, a secret among
    /// public keys, ...).
    SkippedKid {
        /// The token's `kid`.
        kid: String,
        /// Why the key was skipped.
        why: String,
    },
    /// Keys have the token's `kid` but none can verify its `alg`.
    AlgorithmMismatch {
        /// The token's `kid`.
        kid: String,
        /// What the key with that `kid` is.
        key: String,
    },
    /// More than one key has the token's `kid` and fits its `alg`.
    AmbiguousKid(String),
    /// The token has no `kid` and the number of keys fitting its `alg` is not one.
    NoKidNotExactlyOne(usize),
}

impl std::fmt::Display for KeyChoiceError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyChoiceError::UnknownKid(kid) => write!(f, "no key has kid `{kid}`"),
            KeyChoiceError::SkippedKid { kid, why } => {
                write!(f, "the key with kid `{kid}` exists but was skipped when the key set was loaded: {why}")
            }
            KeyChoiceError::AlgorithmMismatch { kid, key } => {
                write!(f, "the key with kid `{kid}` is a {key} key and cannot verify this alg")
            }
            KeyChoiceError::AmbiguousKid(kid) => {
                write!(f, "more than one key has kid `{kid}`; refusing to guess")
            }
            KeyChoiceError::NoKidNotExactlyOne(n) => write!(
                f,
                "the token has no kid and {n} keys fit its alg (a token without kid needs exactly one)"
            ),
        }
    }
}

/// A key set that failed as a whole (it is not a JWKS, or exceeds a limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySetError(pub String);

impl KeySet {
    /// Parses a JWKS document (`{"keys": [...]}`). Keys that cannot be used
    /// are skipped; each skip adds a warning naming the key and the reason.
    pub fn from_json_bytes(
        bytes: &[u8],
        max_size: usize,
        max_keys: usize,
    ) -> Result<(KeySet, Vec<String>), KeySetError> {
        if bytes.len() > max_size {
            return Err(KeySetError(format!(
                "the key set is {} bytes, over the limit of {max_size} (`limits.maxJwksSize`)",
                bytes.len()
            )));
        }
        let doc: Value = crate::unique_json::from_slice(bytes)
            .map_err(|(e, _)| KeySetError(format!("the key set is not valid JSON: {e}")))?;
        KeySet::from_value(&doc, max_keys)
    }

    /// Like [`KeySet::from_json_bytes`], from a parsed document.
    pub fn from_value(doc: &Value, max_keys: usize) -> Result<(KeySet, Vec<String>), KeySetError> {
        let keys = doc
            .as_object()
            .and_then(|o| o.get("keys"))
            .and_then(Value::as_array)
            .ok_or_else(|| KeySetError("the key set is not a JWKS: expected an object with a `keys` array".to_owned()))?;
        if keys.len() > max_keys {
            return Err(KeySetError(format!(
                "the key set has {} keys, over the limit of {max_keys} (`limits.maxJwksKeys`)",
                keys.len()
            )));
        }
        let mut warnings = Vec::new();
        let mut parsed = Vec::new();
        let mut seen_kids = std::collections::HashSet::new();
        let mut ambiguous_kids = std::collections::HashSet::new();
        // Keys marked for encryption are never candidates, so an IdP that
        // publishes a signing and an encryption key under one kid still works.
        let signing_candidates = keys.iter().filter(|k| {
            k.get("use").and_then(Value::as_str).is_none_or(|u| u == "sig")
                && k.get("key_ops")
                    .and_then(Value::as_array)
                    .is_none_or(|ops| ops.iter().any(|o| o.as_str() == Some("verify")))
        });
        for kid in signing_candidates.filter_map(|k| k.get("kid")).filter_map(Value::as_str) {
            if !seen_kids.insert(kid) {
                ambiguous_kids.insert(kid.to_owned());
            }
        }
        let mut skipped = Vec::new();
        for (i, jwk) in keys.iter().enumerate() {
            match parse_jwk(jwk) {
                Ok(key) => parsed.push(key),
                Err(why) => {
                    if let Some(kid) = jwk.get("kid").and_then(Value::as_str) {
                        skipped.push((kid.to_owned(), why.to_string()));
                    }
                    warnings.push(format!("skipped key {}: {why}", key_label(i, jwk)));
                }
            }
        }
        // A published key set that mixes public keys with a shared secret is a
        // mistake (or a leak): the secret is never used (Wycheproof MixedKeySet).
        if parsed.iter().any(|k| !k.is_symmetric()) && parsed.iter().any(|k| k.is_symmetric()) {
            parsed.retain(|k| {
                if k.is_symmetric() {
                    if let Some(kid) = &k.kid {
                        skipped.push((kid.clone(), "an HMAC secret in a key set with public keys is never used".to_owned()));
                    }
                    warnings.push(format!(
                        "skipped key{}: an HMAC secret in a key set with public keys is never used",
                        k.kid.as_deref().map(|kid| format!(" `{kid}`")).unwrap_or_default()
                    ));
                    false
                } else {
                    true
                }
            });
        }
        for kid in &ambiguous_kids {
            warnings.push(format!("kid `{kid}` appears more than once; tokens naming it are refused"));
        }
        let mut set = KeySet::from_keys(parsed);
        set.ambiguous_kids = ambiguous_kids;
        set.skipped = skipped;
        Ok((set, warnings))
    }

    /// The set without its HMAC secrets, with a warning for each one dropped.
    /// Fetched key sets go through this: a secret published over HTTP(S) is
    /// known to everyone who can fetch it, so it must never verify a token.
    pub fn without_secrets(self) -> (KeySet, Vec<String>) {
        let ambiguous_kids = self.ambiguous_kids;
        let mut skipped = self.skipped;
        let (secrets, public): (Vec<_>, Vec<_>) = self.keys.into_iter().partition(VerifyingKey::is_symmetric);
        skipped.extend(
            secrets.iter().filter_map(|k| k.kid.clone()).map(|kid| (kid, "an HMAC secret in a fetched key set is never used".to_owned())),
        );
        let warnings = secrets
            .iter()
            .map(|k| {
                format!(
                    "skipped key{}: an HMAC secret in a fetched key set is never used",
                    k.kid.as_deref().map(|kid| format!(" `{kid}`")).unwrap_or_default()
                )
            })
            .collect();
        let mut set = KeySet::from_keys(public);
        set.ambiguous_kids = ambiguous_kids;
        set.skipped = skipped;
        (set, warnings)
    }

    /// A set of already-parsed keys.
    pub fn from_keys(keys: Vec<VerifyingKey>) -> KeySet {
        let mut by_kid: Vec<(String, Vec<usize>)> = Vec::new();
        for (i, key) in keys.iter().enumerate() {
            if let Some(kid) = &key.kid {
                match by_kid.iter_mut().find(|(k, _)| k == kid) {
                    Some((_, indexes)) => indexes.push(i),
                    None => by_kid.push((kid.clone(), vec![i])),
                }
            }
        }
        by_kid.sort_by(|a, b| a.0.cmp(&b.0));
        KeySet { keys, by_kid, ambiguous_kids: Default::default(), skipped: Vec::new() }
    }

    /// Number of usable keys.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key is usable.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The usable keys.
    pub fn keys(&self) -> &[VerifyingKey] {
        &self.keys
    }

    /// Whether some key has this `kid`.
    pub fn has_kid(&self, kid: &str) -> bool {
        self.kid_indexes(kid).is_some()
    }

    /// Indexes of the keys with this `kid`.
    fn kid_indexes(&self, kid: &str) -> Option<&[usize]> {
        let pos = self.by_kid.binary_search_by(|(k, _)| k.as_str().cmp(kid)).ok()?;
        self.by_kid.get(pos).map(|(_, indexes)| indexes.as_slice())
    }

    /// The one key that may verify a token with this `kid` and `alg`: by `kid`
    /// when the token has one, else the only key that fits `alg`. Never by
    /// trying keys until one verifies.
    pub fn choose(&self, kid: Option<&str>, alg: Algorithm) -> Result<&VerifyingKey, KeyChoiceError> {
        match kid {
            Some(kid) => {
                if !self.ambiguous_kids.is_empty() && self.ambiguous_kids.contains(kid) {
                    return Err(KeyChoiceError::AmbiguousKid(kid.to_owned()));
                }
                let indexes = self.kid_indexes(kid).ok_or_else(|| match self.skipped.iter().find(|(k, _)| k == kid) {
                    Some((_, why)) => KeyChoiceError::SkippedKid { kid: kid.to_owned(), why: why.clone() },
                    None => KeyChoiceError::UnknownKid(kid.to_owned()),
                })?;
                let mut fitting = indexes
                    .iter()
                    .filter_map(|i| self.keys.get(*i))
                    .filter(|k| k.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(key),
                    (Some(_), Some(_)) => Err(KeyChoiceError::AmbiguousKid(kid.to_owned())),
                    (None, _) => Err(KeyChoiceError::AlgorithmMismatch {
                        kid: kid.to_owned(),
                        key: indexes
                            .first()
                            .and_then(|i| self.keys.get(*i))
                            .map(VerifyingKey::describe)
                            .unwrap_or_default(),
                    }),
                }
            }
            None => {
                let mut fitting = self.keys.iter().filter(|k| k.fits(alg));
                match (fitting.next(), fitting.next()) {
                    (Some(key), None) => Ok(key),
                    (None, _) => Err(KeyChoiceError::NoKidNotExactlyOne(0)),
                    (Some(_), Some(_)) => Err(KeyChoiceError::NoKidNotExactlyOne(
                        self.keys.iter().filter(|k| k.fits(alg)).count(),
                    )),
                }
            }
        }
    }
}

fn key_label(index: usize, jwk: &Value) -> String {
    match jwk.get("kid").and_then(Value::as_str) {
        Some(kid) => format!("{index} (kid `{kid}`)"),
        None => format!("{index}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dev::DevKey;

    #[test]
    fn a_fetched_set_keeps_no_secrets() {
        let hs = DevKey::generate(Algorithm::HS256, "secret").unwrap();
        let (set, _) = KeySet::from_value(&DevKey::jwks(&[&hs]), 10).unwrap();
        assert_eq!(set.len(), 1, "a local key set may hold a secret");
        let (set, warnings) = set.without_secrets();
        assert!(set.is_empty());
        assert!(warnings[0].contains("never used"), "{warnings:?}");
        // A token naming the dropped secret is told why it is not used.
        match set.choose(Some("secret"), Algorithm::HS256) {
            Err(KeyChoiceError::SkippedKid { kid, why }) => {
                assert_eq!((kid.as_str(), why.as_str()), ("secret", "an HMAC secret in a fetched key set is never used"));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(set.choose(Some("other"), Algorithm::HS256), Err(KeyChoiceError::UnknownKid(_))));
    }
}
