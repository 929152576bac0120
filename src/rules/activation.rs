//! The per-request activation: a [`VariableResolver`] that builds each
//! top-level variable the first time a rule reads it, and only the parts the
//! rule set reads (see [`Needs`]). Strings are borrowed from the identity and
//! the request, never copied.
//!
//! The cel crate asks for a qualified name (`auth.claims.groups`) before its
//! prefixes, so common paths are answered directly (one claim converted and
//! cached, no `auth` or claims map built), and the rewritten
//! `"x" in <claim or scopes>` tests (see `rewrite::rewrite_in`) are answered
//! from the identity without converting the list. Whatever is not answered
//! falls back to the maps, so values and errors are those of the maps.

use super::reads::{InList, Reads, Selection, Slot, MAX_CLAIM_SLOTS};
use super::environment::HOST_VARIABLES;
use super::RuleInput;
use crate::identity::Identity;
use crate::request::{AttributeValue, Request};
use cel::common::types::{
    CelBool, CelDouble, CelInt, CelList, CelMap, CelMapKey, CelNull, CelString, CelTimestamp, CelUInt,
};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::OnceLock;

/// `in_checks` whose answers one request caches.
const IN_CACHED: usize = 8;

/// JSON nesting converted before the rest is replaced by `null`: claims
/// are depth-limited when a token is parsed; this keeps conversion bounded
/// whatever a host passes as an attribute.
const MAX_JSON_DEPTH: usize = 64;

type BoxVal<'v> = Box<dyn Val + 'v>;

