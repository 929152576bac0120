//! The decision table as data: `tests/decision_table.yaml` parsed and
//! checked, with what its rows need built from it (config texts, tokens,
//! requests, the expected `WWW-Authenticate` value). Shared by the Rust
//! runner (`tests/decision_table.rs`), the README check
//! (`tests/readme_decision_table.rs`) and the fixtures writer of the C, Go
//! and Python runners (`ffi/examples/c_fixtures.rs`). The including crate
//! names the core crate `cc` at its root (`use claimcheck as cc;`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::cc::dev::{base64url, Algorithm, DevKey};
use crate::cc::Reason;

/// The data file's text.
pub const YAML: &str = include_str!("../decision_table.yaml");
/// The pinned clock of every row.
pub const NOW: f64 = 1_750_000_000.0;
/// The provider's issuer.
pub const ISSUER: &str = "https://idp.example.com/oauth2/default";
/// The provider's audience.
pub const AUDIENCE: &str = "api://default";
/// The realm of a config that sets none.
pub const DEFAULT_REALM: &str = "claimcheck";

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// README row key -> the row's `input` cell (`None`: rows the README has no row for).
    pub readme: BTreeMap<String, Option<String>>,
    /// Config variants by name.
    pub configs: BTreeMap<String, ConfigVariant>,
    /// Token recipes by name.
    pub tokens: BTreeMap<String, TokenRecipe>,
    /// The rows, in file order.
    pub rows: Vec<Row>,
}

/// Where a config's keys come from.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Jwks {
    /// The `keys` inline.
    #[default]
    Inline,
    /// A URL nothing listens on: the keys never load.
    Unreachable,
}

/// One config variant (see the data file for the fields).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigVariant {
    /// The inline JWKS's keys by name (default `[rsa]`).
    #[serde(default)]
    pub keys: Option<Vec<String>>,
    /// Inline keys, or a key URL that never answers.
    #[serde(default)]
    pub jwks: Jwks,
    /// The provider's audiences (default `[api://default]`).
    #[serde(default)]
    pub audiences: Option<Vec<String>>,
    /// More lines for the provider.
    #[serde(default)]
    pub provider: String,
    /// `authentication.realm`.
    #[serde(default)]
    pub realm: Option<String>,
    /// `authentication.resourceMetadata`.
    #[serde(default)]
    pub resource_metadata: Option<String>,
    /// More lines under `authentication`.
    #[serde(default)]
    pub authentication: String,
    /// The list under `authorization.rules`.
    #[serde(default)]
    pub rules: String,
    /// More top-level YAML.
    #[serde(default)]
    pub tail: String,
}

/// `authentication.mode`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// A token is required.
    #[default]
    Strict,
    /// No token passes to the rules; an invalid one is refused.
    Optional,
    /// Any token problem passes to the rules unauthenticated.
    Permissive,
}

impl Mode {
    /// The config's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Strict => "strict",
            Mode::Optional => "optional",
            Mode::Permissive => "permissive",
        }
    }
}

/// A special token form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Form {
    /// `{"alg":"none"}`, the claims, then `signature`.
    AlgNone,
    /// The changed claims under the header and signature of the unchanged token.
    Forged,
}

fn jwt_typ() -> Option<String> {
    Some("JWT".to_owned())
}

/// How to make one token (see the data file for the fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenRecipe {
    /// The signing key's name (default `rsa`).
    #[serde(default)]
    pub key: Option<String>,
    /// The header's `typ` (default `JWT`; `None`: no `typ`).
    #[serde(default = "jwt_typ")]
    pub typ: Option<String>,
    /// More header members.
    #[serde(default)]
    pub header: Map<String, Value>,
    /// Pads the header with members `x1`, `x2`, ... to this many.
    #[serde(default)]
    pub header_members: Option<usize>,
    /// Claims set (JSON null included).
    #[serde(default)]
    pub claims: Map<String, Value>,
    /// Claims set to [`NOW`] plus this many seconds.
    #[serde(default)]
    pub times: BTreeMap<String, f64>,
    /// Claims removed.
    #[serde(default)]
    pub remove: Vec<String>,
    /// The header exactly as given (signed raw).
    #[serde(default)]
    pub header_json: Option<String>,
    /// The payload exactly as given, `$ISS`, `$AUD`, `$EXP` replaced.
    #[serde(default)]
    pub payload_text: Option<String>,
    /// A special form.
    #[serde(default)]
    pub form: Option<Form>,
    /// The signature part of an `alg_none` token.
    #[serde(default)]
    pub signature: Option<String>,
    /// Text appended to the token.
    #[serde(default)]
    pub suffix: Option<String>,
    /// The first `-` and `_` made `+` and `/`.
    #[serde(default)]
    pub std_alphabet: bool,
    /// The credential exactly as given.
    #[serde(default)]
    pub raw: Option<String>,
}

