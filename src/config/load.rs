//! From config text to a checked [`ConfigFile`]: YAML or JSON, the schema
//! with field paths and "did you mean" hints, then the rules of meaning
//! that a schema cannot say (exactly one key source, audiences required, ...).

use std::collections::HashSet;
use std::time::Duration;

use serde_json::Value;

use super::agentgateway;
use super::duration::ConfigDuration;
use super::origin::Origin;
use super::error::{closest, ConfigError, ConfigErrorKind};
use super::schema::{Authentication, ConfigFile, Jwks, Limits, Provider, TokenSource};
use crate::jose::algorithm::Algorithm;

/// Largest config text accepted, in bytes.
pub const MAX_CONFIG_SIZE: usize = 4 * 1024 * 1024;

/// Parses YAML or JSON config text into its documents: one for JSON (text
/// starting with `{`, through the JSON parser for exact positions) and for
/// a plain YAML config; several for a YAML stream of Kubernetes resources
/// (empty documents are skipped). Empty text is one empty config.
pub fn parse_documents(text: &str) -> Result<Vec<Value>, ConfigError> {
    if text.len() > MAX_CONFIG_SIZE {
        return Err(ConfigError {
            kind: ConfigErrorKind::Syntax,
            path: None,
            line: None,
            rule: None,
            column: None,
            message: format!("the config is {} bytes, over the limit of {MAX_CONFIG_SIZE}", text.len()),
        });
    }
    let syntax = |message: String, line: Option<usize>, column: Option<usize>| ConfigError {
        kind: ConfigErrorKind::Syntax,
        path: None,
        line,
        rule: None,
        column,
        message,
    };
    if text.trim_start().starts_with('{') {
        return crate::unique_json::from_slice(text.as_bytes())
            .map(|v| vec![v])
            .map_err(|(e, duplicate)| {
                let msg = e.to_string();
                let msg = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
                let mut err = syntax(format!("invalid JSON: {msg}"), Some(e.line()), Some(e.column()));
                err.path = duplicate;
                err
            });
    }
    if text.trim().is_empty() {
        return Ok(vec![Value::Object(serde_json::Map::new())]);
    }
    let docs = serde_saphyr::from_multiple::<Value>(text).map_err(|e| {
        let (line, column) = match e.location() {
            Some(loc) => (Some(loc.line() as usize), Some(loc.column() as usize)),
            None => (None, None),
        };
        syntax(format!("invalid YAML: {}", first_line(&e.to_string())), line, column)
    })?;
    if docs.is_empty() {
        return Ok(vec![Value::Object(serde_json::Map::new())]);
    }
    Ok(docs)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// Turns the documents of a config into a checked [`ConfigFile`]: a stream
/// of Kubernetes resources and an agentgateway `policies:` config are
/// translated into the native tree first; then the schema (with field
/// paths and "did you mean" hints), the IdP presets, and the rules of
/// meaning. Errors and warnings name the paths the user wrote.
pub fn from_documents(docs: Vec<Value>) -> Result<ConfigFile, ConfigError> {
    let translated = if super::kubernetes::is_resource_stream(&docs) {
        Some(super::kubernetes::translate(&docs)?)
    } else if docs.len() > 1 {
        return Err(ConfigError::invalid(
            "documents[1]",
            "a config is one document; several YAML documents (`---`) are read as a stream of Kubernetes resources, each with `apiVersion` and `kind`",
        ));
    } else {
        match docs.first().and_then(Value::as_object) {
            Some(root) if root.contains_key("policies") => Some(agentgateway::translate(root)?),
            _ => None,
        }
    };
    let (tree, mut origin, warnings) = match translated {
        Some(t) => (t.tree, t.origin, t.warnings),
        None => (docs.into_iter().next().unwrap_or(Value::Null), Origin::default(), Vec::new()),
    };
    let mut file: ConfigFile = serde_path_to_error::deserialize(tree)
        .map_err(|e| {
            let path = e.path().to_string();
            let path = if path == "." { String::new() } else { path };
            let inner = e.inner().to_string();
            schema_error(path, &inner)
        })
        .map_err(|e| origin.paths.relocate(e))?;
    super::presets::expand(&mut file, &mut origin).map_err(|e| origin.paths.relocate(e))?;
    validate(&file).map_err(|e| origin.paths.relocate(e))?;
    file.load_warnings = warnings;
    file.origin = origin;
    Ok(file)
}

/// Parses and checks config text.
pub fn parse_config(text: &str) -> Result<ConfigFile, ConfigError> {
    from_documents(parse_documents(text)?)
}

fn schema_error(path: String, message: &str) -> ConfigError {
    // serde says: unknown field `x`, expected one of `a`, `b`  (or `expected `a``)
    for (prefix, noun) in [("unknown field `", "field"), ("unknown variant `", "value")] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let name = rest.split('`').next().unwrap_or("");
            let expected: Vec<&str> = rest
                .split_once("expected")
                .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
                .unwrap_or_default();
            let mut text = format!("unknown {noun} `{name}`");
            if let Some(best) = closest(name, expected.iter().copied()) {
                text.push_str(&format!("; did you mean `{best}`?"));
            } else if !expected.is_empty() {
                let list: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
                text.push_str(&format!("; expected one of {}", list.join(", ")));
            }
            // serde_path_to_error already ends the path with the field.
            let full_path = if noun == "field" && !path.ends_with(name) {
                if path.is_empty() { name.to_owned() } else { format!("{path}.{name}") }
            } else {
                path
            };
            return ConfigError::invalid(full_path, text);
        }
    }
    let message = message
        .replace("invalid type: ", "wrong type: ")
        .replace("missing field", "missing required field");
    ConfigError::invalid(path, message)
}