/// Lazily built variables for one request.
pub(crate) struct Activation<'r> {
    identity: Option<&'r Identity>,
    request: &'r Request<'r>,
    now: f64,
    reads: &'r Reads,
    /// The claims map (`jwt`, and `auth.claims` when read as a whole).
    claims: OnceLock<BoxVal<'r>>,
    /// Claims read by path, by their index in `reads.claim_slots`; `None`
    /// when the token lacks the claim.
    claim_cache: [OnceLock<Option<BoxVal<'r>>>; MAX_CLAIM_SLOTS],
    scopes: OnceLock<BoxVal<'r>>,
    groups: OnceLock<BoxVal<'r>>,
    roles: OnceLock<BoxVal<'r>>,
    headers: OnceLock<BoxVal<'r>>,
    auth: OnceLock<BoxVal<'r>>,
    request_val: OnceLock<BoxVal<'r>>,
    source: OnceLock<BoxVal<'r>>,
    now_val: OnceLock<BoxVal<'r>>,
    host: [OnceLock<Option<BoxVal<'r>>>; HOST_VARIABLES.len()],
    yes: CelBool,
    no: CelBool,
    /// The first [`IN_CACHED`] `in_checks` answered: 0 not yet, 1 unknown,
    /// 2 false, 3 true (each is asked for twice: known, then value).
    in_cache: [AtomicU8; IN_CACHED],
    /// `request.method`, `.path` and `.host`, borrowed, for direct reads.
    fields: [CelString<'r>; 3],
}

impl<'r> Activation<'r> {
    /// An activation over `input` that builds what `reads` says.
    pub(crate) fn new(input: &RuleInput<'r, '_>, reads: &'r Reads) -> Self {
        Activation {
            identity: input.identity,
            request: shorten(input.request),
            now: input.now,
            reads,
            claims: OnceLock::new(),
            claim_cache: std::array::from_fn(|_| OnceLock::new()),
            scopes: OnceLock::new(),
            groups: OnceLock::new(),
            roles: OnceLock::new(),
            headers: OnceLock::new(),
            auth: OnceLock::new(),
            request_val: OnceLock::new(),
            source: OnceLock::new(),
            now_val: OnceLock::new(),
            host: std::array::from_fn(|_| OnceLock::new()),
            yes: CelBool::from(true),
            no: CelBool::from(false),
            in_cache: std::array::from_fn(|_| AtomicU8::new(0)),
            fields: [
                CelString::from(input.request.method),
                CelString::from(input.request.path),
                CelString::from(input.request.host),
            ],
        }
    }

    fn build_claims(&self, identity: &'r Identity) -> BoxVal<'r> {
        let claims = identity.claims.as_ref();
        let map: HashMap<CelMapKey<'r>, BoxVal<'r>> = match &self.reads.claims {
            Selection::All => claims
                .iter()
                .map(|(k, v)| (CelMapKey::from(k), json_to_val(v, 0)))
                .collect(),
            Selection::Some(names) => names
                .iter()
                .filter_map(|n| claims.get_key_value(n.as_str()))
                .map(|(k, v)| (CelMapKey::from(k), json_to_val(v, 0)))
                .collect(),
            Selection::Nothing => HashMap::new(),
        };
        Box::new(CelMap::from(map))
    }

    fn build_auth(&self) -> BoxVal<'r> {
        let Some(id) = self.identity else {
            return Box::new(CelNull);
        };
        let want = &self.reads.auth_fields;
        let mut map: HashMap<CelMapKey<'r>, BoxVal<'r>> = HashMap::new();
        if want.wants("claims") {
            map.insert(CelMapKey::from("claims"), self.build_claims(id));
        }
        if want.wants("issuer") {
            map.insert(CelMapKey::from("issuer"), Box::new(CelString::from(id.issuer.as_str())));
        }
        if want.wants("subject") {
            let v: BoxVal<'r> = match &id.subject {
                Some(s) => Box::new(CelString::from(s.as_str())),
                None => Box::new(CelNull),
            };
            map.insert(CelMapKey::from("subject"), v);
        }
        if want.wants("provider") {
            map.insert(CelMapKey::from("provider"), Box::new(CelString::from(&*id.provider)));
        }
        if want.wants("scopes") {
            map.insert(CelMapKey::from("scopes"), build_scopes(id));
        }
        if want.wants("groups") {
            map.insert(CelMapKey::from("groups"), string_list(&id.groups));
        }
        if want.wants("roles") {
            map.insert(CelMapKey::from("roles"), string_list(&id.roles));
        }
        Box::new(CelMap::from(map))
    }

    fn build_request(&self) -> BoxVal<'r> {
        let req = self.request;
        let want = &self.reads.request_fields;
        let mut node = Node::Map(Vec::new());
        for (name, value) in [("method", req.method), ("path", req.path), ("host", req.host)] {
            if want.wants(name) {
                node.insert(&[name], Node::Leaf(Box::new(CelString::from(value))));
            }
        }
        if want.wants("headers") {
            node.insert(&["headers"], Node::Leaf(self.build_headers()));
        }
        self.merge_attributes(&mut node, "request");
        node.into_val()
    }

    fn build_headers(&self) -> BoxVal<'r> {
        // Group by lower-cased name, values in order, repeated ones joined
        // ", ". One hash lookup per header: linear in the header count (a
        // scan per header was quadratic: 64k headers took 4.3 s).
        let mut groups: HashMap<Cow<'r, str>, Vec<&'r str>> = HashMap::new();
        for (name, value) in self.request.headers.iter() {
            let lower: Cow<'r, str> = if name.bytes().any(|b| b.is_ascii_uppercase()) {
                Cow::Owned(name.to_ascii_lowercase())
            } else {
                Cow::Borrowed(*name)
            };
            if !self.reads.headers.wants(&lower) {
                continue;
            }
            groups.entry(lower).or_default().push(value);
        }
        let map: HashMap<CelMapKey<'r>, BoxVal<'r>> = groups
            .into_iter()
            .map(|(name, values)| {
                let key = match name {
                    Cow::Borrowed(s) => CelMapKey::from(s),
                    Cow::Owned(s) => CelMapKey::from(s),
                };
                let value: BoxVal<'r> = match values.as_slice() {
                    [one] => Box::new(CelString::from(*one)),
                    many => Box::new(CelString::from(many.join(", "))),
                };
                (key, value)
            })
            .collect();
        Box::new(CelMap::from(map))
    }

    fn build_source(&self) -> BoxVal<'r> {
        let mut node = Node::Map(Vec::new());
        node.insert(&["address"], Node::Leaf(Box::new(CelString::from(self.request.source_address))));
        self.merge_attributes(&mut node, "source");
        node.into_val()
    }

    /// Merges the attributes under `root` (`request.uri` into `request`).
    /// Returns whether any was found.
    fn merge_attributes(&self, node: &mut Node<'r>, root: &str) -> bool {
        let mut found = false;
        for attr in self.request.attributes.iter() {
            let mut segments = attr.name.split('.');
            if segments.next() != Some(root) {
                continue;
            }
            let rest: Vec<&'r str> = segments.collect();
            let value = match &attr.value {
                AttributeValue::Str(s) => Node::Leaf(Box::new(CelString::from(*s))),
                AttributeValue::Json(v) => json_to_node(v, 0),
            };
            node.insert(&rest, value);
            found = true;
        }
        found
    }

    fn build_host(&self, root: &str) -> Option<BoxVal<'r>> {
        let mut node = Node::Map(Vec::new());
        self.merge_attributes(&mut node, root).then(|| node.into_val())
    }
}