/// How a row sends its token when it gives no `headers` or `path`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Send {
    /// `Authorization: Bearer TOKEN`.
    #[default]
    Bearer,
    /// That header twice, as `authorization` and `Authorization`.
    Twice,
}

/// The challenge a row expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Challenge {
    /// No `WWW-Authenticate`.
    None,
    /// `Bearer realm="..."` and nothing more.
    Plain,
    /// With `error="invalid_token"` and the reason's client message.
    InvalidToken,
    /// With `error="invalid_request"` and the reason's client message.
    InvalidRequest,
    /// With `error="insufficient_scope"` and the row's `scope`.
    InsufficientScope,
}

impl Challenge {
    /// The data file's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Challenge::None => "none",
            Challenge::Plain => "plain",
            Challenge::InvalidToken => "invalid_token",
            Challenge::InvalidRequest => "invalid_request",
            Challenge::InsufficientScope => "insufficient_scope",
        }
    }
}

fn yes() -> bool {
    true
}

/// One row (see the data file for the fields).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Row {
    /// The README row it illustrates (a key of [`Table::readme`]).
    pub readme: String,
    /// The config variant.
    pub config: String,
    /// The mode set on it.
    #[serde(default)]
    pub mode: Mode,
    /// The credential's token name; `None`: no credential (or one in `headers`).
    #[serde(default)]
    pub token: Option<String>,
    /// How the token is sent when `headers` and `path` are not given.
    #[serde(default)]
    pub send: Option<Send>,
    /// The request's headers, `{token}` replaced.
    #[serde(default)]
    pub headers: Option<Vec<(String, String)>>,
    /// The request's path, `{token}` replaced.
    #[serde(default)]
    pub path: Option<String>,
    /// The expected status.
    pub status: u16,
    /// The expected reason's snake_case name.
    pub reason: String,
    /// The expected challenge.
    pub challenge: Challenge,
    /// The scopes an `insufficient_scope` challenge names.
    #[serde(default)]
    pub scope: Option<String>,
    /// Whether the decision has an identity.
    #[serde(default)]
    pub identity: Option<bool>,
    /// The identity's `sub`.
    #[serde(default)]
    pub subject: Option<String>,
    /// A text the detail contains.
    #[serde(default)]
    pub detail: Option<String>,
    /// The deciding rule's index (-1: none).
    #[serde(default)]
    pub rule: Option<i64>,
    /// Whether the deciding rule errored.
    #[serde(default)]
    pub rule_errored: Option<bool>,
    /// Where the credential was: `header:NAME`, `cookie:NAME`, `query:NAME` or `none`.
    #[serde(default)]
    pub credential: Option<String>,
    /// Whether the C runner may get the row (when it can send it).
    #[serde(default = "yes")]
    pub c: bool,
}

/// A request to send: headers and path, the token filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// Header pairs, in order.
    pub headers: Vec<(String, String)>,
    /// The path (empty: none).
    pub path: String,
}

impl Table {
    /// The data file, parsed and checked: every name a row uses exists, every
    /// token and config is used, row names are unique. Panics on any problem.
    pub fn load() -> Table {
        let table: Table = serde_saphyr::from_str(YAML).unwrap_or_else(|e| panic!("tests/decision_table.yaml: {e}"));
        table.check();
        table
    }

