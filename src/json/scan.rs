//! One pass over a token's JSON text (the header or the claims): checks it
//! is a JSON object (RFC 8259, strictly), bounds its nesting, and reports
//! where each member's name and value are. Values are not built: the caller
//! parses only the ones it reads.
//!
//! The pass checks everything a full parse would refuse, so a value that
//! passed it always parses later: escapes (a lone surrogate is an error),
//! control characters in strings, number syntax, and numbers too large for
//! an `f64` (`1e400`). It is iterative, so no nesting can exhaust the stack,
//! and it runs before any allocation that depends on the text's contents.

use std::ops::Range;

/// Where one member of the object is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawMember {
    /// The name's text between its quotes.
    pub name: Range<usize>,
    /// True when the name has escapes (its text is not its value).
    pub name_escaped: bool,
    /// The value's JSON text.
    pub value: Range<usize>,
}

/// Integer digits beyond which a number may exceed `f64` (whose largest
/// value has 309): such a number is checked by a full parse.
const LONG_INTEGER_DIGITS: usize = 300;

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `v` that ends a plain run of string text:
/// a quote, a backslash, or a control character. The lowest set bit is
/// exact (borrows only carry upwards), which is all the caller reads.
fn string_stoppers(v: u64) -> u64 {
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = v.wrapping_sub(ONES * 0x20) & !v & HIGHS;
    zero_byte(v ^ (ONES * u64::from(b'"'))) | zero_byte(v ^ (ONES * u64::from(b'\\'))) | below_space
}

/// The kinds of open containers, as a stack of bits (1 = object); depth is
/// bounded by the caller, and levels past 64 spill to a vector.
#[derive(Default)]
struct Containers {
    bits: u64,
    len: usize,
    spill: Vec<bool>,
}

impl Containers {
    fn push(&mut self, object: bool) {
        if self.len < 64 {
            self.bits = (self.bits << 1) | u64::from(object);
        } else {
            self.spill.push(object);
        }
        self.len += 1;
    }

    fn pop(&mut self) {
        if self.len > 64 {
            self.spill.pop();
        } else if self.len > 0 {
            self.bits >>= 1;
        }
        self.len = self.len.saturating_sub(1);
    }

