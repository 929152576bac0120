//! What the rules of a set read: which claims, headers and fields, which
//! claims by path, and which `"x" in <list>` tests the activation answers
//! directly, through typed [`Slot`]s. Filled by the name check at compile
//! time, read by the activation per request.

use std::collections::BTreeSet;

/// Which members of a map (claims, headers, fields of `auth`) the rules
/// read: none, some by name, or all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Selection {
    /// None read.
    #[default]
    Nothing,
    /// Only these, by name.
    Some(BTreeSet<String>),
    /// All of them (read as a whole, iterated, or indexed by a computed key).
    All,
}

impl Selection {
    /// Adds `name` (nothing changes once all are read).
    pub(crate) fn add(&mut self, name: &str) {
        match self {
            Selection::All => {}
            Selection::Some(set) => {
                set.insert(name.to_owned());
            }
            Selection::Nothing => *self = Selection::Some(BTreeSet::from([name.to_owned()])),
        }
    }
    /// Whether `name` is wanted.
    pub(crate) fn wants(&self, name: &str) -> bool {
        match self {
            Selection::All => true,
            Selection::Some(set) => set.contains(name),
            Selection::Nothing => false,
        }
    }
}

/// What the rules of a set read, so the activation builds only that.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reads {
    /// Claims read through `jwt` or `auth.claims`.
    pub claims: Selection,
    /// Fields of `auth` read (`claims`, `issuer`, ...).
    pub auth_fields: Selection,
    /// Fields of `request` read.
    pub request_fields: Selection,
    /// Headers read (lower-cased names).
    pub headers: Selection,
    /// Claims read by name through a path (`jwt.x`, `auth.claims.x`), even
    /// when all claims are also read whole: the activation answers such a
    /// path directly, converting and caching only that claim.
    pub claim_paths: BTreeSet<String>,
    /// The first [`MAX_CLAIM_SLOTS`] of `claim_paths`: the claims the
    /// activation caches per request, by index.
    pub claim_slots: Vec<String>,
    /// The `"literal" in <list>` tests rewritten to read [`Slot`]s (see
    /// `rewrite::rewrite_in`), by index: which list, and the literal.
    pub in_checks: Vec<(InList, String)>,
}

/// The list a rewritten `"x" in <list>` test looks in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum InList {
    /// `jwt.<claim>` or `auth.claims.<claim>`.
    Claim(String),
    /// `auth.scopes`.
    Scopes,
    /// `auth.groups`.
    Groups,
    /// `auth.roles`.
    Roles,
}


impl Reads {
    /// Records what the variable path `root.path...` reads (`path` holds
    /// the literal segments: fields, presence tests, string indexes).
    pub(crate) fn record(&mut self, root: &str, path: &[&str]) {
        let n = self;
        match (root, path) {
            ("jwt", []) => n.claims = Selection::All,
            ("jwt", [claim, ..]) => {
                n.claims.add(claim);
                n.claim_paths.insert((*claim).to_owned());
            }
            ("auth", []) => {
                n.auth_fields = Selection::All;
                n.claims = Selection::All;
            }
            ("auth", ["claims"]) => {
                n.auth_fields.add("claims");
                n.claims = Selection::All;
            }
            ("auth", ["claims", claim, ..]) => {
                n.auth_fields.add("claims");
                n.claims.add(claim);
                n.claim_paths.insert((*claim).to_owned());
            }
            ("auth", [field, ..]) => n.auth_fields.add(field),
            ("request", []) => {
                n.request_fields = Selection::All;
                n.headers = Selection::All;
            }
            ("request", ["headers"]) => {
                n.request_fields.add("headers");
                n.headers = Selection::All;
            }
            ("request", ["headers", h, ..]) => {
                n.request_fields.add("headers");
                n.headers.add(&h.to_ascii_lowercase());
            }
            ("request", [field, ..]) => n.request_fields.add(field),
            _ => {}
        }
    }
}

/// The internal variables a compiled rule reads instead of a `"x" in
/// <list>` test, answered by the activation from the identity: the
/// compiler writes them with [`Slot::name`], the activation reads them
/// back with [`Slot::parse`]; no other code spells their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Slot {
    /// Whether `in_checks[n]` can be answered from the identity (a bool).
    InKnown(usize),
    /// The answer of `in_checks[n]`, when known (a bool).
    InValue(usize),
}

/// Prefix of [`Slot::InKnown`] names (not a CEL identifier, so no rule can
/// spell it).
const IN_KNOWN: &str = "@cc_in?";
/// Prefix of [`Slot::InValue`] names.
const IN_VALUE: &str = "@cc_in=";

impl Slot {
    /// The variable name the compiled expression reads.
    pub(crate) fn name(self) -> String {
        match self {
            Slot::InKnown(n) => format!("{IN_KNOWN}{n}"),
            Slot::InValue(n) => format!("{IN_VALUE}{n}"),
        }
    }

    /// The slot a variable name stands for, if it is one.
    #[inline]
    pub(crate) fn parse(variable: &str) -> Option<Slot> {
        if let Some(n) = variable.strip_prefix(IN_KNOWN) {
            return n.parse().ok().map(Slot::InKnown);
        }
        variable.strip_prefix(IN_VALUE).and_then(|n| n.parse().ok()).map(Slot::InValue)
    }
}

/// Claims read by path that one request caches (more are read through the
/// claims map).
pub(crate) const MAX_CLAIM_SLOTS: usize = 8;
