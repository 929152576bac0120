//! The claims of a token, read lazily: one pass over the payload records
//! where each member's value is, and a value is parsed only when something
//! reads it. Validation reads a handful of registered claims; a rule such as
//! `"AI-Users" in auth.claims.groups` reads one more; nothing pays for the
//! claims nobody looks at.

use std::fmt;
use std::ops::{Index, Range};
use std::sync::OnceLock;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use crate::token::json::nesting_depth_exceeds;

/// The type of a JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// A string.
    String,
    /// A number.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
    /// An array.
    Array,
    /// An object.
    Object,
}

/// Where one member's name is.
#[derive(Debug)]
enum Name {
    /// A span of the JSON text (the name had no escapes).
    Span(Range<usize>),
    /// The unescaped name.
    Owned(Box<str>),
}

#[derive(Debug)]
struct Member {
    name: Name,
    /// [`name_key`] of the name: equal keys are a cheap first test.
    key: u64,
    /// The span of the raw JSON value.
    value: Range<usize>,
    /// The value, parsed on first read.
    parsed: OnceLock<Value>,
}

/// The claims of a token: a JSON object with unique member names.
///
/// Reads are cheap and thread-safe; each value is parsed at most once.
pub struct Claims {
    /// The payload text (kept as decoded: shrinking it would copy it).
    json: String,
    members: Vec<Member>,
    /// Member indexes sorted by name, for lookups in large claim sets
    /// (empty when there are few members: a scan is faster then).
    sorted: Vec<u32>,
}

static NULL: Value = Value::Null;

/// A member name's length and first seven bytes in one word. Different keys
/// mean different names; equal keys mean equal names when the name is at
/// most seven bytes (most claim names are three), else the bytes decide.
fn name_key(name: &str) -> u64 {
    let mut key = (name.len().min(255) as u64) << 56;
    for (i, b) in name.bytes().take(7).enumerate() {
        key |= u64::from(b) << (8 * i);
    }
    key
}

/// Up to this many members, lookups scan and duplicates are found pairwise;
/// beyond it, names are sorted once.
const SCAN_LIMIT: u32 = 24;

fn span_of(base: &str, part: &str) -> Range<usize> {
    // Both are views into the same text: the offset is the address difference.
    let start = (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize);
    start..start + part.len()
}

struct MembersSeed<'b> {
    base: &'b str,
}

impl<'de, 'b> DeserializeSeed<'de> for MembersSeed<'b> {
    type Value = Vec<Member>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

/// A member name, borrowed when it has no escapes.
struct KeyName<'de>(std::borrow::Cow<'de, str>);

impl<'de> de::Deserialize<'de> for KeyName<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = KeyName<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(KeyName(std::borrow::Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(KeyName(std::borrow::Cow::Owned(v.to_owned())))
            }
        }
        d.deserialize_str(V)
    }
}

impl<'de, 'b> Visitor<'de> for MembersSeed<'b> {
    type Value = Vec<Member>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(16);
        while let Some(KeyName(key)) = map.next_key::<KeyName<'de>>()? {
            let raw: &'de RawValue = map.next_value()?;
            let name_key = name_key(&key);
            let name = match key {
                std::borrow::Cow::Borrowed(k) => Name::Span(span_of(self.base, k)),
                std::borrow::Cow::Owned(k) => Name::Owned(k.into_boxed_str()),
            };
            members.push(Member { name, key: name_key, value: span_of(self.base, raw.get()), parsed: OnceLock::new() });
        }
        Ok(members)
    }
}

