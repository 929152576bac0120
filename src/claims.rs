//! The claims of a token, read lazily: one pass over the payload records
//! where each member's value is, and a value is parsed only when something
//! reads it. Validation reads a handful of registered claims; a rule such as
//! `"AI-Users" in auth.claims.groups` reads one more; nothing pays for the
//! claims nobody looks at.

use std::fmt;
use std::ops::{Index, Range};
use std::sync::OnceLock;

use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{Map, Value};

use crate::json::scan;

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

impl JsonKind {
    /// The type of a (validated) JSON value, from its first byte.
    pub fn of(raw: &str) -> JsonKind {
        match raw.as_bytes().first() {
            Some(b'"') => JsonKind::String,
            Some(b'[') => JsonKind::Array,
            Some(b'{') => JsonKind::Object,
            Some(b't' | b'f') => JsonKind::Bool,
            Some(b'n') => JsonKind::Null,
            _ => JsonKind::Number,
        }
    }
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
    /// [`name_key`] of each name when there are at most [`SCAN_LIMIT`]
    /// members: lookups compare these first, and most stop there.
    keys: [u64; SCAN_LIMIT as usize],
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

fn name_text<'j>(json: &'j str, name: &'j Name) -> &'j str {
    match name {
        // Spans come from the scan at char boundaries; `get` re-checks.
        Name::Span(r) => json.get(r.clone()).unwrap_or(""),
        Name::Owned(n) => n,
    }
}

impl Claims {
    /// Reads a JSON object whose nesting is at most `max_depth`, refusing a
    /// member name that appears twice.
    pub fn parse(json: String, max_depth: usize) -> Result<Claims, String> {
        let mut members = Vec::with_capacity(16);
        let mut keys = [0u64; SCAN_LIMIT as usize];
        scan::scan_object(&json, max_depth, |m| {
            let name = if m.name_escaped {
                // Rare: unescape through the JSON parser (the scan checked
                // the escapes, so this cannot fail).
                let quoted = json.get(m.name.start.saturating_sub(1)..m.name.end + 1).unwrap_or("\"\"");
                Name::Owned(serde_json::from_str::<String>(quoted).map_err(|e| e.to_string())?.into_boxed_str())
            } else {
                Name::Span(m.name)
            };
            if let Some(key) = keys.get_mut(members.len()) {
                *key = name_key(name_text(&json, &name));
            }
            members.push(Member { name, value: m.value, parsed: OnceLock::new() });
            Ok(())
        })?;
        let mut claims = Claims { json, members, keys, sorted: Vec::new() };
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
        Ok(claims)
    }

    /// Claims from a map (for tests and `claimcheck test`).
    pub fn from_map(map: Map<String, Value>) -> Claims {
        let json = Value::Object(map).to_string();
        // A map serializes to a valid object with unique names.
        Claims::parse(json, usize::MAX).unwrap_or_else(|_| Claims {
            json: "{}".into(),
            members: Vec::new(),
            keys: [0; SCAN_LIMIT as usize],
            sorted: Vec::new(),
        })
    }

    fn name_at(&self, index: u32) -> &str {
        self.members.get(index as usize).map_or("", |m| name_text(&self.json, &m.name))
    }

    /// Whether members `a` and `b` have the same name (both within
    /// [`SCAN_LIMIT`], so both have keys).
    fn same_name(&self, a: u32, b: u32) -> bool {
        let (Some(ka), Some(kb)) = (self.keys.get(a as usize), self.keys.get(b as usize)) else {
            return false;
        };
        ka == kb && (self.name_at(a).len() <= 7 || self.name_at(a) == self.name_at(b))
    }

    fn member(&self, name: &str) -> Option<(&str, &Member)> {
        let index = if self.sorted.is_empty() {
            // A scan of the packed keys: one cache line for eight members.
            let key = name_key(name);
            let short = name.len() <= 7;
            let count = self.members.len().min(SCAN_LIMIT as usize);
            let keys = self.keys.get(..count).unwrap_or_default();
            keys.iter()
                .enumerate()
                .filter(|(_, k)| **k == key)
                .map(|(i, _)| i as u32)
                .find(|i| short || self.name_at(*i) == name)?
        } else {
            let pos = self.sorted.binary_search_by(|i| self.name_at(*i).cmp(name)).ok()?;
            *self.sorted.get(pos)?
        };
        Some((self.name_at(index), self.members.get(index as usize)?))
    }