/// Rules of meaning over a deserialized config.
pub fn validate(file: &ConfigFile) -> Result<(), ConfigError> {
    validate_limits(&file.limits)?;
    if let Some(auth) = &file.authentication {
        validate_authentication(auth)?;
    }
    Ok(())
}

fn validate_limits(limits: &Limits) -> Result<(), ConfigError> {
    let all = [
        ("maxTokenSize", limits.max_token_size),
        ("maxJsonDepth", limits.max_json_depth),
        ("maxJwksSize", limits.max_jwks_size),
        ("maxJwksKeys", limits.max_jwks_keys),
        ("maxRuleLength", limits.max_rule_length),
        ("maxRuleDepth", limits.max_rule_depth),
        ("maxRuleNodes", limits.max_rule_nodes),
        ("maxRules", limits.max_rules),
        ("maxComprehensionSize", limits.max_comprehension_size),
        ("maxHeaders", limits.max_headers),
        ("maxRuleValueSize", limits.max_rule_value_size),
        ("maxRuleCost", limits.max_rule_cost),
    ];
    for (name, value) in all {
        if value == 0 {
            return Err(ConfigError::invalid(format!("limits.{name}"), "must be greater than 0"));
        }
    }
    // The JSON parser's own recursion bound is 128; stay well under it.
    if limits.max_json_depth > 64 {
        return Err(ConfigError::invalid("limits.maxJsonDepth", "must be at most 64"));
    }
    Ok(())
}

