//! The config's shape: the types the loader deserializes into. Field names
//! are camelCase, as agentgateway and Kubernetes users write them; unknown
//! fields are errors.

use serde::{Deserialize, Serialize};

use super::duration::ConfigDuration;
use super::rules::RuleEntry;

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    /// Who may present tokens and how they are validated.
    #[serde(default)]
    pub authentication: Option<Authentication>,
    /// The CEL rules run after authentication.
    #[serde(default)]
    pub authorization: Option<Authorization>,
    /// Bounds on every input the engine reads.
    #[serde(default)]
    pub limits: Limits,
    /// Warnings from loading (agentgateway fields accepted but not acted on).
    #[serde(skip)]
    pub load_warnings: Vec<String>,
}

impl ConfigFile {
    /// Compiles `authorization.rules` with the config's limits; the error
    /// names the rule and column.
    pub fn compile_rules(&self) -> Result<crate::rules::RuleSet, super::ConfigError> {
        let specs: Vec<crate::rules::RuleSpec> =
            self.authorization.as_ref().map(|a| a.rules.iter().map(|r| r.0.clone()).collect()).unwrap_or_default();
        Ok(crate::rules::RuleSet::compile(&specs, &self.limits.rule_limits())?)
    }
}

/// How a missing or invalid token is treated (agentgateway's modes).
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// A missing or invalid token is denied (401).
    #[default]
    Strict,
    /// A missing token passes unauthenticated; an invalid one is denied.
    Optional,
    /// Never denied for authentication; rules still run.
    Permissive,
}

/// The `authentication` block.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Authentication {
    /// `strict` (default), `optional` or `permissive`.
    #[serde(default)]
    pub mode: Mode,
    /// The identity providers whose tokens are accepted.
    #[serde(default)]
    pub providers: Vec<Provider>,
    /// Where the credential is looked for, in order.
    #[serde(default)]
    pub token_source: Option<Vec<TokenSource>>,
    /// The `realm` of the `WWW-Authenticate` challenge (default `claimcheck`).
    #[serde(default)]
    pub realm: Option<String>,
    /// RFC 9728 protected resource metadata URL, added to every 401 challenge.
    #[serde(default)]
    pub resource_metadata: Option<String>,
}

/// One place a credential may be.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub enum TokenSource {
    /// A request header, with an optional prefix (matched case-insensitively).
    Header(HeaderSource),
    /// A cookie.
    Cookie(NamedSource),
    /// A query parameter.
    Query(NamedSource),
}

/// `{header: {name, prefix}}`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HeaderSource {
    /// Header name (case-insensitive).
    pub name: String,
    /// Prefix before the token, such as `Bearer `; empty or absent for none.
    #[serde(default)]
    pub prefix: Option<String>,
}

/// `{cookie: {name}}` or `{query: {name}}`.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NamedSource {
    /// Cookie or parameter name (case-sensitive).
    pub name: String,
}

pub use crate::verify::claims::TypRequirement;

/// One identity provider.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Provider {
    /// A name for logs and `auth.provider` (default: the issuer).
    #[serde(default)]
    pub name: Option<String>,
    /// The exact `iss` of its tokens; `{tenantid}` marks an Entra-style template.
    pub issuer: String,
    /// Accepted `aud` values; `["*"]` disables the check explicitly.
    pub audiences: Option<Vec<String>>,
    /// Accepted `alg` values (default: every asymmetric one).
    #[serde(default)]
    pub algorithms: Option<Vec<String>>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default `60s`).
    #[serde(default)]
    pub leeway: Option<ConfigDuration>,
    /// Claims that must be present (default `[exp]`).
    #[serde(default)]
    pub required_claims: Option<Vec<String>>,
    /// Longest accepted `exp - iat`.
    #[serde(default)]
    pub max_lifetime: Option<ConfigDuration>,
    /// `any` (default) or `at+jwt`.
    #[serde(default)]
    pub typ: TypRequirement,
    /// Where the verification keys come from.
    pub jwks: Jwks,
}

