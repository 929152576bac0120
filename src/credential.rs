//! Finding the bearer credential in a request, in the places
//! `authentication.tokenSource` names, and where it was.

use std::borrow::Cow;

use crate::request::Request;

/// Where in a request the credential was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// A header (`authorization` with the default `tokenSource`).
    Header,
    /// A cookie.
    Cookie,
    /// A query parameter.
    Query,
}

/// The place a request carried its credential: what a gateway removes
/// before forwarding the request upstream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialSource {
    /// Header, cookie or query parameter.
    pub kind: CredentialKind,
    /// Its name as the config gives it (header names in lower case).
    pub name: Cow<'static, str>,
}

/// One place to look for the credential (`authentication.tokenSource`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenPlace {
    Header { name: String, prefix: String },
    Cookie { name: String },
    Query { name: String },
}

/// The configured places, in order, each with the source a decision reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSources {
    places: Vec<(TokenPlace, CredentialSource)>,
}

/// The default header's name, shared by every decision that reports it.
const AUTHORIZATION: &str = "authorization";

fn source_of(place: &TokenPlace) -> CredentialSource {
    let (kind, name) = match place {
        TokenPlace::Header { name, .. } => (CredentialKind::Header, name),
        TokenPlace::Cookie { name } => (CredentialKind::Cookie, name),
        TokenPlace::Query { name } => (CredentialKind::Query, name),
    };
    let name = if kind == CredentialKind::Header && name == AUTHORIZATION {
        Cow::Borrowed(AUTHORIZATION)
    } else {
        Cow::Owned(name.clone())
    };
    CredentialSource { kind, name }
}

/// What the request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential<'a> {
    /// No credential anywhere.
    Missing,
    /// Exactly one credential, and where it was.
    Present(Cow<'a, str>, CredentialSource),
    /// Exactly one place holds something that claims to be our credential
    /// but is not well-formed (`Bearer\t<t>`, `Bearer<t>`, `Bearer a, Bearer
    /// b`): a malformed credential, never an absent one, so a middleware
    /// still strips it. The text says what is wrong.
    Malformed(String, CredentialSource),
    /// More than one (RFC 6750 §2: a client uses one method only); the text
    /// says where they were.
    Multiple(String),
}

impl Default for TokenSources {
    fn default() -> Self {
        let place = TokenPlace::Header { name: AUTHORIZATION.to_owned(), prefix: "Bearer ".to_owned() };
        let source = source_of(&place);
        TokenSources { places: vec![(place, source)] }
    }
}

impl TokenSources {
    /// These places, in order. Header names compare in lower case.
    pub(crate) fn new(places: impl IntoIterator<Item = TokenPlace>) -> TokenSources {
        let places = places
            .into_iter()
            .map(|place| match place {
                TokenPlace::Header { name, prefix } => TokenPlace::Header { name: name.to_ascii_lowercase(), prefix },
                other => other,
            })
            .map(|place| {
                let source = source_of(&place);
                (place, source)
            })
            .collect();
        TokenSources { places }
    }

    /// Looks in every configured place and reports what the request carries.
    pub fn find<'a>(&self, request: &Request<'a>) -> Credential<'a> {
        let mut found = CredentialsSeen::default();
        for (place, source) in &self.places {
            found.source = Some(source);
            match place {
                TokenPlace::Header { name, prefix } => {
                    for value in request.header_values(name) {
                        match header_credential(value, prefix) {
                            HeaderValue::Other => {}
                            HeaderValue::Token(token) => found.record(Ok(Cow::Borrowed(token)), "a header"),
                            HeaderValue::Malformed(why) => found.record(Err(why), "a header"),
                        }
                    }
                }
                TokenPlace::Cookie { name } => match request.cookies {
                    Some(cookies) => {
                        for (_, v) in cookies.iter().filter(|(n, _)| n == name) {
                            found.record(Ok(Cow::Borrowed(v)), "a cookie");
                        }
                    }
                    None => {
                        for header in request.header_values("cookie") {
                            for (_, v) in cookie_pairs(header).filter(|(n, _)| n == name) {
                                found.record(Ok(Cow::Borrowed(v)), "a cookie");
                            }
                        }
                    }
                },
                TokenPlace::Query { name } => match request.query {
                    Some(params) => {
                        for (_, v) in params.iter().filter(|(n, _)| n == name) {
                            found.record(Ok(Cow::Borrowed(v)), "the query");
                        }
                    }
                    None => {
                        let query = request.path.split_once('?').map(|(_, q)| q).unwrap_or("");
                        let query = query.split_once('#').map(|(q, _)| q).unwrap_or(query);
                        for pair in query.split('&').filter(|p| !p.is_empty()) {
                            let (n, v) = pair.split_once('=').unwrap_or((pair, ""));
                            if percent_decode(n).as_deref() == Some(name.as_str()) {
                                let value = percent_decode(v).unwrap_or(Cow::Borrowed(""));
                                found.record(Ok(value), "the query");
                            }
                        }
                    }
                },
            }
        }
        found.into_credential()
    }
}