fn validate_authentication(auth: &Authentication) -> Result<(), ConfigError> {
    let mut names = HashSet::new();
    let mut issuers = HashSet::new();
    for (i, provider) in auth.providers.iter().enumerate() {
        let path = format!("authentication.providers[{i}]");
        validate_provider(provider, &path)?;
        if !issuers.insert(provider.issuer.clone()) {
            return Err(ConfigError::invalid(
                format!("{path}.issuer"),
                format!("issuer `{}` is configured twice; a token's `iss` must pick one provider", provider.issuer),
            ));
        }
        let name = provider.name.as_deref().unwrap_or(&provider.issuer);
        if !names.insert(name.to_owned()) {
            return Err(ConfigError::invalid(format!("{path}.name"), format!("provider name `{name}` is used twice")));
        }
    }
    if let Some(sources) = &auth.token_source {
        if sources.is_empty() {
            return Err(ConfigError::invalid("authentication.tokenSource", "must name at least one place"));
        }
        for (i, source) in sources.iter().enumerate() {
            let name = match source {
                TokenSource::Header(h) => &h.name,
                TokenSource::Cookie(c) | TokenSource::Query(c) => &c.name,
            };
            if name.trim().is_empty() {
                return Err(ConfigError::invalid(format!("authentication.tokenSource[{i}]"), "`name` is empty"));
            }
        }
    }
    if let Some(url) = &auth.resource_metadata {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(ConfigError::invalid(
                "authentication.resourceMetadata",
                format!("`{url}` is not an http(s) URL"),
            ));
        }
    }
    if let Some(realm) = &auth.realm {
        if realm.chars().any(char::is_control) {
            return Err(ConfigError::invalid("authentication.realm", "must not contain control characters"));
        }
    }
    Ok(())
}

fn validate_provider(p: &Provider, path: &str) -> Result<(), ConfigError> {
    if p.issuer.is_empty() {
        return Err(ConfigError::invalid(
            format!("{path}.issuer"),
            "missing required field `issuer` (the exact `iss` of the provider's tokens); or name the IdP with one of `okta`, `keycloak`, `auth0`, `entra`, `google`",
        ));
    }
    if p.issuer.trim().is_empty() {
        return Err(ConfigError::invalid(format!("{path}.issuer"), "must not be empty"));
    }
    if let Some(tenants) = &p.allowed_tenants {
        if !p.issuer.contains("{tenantid}") {
            return Err(ConfigError::invalid(
                format!("{path}.allowedTenants"),
                "only applies to an issuer template with `{tenantid}`",
            ));
        }
        if tenants.is_empty() {
            return Err(ConfigError::invalid(format!("{path}.allowedTenants"), "must name at least one tenant id"));
        }
        if let Some(i) = tenants.iter().position(|t| t.trim().is_empty()) {
            return Err(ConfigError::invalid(format!("{path}.allowedTenants[{i}]"), "must not be empty"));
        }
    }
    if p.typ_claim.as_deref().is_some_and(|t| t.trim().is_empty()) {
        return Err(ConfigError::invalid(format!("{path}.typClaim"), "must not be empty"));
    }
    if p.name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ConfigError::invalid(format!("{path}.name"), "must not be empty"));
    }
    match &p.audiences {
        None => {
            return Err(ConfigError::invalid(
                format!("{path}.audiences"),
                "missing required field `audiences`: a token whose `aud` does not name this service must be rejected (RFC 7519 §4.1.3); write `audiences: [\"*\"]` to accept any audience",
            ))
        }
        Some(list) if list.is_empty() => {
            return Err(ConfigError::invalid(format!("{path}.audiences"), "must name at least one audience, or `*`"))
        }
        Some(list) if list.len() > 1 && list.iter().any(|a| a == "*") => {
            return Err(ConfigError::invalid(format!("{path}.audiences"), "`*` stands alone: it accepts any audience"))
        }
        Some(list) => {
            if let Some(i) = list.iter().position(|a| a.is_empty()) {
                return Err(ConfigError::invalid(format!("{path}.audiences[{i}]"), "must not be empty"));
            }
        }
    }
    if let Some(algs) = &p.algorithms {
        if algs.is_empty() {
            return Err(ConfigError::invalid(format!("{path}.algorithms"), "must name at least one algorithm"));
        }
        for (i, name) in algs.iter().enumerate() {
            if name.eq_ignore_ascii_case("none") {
                return Err(ConfigError::invalid(format!("{path}.algorithms[{i}]"), "`none` is never accepted"));
            }
            if Algorithm::from_name(name).is_none() {
                let mut msg = format!("unknown algorithm `{name}`");
                if let Some(best) = closest(name, Algorithm::ALL.iter().map(|a| a.name())) {
                    msg.push_str(&format!("; did you mean `{best}`?"));
                }
                return Err(ConfigError::invalid(format!("{path}.algorithms[{i}]"), msg));
            }
        }
    }
    if let Some(algs) = &p.algorithms {
        let remote = p.jwks.url.is_some() || p.jwks.remote.is_some() || p.jwks.discovery == Some(true);
        if remote {
            if let Some(i) = algs.iter().position(|a| a.starts_with("HS")) {
                return Err(ConfigError::invalid(
                    format!("{path}.algorithms[{i}]"),
                    format!("`{}` needs a shared secret in `jwks.inline` or `jwks.file`; a secret fetched from a URL is public", algs.get(i).map(String::as_str).unwrap_or("")),
                ));
            }
        }
    }
    if let Some(claims) = &p.required_claims {
        if let Some(i) = claims.iter().position(|c| c.trim().is_empty()) {
            return Err(ConfigError::invalid(format!("{path}.requiredClaims[{i}]"), "must not be empty"));
        }
    }
    if p.max_lifetime.is_some_and(|d| d.0.is_zero()) {
        return Err(ConfigError::invalid(format!("{path}.maxLifetime"), "must be greater than 0"));
    }
    validate_jwks(&p.jwks, &p.issuer, &format!("{path}.jwks"))
}