/// The key source of a provider: exactly one of `url`, `remote.url`,
/// `discovery`, `file`, `inline`. The other fields tune remote fetching
/// (`url`, `remote` and `discovery`) and are ignored for `file` and `inline`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Jwks {
    /// A JWKS URL (agentgateway's `jwks: {url: ...}`).
    #[serde(default)]
    pub url: Option<String>,
    /// The Kubernetes-style form `remote: {url, cacheDuration}`; the same as
    /// `url` and `cacheDuration` one level up.
    #[serde(default)]
    pub remote: Option<RemoteJwks>,
    /// `true`: find `jwks_uri` through the issuer's discovery document
    /// (`{issuer}/.well-known/openid-configuration`, then RFC 8414's
    /// `/.well-known/oauth-authorization-server` forms).
    #[serde(default)]
    pub discovery: Option<bool>,
    /// A JWKS file path (relative paths are relative to the config file).
    #[serde(default)]
    pub file: Option<String>,
    /// A JWKS as a JSON string or an object.
    #[serde(default)]
    pub inline: Option<serde_json::Value>,
    /// How long fetched keys are cached when the response has no
    /// `Cache-Control: max-age` (default `5m`). Keys are refreshed in the
    /// background before this runs out. At least `10s` (shorter only for
    /// key sources on loopback).
    #[serde(default)]
    pub cache_duration: Option<ConfigDuration>,
    /// Shortest cache time taken from a response's `max-age` (default `1m`,
    /// or `cacheDuration` when that is shorter); at least `10s`.
    #[serde(default)]
    pub min_cache_duration: Option<ConfigDuration>,
    /// Longest cache time taken from a response's `max-age` (default `24h`);
    /// at least `10s`.
    #[serde(default)]
    pub max_cache_duration: Option<ConfigDuration>,
    /// How long the last good keys keep serving while the key endpoint
    /// fails (default `24h`, at least `10s`); past it, decisions are 503
    /// `keys_unavailable`.
    #[serde(default)]
    pub max_staleness: Option<ConfigDuration>,
    /// A token with an unknown `kid` triggers a refetch at most once per
    /// this interval, counted from the previous refetch for an unknown
    /// `kid` (scheduled refreshes do not restart it; default
    /// `30s`, at least `1s`; key sources on loopback may go lower, down to
    /// `0`, which removes the limit, for tests).
    #[serde(default)]
    pub min_refetch_interval: Option<ConfigDuration>,
    /// How long a request whose token has an unknown `kid` waits for the
    /// refetch of the key set (default `500ms`, at most `fetchTimeout`).
    /// The fetch runs on the background refresher and goes on after the
    /// wait; past it, the request is decided with the keys at hand
    /// (401 `unknown_key`), so a hanging key endpoint never holds requests
    /// for longer than this.
    #[serde(default)]
    pub unknown_kid_wait: Option<ConfigDuration>,
    /// How long loading the config waits for the first key set (default
    /// `5s`; `0`: do not wait). The load never fails because the key
    /// endpoint is down: decisions are 503 until keys arrive.
    #[serde(default)]
    pub initial_fetch_timeout: Option<ConfigDuration>,
    /// Time limit of one HTTP request for keys or discovery (default `10s`,
    /// at least `100ms`).
    #[serde(default)]
    pub fetch_timeout: Option<ConfigDuration>,
    /// Allow plain-HTTP key and discovery URLs (default off; meant for a
    /// loopback test server).
    #[serde(default)]
    pub allow_http: bool,
    /// An extra trusted CA bundle (PEM) for fetching keys, added to the
    /// built-in Mozilla roots (for a private IdP).
    #[serde(default)]
    pub ca_file: Option<String>,
}