/// A credential as found: the token, or why what claims to be one is
/// malformed.
type Seen<'a> = Result<Cow<'a, str>, String>;

/// Credentials seen so far while looking through the places.
#[derive(Default)]
struct CredentialsSeen<'a, 's> {
    /// The place being looked at.
    source: Option<&'s CredentialSource>,
    first: Option<(Seen<'a>, &'static str, Option<&'s CredentialSource>)>,
    second_place: Option<&'static str>,
}

impl<'a> CredentialsSeen<'a, '_> {
    fn record(&mut self, token: Seen<'a>, place: &'static str) {
        if self.first.is_none() {
            self.first = Some((token, place, self.source));
        } else if self.second_place.is_none() {
            self.second_place = Some(place);
        }
    }

    fn into_credential(self) -> Credential<'a> {
        match (self.first, self.second_place) {
            (None, _) => Credential::Missing,
            (Some((Ok(token), _, Some(source))), None) => Credential::Present(token, source.clone()),
            (Some((Err(why), _, Some(source))), None) => Credential::Malformed(why, source.clone()),
            // Unreachable: `find` sets the source before looking.
            (Some((_, _, None)), None) => Credential::Missing,
            (Some((_, first, _)), Some(second)) => {
                Credential::Multiple(format!("credentials found in {first} and in {second}"))
            }
        }
    }
}

/// What one header value holds for a header token source.
enum HeaderValue<'v> {
    /// Not ours: another scheme (`Basic ...`), or nothing.
    Other,
    /// The credential after the prefix.
    Token(&'v str),
    /// It starts with the prefix's scheme but is no well-formed credential.
    Malformed(String),
}

/// Reads one header value against the configured prefix (`Bearer `). RFC
/// 6750 §2.1: `Bearer 1*SP b64token`; spaces around the token are
/// tolerated, anything else that starts with the scheme name (a tab or no
/// separator, an empty token, characters a token cannot have, such as the
/// `,` of `Bearer a, Bearer b`) is malformed. With an empty prefix the
/// whole value is the credential.
fn header_credential<'v>(value: &'v str, prefix: &str) -> HeaderValue<'v> {
    if let Some(rest) = strip_prefix_ignore_case(value, prefix) {
        let token = rest.trim_matches(' ');
        if prefix.is_empty() {
            return HeaderValue::Token(value.trim());
        }
        if token.is_empty() {
            return HeaderValue::Malformed(format!("the `{}` credential is empty", prefix.trim_end()));
        }
        // A list (`Bearer a, Bearer b`) or a token split by blanks is no
        // single credential. One SIMD search on the hot path: any other
        // character a b64token cannot have makes the compact JWS parser
        // refuse the token as malformed anyway.
        if let Some(at) = memchr::memchr3(b',', b' ', b'\t', token.as_bytes()) {
            let bad = token.get(at..).and_then(|t| t.chars().next()).unwrap_or(',');
            return HeaderValue::Malformed(format!(
                "the `{}` credential holds {}, which a bearer token cannot have (RFC 6750 §2.1); one header carries one token",
                prefix.trim_end(),
                describe_char(bad)
            ));
        }
        return HeaderValue::Token(token);
    }
    let scheme = prefix.trim_end();
    if !scheme.is_empty() && strip_prefix_ignore_case(value, scheme).is_some() {
        return HeaderValue::Malformed(format!(
            "the header starts with `{scheme}` but not with `{prefix}` and a token: the scheme and the token are separated by one space (RFC 6750 §2.1)"
        ));
    }
    HeaderValue::Other
}