    fn check(&self) {
        let mut problems = Vec::new();
        let mut tokens_used = BTreeSet::new();
        let mut configs_used = BTreeSet::new();
        for (i, row) in self.rows.iter().enumerate() {
            let at = format!("row {} ({})", i + 1, row.config);
            if !self.readme.contains_key(&row.readme) {
                problems.push(format!("{at}: no README key `{}`", row.readme));
            }
            if !self.configs.contains_key(&row.config) {
                problems.push(format!("{at}: no config `{}`", row.config));
            }
            configs_used.insert(row.config.as_str());
            if let Some(t) = &row.token {
                if !self.tokens.contains_key(t) {
                    problems.push(format!("{at}: no token `{t}`"));
                }
                tokens_used.insert(t.as_str());
            }
            if Reason::from_name(&row.reason).is_none() {
                problems.push(format!("{at}: no reason `{}`", row.reason));
            }
            if (row.challenge == Challenge::InsufficientScope) != row.scope.is_some() {
                problems.push(format!("{at}: `scope` goes with the insufficient_scope challenge, and only with it"));
            }
            if row.send.is_some() && (row.headers.is_some() || row.path.is_some()) {
                problems.push(format!("{at}: `send` or `headers`/`path`, not both"));
            }
            if row.send.is_some() && row.token.is_none() {
                problems.push(format!("{at}: `send` needs a `token`"));
            }
            let custom = row.headers.iter().flatten().map(|(_, v)| v.as_str()).chain(row.path.as_deref());
            let mentions_token = custom.clone().any(|v| v.contains("{token}"));
            if (row.headers.is_some() || row.path.is_some()) && mentions_token != row.token.is_some() {
                problems.push(format!("{at}: a `token` goes with `{{token}}` in `headers`/`path`"));
            }
            if let Some(c) = &row.credential {
                if c != "none" && !["header:", "cookie:", "query:"].iter().any(|p| c.starts_with(p)) {
                    problems.push(format!("{at}: credential `{c}` is not none, header:NAME, cookie:NAME or query:NAME"));
                }
            }
        }
        for name in self.tokens.keys() {
            if !tokens_used.contains(name.as_str()) {
                problems.push(format!("token `{name}` is used by no row"));
            }
        }
        for name in self.configs.keys() {
            if !configs_used.contains(name.as_str()) {
                problems.push(format!("config `{name}` is used by no row"));
            }
        }
        for (name, recipe) in &self.tokens {
            if recipe.payload_text.is_some() && recipe.header_json.is_none() {
                problems.push(format!("token `{name}`: `payload_text` needs `header_json`"));
            }
        }
        for (name, config) in &self.configs {
            for key in config.keys.iter().flatten() {
                if !["rsa", "rsa_other", "ec"].contains(&key.as_str()) {
                    problems.push(format!("config `{name}`: no key `{key}` (rsa, rsa_other, ec)"));
                }
            }
        }
        let mut names = BTreeSet::new();
        for name in self.row_names() {
            if !names.insert(name.clone()) {
                problems.push(format!("two rows are named `{name}`"));
            }
        }
        assert!(problems.is_empty(), "tests/decision_table.yaml:\n{}", problems.join("\n"));
    }

    /// A name per row, unique: `FILE/TOKEN` (`-`: none), `/twice` or
    /// `/request` for the other ways of sending, `#N` on repeats.
    pub fn row_names(&self) -> Vec<String> {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        self.rows
            .iter()
            .map(|row| {
                let mut name = format!("{}/{}", row.file().trim_end_matches(".yaml"), row.token.as_deref().unwrap_or("-"));
                if row.send == Some(Send::Twice) {
                    name.push_str("/twice");
                }
                if row.headers.is_some() || row.path.is_some() {
                    name.push_str("/request");
                }
                let n = seen.entry(name.clone()).or_insert(0);
                *n += 1;
                if *n > 1 {
                    name = format!("{name}#{n}");
                }
                name
            })
            .collect()
    }

    /// Every (config, mode) some row uses, each once.
    pub fn config_files(&self) -> BTreeSet<(String, Mode)> {
        self.rows.iter().map(|r| (r.config.clone(), r.mode)).collect()
    }

    /// The YAML text of config `name` in `mode`, with `keys`' public keys inline.
    pub fn config_text(&self, name: &str, mode: Mode, keys: &Keys) -> String {
        let v = &self.configs[name];
        let mut head = String::new();
        if mode != Mode::Strict {
            head.push_str(&format!("  mode: {}\n", mode.as_str()));
        }
        if let Some(realm) = &v.realm {
            head.push_str(&format!("  realm: {realm}\n"));
        }
        if let Some(url) = &v.resource_metadata {
            head.push_str(&format!("  resourceMetadata: {url}\n"));
        }
        head.push_str(&indent(&v.authentication, 2));
        let audiences = v.audiences.clone().unwrap_or_else(|| vec![AUDIENCE.to_owned()]).join(", ");
        let jwks = match v.jwks {
            Jwks::Inline => {
                let names = v.keys.clone().unwrap_or_else(|| vec!["rsa".to_owned()]);
                let set: Vec<&DevKey> = names.iter().map(|n| keys.by_name(n)).collect();
                format!("      jwks:\n        inline: '{}'\n", serde_json::to_string(&DevKey::jwks(&set)).unwrap())
            }
            Jwks::Unreachable => "      jwks:\n        url: http://127.0.0.1:1/keys\n        allowHttp: true\n".to_owned(),
        };
        let mut text = format!(
            "authentication:\n{head}  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{audiences}]\n{}{jwks}",
            indent(&v.provider, 6)
        );
        if !v.rules.is_empty() {
            text.push_str("authorization:\n  rules:\n");
            text.push_str(&indent(&v.rules, 4));
        }
        text.push_str(&v.tail);
        text
    }

