//! JSON read into a [`serde_json::Value`] that refuses a member name given
//! twice in one object, naming its path. serde_json keeps the last, so a
//! JSON config `{"mode":"strict",...,"mode":"permissive"}` loaded as
//! permissive, and a key set could carry two `n`s. RFC 8259 §4 leaves
//! duplicates to the reader; this reader refuses them, as the YAML loader
//! and the token scanner do.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Error, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Reads one value at `path`; a duplicate's path lands in `duplicate`.
pub(crate) struct Seed<'d> {
    pub path: String,
    pub duplicate: &'d RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E: Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E: Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E: Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E: Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_str<E: Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E: Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) =
            seq.next_element_seed(Seed { path: format!("{}[{}]", self.path, items.len()), duplicate: self.duplicate })?
        {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let path = if self.path.is_empty() { key.clone() } else { format!("{}.{key}", self.path) };
            if out.contains_key(&key) {
                let message = format!("duplicate key `{key}` at `{path}` (each key may appear once)");
                *self.duplicate.borrow_mut() = Some(path);
                return Err(A::Error::custom(message));
            }
            let value = map.next_value_seed(Seed { path, duplicate: self.duplicate })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// Parses `bytes` as one JSON value with unique member names; on error,
/// the path of the duplicate, if that was the error.
pub(crate) fn from_slice(bytes: &[u8]) -> Result<Value, (serde_json::Error, Option<String>)> {
    let duplicate = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    DeserializeSeed::deserialize(Seed { path: String::new(), duplicate: &duplicate }, &mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|e| (e, duplicate.into_inner()))
}

#[cfg(test)]
mod tests {
    use super::from_slice;

    #[test]
    fn duplicates_are_refused_at_any_depth_with_their_path() {
        let (e, path) = from_slice(br#"{"keys":[{"kty":"RSA","n":"a","n":"b"}]}"#).unwrap_err();
        assert_eq!(path.as_deref(), Some("keys[0].n"));
        assert!(e.to_string().starts_with("duplicate key `n` at `keys[0].n`"), "{e}");
        assert_eq!(from_slice(br#"{"a":{"x":1},"b":{"x":[1,{"x":2}]}}"#).unwrap()["b"]["x"][1]["x"], 2);
        let (e, path) = from_slice(b"{\"a\":1} x").unwrap_err();
        assert!(path.is_none() && e.to_string().contains("trailing characters"), "{e}");
    }
}