fn describe_char(c: char) -> String {
    if c.is_ascii_graphic() || c == ' ' {
        format!("`{c}`")
    } else {
        format!("U+{:04X}", u32::from(c))
    }
}

fn strip_prefix_ignore_case<'v>(value: &'v str, prefix: &str) -> Option<&'v str> {
    let head = value.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        value.get(prefix.len()..)
    } else {
        None
    }
}

/// `name=value` pairs of a `Cookie` header (RFC 6265 §5.4), values unquoted.
fn cookie_pairs(header: &str) -> impl Iterator<Item = (&str, &str)> {
    header.split(';').filter_map(|part| {
        let (n, v) = part.split_once('=')?;
        let v = v.trim();
        let v = v.strip_prefix('"').and_then(|v| v.strip_suffix('"')).unwrap_or(v);
        Some((n.trim(), v))
    })
}

/// Percent-decodes a query or form component (`+` is a space); `None` when
/// the result is not UTF-8.
pub fn percent_decode(text: &str) -> Option<Cow<'_, str>> {
    if !text.bytes().any(|b| b == b'%' || b == b'+') {
        return Some(Cow::Borrowed(text));
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                // Exactly two hex digits (from_str_radix alone would take `+5`).
                let hex = bytes
                    .get(i + 1..i + 3)
                    .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|h| std::str::from_utf8(h).ok());
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(v) => {
                        out.push(v);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok().map(Cow::Owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_sources() -> TokenSources {
        TokenSources::new([
            TokenPlace::Header { name: "Authorization".into(), prefix: "Bearer ".into() },
            TokenPlace::Cookie { name: "session".into() },
            TokenPlace::Query { name: "access_token".into() },
        ])
    }

    #[test]
    fn finds_one_credential_in_each_place() {
        let s = all_sources();
        let source = |kind, name: &str| CredentialSource { kind, name: Cow::Owned(name.to_owned()) };
        let h = [("authorization", "bearer abc")];
        assert_eq!(
            s.find(&Request { headers: &h, ..Default::default() }),
            Credential::Present("abc".into(), source(CredentialKind::Header, "authorization"))
        );
        let h = [("Cookie", "a=1; session=xyz; b=2")];
        assert_eq!(
            s.find(&Request { headers: &h, ..Default::default() }),
            Credential::Present("xyz".into(), source(CredentialKind::Cookie, "session"))
        );
        let r = Request { path: "/x?a=1&access_token=q%2Ev", ..Default::default() };
        assert_eq!(s.find(&r), Credential::Present("q.v".into(), source(CredentialKind::Query, "access_token")));
        let custom = TokenSources::new([TokenPlace::Header { name: "X-Token".into(), prefix: String::new() }]);
        let h = [("x-token", "t1")];
        assert_eq!(
            custom.find(&Request { headers: &h, ..Default::default() }),
            Credential::Present("t1".into(), source(CredentialKind::Header, "x-token")),
            "header names are reported in lower case"
        );
        let h = [("authorization", "Basic dXNlcg==")];
        assert_eq!(s.find(&Request { headers: &h, ..Default::default() }), Credential::Missing);
    }

    #[test]
    fn percent_decoding_takes_exactly_two_hex_digits() {
        assert_eq!(percent_decode("a%2Eb+c").as_deref(), Some("a.b c"));
        assert_eq!(percent_decode("%+5").as_deref(), Some("% 5"), "no byte 0x05 from `%+5`");
        assert_eq!(percent_decode("%zz%4").as_deref(), Some("%zz%4"));
        assert_eq!(percent_decode("%ff"), None, "not UTF-8");
    }

    #[test]
    fn two_credentials_are_refused_wherever_they_are() {
        let s = all_sources();
        let h = [("authorization", "Bearer a"), ("Authorization", "Bearer b")];
        assert!(matches!(s.find(&Request { headers: &h, ..Default::default() }), Credential::Multiple(_)));
        let h = [("authorization", "Bearer a")];
        let r = Request { headers: &h, path: "/?access_token=b", ..Default::default() };
        assert!(matches!(s.find(&r), Credential::Multiple(_)));
        let r = Request { path: "/?access_token=a&access_token=b", ..Default::default() };
        assert!(matches!(s.find(&r), Credential::Multiple(_)));
    }
}