    /// The realm and resource metadata part every challenge of `config` starts with.
    pub fn challenge_base(&self, config: &str) -> String {
        let v = &self.configs[config];
        let mut base = format!("Bearer realm=\"{}\"", v.realm.as_deref().unwrap_or(DEFAULT_REALM));
        if let Some(url) = &v.resource_metadata {
            base.push_str(&format!(", resource_metadata=\"{url}\""));
        }
        base
    }

    /// Every token, minted with `keys`.
    pub fn mint_all(&self, keys: &Keys) -> BTreeMap<String, String> {
        self.tokens.iter().map(|(name, recipe)| (name.clone(), recipe.mint(keys))).collect()
    }
}

fn indent(text: &str, by: usize) -> String {
    let pad = " ".repeat(by);
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| format!("{pad}{l}\n")).collect()
}

/// A number claim: an integer when it is one.
fn number(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        json!(x as i64)
    } else {
        json!(x)
    }
}

/// The Okta-shaped claims every token starts from, valid at [`NOW`].
pub fn base_claims() -> Map<String, Value> {
    let Value::Object(map) = json!({
        "ver": 1, "jti": "AT.abc", "iss": ISSUER, "aud": AUDIENCE,
        "iat": number(NOW - 60.0), "exp": number(NOW + 3600.0), "cid": "0oa1", "uid": "00u1",
        "scp": ["mcp:read", "openid"], "sub": "alice@example.com", "groups": ["Everyone", "AI-Users"],
    }) else {
        unreachable!()
    };
    map
}

impl TokenRecipe {
    /// The claims: the base, then `remove`, `times`, `claims`.
    pub fn claims(&self) -> Value {
        let mut c = base_claims();
        for name in &self.remove {
            c.remove(name);
        }
        for (name, offset) in &self.times {
            c.insert(name.clone(), number(NOW + offset));
        }
        for (name, value) in &self.claims {
            c.insert(name.clone(), value.clone());
        }
        Value::Object(c)
    }

    fn extra_header(&self) -> Map<String, Value> {
        let mut extra = self.header.clone();
        if let Some(n) = self.header_members {
            let fixed = 2 + usize::from(self.typ.is_some());
            let mut i = 1;
            while fixed + extra.len() < n {
                extra.insert(format!("x{i}"), json!(i));
                i += 1;
            }
        }
        extra
    }

    /// The token.
    pub fn mint(&self, keys: &Keys) -> String {
        if let Some(raw) = &self.raw {
            return raw.clone();
        }
        let key = keys.by_name(self.key.as_deref().unwrap_or("rsa"));
        let claims = self.claims();
        let claims_text = serde_json::to_string(&claims).unwrap();
        let mut token = match (self.form, &self.header_json) {
            (Some(Form::AlgNone), _) => format!(
                "{}.{}.{}",
                base64url::encode(br#"{"alg":"none"}"#),
                base64url::encode(claims_text.as_bytes()),
                self.signature.as_deref().unwrap_or("")
            ),
            (Some(Form::Forged), _) => {
                let unchanged = TokenRecipe { claims: Map::new(), times: BTreeMap::new(), remove: vec![], form: None, ..self.clone() };
                let signed = unchanged.mint(keys);
                let parts: Vec<&str> = signed.split('.').collect();
                format!("{}.{}.{}", parts[0], base64url::encode(claims_text.as_bytes()), parts[2])
            }
            (None, Some(header)) => {
                let payload = match &self.payload_text {
                    Some(text) => text
                        .replace("$ISS", ISSUER)
                        .replace("$AUD", AUDIENCE)
                        .replace("$EXP", &format!("{}", NOW as i64 + 60)),
                    None => claims_text,
                };
                key.sign_raw(header.as_bytes(), payload.as_bytes()).unwrap()
            }
            (None, None) => key.sign(&claims, self.typ.as_deref(), &self.extra_header()).unwrap(),
        };
        if self.std_alphabet {
            token = token.replacen('-', "+", 1).replacen('_', "/", 1);
        }
        if let Some(suffix) = &self.suffix {
            token.push_str(suffix);
        }
        token
    }
}

impl Row {
    /// The config file this row runs against: `CONFIG.yaml` in strict
    /// mode, `MODE-CONFIG.yaml` otherwise.
    pub fn file(&self) -> String {
        file_name(&self.config, self.mode)
    }

