//! The JOSE header read straight into the members this engine acts on,
//! borrowing from the decoded bytes: no map is built per request. Member
//! names must be unique (RFC 7515 §5.2), as for the claims.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

/// Most members a JOSE header may have (real headers have three to six).
const MAX_HEADER_MEMBERS: usize = 32;

/// A member value that should be a string: the string, or the fact that it
/// is something else (so the error can say which member has the wrong type).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum StrMember<'a> {
    /// A JSON string (borrowed when it has no escapes).
    Str(Cow<'a, str>),
    /// Any other JSON value.
    NotAString,
}

/// The header members that matter; the rest are skipped unread.
#[derive(Debug, Default)]
pub(crate) struct RawHeader<'a> {
    pub alg: Option<StrMember<'a>>,
    pub kid: Option<StrMember<'a>>,
    pub typ: Option<StrMember<'a>>,
    pub crit: Option<Value>,
    pub has_b64: bool,
}

/// A string that borrows from the input when it can.
struct CowStr<'a>(Cow<'a, str>);

impl<'de> de::Deserialize<'de> for CowStr<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CowStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de> de::Deserialize<'de> for StrMember<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Read any JSON value; keep it only when it is a string.
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = StrMember<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrMember::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrMember::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(StrMember::NotAString)
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(StrMember::NotAString)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(StrMember::NotAString)
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(StrMember::NotAString)
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(StrMember::NotAString)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StrMember::NotAString)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(StrMember::NotAString)
            }
        }
        d.deserialize_any(V)
    }
}

struct HeaderSeed;

impl<'de> DeserializeSeed<'de> for HeaderSeed {
    type Value = RawHeader<'de>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeaderSeed {
    type Value = RawHeader<'de>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut header = RawHeader::default();
        // Headers have a handful of members: a linear scan beats hashing.
        let mut seen: Vec<Cow<'de, str>> = Vec::with_capacity(8);
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            // Bounded, so the duplicate scan below stays cheap whatever the
            // (unauthenticated) header holds.
            if seen.len() >= MAX_HEADER_MEMBERS {
                return Err(de::Error::custom(format!("the header has more than {MAX_HEADER_MEMBERS} members")));
            }
            if seen.contains(&key) {
                return Err(de::Error::custom(format!("member `{key}` appears twice")));
            }
            match key.as_ref() {
                "alg" => header.alg = Some(map.next_value()?),
                "kid" => header.kid = Some(map.next_value()?),
                "typ" => header.typ = Some(map.next_value()?),
                "crit" => header.crit = Some(map.next_value()?),
                "b64" => {
                    header.has_b64 = true;
                    map.next_value::<IgnoredAny>()?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            seen.push(key);
        }
        Ok(header)
    }
}

/// Parses header bytes (nesting already bounded by the caller).
pub(crate) fn parse_header(bytes: &[u8]) -> Result<RawHeader<'_>, String> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let header = HeaderSeed.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_known_members_and_refuses_duplicates() {
        let h = parse_header(br#"{"alg":"RS256","kid":"k\u0031","x":{"y":[1,2]},"typ":5}"#).unwrap();
        assert_eq!(h.alg, Some(StrMember::Str("RS256".into())));
        assert_eq!(h.kid, Some(StrMember::Str("k1".into())));
        assert_eq!(h.typ, Some(StrMember::NotAString));
        assert!(parse_header(br#"{"alg":"RS256","alg":"none"}"#).unwrap_err().contains("twice"));
        assert!(parse_header(br#"{"x":1,"x":2}"#).unwrap_err().contains("twice"));
        let many: String = (0..40).map(|i| format!("\"m{i}\":0")).collect::<Vec<_>>().join(",");
        assert!(parse_header(format!("{{{many}}}").as_bytes()).unwrap_err().contains("more than 32"));
        assert!(parse_header(br#"[1]"#).is_err());
        assert!(parse_header(br#"{"alg":"RS256"} 1"#).is_err());
    }
}
