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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authentication: Option<Authentication>,
    /// The CEL rules run after authentication.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization: Option<Authorization>,
    /// Bounds on every input the engine reads.
    #[serde(default, skip_serializing_if = "Limits::is_default")]
    pub limits: Limits,
    /// Warnings from loading (agentgateway fields accepted but not acted on).
    #[serde(skip)]
    pub load_warnings: Vec<String>,
    /// The shape the file was written in, what was mapped, and the paths
    /// the user wrote.
    #[serde(skip)]
    pub origin: super::origin::Origin,
}

impl ConfigFile {
    /// Compiles `authorization.rules` with the config's limits; the error
    /// names the rule and column.
    pub fn compile_rules(&self) -> Result<crate::rules::RuleSet, super::ConfigError> {
        let specs: Vec<crate::rules::RuleSpec> =
            self.authorization.as_ref().map(|a| a.rules.iter().map(|r| r.0.clone()).collect()).unwrap_or_default();
        crate::rules::RuleSet::compile(&specs, &self.limits.rule_limits())
            .map_err(|e| self.origin.paths.relocate(e.into()))
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_source: Option<Vec<TokenSource>>,
    /// The `realm` of the `WWW-Authenticate` challenge (default `claimcheck`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<String>,
    /// RFC 9728 protected resource metadata URL, added to every 401 challenge.
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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

fn is_any_typ(typ: &TypRequirement) -> bool {
    *typ == TypRequirement::Any
}

/// One identity provider.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Provider {
    /// A name for logs and `auth.provider` (default: the issuer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The exact `iss` of its tokens; `{tenantid}` marks an Entra-style
    /// template. Required unless an IdP preset (`okta`, `keycloak`,
    /// `auth0`, `entra`, `google`) gives it.
    #[serde(default)]
    pub issuer: String,
    /// Accepted `aud` values; `["*"]` disables the check explicitly.
    pub audiences: Option<Vec<String>>,
    /// Accepted `alg` values (default: every asymmetric one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub algorithms: Option<Vec<String>>,
    /// Clock skew tolerated on `exp`, `nbf` and `iat` (default `60s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leeway: Option<ConfigDuration>,
    /// Claims that must be present (default `[exp]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_claims: Option<Vec<String>>,
    /// Longest accepted `exp - iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_lifetime: Option<ConfigDuration>,
    /// `any` (default) or `at+jwt`.
    #[serde(default, skip_serializing_if = "is_any_typ")]
    pub typ: TypRequirement,
    /// Where the verification keys come from. Required unless an IdP
    /// preset gives the key URL; with a preset, a key source given here
    /// replaces the preset's and the other fields tune it.
    #[serde(default)]
    pub jwks: Jwks,
    /// Where `auth.groups` is read from: a claim path (`groups`,
    /// `realm_access.roles`) or a list of them; `[]` for none. Default
    /// `groups`, or what the preset says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub groups_claim: Option<ClaimPaths>,
    /// Where `auth.roles` is read from, like `groupsClaim`. Default `roles`,
    /// or what the preset says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles_claim: Option<ClaimPaths>,
    /// With an issuer template (`{tenantid}`): the tenant ids (`tid`)
    /// accepted; a token from any other tenant has an unknown issuer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tenants: Option<Vec<String>>,
    /// The value the token's `typ` claim (in the claims, not the header)
    /// must have when present. Keycloak marks access tokens `Bearer`, ID
    /// tokens `ID` and refresh tokens `Refresh`: `Bearer` refuses the other
    /// two as bearer tokens (401 `invalid_type`). Set by the `keycloak` preset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typ_claim: Option<String>,
    /// Okta: `{domain, authorizationServer}` (default `default`). Expands to
    /// the issuer `https://{domain}/oauth2/{authorizationServer}`, its
    /// `/v1/keys`, `auth.groups` from `groups`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub okta: Option<OktaPreset>,
    /// Keycloak: `{url, realm, client}` (`client` optional). Expands to the
    /// issuer `{url}/realms/{realm}`, its `/protocol/openid-connect/certs`,
    /// `auth.groups` from `groups`, `auth.roles` from `realm_access.roles`
    /// (and `resource_access.{client}.roles`), and refuses ID and refresh
    /// tokens (`typClaim: Bearer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keycloak: Option<KeycloakPreset>,
    /// Auth0: `{domain}`. Expands to the issuer `https://{domain}/` (with the
    /// trailing slash), `/.well-known/jwks.json`, `auth.roles` from
    /// `permissions` (set `rolesClaim` for a namespaced claim).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth0: Option<Auth0Preset>,
    /// Microsoft Entra ID: `{tenant, allowedTenants, version}`. `tenant` is a
    /// tenant id, or `organizations` / `common` with a required
    /// `allowedTenants` list (checked against `tid`); `version` 2 (default)
    /// or 1 picks the issuer form. `auth.groups` from `groups`, `auth.roles`
    /// from `roles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entra: Option<EntraPreset>,
    /// Google: `{}`. Expands to the issuer `https://accounts.google.com` and
    /// Google's keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub google: Option<GooglePreset>,
}

/// `okta: {domain, authorizationServer}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct OktaPreset {
    /// The Okta org's host, such as `integrator-7147223.okta.com`.
    pub domain: String,
    /// The custom authorization server's id (default `default`), as in
    /// `https://{domain}/oauth2/{authorizationServer}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
}