impl Claims {
    /// Reads a JSON object whose nesting is at most `max_depth`, refusing a
    /// member name that appears twice.
    pub fn parse(json: String, max_depth: usize) -> Result<Claims, String> {
        if nesting_depth_exceeds(json.as_bytes(), max_depth) {
            return Err(format!("JSON nesting is deeper than {max_depth} (`limits.maxJsonDepth`)"));
        }
        let members = {
            let mut de = serde_json::Deserializer::from_str(&json);
            let members = MembersSeed { base: &json }.deserialize(&mut de).map_err(|e| e.to_string())?;
            de.end().map_err(|e| e.to_string())?;
            members
        };
        let mut claims = Claims { json, members, sorted: Vec::new() };
        let count = claims.members.len() as u32;
        if count <= SCAN_LIMIT {
            // Few members (the usual case): compare pairs directly.
            for a in 0..count {
                for b in a + 1..count {
                    if claims.same_name(a, b) {
                        return Err(format!("member `{}` appears twice", claims.name_at(a)));
                    }
                }
            }
        } else {
            // Many: sort once (O(n log n) whatever the token holds), then
            // duplicates are neighbours and lookups binary-search.
            let mut sorted: Vec<u32> = (0..count).collect();
            sorted.sort_unstable_by(|a, b| claims.name_at(*a).cmp(claims.name_at(*b)));
            for pair in sorted.windows(2) {
                if let [a, b] = pair {
                    if claims.name_at(*a) == claims.name_at(*b) {
                        return Err(format!("member `{}` appears twice", claims.name_at(*a)));
                    }
                }
            }
            claims.sorted = sorted;
        }
        // The first pass checks syntax only. A number too large for f64 or a
        // lone surrogate escape passes it but fails a full parse; parse such
        // values now, so a token that holds one is refused instead of its
        // claim reading as null later.
        for member in &claims.members {
            let raw = claims.json.get(member.value.clone()).unwrap_or("");
            if may_fail_full_parse(raw) {
                let value: Value = serde_json::from_str(raw).map_err(|e| format!("a claim value cannot be read: {e}"))?;
                let _ = member.parsed.set(value);
            }
        }
        Ok(claims)
    }

    /// Claims from a map (for tests and `claimcheck test`).
    pub fn from_map(map: Map<String, Value>) -> Claims {
        let json = Value::Object(map).to_string();
        // A map serializes to a valid object with unique names.
        Claims::parse(json, usize::MAX).unwrap_or_else(|_| Claims { json: "{}".into(), members: Vec::new(), sorted: Vec::new() })
    }

    fn name_at(&self, index: u32) -> &str {
        match self.members.get(index as usize).map(|m| &m.name) {
            // Spans come from the parser at char boundaries; `get` re-checks.
            Some(Name::Span(r)) => self.json.get(r.clone()).unwrap_or(""),
            Some(Name::Owned(n)) => n,
            None => "",
        }
    }

    /// Whether members `a` and `b` have the same name.
    fn same_name(&self, a: u32, b: u32) -> bool {
        let (Some(ma), Some(mb)) = (self.members.get(a as usize), self.members.get(b as usize)) else {
            return false;
        };
        ma.key == mb.key && (self.name_at(a).len() <= 7 || self.name_at(a) == self.name_at(b))
    }

    fn member(&self, name: &str) -> Option<(&str, &Member)> {
        let index = if self.sorted.is_empty() {
            let key = name_key(name);
            let short = name.len() <= 7;
            (0..self.members.len() as u32).find(|i| {
                self.members.get(*i as usize).is_some_and(|m| m.key == key) && (short || self.name_at(*i) == name)
            })?
        } else {
            let pos = self.sorted.binary_search_by(|i| self.name_at(*i).cmp(name)).ok()?;
            *self.sorted.get(pos)?
        };
        Some((self.name_at(index), self.members.get(index as usize)?))
    }

    fn value_of<'s>(&'s self, member: &'s Member) -> &'s Value {
        member.parsed.get_or_init(|| {
            // The span was validated as JSON by the first pass (and values a
            // full parse could refuse were parsed then).
            let raw = self.json.get(member.value.clone()).unwrap_or("null");
            simple_value(raw).unwrap_or_else(|| serde_json::from_str(raw).unwrap_or(Value::Null))
        })
    }

    /// The claim named `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.member(name).map(|(_, m)| self.value_of(m))
    }

    /// The claim named `name`, with the name.
    pub fn get_key_value(&self, name: &str) -> Option<(&str, &Value)> {
        self.member(name).map(|(n, m)| (n, self.value_of(m)))
    }

    /// The claim's JSON text exactly as the token has it, without parsing it.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.member(name).and_then(|(_, m)| self.json.get(m.value.clone()))
    }

    /// The JSON type of the claim, read from its first byte (no parsing).
    pub fn kind(&self, name: &str) -> Option<JsonKind> {
        Some(match self.raw(name)?.as_bytes().first()? {
            b'"' => JsonKind::String,
            b'[' => JsonKind::Array,
            b'{' => JsonKind::Object,
            b't' | b'f' => JsonKind::Bool,
            b'n' => JsonKind::Null,
            _ => JsonKind::Number,
        })
    }

    /// The claim as an `f64` when it is a JSON number, read straight from
    /// its text (JSON number syntax is a subset of what `f64` parses, and
    /// the text was validated; out-of-range numbers were refused at load).
    pub fn number(&self, name: &str) -> Option<f64> {
        match self.kind(name)? {
            JsonKind::Number => self.raw(name)?.parse::<f64>().ok(),
            _ => None,
        }
    }

    /// Whether a claim named `name` is present.
    pub fn contains_key(&self, name: &str) -> bool {
        self.member(name).is_some()
    }

    /// Every claim, in the order the token lists them.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> + '_ {
        (0..self.members.len() as u32).filter_map(|i| {
            let m = self.members.get(i as usize)?;
            Some((self.name_at(i), self.value_of(m)))
        })
    }

    /// The number of claims.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The claims as the token's own JSON text (the verified payload).
    pub fn as_json(&self) -> &str {
        &self.json
    }

    /// The claims as a JSON map (parses every value).
    pub fn to_map(&self) -> Map<String, Value> {
        self.iter().map(|(k, v)| (k.to_owned(), v.clone())).collect()
    }
}