/// Lets a `&Request<'a>` be used at the shorter lifetime `'r`.
fn shorten<'r>(r: &'r Request<'_>) -> &'r Request<'r> {
    r
}

impl<'r> Activation<'r> {
    /// The claims map, built once per request.
    fn claims_map(&self) -> &(dyn Val + 'r) {
        self.claims
            .get_or_init(|| match self.identity {
                Some(id) => self.build_claims(id),
                None => Box::new(CelNull),
            })
            .as_ref()
    }

    /// `jwt.<name>` or `auth.claims.<name>` read directly: the one claim,
    /// converted once per request. `None` (so the path is resolved through
    /// the maps, with their errors) when unauthenticated, when the claim is
    /// missing, when `name` has a dot, or when it is not a cached claim.
    fn claim(&self, name: &str) -> Option<&(dyn Val + 'r)> {
        // `jwt.a.b` is asked for as a whole first: `a.b` is then not a claim
        // name but a claim and a field of it, left to the maps.
        if name.contains('.') {
            return None;
        }
        let id = self.identity?;
        let slot = self.reads.claim_slots.iter().position(|s| s == name)?;
        self.claim_cache
            .get(slot)?
            .get_or_init(|| id.claims.get(name).map(|v| json_to_val(v, 0)))
            .as_deref()
    }

    /// `auth.<rest>` read directly, for the fields `auth` has; else `None`.
    fn auth_path<'b>(&'b self, rest: &str) -> Option<CowVal<'b, 'b>> {
        let id = self.identity?;
        let owned = |v: CelString<'r>| Some(CowVal::Owned(Box::new(v) as BoxVal<'b>));
        match rest {
            "claims" => Some(CowVal::Borrowed(self.claims_map())),
            "issuer" => owned(CelString::from(id.issuer.as_str())),
            "provider" => owned(CelString::from(&*id.provider)),
            "subject" => match &id.subject {
                Some(s) => owned(CelString::from(s.as_str())),
                None => Some(CowVal::Owned(Box::new(CelNull))),
            },
            "scopes" => Some(CowVal::Borrowed(self.scopes.get_or_init(|| build_scopes(id)).as_ref())),
            "groups" => Some(CowVal::Borrowed(self.groups.get_or_init(|| string_list(&id.groups)).as_ref())),
            "roles" => Some(CowVal::Borrowed(self.roles.get_or_init(|| string_list(&id.roles)).as_ref())),
            _ => rest.strip_prefix("claims.").and_then(|c| self.claim(c)).map(CowVal::Borrowed),
        }
    }

    /// `reads.in_checks[n]` answered from the identity: `None` when it
    /// cannot be (unauthenticated, the claim missing or not a list), and the
    /// original `"x" in <path>` must run instead.
    fn in_check(&self, n: usize) -> Option<bool> {
        let Some(cached) = self.in_cache.get(n) else {
            return self.compute_in_check(n);
        };
        match cached.load(Ordering::Relaxed) {
            1 => None,
            2 => Some(false),
            3 => Some(true),
            _ => {
                let answer = self.compute_in_check(n);
                cached.store(answer.map_or(1, |b| 2 + u8::from(b)), Ordering::Relaxed);
                answer
            }
        }
    }

    fn compute_in_check(&self, n: usize) -> Option<bool> {
        let (haystack, needle) = self.reads.in_checks.get(n)?;
        let id = self.identity?;
        match haystack {
            InList::Scopes => Some(id.scopes.iter().any(|s| s == needle)),
            InList::Groups => Some(id.groups.iter().any(|s| s == needle)),
            InList::Roles => Some(id.roles.iter().any(|s| s == needle)),
            // as CEL's `in` over the converted list: only a string element
            // equals a string
            InList::Claim(claim) => id.claims.array_contains_str(claim, needle),
        }
    }

    fn bool_val(&self, b: bool) -> &CelBool {
        if b {
            &self.yes
        } else {
            &self.no
        }
    }

    /// Whether the host supplied attributes under `root`, which merge into
    /// (and may replace) the engine's fields of that variable.
    fn has_attributes(&self, root: &str) -> bool {
        self.request.attributes.iter().any(|a| {
            a.name.strip_prefix(root).is_some_and(|r| r.is_empty() || r.starts_with('.'))
        })
    }

    /// `request.<field>` read directly, when no attribute merges into it.
    fn request_path<'b>(&'b self, field: &str) -> Option<CowVal<'b, 'b>> {
        let [method, path, host] = &self.fields;
        let value: &'b (dyn Val + 'b) = match field {
            "method" => method,
            "path" => path,
            "host" => host,
            "headers" if !self.has_attributes("request") => {
                return Some(CowVal::Borrowed(self.headers.get_or_init(|| self.build_headers()).as_ref()));
            }
            _ => return None,
        };
        if self.has_attributes("request") {
            return None;
        }
        Some(CowVal::Borrowed(value))
    }
}

