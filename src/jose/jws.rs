//! The compact JWS serialization (RFC 7515 §7.1): the only form a bearer
//! token takes. JSON serialization, detached content and JWE are refused.


use crate::json::base64url;
use super::header::{parse_header, RawHeader, StrMember};
use crate::reason::{Reason, TokenError};
use crate::jose::algorithm::Algorithm;

fn malformed(detail: impl Into<String>) -> TokenError {
    TokenError::new(Reason::MalformedToken, detail)
}

/// Longest signature accepted: an RSA-8192 signature (HMAC-512 is 64 bytes,
/// ES512 132).
pub const MAX_SIGNATURE_LEN: usize = 1024;

/// Signatures up to this length (RSA-4096) are held inline.
const INLINE_SIGNATURE_LEN: usize = 512;

/// Signature bytes: inline up to RSA-4096 (no allocation per token, and a
/// small buffer to clear and move), on the heap beyond.
#[derive(Clone)]
pub struct Signature {
    inline: [u8; INLINE_SIGNATURE_LEN],
    heap: Vec<u8>,
    len: usize,
}

impl Signature {
    fn decode(s64: &str) -> Result<Signature, String> {
        let mut signature = Signature { inline: [0; INLINE_SIGNATURE_LEN], heap: Vec::new(), len: 0 };
        if s64.len() / 4 * 3 <= INLINE_SIGNATURE_LEN {
            signature.len = base64url::decode_into_slice(s64, &mut signature.inline)?;
        } else {
            signature.heap = base64url::decode(s64)?;
            signature.len = signature.heap.len();
        }
        // The caller's length pre-check allows up to two bytes of slack.
        if signature.len > MAX_SIGNATURE_LEN {
            return Err(format!("the signature is longer than {MAX_SIGNATURE_LEN} bytes"));
        }
        Ok(signature)
    }
}

impl std::ops::Deref for Signature {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        if self.heap.is_empty() {
            self.inline.get(..self.len).unwrap_or_default()
        } else {
            &self.heap
        }
    }
}

impl std::fmt::Debug for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signature({} bytes)", self.len)
    }
}

/// The JOSE header members this engine acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// `alg`, checked to be one this engine verifies.
    pub alg: Algorithm,
    /// `kid`, when present.
    pub kid: Option<String>,
    /// `typ`, when present.
    pub typ: Option<String>,
}

/// A compact JWS split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct CompactJws<'t> {
    /// `BASE64URL(header) . BASE64URL(payload)`: what the signature covers.
    pub signing_input: &'t str,
    /// The parsed header.
    pub header: Header,
    /// The decoded payload bytes.
    pub payload: Vec<u8>,
    /// The decoded signature bytes.
    pub signature: Signature,
}

/// Header parameters whose meaning this engine implements (RFC 7515 §4.1,
/// RFC 7519 §5). `crit` may never name these, and names nothing else we know.
const REGISTERED_HEADER_NAMES: [&str; 11] =
    ["alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"];