/// The value of the two commonest claim shapes without the JSON parser: a
/// string with no escapes (its text is the value) and an integer of at most
/// 18 digits. The text was already validated as JSON; anything else is `None`.
fn simple_value(raw: &str) -> Option<Value> {
    let bytes = raw.as_bytes();
    if let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        if memchr::memchr(b'\\', inner.as_bytes()).is_none() {
            return Some(Value::String(inner.to_owned()));
        }
        return None;
    }
    let digits = bytes.strip_prefix(b"-").unwrap_or(bytes);
    if !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        return raw.parse::<i64>().ok().map(Value::from);
    }
    None
}

/// Whether a raw JSON value holds something a full parse checks and the
/// syntax-only pass does not: a `\u` escape (a lone surrogate is refused), a
/// number with an exponent, or a run of more than 300 digits (either may
/// overflow f64).
fn may_fail_full_parse(raw: &str) -> bool {
    let bytes = raw.as_bytes();
    // Cheap filters first (each a vectorised search): without a backslash no
    // string can hold an escape, and without both a digit and an `e`/`E` (or
    // a very long text) no number can overflow.
    let has_escape = memchr::memchr(b'\\', bytes).is_some();
    // An exponent follows a digit or a point; only a text over 300 bytes can
    // hold a digit run long enough to overflow.
    let has_exponent = memchr::memchr2_iter(b'e', b'E', bytes)
        .any(|i| i > 0 && bytes.get(i - 1).is_some_and(|p| p.is_ascii_digit() || *p == b'.'));
    let has_long_digit_run = bytes.len() > 300 && {
        let mut run = 0usize;
        bytes.iter().any(|b| {
            run = if b.is_ascii_digit() { run + 1 } else { 0 };
            run > 300
        })
    };
    if !has_escape && !has_exponent && !has_long_digit_run {
        return false;
    }
    let mut in_string = false;
    let mut digits = 0usize;
    let mut prev = 0u8;
    for (i, &b) in bytes.iter().enumerate() {
        if in_string {
            if prev == b'\\' && b == b'u' {
                return true;
            }
            if b == b'"' && prev != b'\\' {
                in_string = false;
            }
            // A backslash escaped by a backslash does not escape what follows.
            prev = if prev == b'\\' && b == b'\\' { 0 } else { b };
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'e' | b'E' if i > 0 && (prev.is_ascii_digit() || prev == b'.') => return true,
            b'0'..=b'9' => {
                digits += 1;
                if digits > 300 {
                    return true;
                }
            }
            _ => digits = 0,
        }
        prev = b;
    }
    false
}

impl Index<&str> for Claims {
    type Output = Value;
    /// The claim, or `null` when absent (like `serde_json::Value`'s index).
    fn index(&self, name: &str) -> &Value {
        self.get(name).unwrap_or(&NULL)
    }
}

