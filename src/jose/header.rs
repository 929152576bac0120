//! The JOSE header read straight into the members this engine acts on,
//! borrowing from the decoded bytes: no map is built per request. Member
//! names must be unique (RFC 7515 §5.2), as for the claims.

use std::borrow::Cow;

use serde_json::Value;

use crate::json::scan::scan_object;

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

impl<'a> StrMember<'a> {
    /// Reads a member's raw JSON value (already checked by the scan).
    fn from_raw(raw: &'a str) -> Result<StrMember<'a>, String> {
        let Some(inner) = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) else {
            return Ok(StrMember::NotAString);
        };
        if !inner.contains('\\') {
            return Ok(StrMember::Str(Cow::Borrowed(inner)));
        }
        // Rare: unescape through the JSON parser.
        serde_json::from_str::<String>(raw).map(|s| StrMember::Str(Cow::Owned(s))).map_err(|e| e.to_string())
    }
}

/// Parses header bytes: a JSON object nested at most `max_depth` deep,
/// with at most [`MAX_HEADER_MEMBERS`] members and no name twice.
pub(crate) fn parse_header(bytes: &[u8], max_depth: usize) -> Result<RawHeader<'_>, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("the header is not UTF-8 text: {e}"))?;
    let mut header = RawHeader::default();
    // Headers have a handful of members: a linear scan beats hashing, and
    // the bound keeps it cheap whatever the (unauthenticated) header holds.
    let mut seen: Vec<Cow<'_, str>> = Vec::with_capacity(8);
    scan_object(text, max_depth, |member| {
        if seen.len() >= MAX_HEADER_MEMBERS {
            return Err(format!("the header has more than {MAX_HEADER_MEMBERS} members"));
        }
        let name_text = text.get(member.name.clone()).unwrap_or("");
        let name: Cow<'_, str> = if member.name_escaped {
            let quoted = text.get(member.name.start.saturating_sub(1)..member.name.end + 1).unwrap_or("\"\"");
            Cow::Owned(serde_json::from_str::<String>(quoted).map_err(|e| e.to_string())?)
        } else {
            Cow::Borrowed(name_text)
        };
        if seen.contains(&name) {
            return Err(format!("member `{name}` appears twice"));
        }
        let raw = text.get(member.value.clone()).unwrap_or("null");
        match name.as_ref() {
            "alg" => header.alg = Some(StrMember::from_raw(raw)?),
            "kid" => header.kid = Some(StrMember::from_raw(raw)?),
            "typ" => header.typ = Some(StrMember::from_raw(raw)?),
            "crit" => header.crit = Some(serde_json::from_str::<Value>(raw).map_err(|e| e.to_string())?),
            "b64" => header.has_b64 = true,
            _ => {}
        }
        seen.push(name);
        Ok(())
    })?;
    Ok(header)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_header_8(bytes: &[u8]) -> Result<RawHeader<'_>, String> {
        parse_header(bytes, 8)
    }

    #[test]
    fn reads_known_members_and_refuses_duplicates() {
        let h = parse_header_8(br#"{"alg":"RS256","kid":"k\u0031","x":{"y":[1,2]},"typ":5}"#).unwrap();
        assert_eq!(h.alg, Some(StrMember::Str("RS256".into())));
        assert_eq!(h.kid, Some(StrMember::Str("k1".into())));
        assert_eq!(h.typ, Some(StrMember::NotAString));
        assert!(parse_header_8(br#"{"alg":"RS256","alg":"none"}"#).unwrap_err().contains("twice"));
        assert!(parse_header_8(br#"{"x":1,"x":2}"#).unwrap_err().contains("twice"));
        let many: String = (0..40).map(|i| format!("\"m{i}\":0")).collect::<Vec<_>>().join(",");
        assert!(parse_header_8(format!("{{{many}}}").as_bytes()).unwrap_err().contains("more than 32"));
        assert!(parse_header_8(br#"[1]"#).is_err());
        assert!(parse_header_8(br#"{"alg":"RS256"} 1"#).is_err());
        assert!(parse_header_8(br#"{"alg":"RS256","a\u006cg":"none"}"#).unwrap_err().contains("`alg` appears twice"));
        assert!(parse_header(br#"{"alg":"RS256","x":[[1]]}"#, 2).unwrap_err().contains("deeper than 2"));
        assert!(parse_header_8(b"{\"alg\":\"RS\xff\"}").unwrap_err().contains("UTF-8"));
    }
}