fn validate_jwks(jwks: &Jwks, issuer: &str, path: &str) -> Result<(), ConfigError> {
    let given: Vec<&str> = [
        ("url", jwks.url.is_some()),
        ("remote", jwks.remote.is_some()),
        ("discovery", jwks.discovery == Some(true)),
        ("file", jwks.file.is_some()),
        ("inline", jwks.inline.is_some()),
    ]
    .iter()
    .filter(|(_, set)| *set)
    .map(|(name, _)| *name)
    .collect();
    match given.as_slice() {
        [] => {
            return Err(ConfigError::invalid(
                path,
                "needs one key source: `url`, `remote: {url}`, `discovery: true`, `file` or `inline`",
            ))
        }
        [_] => {}
        many => {
            let list: Vec<String> = many.iter().map(|n| format!("`{n}`")).collect();
            return Err(ConfigError::invalid(path, format!("has {}; give exactly one key source", list.join(" and "))));
        }
    }
    if let Some(url) = &jwks.url {
        check_fetch_url(url, jwks.allow_http, &format!("{path}.url"))?;
    }
    if let Some(remote) = &jwks.remote {
        check_fetch_url(&remote.url, jwks.allow_http, &format!("{path}.remote.url"))?;
        if remote.cache_duration.is_some_and(|d| d.0.is_zero()) {
            return Err(ConfigError::invalid(format!("{path}.remote.cacheDuration"), "must be greater than 0"));
        }
        if jwks.cache_duration.is_some() && remote.cache_duration.is_some() {
            return Err(ConfigError::invalid(
                format!("{path}.remote.cacheDuration"),
                "`cacheDuration` is given twice (here and in `jwks`); keep one",
            ));
        }
    }
    if jwks.discovery == Some(true) {
        check_fetch_url(issuer, jwks.allow_http, &format!("{path}.discovery"))
            .map_err(|e| ConfigError { message: format!("discovery needs an http(s) issuer: {}", e.message), ..e })?;
    }
    if let Some(inline) = &jwks.inline {
        if !(inline.is_string() || inline.is_object()) {
            return Err(ConfigError::invalid(format!("{path}.inline"), "must be a JWKS as a JSON string or an object"));
        }
    }
    check_duration_floors(jwks, issuer, path)?;
    if let (Some(min), Some(max)) = (jwks.min_cache_duration, jwks.max_cache_duration) {
        if min > max {
            return Err(ConfigError::invalid(
                format!("{path}.minCacheDuration"),
                "must not be longer than `maxCacheDuration`",
            ));
        }
    }
    if let Some(ca) = &jwks.ca_file {
        if ca.trim().is_empty() {
            return Err(ConfigError::invalid(format!("{path}.caFile"), "must not be empty"));
        }
    }
    Ok(())
}