    /// The innermost open container: `Some(true)` for an object.
    fn top(&self) -> Option<bool> {
        match self.len {
            0 => None,
            n if n > 64 => self.spill.last().copied(),
            _ => Some(self.bits & 1 == 1),
        }
    }
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn error(&self, what: &str) -> String {
        match self.peek() {
            Some(b) if b.is_ascii_graphic() => format!("{what} at byte {} (found `{}`)", self.pos, char::from(b)),
            Some(_) => format!("{what} at byte {}", self.pos),
            None => format!("{what} at the end of the text"),
        }
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &str) -> Result<(), String> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(what))
        }
    }

    /// A string whose opening quote is at `pos`; returns whether it has
    /// escapes. Leaves `pos` after the closing quote.
    fn string(&mut self) -> Result<bool, String> {
        self.expect(b'"', "expected a string")?;
        let mut escaped = false;
        loop {
            // Skip plain text eight bytes at a time.
            while let Some(chunk) = self.text.get(self.pos..self.pos + 8) {
                let word = u64::from_le_bytes(<[u8; 8]>::try_from(chunk).unwrap_or([0; 8]));
                let stoppers = string_stoppers(word);
                if stoppers != 0 {
                    self.pos += (stoppers.trailing_zeros() / 8) as usize;
                    break;
                }
                self.pos += 8;
            }
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(escaped);
                }
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                Some(0..=0x1f) => return Err(self.error("unescaped control character in a string")),
                Some(_) => self.pos += 1,
                None => return Err(self.error("unterminated string")),
            }
        }
    }

    /// An escape whose backslash is at `pos`.
    fn escape(&mut self) -> Result<(), String> {
        self.pos += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 1;
                Ok(())
            }
            Some(b'u') => {
                self.pos += 1;
                let unit = self.hex4()?;
                if (0xDC00..=0xDFFF).contains(&unit) {
                    return Err(self.error("lone trailing surrogate in a \\u escape"));
                }
                if (0xD800..=0xDBFF).contains(&unit) {
                    if self.text.get(self.pos..self.pos + 2) != Some(b"\\u") {
                        return Err(self.error("lone leading surrogate in a \\u escape"));
                    }
                    self.pos += 2;
                    if !(0xDC00..=0xDFFF).contains(&self.hex4()?) {
                        return Err(self.error("lone leading surrogate in a \\u escape"));
                    }
                }
                Ok(())
            }
            _ => Err(self.error("invalid escape in a string")),
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let mut unit = 0u32;
        for _ in 0..4 {
            let digit = self.peek().and_then(|b| char::from(b).to_digit(16));
            let Some(digit) = digit else {
                return Err(self.error("expected four hex digits in a \\u escape"));
            };
            unit = unit * 16 + digit;
            self.pos += 1;
        }
        Ok(unit)
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    /// A number starting at `pos` (RFC 8259 §6 grammar).
    fn number(&mut self) -> Result<(), String> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let integer_digits = match self.peek() {
            Some(b'0') => {
                self.pos += 1;
                1
            }
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("invalid number")),
        };
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if self.digits() == 0 {
                return Err(self.error("expected a digit after the decimal point"));
            }
        }
        let mut exponent = false;
        if let Some(b'e' | b'E') = self.peek() {
            exponent = true;
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(self.error("expected a digit in the exponent"));
            }
        }
        if exponent || integer_digits > LONG_INTEGER_DIGITS {
            // Rare: let the JSON parser that reads values later say whether
            // it can read this one (it refuses numbers beyond f64).
            let text = std::str::from_utf8(self.text.get(start..self.pos).unwrap_or_default()).unwrap_or("");
            if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                // The number itself may be long: quote its start only.
                let shown: String = text.chars().take(40).collect();
                let more = if text.len() > shown.len() { "..." } else { "" };
                return Err(format!("number `{shown}{more}` at byte {start} cannot be read: {e}"));
            }
        }
        Ok(())
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), String> {
        if self.text.get(self.pos..self.pos + word.len()) == Some(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(self.error("expected a value"))
        }
    }

    /// A member name and its colon; returns the name's span and whether it
    /// has escapes, and leaves `pos` at the value.
    fn member_name(&mut self) -> Result<(Range<usize>, bool), String> {
        let start = self.pos + 1;
        let escaped = self.string()?;
        let name = start..self.pos - 1;
        self.skip_whitespace();
        self.expect(b':', "expected `:` after a member name")?;
        self.skip_whitespace();
        Ok((name, escaped))
    }

    /// A nested object's member name, refused when the object already has
    /// a member of that name (RFC 8259 leaves duplicates to the reader; a
    /// host parser that keeps the first would read another value than the
    /// rules, which keep the last). Names with escapes compare unescaped.
    fn nested_member_name(&mut self, names: &mut [std::collections::HashSet<String>]) -> Result<(), String> {
        let at = self.pos;
        let (span, escaped) = self.member_name()?;
        let raw = std::str::from_utf8(self.text.get(span.clone()).unwrap_or_default()).unwrap_or("");
        let name = if escaped {
            let quoted = std::str::from_utf8(self.text.get(span.start.saturating_sub(1)..span.end + 1).unwrap_or_default())
                .unwrap_or("\"\"");
            serde_json::from_str::<String>(quoted).map_err(|e| e.to_string())?
        } else {
            raw.to_owned()
        };
        if let Some(set) = names.last_mut() {
            if set.contains(&name) {
                let shown: String = name.chars().take(40).collect();
                return Err(format!("member `{shown}` appears twice in the object at byte {at}"));
            }
            set.insert(name);
        }
        Ok(())
    }

    /// One value starting at `pos`, nested at most `room` levels deep.
    fn value(&mut self, room: usize) -> Result<(), String> {
        let mut open = Containers::default();
        // The member names of each open object, innermost last.
        let mut names: Vec<std::collections::HashSet<String>> = Vec::new();
        loop {
            // A value is expected at `pos`.
            match self.peek() {
                Some(b'"') => {
                    self.string()?;
                }
                Some(opener @ (b'{' | b'[')) => {
                    if open.len >= room {
                        return Err(format!("JSON nesting is deeper than the limit at byte {}", self.pos));
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    let object = opener == b'{';
                    let closer = if object { b'}' } else { b']' };
                    if self.peek() == Some(closer) {
                        self.pos += 1;
                    } else {
                        open.push(object);
                        if object {
                            names.push(std::collections::HashSet::new());
                            self.nested_member_name(&mut names)?;
                        }
                        continue;
                    }
                }
                Some(b't') => self.literal(b"true")?,
                Some(b'f') => self.literal(b"false")?,
                Some(b'n') => self.literal(b"null")?,
                Some(b'-' | b'0'..=b'9') => self.number()?,
                _ => return Err(self.error("expected a value")),
            }
            // A value ended: close what it ends, or go on to the next one.
            loop {
                let Some(object) = open.top() else {
                    return Ok(());
                };
                self.skip_whitespace();
                match (self.peek(), object) {
                    (Some(b','), _) => {
                        self.pos += 1;
                        self.skip_whitespace();
                        if object {
                            self.nested_member_name(&mut names)?;
                        }
                        break;
                    }
                    (Some(b'}'), true) => {
                        self.pos += 1;
                        open.pop();
                        names.pop();
                    }
                    (Some(b']'), false) => {
                        self.pos += 1;
                        open.pop();
                    }
                    (_, true) => return Err(self.error("expected `,` or `}` in an object")),
                    (_, false) => return Err(self.error("expected `,` or `]` in an array")),
                }
            }
        }
    }
}