impl VariableResolver for Activation<'_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        match Slot::parse(variable) {
            Some(Slot::InKnown(n)) => return Some(CowVal::Borrowed(self.bool_val(self.in_check(n).is_some()))),
            Some(Slot::InValue(n)) => return Some(CowVal::Borrowed(self.bool_val(self.in_check(n).unwrap_or(false)))),
            None => {}
        }
        // A qualified name (`auth.claims.groups`) is asked for before its
        // prefixes: answer the common paths directly, without building the
        // maps above them. `None` falls back to the prefixes, which build
        // them, so errors and edge cases are those of the maps.
        if let Some((root, rest)) = variable.split_once('.') {
            return match root {
                "jwt" => self.claim(rest).map(CowVal::Borrowed),
                "auth" => self.auth_path(rest),
                "request" => self.request_path(rest),
                "source" if rest == "address" && !self.has_attributes("source") => {
                    Some(CowVal::Owned(Box::new(CelString::from(self.request.source_address))))
                }
                _ => None,
            };
        }
        let v: &'b (dyn Val + 'b) = match variable {
            "jwt" => self.claims_map(),
            "auth" => self.auth.get_or_init(|| self.build_auth()).as_ref(),
            "request" => self.request_val.get_or_init(|| self.build_request()).as_ref(),
            "source" => self.source.get_or_init(|| self.build_source()).as_ref(),
            "now" => self.now_val.get_or_init(|| timestamp(self.now)).as_ref(),
            other => {
                let i = HOST_VARIABLES.iter().position(|h| *h == other)?;
                self.host.get(i)?.get_or_init(|| self.build_host(other)).as_deref()?
            }
        };
        Some(CowVal::Borrowed(v))
    }
}

/// `auth.scopes`: the granted scopes as a list of strings.
fn build_scopes(id: &Identity) -> BoxVal<'_> {
    string_list(&id.scopes)
}

/// `auth.scopes`, `auth.groups`, `auth.roles`: a list of strings.
fn string_list(items: &[String]) -> BoxVal<'_> {
    let list: Vec<BoxVal<'_>> = items.iter().map(|s| Box::new(CelString::from(s.as_str())) as BoxVal<'_>).collect();
    Box::new(CelList::from(list))
}

