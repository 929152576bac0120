//! JSON objects from untrusted tokens: nesting bounded before parsing, and a
//! member name that appears twice is an error (RFC 7515 §5.2 allows either
//! rejecting or taking the last; taking one silently lets two parsers
//! disagree about what a token says).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Deepest nesting of arrays and objects in `bytes`, scanning without
/// recursion; stops counting once `limit` is exceeded.
pub fn nesting_depth_exceeds(bytes: &[u8], limit: usize) -> bool {
    // Fast path: with no more openers than the limit in the whole text, no
    // nesting can be deeper. Counting one byte class vectorizes well, and
    // typical claims have two or three openers.
    if memchr::memchr2_iter(b'[', b'{', bytes).nth(limit).is_none() {
        return false;
    }
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

struct UniqueKeyObject;

impl<'de> DeserializeSeed<'de> for UniqueKeyObject {
    type Value = Map<String, Value>;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for UniqueKeyObject {
    type Value = Map<String, Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let value: Value = access.next_value()?;
            match map.entry(key) {
                serde_json::map::Entry::Occupied(e) => {
                    return Err(serde::de::Error::custom(format!("member `{}` appears twice", e.key())));
                }
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(value);
                }
            }
        }
        Ok(map)
    }
}

/// Parses `bytes` as one JSON object with unique member names and nesting no
/// deeper than `max_depth`.
pub fn parse_object(bytes: &[u8], max_depth: usize) -> Result<Map<String, Value>, String> {
    if nesting_depth_exceeds(bytes, max_depth) {
        return Err(format!("JSON nesting is deeper than {max_depth} (`limits.maxJsonDepth`)"));
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = UniqueKeyObject.deserialize(&mut de).map_err(|e| e.to_string())?;
    de.end().map_err(|e| e.to_string())?;
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_duplicates_depth_and_non_objects() {
        assert!(parse_object(br#"{"a":1,"b":[1,{"c":2}]}"#, 4).is_ok());
        assert!(parse_object(br#"{"a":1,"a":2}"#, 4).unwrap_err().contains("appears twice"));
        assert!(parse_object(br#"{"a":[[[[1]]]]}"#, 4).unwrap_err().contains("deeper"));
        assert!(parse_object(br#"{"a":"[[[[[[["}"#, 2).is_ok(), "brackets in strings do not count");
        assert!(parse_object(br#"[1]"#, 4).is_err());
        assert!(parse_object(br#"{"a":1} x"#, 4).is_err());
        assert!(parse_object(b"", 4).is_err());
    }
}