/// Shortest accepted `cacheDuration`, `minCacheDuration` and
/// `maxCacheDuration`: a shorter one fetches the key set many times a
/// second (`cacheDuration: 1ms` made ~23 fetches per second).
pub const MIN_CACHE_DURATION_FLOOR: Duration = Duration::from_secs(10);
/// Shortest accepted `maxStaleness`.
pub const MIN_STALENESS_FLOOR: Duration = Duration::from_secs(10);
/// Shortest accepted `minRefetchInterval` (unknown-`kid` refetches).
pub const MIN_REFETCH_INTERVAL_FLOOR: Duration = Duration::from_secs(1);
/// Shortest accepted `fetchTimeout`.
pub const MIN_FETCH_TIMEOUT_FLOOR: Duration = Duration::from_millis(100);

/// Refuses remote-key durations below their floors, which would hammer the
/// identity provider. Key sources on loopback (a test server on this
/// machine, decided by [`super::url::is_loopback_url`]) may go lower, and
/// may set `minRefetchInterval: 0s`; a zero is refused everywhere else.
fn check_duration_floors(jwks: &Jwks, issuer: &str, path: &str) -> Result<(), ConfigError> {
    let urls: Vec<&str> = [
        jwks.url.as_deref(),
        jwks.remote.as_ref().map(|r| r.url.as_str()),
        (jwks.discovery == Some(true)).then_some(issuer),
    ]
    .into_iter()
    .flatten()
    .collect();
    let on_loopback = !urls.is_empty() && urls.iter().all(|u| super::url::is_loopback_url(u));
    let cache_path = if jwks.remote.as_ref().is_some_and(|r| r.cache_duration.is_some()) {
        format!("{path}.remote.cacheDuration")
    } else {
        format!("{path}.cacheDuration")
    };
    let checks = [
        (cache_path, jwks.effective_cache_duration(), MIN_CACHE_DURATION_FLOOR, false),
        (format!("{path}.minCacheDuration"), jwks.min_cache_duration, MIN_CACHE_DURATION_FLOOR, false),
        (format!("{path}.maxCacheDuration"), jwks.max_cache_duration, MIN_CACHE_DURATION_FLOOR, false),
        (format!("{path}.maxStaleness"), jwks.max_staleness, MIN_STALENESS_FLOOR, false),
        (format!("{path}.minRefetchInterval"), jwks.min_refetch_interval, MIN_REFETCH_INTERVAL_FLOOR, true),
        (format!("{path}.fetchTimeout"), jwks.fetch_timeout, MIN_FETCH_TIMEOUT_FLOOR, false),
    ];
    for (field, value, floor, zero_on_loopback) in checks {
        let Some(value) = value else { continue };
        if value.0.is_zero() && !(zero_on_loopback && on_loopback) {
            return Err(ConfigError::invalid(field, "must be greater than 0"));
        }
        if value.0 < floor && !on_loopback {
            return Err(ConfigError::invalid(
                field,
                format!(
                    "`{value}` is shorter than the floor of {}: keys fetched that often hammer the identity provider (shorter values are accepted only for key sources on loopback, for tests)",
                    ConfigDuration(floor)
                ),
            ));
        }
    }
    Ok(())
}

fn check_fetch_url(url: &str, allow_http: bool, path: &str) -> Result<(), ConfigError> {
    let rest = if let Some(rest) = url.strip_prefix("https://") {
        rest
    } else if let Some(rest) = url.strip_prefix("http://") {
        if !allow_http {
            return Err(ConfigError::invalid(
                path,
                format!("`{url}` is plain HTTP; keys must come over HTTPS (set `allowHttp: true` for a local test server)"),
            ));
        }
        rest
    } else {
        return Err(ConfigError::invalid(path, format!("`{url}` is not an http(s) URL")));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(path, format!("`{url}` has no host")));
    }
    Ok(())
}