/// `keycloak: {url, realm, client}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeycloakPreset {
    /// The server's base URL, such as `https://keycloak.example.com` (with
    /// `/auth` for Keycloak before 17).
    pub url: String,
    /// The realm.
    pub realm: String,
    /// A client id whose client roles (`resource_access.{client}.roles`)
    /// are added to `auth.roles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// `auth0: {domain}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Auth0Preset {
    /// The tenant's host, such as `example.us.auth0.com` (or a custom domain).
    pub domain: String,
}

/// `entra: {tenant, allowedTenants, version}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EntraPreset {
    /// A tenant id (a GUID), or `organizations` / `common` for a
    /// multi-tenant app (then `allowedTenants` is required).
    pub tenant: String,
    /// For `organizations` / `common`: the tenant ids accepted (`tid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_tenants: Option<Vec<String>>,
    /// The access token version the app is configured for
    /// (`accessTokenAcceptedVersion`): 2 (default, issuer
    /// `https://login.microsoftonline.com/{tenant}/v2.0`) or 1 (issuer
    /// `https://sts.windows.net/{tenant}/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<u8>,
}

/// `google: {}`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GooglePreset {}

/// Claim paths (`groupsClaim`, `rolesClaim`): one path or a list. A path is
/// a string, split on `.` into a claim and members inside it
/// (`realm_access.roles`), except that a string with a `/` names one claim
/// whole (Auth0's namespaced `https://example.com/roles`); or a list of
/// segments (`[resource_access, my.client, roles]`) for names with dots.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimPaths(pub Vec<Vec<String>>);

impl ClaimPaths {
    /// One path from its text form.
    pub fn parse_path(text: &str) -> Vec<String> {
        if text.contains('/') {
            vec![text.to_owned()]
        } else {
            text.split('.').map(str::to_owned).collect()
        }
    }

    fn path_value(segments: &[String]) -> serde_json::Value {
        let joined = segments.join(".");
        if Self::parse_path(&joined) == segments {
            serde_json::Value::String(joined)
        } else {
            serde_json::Value::Array(segments.iter().cloned().map(serde_json::Value::String).collect())
        }
    }
}

impl<'de> Deserialize<'de> for ClaimPaths {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        let expected = "a claim path (such as `groups` or `realm_access.roles`), or a list of them";
        let path = |v: &Value| -> Result<Vec<String>, D::Error> {
            let segments = match v {
                Value::String(s) => ClaimPaths::parse_path(s),
                Value::Array(items) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| D::Error::custom(format!("wrong type: expected {expected}")))?,
                _ => return Err(D::Error::custom(format!("wrong type: expected {expected}"))),
            };
            if segments.is_empty() || segments.iter().any(|s| s.is_empty()) {
                return Err(D::Error::custom("a claim path has an empty segment"));
            }
            Ok(segments)
        };
        match Value::deserialize(deserializer)? {
            Value::Array(items) => Ok(ClaimPaths(items.iter().map(path).collect::<Result<_, _>>()?)),
            one @ Value::String(_) => Ok(ClaimPaths(vec![path(&one)?])),
            _ => Err(D::Error::custom(format!("wrong type: expected {expected}"))),
        }
    }
}