/// `jwks.remote`: a JWKS URL in the Kubernetes-style nesting.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RemoteJwks {
    /// The JWKS URL (`uri` is accepted as another spelling).
    #[serde(alias = "uri")]
    pub url: String,
    /// Same as `jwks.cacheDuration`.
    #[serde(default)]
    pub cache_duration: Option<ConfigDuration>,
}

impl Jwks {
    /// The JWKS URL, from `url` or `remote.url`.
    pub fn remote_url(&self) -> Option<&str> {
        self.url.as_deref().or(self.remote.as_ref().map(|r| r.url.as_str()))
    }

    /// `cacheDuration`, from this level or `remote`.
    pub fn effective_cache_duration(&self) -> Option<ConfigDuration> {
        self.cache_duration.or(self.remote.as_ref().and_then(|r| r.cache_duration))
    }
}

/// The `authorization` block.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Authorization {
    /// The rules, in order; indexes in decisions refer to this list.
    #[serde(default)]
    pub rules: Vec<RuleEntry>,
}

/// Bounds on every input; each has a safe default.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase", default)]
pub struct Limits {
    /// Longest accepted token, in bytes (default 16384).
    pub max_token_size: usize,
    /// Deepest nesting of the token's header and claims JSON (default 16).
    pub max_json_depth: usize,
    /// Largest JWKS document, in bytes (default 1 MiB); also bounds every
    /// fetched response (remote JWKS and discovery metadata).
    pub max_jwks_size: usize,
    /// Most keys read from one JWKS (default 100).
    pub max_jwks_keys: usize,
    /// Longest rule, in bytes (default 4096).
    pub max_rule_length: usize,
    /// Deepest nesting inside one rule (default 32).
    pub max_rule_depth: usize,
    /// Most syntax nodes in one rule (default 1000).
    pub max_rule_nodes: usize,
    /// Most rules (default 256).
    pub max_rules: usize,
    /// Largest list or map a rule may iterate over (default 10000).
    pub max_comprehension_size: usize,
    /// Most request headers a rule that reads `request.headers` accepts
    /// (default 1024); with more, such a rule errors and fails closed.
    pub max_headers: usize,
    /// Largest value a rule function may build: strings and bytes in bytes,
    /// lists and maps in elements (default 65536). A rule that would build
    /// a larger one errors and fails closed; nothing larger is allocated.
    pub max_rule_value_size: usize,
    /// Cost budget of one rule evaluation (default 1000000): each element a
    /// comprehension iterates costs 1, and functions whose cost grows with
    /// their arguments cost the bytes they scan or build and the elements
    /// they compare or sort. Over it, the rule errors and fails closed.
    pub max_rule_cost: usize,
}

impl Default for Limits {
    fn default() -> Self {
        let rules = crate::rules::RuleLimits::default();
        Limits {
            max_token_size: 16 * 1024,
            max_json_depth: 16,
            max_jwks_size: 1024 * 1024,
            max_jwks_keys: 100,
            max_rule_length: rules.max_rule_length,
            max_rule_depth: rules.max_rule_depth,
            max_rule_nodes: rules.max_rule_nodes,
            max_rules: rules.max_rules,
            max_comprehension_size: rules.max_comprehension_size,
            max_headers: rules.max_headers,
            max_rule_value_size: rules.max_rule_value_size,
            max_rule_cost: rules.max_rule_cost,
        }
    }
}

impl Limits {
    /// The rule-related limits, as the rules module takes them.
    pub fn rule_limits(&self) -> crate::rules::RuleLimits {
        crate::rules::RuleLimits {
            max_rule_length: self.max_rule_length,
            max_rule_depth: self.max_rule_depth,
            max_rule_nodes: self.max_rule_nodes,
            max_rules: self.max_rules,
            max_comprehension_size: self.max_comprehension_size,
            max_headers: self.max_headers,
            max_rule_value_size: self.max_rule_value_size,
            max_rule_cost: self.max_rule_cost,
        }
    }
}