/// Scans `text`, which must be one JSON object nested at most `max_depth`
/// deep (the object itself is depth 1), handing each member to `member` in
/// text order (its error ends the scan). Duplicate names are the caller's.
pub(crate) fn scan_object(
    text: &str,
    max_depth: usize,
    mut member: impl FnMut(RawMember) -> Result<(), String>,
) -> Result<(), String> {
    let mut s = Scanner { text: text.as_bytes(), pos: 0 };
    s.skip_whitespace();
    s.expect(b'{', "expected `{`")?;
    if max_depth == 0 {
        return Err(format!("JSON nesting is deeper than {max_depth} (`limits.maxJsonDepth`)"));
    }
    s.skip_whitespace();
    if s.peek() == Some(b'}') {
        s.pos += 1;
    } else {
        loop {
            let (name, name_escaped) = s.member_name()?;
            let start = s.pos;
            s.value(max_depth - 1).map_err(|e| {
                if e.starts_with("JSON nesting") {
                    format!("JSON nesting is deeper than {max_depth} (`limits.maxJsonDepth`)")
                } else {
                    e
                }
            })?;
            member(RawMember { name, name_escaped, value: start..s.pos })?;
            s.skip_whitespace();
            match s.peek() {
                Some(b',') => {
                    s.pos += 1;
                    s.skip_whitespace();
                }
                Some(b'}') => {
                    s.pos += 1;
                    break;
                }
                _ => return Err(s.error("expected `,` or `}` in an object")),
            }
        }
    }
    s.skip_whitespace();
    if s.pos != text.len() {
        return Err(s.error("unexpected text after the object"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(text: &str, depth: usize) -> Result<Vec<(String, String)>, String> {
        let mut members = Vec::new();
        scan_object(text, depth, |m| {
            members.push(m);
            Ok(())
        })?;
        Ok(members
            .iter()
            .map(|m| (text[m.name.clone()].to_owned(), text[m.value.clone()].to_owned()))
            .collect())
    }

    #[test]
    fn records_names_and_values_in_order() {
        let text = " {\"a\" : [1, {\"b\":null}] ,\"c\":\"x\\\"y\",\"d\":-0.5e-3,\"e\":{},\"f\":[],\"g\":true}\n";
        let got = scan(text, 8).unwrap();
        let want = [
            ("a", "[1, {\"b\":null}]"),
            ("c", "\"x\\\"y\""),
            ("d", "-0.5e-3"),
            ("e", "{}"),
            ("f", "[]"),
            ("g", "true"),
        ];
        assert_eq!(got, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
        assert_eq!(scan("{}", 1).unwrap(), vec![]);
    }

    #[test]
    fn agrees_with_serde_json_on_what_is_valid() {
        let long_string = format!("{{\"s\":\"{}\\n{}\"}}", "x".repeat(37), "é".repeat(20));
        let cases = [
            // valid
            r#"{"a":1}"#, r#"{"a":"\u00e9\ud83d\ude00\/\b\f\n\r\t"}"#, r#"{"a":[[],[{}],"]"]}"#,
            r#"{"a":0,"b":-0,"c":1.25,"d":1E+2,"e":1e-400,"f":"💡"}"#, &long_string,
            // invalid
            "", "{", "{\"a\"}", r#"{"a":}"#, r#"{"a":1,}"#, r#"{"a":1 "b":2}"#, r#"{"a":01}"#,
            r#"{"a":1.}"#, r#"{"a":.5}"#, r#"{"a":+1}"#, r#"{"a":1e}"#, r#"{"a":-}"#, r#"{"a":tru}"#,
            r#"{"a":True}"#, r#"{"a":"\x"}"#, r#"{"a":"\u12g4"}"#, r#"{"a":"\ud800"}"#,
            r#"{"a":"\udc00"}"#, r#"{"a":"\ud800\u0041"}"#, "{\"a\":\"tab\there\"}", r#"{"a":[1,]}"#,
            r#"{"a":[1 2]}"#, r#"{"a":{"b"}}"#, r#"{"a":{"b":1,}}"#, r#"{"a":[}"#, r#"{"a":{]}"#,
            r#"{"a":1} x"#, r#"{"a":1}}"#, "[1]", "\"x\"", r#"{"a":1e400}"#, r#"{a:1}"#, r#"{"a":'x'}"#,
            "{\"a\":\"unterminated", "{\"a\":[1,[2,[3", "{\"a\":1}\u{a0}", "\u{feff}{}",
        ];
        for case in cases {
            let ours = scan(case, 16).is_ok();
            let theirs = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(case).is_ok();
            assert_eq!(ours, theirs, "{case:?}");
        }
        let huge = format!("{{\"n\":{}}}", "9".repeat(400));
        let error = scan(&huge, 8).unwrap_err();
        assert!(error.contains("cannot be read") && error.len() < 200, "the number is quoted short: {error}");
        let big_ok = format!("{{\"n\":{}}}", "9".repeat(301));
        assert!(scan(&big_ok, 8).is_ok());
    }

    #[test]
    fn every_one_byte_edit_of_a_token_is_judged_like_serde_json() {
        // Deletions, duplications and replacements by every interesting
        // byte at every position of a realistic claims text.
        let base = r#"{"iss":"https://x.example/","aud":["api://default","b"],"exp":1767229200,"n":-1.5e3,"o":{"k":[true,false,null]},"s":"\u00e9\ud83d\ude00\n"}"#;
        let bytes = base.as_bytes();
        let specials = b"\"\\/{}[]:,.-+eE0123456789 \t\n\rtfnu\x01\x7fx";
        let mut checked = 0;
        for i in 0..=bytes.len() {
            let mut edits: Vec<Vec<u8>> = Vec::new();
            if i < bytes.len() {
                edits.push([&bytes[..i], &bytes[i + 1..]].concat());
                edits.push([&bytes[..=i], &bytes[i..]].concat());
                for &b in specials {
                    edits.push([&bytes[..i], &[b], &bytes[i + 1..]].concat());
                }
            }
            for &b in specials {
                edits.push([&bytes[..i], &[b], &bytes[i..]].concat());
            }
            for edit in edits {
                let Ok(text) = std::str::from_utf8(&edit) else { continue };
                let ours = scan(text, 16).is_ok();
                let theirs = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(text).is_ok();
                assert_eq!(ours, theirs, "{text}");
                checked += 1;
            }
        }
        assert!(checked > 5000, "{checked}");
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(scan(r#"{"a":1,}"#, 8).unwrap_err(), "expected a string at byte 7 (found `}`)");
        assert_eq!(scan(r#"{"a":"\ud800"}"#, 8).unwrap_err(), "lone leading surrogate in a \\u escape at byte 12 (found `\"`)");
        assert_eq!(scan(r#"{"a":1"#, 8).unwrap_err(), "expected `,` or `}` in an object at the end of the text");
        assert_eq!(scan("[1]", 8).unwrap_err(), "expected `{` at byte 0 (found `[`)");
    }

    #[test]
    fn bounds_nesting_without_recursion() {
        assert!(scan(r#"{"a":[[1]]}"#, 3).is_ok());
        assert!(scan(r#"{"a":[[[1]]]}"#, 3).unwrap_err().contains("deeper than 3"));
        assert!(scan(r#"{"a":{"b":{"c":{}}}}"#, 3).unwrap_err().contains("deeper than 3"));
        assert!(scan("{}", 0).is_err());
        // Far deeper than any stack could recurse, and past the 64 inline levels.
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(scan(&deep, usize::MAX).is_ok());
        let mixed = format!("{{\"a\":{}1{}}}", "[{\"k\":".repeat(100), "}]".repeat(100));
        assert!(scan(&mixed, 201).is_ok());
        assert!(scan(&mixed, 200).is_err());
        let crossed = format!("{{\"a\":{}1{}}}", "[{\"k\":".repeat(100), "]}".repeat(100));
        assert!(scan(&crossed, usize::MAX).is_err());
    }

    #[test]
    fn string_stoppers_find_the_first_special_byte() {
        for (i, special) in [b'"', b'\\', 0x00, 0x1f].into_iter().enumerate() {
            let mut bytes = *b"abcdefgh";
            bytes[i + 2] = special;
            let word = u64::from_le_bytes(bytes);
            assert_eq!(string_stoppers(word).trailing_zeros() / 8, (i + 2) as u32);
        }
        assert_eq!(string_stoppers(u64::from_le_bytes(*b" ~\x7f\x80\xff!#[")), 0);
    }
}