/// Splits and decodes a compact JWS, parses and checks its header.
///
/// Checks, in order: the three-part compact form (JSON serialization and JWE
/// are named as such), strict base64url, a JSON object header with unique
/// members, `alg` (never `none`), `crit`, `b64`, and `typ`'s form.
/// `jku`, `x5u`, `x5c` and `jwk` are never used to find a key.
pub fn parse_compact(token: &str, max_json_depth: usize) -> Result<CompactJws<'_>, TokenError> {
    if token.starts_with('{') {
        return Err(malformed("JWS JSON serialization is not a bearer token; use the compact form"));
    }
    // The dots, found with one vectorised search (a dot is ASCII, so each
    // position is a char boundary).
    let mut dots = memchr::memchr_iter(b'.', token.as_bytes());
    let (Some(first), Some(second)) = (dots.next(), dots.next()) else {
        return Err(malformed("a JWT has three dot-separated parts"));
    };
    match dots.count() {
        0 => {}
        2 => return Err(malformed("the token is a JWE (five parts); encrypted tokens are not accepted")),
        _ => return Err(malformed("a JWT has three dot-separated parts")),
    }
    let (Some(h64), Some(p64), Some(s64), Some(signing_input)) = (
        token.get(..first),
        token.get(first + 1..second),
        token.get(second + 1..),
        token.get(..second),
    ) else {
        return Err(malformed("a JWT has three dot-separated parts"));
    };

    // Headers are short: decode onto the stack, falling back to the heap.
    let mut header_stack = [0u8; 512];
    let header_heap;
    let header_bytes: &[u8] = match base64url::decode_into_slice(h64, &mut header_stack) {
        Ok(len) => header_stack.get(..len).unwrap_or_default(),
        Err(_) => {
            header_heap =
                base64url::decode(h64).map_err(|e| malformed(format!("header is not base64url: {e}")))?;
            &header_heap
        }
    };
    let header = parse_header(header_bytes, max_json_depth)
        .map_err(|e| malformed(format!("header is not a JSON object: {e}")))?;
    let header = check_header(header)?;

    // An empty payload is a valid JWS (and the detached-content form); the
    // JWT layer refuses it, since claims are never empty bytes.
    let payload =
        base64url::decode(p64).map_err(|e| malformed(format!("payload is not base64url: {e}")))?;
    if s64.is_empty() {
        return Err(malformed("the signature is empty"));
    }
    // Decoded length is at most 3/4 of the text: refuse what cannot fit.
    if s64.len() / 4 * 3 > MAX_SIGNATURE_LEN + 2 {
        return Err(malformed(format!("the signature is longer than {MAX_SIGNATURE_LEN} bytes")));
    }
    let signature = Signature::decode(s64).map_err(|e| malformed(format!("signature is not base64url: {e}")))?;
    Ok(CompactJws { signing_input, header, payload, signature })
}

fn check_header(header: RawHeader<'_>) -> Result<Header, TokenError> {
    let alg_name = match &header.alg {
        Some(StrMember::Str(s)) => s.as_ref(),
        Some(StrMember::NotAString) => return Err(malformed("header `alg` is not a string")),
        None => return Err(malformed("header has no `alg`")),
    };
    let alg = Algorithm::from_name(alg_name).ok_or_else(|| {
        TokenError::new(
            Reason::UnsupportedAlgorithm,
            format!("header `alg` `{alg_name}` is not accepted"),
        )
    })?;

    if let Some(crit) = &header.crit {
        let names = crit
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| malformed("header `crit` is not a non-empty array"))?;
        if let Some(name) = names.first() {
            let name = name.as_str().ok_or_else(|| malformed("header `crit` holds a non-string"))?;
            if REGISTERED_HEADER_NAMES.contains(&name) {
                return Err(malformed(format!("header `crit` names the registered parameter `{name}`")));
            }
            // This engine implements no extension, so any entry is unknown
            // (including RFC 7797's `b64`).
            return Err(TokenError::new(
                Reason::UnknownCriticalHeader,
                format!("header `crit` names `{name}`, an extension this engine does not implement"),
            ));
        }
    }
    if header.has_b64 {
        // RFC 7797 unencoded payloads change what is signed; without `crit`
        // the parameter is malformed, with it the check above already refused.
        return Err(malformed("header `b64` is not supported"));
    }

    let kid = match header.kid {
        None => None,
        Some(StrMember::Str(s)) => Some(s.into_owned()),
        Some(StrMember::NotAString) => return Err(malformed("header `kid` is not a string")),
    };
    let typ = match header.typ {
        None => None,
        Some(StrMember::Str(s)) => {
            if normalized_typ(&s).is_none() {
                return Err(TokenError::new(
                    Reason::InvalidType,
                    format!("header `typ` `{s}` is not `JWT` or `at+jwt`"),
                ));
            }
            Some(s.into_owned())
        }
        Some(StrMember::NotAString) => return Err(TokenError::new(Reason::InvalidType, "header `typ` is not a string")),
    };
    Ok(Header { alg, kid, typ })
}

