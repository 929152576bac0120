//! The request a host hands to the engine: where the credential may be, and
//! the attributes rules can read. Everything is borrowed, so a host (or the C
//! ABI) can describe a request without copying its strings.

/// A value the host attaches to a request under a dotted name, such as
/// `mcp.tool.name` or `source.port`. Rules read it as a CEL value.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue<'a> {
    /// A string, passed without copying.
    Str(&'a str),
    /// Any JSON value (numbers become CEL `int`/`double`, objects maps).
    Json(serde_json::Value),
}

/// One host-supplied attribute: a dotted name and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute<'a> {
    /// Dotted name, for example `mcp.tool.name`; the first segment is the CEL
    /// variable (`mcp`), the rest are nested map keys.
    pub name: &'a str,
    /// The value rules see at that name.
    pub value: AttributeValue<'a>,
}

/// A request to authorize. Build one with [`Request::default`] and set the
/// fields the host knows; every field is optional.
///
/// Credentials are looked for as `authentication.tokenSource` says: headers
/// in `headers` (names compared case-insensitively), cookies in `cookies`
/// when the host has parsed them, otherwise in the `Cookie` headers, and query
/// parameters in `query` when given, otherwise in the query string of `path`.
#[derive(Debug, Clone, Default)]
pub struct Request<'a> {
    /// HTTP method, for example `GET`.
    pub method: &'a str,
    /// Request path, optionally with its query string.
    pub path: &'a str,
    /// The `Host` (or `:authority`) of the request.
    pub host: &'a str,
    /// Header name/value pairs as received; a name may repeat.
    pub headers: &'a [(&'a str, &'a str)],
    /// Cookies already parsed by the host; when `None`, `Cookie` headers are parsed.
    pub cookies: Option<&'a [(&'a str, &'a str)]>,
    /// Query parameters already parsed (and percent-decoded) by the host; when
    /// `None`, the query string of `path` is parsed.
    pub query: Option<&'a [(&'a str, &'a str)]>,
    /// The peer address, for example `203.0.113.7` or `[2001:db8::1]:443`.
    pub source_address: &'a str,
    /// Extra host-supplied attributes (`mcp.tool.name`, `request.uri`, ...).
    pub attributes: &'a [Attribute<'a>],
}

impl<'a> Request<'a> {
    /// Values of every header named `name` (ASCII case-insensitive), in order.
    pub fn header_values<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'a str> + 's {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v)
    }
}