impl Serialize for ClaimPaths {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let list: Vec<serde_json::Value> = self.0.iter().map(|p| ClaimPaths::path_value(p)).collect();
        list.serialize(serializer)
    }
}

#[cfg(feature = "schema")]
impl schemars::JsonSchema for ClaimPaths {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ClaimPaths".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A claim path (`groups`, `realm_access.roles`; a string with `/` is one claim name), a list of segments, or a list of paths",
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"anyOf": [
                    {"type": "string"},
                    {"type": "array", "items": {"type": "string"}}
                ]}}
            ]
        })
    }
}

impl Provider {
    /// The IdP presets set on this provider, by field name.
    pub fn presets(&self) -> Vec<&'static str> {
        [
            ("okta", self.okta.is_some()),
            ("keycloak", self.keycloak.is_some()),
            ("auth0", self.auth0.is_some()),
            ("entra", self.entra.is_some()),
            ("google", self.google.is_some()),
        ]
        .into_iter()
        .filter(|(_, set)| *set)
        .map(|(name, _)| name)
        .collect()
    }
}

/// The key source of a provider: exactly one of `url`, `remote.url`,
/// `discovery`, `file`, `inline`. The other fields tune remote fetching
/// (`url`, `remote` and `discovery`) and are ignored for `file` and `inline`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Jwks {
    /// A JWKS URL (agentgateway's `jwks: {url: ...}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The Kubernetes-style form `remote: {url, cacheDuration}`; the same as
    /// `url` and `cacheDuration` one level up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remote: Option<RemoteJwks>,
    /// `true`: find `jwks_uri` through the issuer's discovery document
    /// (`{issuer}/.well-known/openid-configuration`, then RFC 8414's
    /// `/.well-known/oauth-authorization-server` forms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<bool>,
    /// A JWKS file path (relative paths are relative to the config file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// A JWKS as a JSON string or an object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline: Option<serde_json::Value>,
    /// How long fetched keys are cached when the response has no
    /// `Cache-Control: max-age` (default `5m`). Keys are refreshed in the
    /// background before this runs out. At least `10s` (shorter only for
    /// key sources on loopback).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_duration: Option<ConfigDuration>,
    /// Shortest cache time taken from a response's `max-age` (default `1m`,
    /// or `cacheDuration` when that is shorter); at least `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_cache_duration: Option<ConfigDuration>,
    /// Longest cache time taken from a response's `max-age` (default `24h`);
    /// at least `10s`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_cache_duration: Option<ConfigDuration>,
    /// How long the last good keys keep serving while the key endpoint
    /// fails (default `24h`, at least `10s`); past it, decisions are 503
    /// `keys_unavailable`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_staleness: Option<ConfigDuration>,
    /// A token with an unknown `kid` triggers a refetch at most once per
    /// this interval, counted from the previous refetch for an unknown
    /// `kid` (scheduled refreshes do not restart it; default
    /// `30s`, at least `1s`; key sources on loopback may go lower, down to
    /// `0`, which removes the limit, for tests).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_refetch_interval: Option<ConfigDuration>,
    /// How long a request whose token has an unknown `kid` waits for the
    /// refetch of the key set (default `500ms`, at most `fetchTimeout`).
    /// The fetch runs on the background refresher and goes on after the
    /// wait; past it, the request is decided with the keys at hand
    /// (401 `unknown_key`), so a hanging key endpoint never holds requests
    /// for longer than this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown_kid_wait: Option<ConfigDuration>,
    /// How long loading the config waits for the first key set (default
    /// `5s`; `0`: do not wait). The load never fails because the key
    /// endpoint is down: decisions are 503 until keys arrive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_fetch_timeout: Option<ConfigDuration>,
    /// Time limit of one HTTP request for keys or discovery (default `10s`,
    /// at least `100ms`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fetch_timeout: Option<ConfigDuration>,
    /// Allow plain-HTTP key and discovery URLs (default off; meant for a
    /// loopback test server).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http: bool,
    /// An extra trusted CA bundle (PEM) for fetching keys, added to the
    /// built-in Mozilla roots (for a private IdP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
    /// Whether every limit has its default.
    pub fn is_default(&self) -> bool {
        *self == Limits::default()
    }

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