/// `now` as a CEL timestamp (UTC); an out-of-range time is `null`, so a rule
/// that reads it errors rather than seeing a wrong time.
pub(crate) fn timestamp<'v>(seconds: f64) -> BoxVal<'v> {
    if !seconds.is_finite() {
        return Box::new(CelNull);
    }
    let whole = seconds.floor();
    let nanos = ((seconds - whole) * 1e9).round().clamp(0.0, 999_999_999.0);
    // `as` saturates, and from_timestamp refuses what is out of range
    match chrono::DateTime::from_timestamp(whole as i64, nanos as u32) {
        Some(t) => Box::new(CelTimestamp::from(t.fixed_offset())),
        None => Box::new(CelNull),
    }
}

/// A JSON value as a CEL value, borrowing its strings: integers are `int`
/// (or `uint` above `i64::MAX`), other numbers `double`.
pub(crate) fn json_to_val(v: &serde_json::Value, depth: usize) -> BoxVal<'_> {
    use serde_json::Value as J;
    match v {
        J::Null => Box::new(CelNull),
        J::Bool(b) => Box::new(CelBool::from(*b)),
        J::Number(n) => {
            if let Some(i) = n.as_i64() {
                Box::new(CelInt::from(i))
            } else if let Some(u) = n.as_u64() {
                Box::new(CelUInt::from(u))
            } else {
                Box::new(CelDouble::from(n.as_f64().unwrap_or(f64::NAN)))
            }
        }
        J::String(s) => Box::new(CelString::from(s.as_str())),
        _ if depth >= MAX_JSON_DEPTH => Box::new(CelNull),
        J::Array(items) => {
            let list: Vec<BoxVal<'_>> = items.iter().map(|x| json_to_val(x, depth + 1)).collect();
            Box::new(CelList::from(list))
        }
        J::Object(map) => {
            let map: HashMap<CelMapKey<'_>, BoxVal<'_>> = map
                .iter()
                .map(|(k, x)| (CelMapKey::from(k.as_str()), json_to_val(x, depth + 1)))
                .collect();
            Box::new(CelMap::from(map))
        }
    }
}

/// A map under construction, so dotted attributes can merge into it.
enum Node<'v> {
    Leaf(BoxVal<'v>),
    Map(Vec<(&'v str, Node<'v>)>),
}

fn json_to_node(v: &serde_json::Value, depth: usize) -> Node<'_> {
    match v {
        serde_json::Value::Object(map) if depth < MAX_JSON_DEPTH => Node::Map(
            map.iter()
                .map(|(k, x)| (k.as_str(), json_to_node(x, depth + 1)))
                .collect(),
        ),
        other => Node::Leaf(json_to_val(other, depth)),
    }
}

impl<'v> Node<'v> {
    /// Puts `value` at `path`, making maps on the way; a later value wins
    /// over an earlier one, and a map merges into a map.
    fn insert(&mut self, path: &[&'v str], value: Node<'v>) {
        let Some((first, rest)) = path.split_first() else {
            match (self, value) {
                (Node::Map(existing), Node::Map(new)) => {
                    for (k, v) in new {
                        match existing.iter_mut().find(|(n, _)| *n == k) {
                            Some((_, node)) => node.insert(&[], v),
                            None => existing.push((k, v)),
                        }
                    }
                }
                (this, value) => *this = value,
            }
            return;
        };
        if let Node::Leaf(_) = self {
            *self = Node::Map(Vec::new());
        }
        if let Node::Map(entries) = self {
            match entries.iter().position(|(n, _)| n == first) {
                Some(pos) => {
                    if let Some((_, node)) = entries.get_mut(pos) {
                        node.insert(rest, value);
                    }
                }
                None => {
                    let mut node = Node::Map(Vec::new());
                    node.insert(rest, value);
                    entries.push((first, node));
                }
            }
        }
    }

    fn into_val(self) -> BoxVal<'v> {
        match self {
            Node::Leaf(v) => v,
            Node::Map(entries) => {
                let map: HashMap<CelMapKey<'v>, BoxVal<'v>> = entries
                    .into_iter()
                    .map(|(k, n)| (CelMapKey::from(k), n.into_val()))
                    .collect();
                Box::new(CelMap::from(map))
            }
        }
    }
}