impl fmt::Debug for Claims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl PartialEq for Claims {
    fn eq(&self, other: &Claims) -> bool {
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Serialize for Claims {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.len()))?;
        for (k, v) in self.iter() {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_members_lazily_and_exactly() {
        let c = Claims::parse(r#"{"iss":"x","gr\u006fups":["a","b"],"n":1.5,"o":{"p":[1]}}"#.into(), 8).unwrap();
        assert_eq!(c.len(), 4);
        assert_eq!(c.get("iss"), Some(&Value::String("x".into())));
        assert_eq!(c["groups"], serde_json::json!(["a", "b"]));
        assert_eq!(c["o"]["p"][0], 1);
        assert_eq!(c.raw("o"), Some(r#"{"p":[1]}"#));
        assert_eq!(c.raw("groups"), Some(r#"["a","b"]"#));
        assert_eq!(c["missing"], Value::Null);
        assert!(c.contains_key("n") && !c.contains_key("nn"));
        let names: Vec<&str> = c.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["iss", "groups", "n", "o"], "token order is kept");
        assert_eq!(Claims::from_map(c.to_map()), c);
    }

    #[test]
    fn refuses_values_a_full_parse_refuses() {
        // Lone surrogate, even nested; numbers beyond f64.
        assert!(Claims::parse(r#"{"groups":["eng","\ud800"]}"#.into(), 8).is_err());
        assert!(Claims::parse(r#"{"exp":1e400}"#.into(), 8).is_err());
        let long = format!(r#"{{"n":{}}}"#, "9".repeat(400));
        assert!(Claims::parse(long, 8).is_err());
        // Valid escapes and exponents are fine and read back exactly.
        let c = Claims::parse(r#"{"name":"caf\u00e9","pair":"\ud83d\ude00","x":1.5e3,"t":true,"b":"\\u"}"#.into(), 8).unwrap();
        assert_eq!(c["name"], "café");
        assert_eq!(c["pair"], "😀");
        assert_eq!(c["x"], 1500.0);
        assert_eq!(c["b"], "\\u");
        assert!(!may_fail_full_parse(r#"["a\\","b"]"#));
        assert!(!may_fail_full_parse("true"));
        assert!(may_fail_full_parse(r#""\u0041""#));
    }

    #[test]
    fn kinds_and_numbers_come_from_the_text() {
        let c = Claims::parse(r#"{"s":"x","n":-1.5e2,"i":17,"b":false,"z":null,"a":[1],"o":{}}"#.into(), 8).unwrap();
        let kinds: Vec<_> = ["s", "n", "i", "b", "z", "a", "o", "missing"].iter().map(|k| c.kind(k)).collect();
        assert_eq!(
            kinds,
            [Some(JsonKind::String), Some(JsonKind::Number), Some(JsonKind::Number), Some(JsonKind::Bool),
             Some(JsonKind::Null), Some(JsonKind::Array), Some(JsonKind::Object), None]
        );
        assert_eq!((c.number("n"), c.number("i"), c.number("s")), (Some(-150.0), Some(17.0), None));
    }

    #[test]
    fn simple_values_read_exactly_like_the_json_parser() {
        for raw in [r#""alice""#, r#""""#, "0", "-7", "1767229200", "123456789012345678", r#""a b:c""#] {
            assert_eq!(simple_value(raw), Some(serde_json::from_str::<Value>(raw).unwrap()), "{raw}");
        }
        for raw in [r#""a\"b""#, "1.5", "1e3", "1234567890123456789", "true", "null", "[1]", "{}", "-"] {
            assert_eq!(simple_value(raw), None, "{raw}");
        }
    }

    #[test]
    fn name_keys_separate_names_and_long_names_compare_fully() {
        assert_ne!(name_key("iss"), name_key("isss"));
        assert_ne!(name_key("iss"), name_key("isa"));
        assert_eq!(name_key("abcdefgX1"), name_key("abcdefgY1"), "same length and first seven bytes");
        let c = Claims::parse(r#"{"abcdefgX1":1,"abcdefgY1":2}"#.into(), 8).unwrap();
        assert_eq!((c["abcdefgX1"].as_i64(), c["abcdefgY1"].as_i64()), (Some(1), Some(2)));
        assert!(Claims::parse(r#"{"abcdefgX1":1,"abcdefgX1":2}"#.into(), 8).is_err());
        assert!(c.get("abcdefgZ1").is_none());
    }

    #[test]
    fn refuses_duplicates_depth_and_non_objects() {
        assert!(Claims::parse(r#"{"a":1,"b":2,"a":3}"#.into(), 8).unwrap_err().contains("appears twice"));
        assert!(Claims::parse(r#"{"a":1,"\u0061":2}"#.into(), 8).unwrap_err().contains("appears twice"));
        assert!(Claims::parse(r#"{"a":[[[[1]]]]}"#.into(), 3).unwrap_err().contains("deeper"));
        assert!(Claims::parse("[1]".into(), 8).is_err());
        let many: Vec<String> = (0..100).map(|i| format!("\"c{i}\":{i}")).collect();
        let big = Claims::parse(format!("{{{}}}", many.join(",")), 8).unwrap();
        assert_eq!((big.len(), big.get("c77")), (100, Some(&Value::from(77))));
        assert!(big.get("c100").is_none());
        let dup = format!("{{{},\"c5\":0}}", many.join(","));
        assert!(Claims::parse(dup, 8).unwrap_err().contains("`c5` appears twice"));
        assert!(Claims::parse(r#"{"a":1} x"#.into(), 8).is_err());
        assert!(Claims::parse(r#"{"a":tru}"#.into(), 8).is_err());
    }
}