/// The kind of token a `typ` value names, if it is one we accept: `jwt` or
/// `at+jwt`, compared case-insensitively, with an optional `application/`
/// prefix (RFC 7515 §4.1.9).
pub fn normalized_typ(typ: &str) -> Option<&'static str> {
    let bare = match typ.get(..12) {
        Some(prefix) if prefix.eq_ignore_ascii_case("application/") => typ.get(12..).unwrap_or(""),
        _ => typ,
    };
    if bare.eq_ignore_ascii_case("jwt") {
        Some("jwt")
    } else if bare.eq_ignore_ascii_case("at+jwt") {
        Some("at+jwt")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(header: &str, payload: &str, sig: &str) -> String {
        format!("{}.{}.{sig}", base64url::encode(header.as_bytes()), base64url::encode(payload.as_bytes()))
    }

    #[test]
    fn typ_forms() {
        for ok in ["JWT", "jwt", "application/jwt", "APPLICATION/JWT", "at+jwt", "application/at+JWT"] {
            assert!(normalized_typ(ok).is_some(), "{ok}");
        }
        for bad in ["", "JOSE", "application/", "text/jwt", "jwt ", "dpop+jwt"] {
            assert!(normalized_typ(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_compact_jws() {
        let r = |t: &str| parse_compact(t, 8).unwrap_err().reason;
        assert_eq!(r("{\"payload\":\"x\"}"), Reason::MalformedToken);
        assert_eq!(r("a.b"), Reason::MalformedToken);
        assert_eq!(r("a.b.c.d.e"), Reason::MalformedToken);
        assert!(parse_compact("a.b.c.d.e", 8).unwrap_err().detail.contains("JWE"));
        for parts in ["a", "a.b", "a.b.c.d", "a.b.c.d.e.f", "..."] {
            assert!(parse_compact(parts, 8).unwrap_err().detail.contains("three dot-separated parts"), "{parts}");
        }
        assert_eq!(r(&token(r#"{"alg":"none"}"#, "{}", "")), Reason::UnsupportedAlgorithm);
        assert_eq!(r(&token(r#"{"alg":"RS256"}"#, "{}", "")), Reason::MalformedToken);
        assert_eq!(r(&token(r#"{"alg":"RS256","crit":["exp"],"exp":1}"#, "{}", "AA")), Reason::UnknownCriticalHeader);
        assert_eq!(r(&token(r#"{"alg":"RS256","crit":["b64"],"b64":false}"#, "{}", "AA")), Reason::UnknownCriticalHeader);
        assert_eq!(r(&token(r#"{"alg":"RS256","typ":"JOSE"}"#, "{}", "AA")), Reason::InvalidType);
        assert_eq!(r(&token(r#"{"alg":"RS256","alg":"HS256"}"#, "{}", "AA")), Reason::MalformedToken);
    }

    #[test]
    fn signatures_up_to_rsa_8192_are_read_inline_or_on_the_heap() {
        for len in [1, 64, 132, 256, 512, 513, 1024] {
            let sig: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            let t = token(r#"{"alg":"RS256"}"#, "{}", &base64url::encode(&sig));
            assert_eq!(&*parse_compact(&t, 8).unwrap().signature, &sig[..], "{len} bytes");
        }
        for len in [1025, 1026, 1027, 1028, 1029, 1100] {
            let too_long = token(r#"{"alg":"RS256"}"#, "{}", &base64url::encode(&vec![1u8; len]));
            assert!(parse_compact(&too_long, 8).unwrap_err().detail.contains("longer than 1024"), "{len} bytes");
        }
    }

    #[test]
    fn key_hints_in_the_header_are_ignored_not_used() {
        let t = token(r#"{"alg":"RS256","jku":"https://evil/","x5u":"https://evil/","jwk":{"kty":"oct","k":"AA"}}"#, "{}", "AA");
        let jws = parse_compact(&t, 8).unwrap();
        assert_eq!(jws.header.kid, None);
        assert_eq!(jws.header.alg, Algorithm::RS256);
    }
}