    /// The request, with `token` (the row's token, minted) filled in.
    pub fn request(&self, token: Option<&str>) -> RequestSpec {
        let fill = |s: &str| match token {
            Some(t) => s.replace("{token}", t),
            None => s.to_owned(),
        };
        if self.headers.is_some() || self.path.is_some() {
            return RequestSpec {
                headers: self.headers.iter().flatten().map(|(n, v)| (n.clone(), fill(v))).collect(),
                path: self.path.as_deref().map(fill).unwrap_or_default(),
            };
        }
        let Some(token) = token else {
            return RequestSpec { headers: vec![], path: String::new() };
        };
        let value = format!("Bearer {token}");
        let mut headers = vec![("authorization".to_owned(), value.clone())];
        if self.send == Some(Send::Twice) {
            headers.push(("Authorization".to_owned(), value));
        }
        RequestSpec { headers, path: String::new() }
    }

    /// The C runner's token field (`-`, `NAME` or `twice:NAME`) when it can
    /// send this row: bearer, twice or no credential, the default realm.
    pub fn c_token(&self, table: &Table) -> Option<String> {
        let v = &table.configs[&self.config];
        if !self.c || self.headers.is_some() || self.path.is_some() || v.realm.is_some() || v.resource_metadata.is_some() {
            return None;
        }
        Some(match (&self.token, self.send) {
            (None, _) => "-".to_owned(),
            (Some(t), Some(Send::Twice)) => format!("twice:{t}"),
            (Some(t), _) => t.clone(),
        })
    }

    /// The exact `WWW-Authenticate` value the decision must carry.
    pub fn www_authenticate(&self, table: &Table) -> Option<String> {
        let base = table.challenge_base(&self.config);
        let message = Reason::from_name(&self.reason).map(Reason::client_message).unwrap_or("");
        match self.challenge {
            Challenge::None => None,
            Challenge::Plain => Some(base),
            Challenge::InvalidToken => Some(format!("{base}, error=\"invalid_token\", error_description=\"{message}\"")),
            Challenge::InvalidRequest => Some(format!("{base}, error=\"invalid_request\", error_description=\"{message}\"")),
            Challenge::InsufficientScope => {
                Some(format!("{base}, error=\"insufficient_scope\", scope=\"{}\"", self.scope.as_deref().unwrap_or("")))
            }
        }
    }

    /// Whether the decision must carry an identity: the row's `identity`,
    /// else what the status implies (403 always; 400, 401, 503 never).
    pub fn expects_identity(&self) -> Option<bool> {
        self.identity.or(match self.status {
            403 => Some(true),
            400 | 401 | 503 => Some(false),
            _ => None,
        })
        .or(self.subject.as_ref().map(|_| true))
    }
}

/// The file name of config `config` in `mode`.
pub fn file_name(config: &str, mode: Mode) -> String {
    match mode {
        Mode::Strict => format!("{config}.yaml"),
        _ => format!("{}-{config}.yaml", mode.as_str()),
    }
}

/// The signing keys the data names.
pub struct Keys {
    /// RS256, kid `rsa-1`: the provider's key.
    pub rsa: DevKey,
    /// RS256, kid `rsa-2`.
    pub rsa_other: DevKey,
    /// RS256, kid `rsa-1`, other key material.
    pub impostor: DevKey,
    /// ES256, kid `ec-1`.
    pub ec: DevKey,
    /// HS256, kid `rsa-1`.
    pub hs256: DevKey,
}

impl Keys {
    /// Fresh keys: rsa (kid rsa-1), rsa_other (rsa-2), impostor (RS256 rsa-1,
    /// other key material), ec (ES256 ec-1), hs256 (HS256 rsa-1).
    pub fn generate() -> Keys {
        Keys {
            rsa: DevKey::generate(Algorithm::RS256, "rsa-1").unwrap(),
            rsa_other: DevKey::generate(Algorithm::RS256, "rsa-2").unwrap(),
            impostor: DevKey::generate(Algorithm::RS256, "rsa-1").unwrap(),
            ec: DevKey::generate(Algorithm::ES256, "ec-1").unwrap(),
            hs256: DevKey::generate(Algorithm::HS256, "rsa-1").unwrap(),
        }
    }

    /// The key of this name.
    pub fn by_name(&self, name: &str) -> &DevKey {
        match name {
            "rsa" => &self.rsa,
            "rsa_other" => &self.rsa_other,
            "impostor" => &self.impostor,
            "ec" => &self.ec,
            "hs256" => &self.hs256,
            other => panic!("tests/decision_table.yaml: no key `{other}`"),
        }
    }
}