    fn value_of<'s>(&'s self, member: &'s Member) -> &'s Value {
        member.parsed.get_or_init(|| {
            // The scan checked everything a full parse checks.
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

    /// The claim's value when it is a JSON string (borrowed from the
    /// token's text when it has no escapes); `None` when it is absent or
    /// not a string.
    pub fn string(&self, name: &str) -> Option<&str> {
        let (_, member) = self.member(name)?;
        let raw = self.json.get(member.value.clone())?;
        if let Some(text) = plain_string(raw) {
            return Some(text);
        }
        if !raw.starts_with('"') {
            return None;
        }
        self.value_of(member).as_str()
    }

    /// The claim's JSON text exactly as the token has it, without parsing it.
    pub fn raw(&self, name: &str) -> Option<&str> {
        self.member(name).and_then(|(_, m)| self.json.get(m.value.clone()))
    }

    /// The JSON type of the claim, read from its first byte (no parsing).
    pub fn kind(&self, name: &str) -> Option<JsonKind> {
        self.raw(name).map(JsonKind::of)
    }

    /// The claim as an `f64` when it is a JSON number, read straight from
    /// its text (see `json_number`; numbers beyond `f64` were refused
    /// when the claims were read).
    pub fn number(&self, name: &str) -> Option<f64> {
        json_number(self.raw(name)?)
    }

    /// For a claim that is a JSON array: whether it holds the string
    /// `needle`, as CEL's `in` reads it (only a string element can equal a
    /// string). `None` when the claim is missing or not an array.
    ///
    /// A list of plain strings (the usual `groups` or `roles`) is searched
    /// in its text, with no value built.
    pub fn array_contains_str(&self, name: &str, needle: &str) -> Option<bool> {
        let (_, member) = self.member(name)?;
        let raw = self.json.get(member.value.clone())?;
        if !raw.starts_with('[') {
            return None;
        }
        if member.parsed.get().is_none() {
            if let Some(found) = for_each_plain_string(raw, |s| s == needle) {
                return Some(found);
            }
        }
        match self.value_of(member) {
            Value::Array(items) => Some(items.iter().any(|v| v.as_str() == Some(needle))),
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
    // `-0` is a float to the JSON parser (-0.0), not the integer 0.
    if raw != "-0" && !digits.is_empty() && digits.len() <= 18 && digits.iter().all(u8::is_ascii_digit) {
        return raw.parse::<i64>().ok().map(Value::from);
    }
    None
}

/// Calls `visit` on each element of the JSON array `raw` (already
/// validated) while the elements are strings without escapes, and stops
/// early when it returns true. `Some(stopped)` when every element was
/// visited or `visit` stopped; `None` at the first element that is not a
/// plain string (the caller reads the parsed array then).
pub(crate) fn for_each_plain_string(raw: &str, mut visit: impl FnMut(&str) -> bool) -> Option<bool> {
    let bytes = raw.as_bytes();
    let skip_whitespace = |mut pos: usize| {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(pos) {
            pos += 1;
        }
        pos
    };
    if bytes.first() != Some(&b'[') {
        return None;
    }
    let mut pos = skip_whitespace(1);
    if bytes.get(pos) == Some(&b']') {
        return Some(false);
    }
    loop {
        if bytes.get(pos) != Some(&b'"') {
            return None;
        }
        let start = pos + 1;
        let end = start + memchr::memchr2(b'"', b'\\', bytes.get(start..)?)?;
        if bytes.get(end) != Some(&b'"') {
            return None;
        }
        if visit(raw.get(start..end)?) {
            return Some(true);
        }
        pos = skip_whitespace(end + 1);
        match bytes.get(pos) {
            Some(b',') => pos = skip_whitespace(pos + 1),
            Some(b']') => return Some(false),
            _ => return None,
        }
    }
}

/// The text of a JSON string without escapes (its value), else `None`.
pub(crate) fn plain_string(raw: &str) -> Option<&str> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    (memchr::memchr(b'\\', inner.as_bytes()).is_none()).then_some(inner)
}

/// A JSON number's value as an `f64`, read from its text, which must have
/// been validated as JSON (the claims' own values are): an integer of up to
/// 15 digits exactly, anything else correctly rounded by Rust's parser, as
/// the JSON parser (built with `float_roundtrip`) reads it. `None` when the
/// value is not a number.
pub(crate) fn json_number(raw: &str) -> Option<f64> {
    if JsonKind::of(raw) != JsonKind::Number {
        return None;
    }
    let digits = raw.strip_prefix('-').unwrap_or(raw);
    if digits.len() <= 15 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let magnitude = digits.bytes().fold(0u64, |n, b| n * 10 + u64::from(b - b'0')) as f64;
        return Some(if raw.starts_with('-') { -magnitude } else { magnitude });
    }
    raw.parse::<f64>().ok()
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
        assert_eq!((c.string("iss"), c.string("n"), c.string("missing")), (Some("x"), None, None));
        let escaped = Claims::parse(r#"{"sub":"caf\u00e9\n"}"#.into(), 8).unwrap();
        assert_eq!(escaped.string("sub"), Some("café\n"));
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
        for raw in [
            "0", "-0", "1767229200", "999999999999999", "-999999999999999", "9999999999999999", "1.5", "-2e3",
            "1e-400", "123456789012345678901234567890", "12345678901234678901234567890", "1785027151.636306017762",
        ] {
            let want = serde_json::from_str::<Value>(raw).unwrap().as_f64();
            assert_eq!(json_number(raw).map(f64::to_bits), want.map(f64::to_bits), "{raw}");
        }
    }

    #[test]
    fn simple_values_read_exactly_like_the_json_parser() {
        for raw in [r#""alice""#, r#""""#, "0", "-7", "1767229200", "123456789012345678", r#""a b:c""#] {
            assert_eq!(simple_value(raw), Some(serde_json::from_str::<Value>(raw).unwrap()), "{raw}");
        }
        for raw in [r#""a\"b""#, "1.5", "1e3", "1234567890123456789", "true", "null", "[1]", "{}", "-", "-0"] {
            assert_eq!(simple_value(raw), None, "{raw}");
        }
        // `-0` goes to the JSON parser, which reads the float -0.0.
        let c = Claims::parse(r#"{"z":-0}"#.into(), 8).unwrap();
        assert!(c["z"].is_f64() && c["z"].as_f64().is_some_and(|z| z == 0.0 && z.is_sign_negative()));
    }

    #[test]
    fn array_membership_reads_the_text_and_agrees_with_the_parsed_value() {
        let c = Claims::parse(
            r#"{"g":[ "Everyone" , "AI-Users"],"e":[],"m":[1,"AI-Users"],"x":["a\u0042","AI-\u0055sers"],"s":"AI-Users","n":[["AI-Users"]]}"#.into(),
            8,
        )
        .unwrap();
        let cases = [
            ("g", "AI-Users", Some(true)), ("g", "Everyone", Some(true)), ("g", "AI", Some(false)),
            ("e", "AI-Users", Some(false)), ("m", "AI-Users", Some(true)), ("m", "1", Some(false)),
            ("x", "aB", Some(true)), ("x", "AI-Users", Some(true)), ("x", "a\\u0042", Some(false)),
            ("s", "AI-Users", None), ("missing", "AI-Users", None), ("n", "AI-Users", Some(false)),
        ];
        for (name, needle, want) in cases {
            assert_eq!(c.array_contains_str(name, needle), want, "{name} {needle}");
            let parsed = c.get(name).and_then(Value::as_array).map(|a| a.iter().any(|v| v.as_str() == Some(needle)));
            assert_eq!(parsed, want, "parsed {name} {needle}");
            // Once parsed, the answer comes from the value and is the same.
            assert_eq!(c.array_contains_str(name, needle), want, "{name} {needle} after parsing");
        }
        assert_eq!(for_each_plain_string(r#"["a",1]"#, |s| s == "b"), None);
        assert_eq!(for_each_plain_string(r#"["a\"b"]"#, |s| s == "a"), None);
        assert_eq!(for_each_plain_string(r#"["a",1]"#, |s| s == "a"), Some(true), "stops at the match");
        let mut seen = Vec::new();
        assert_eq!(for_each_plain_string(r#"[ "x" ,"y"]"#, |s| { seen.push(s.to_owned()); false }), Some(false));
        assert_eq!(seen, ["x", "y"]);
        assert_eq!((plain_string(r#""a b""#), plain_string(r#""a\nb""#), plain_string("1")), (Some("a b"), None, None));
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
