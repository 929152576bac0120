//! agentgateway `policies:` blocks, loaded unchanged: `jwtAuth` (single
//! provider or `providers:`), `mcpAuthentication`, `authorization.rules` and
//! `mcpAuthorization.rules`. They are translated into this engine's own
//! `authentication` / `authorization` tree before the schema is applied, so
//! there is one set of semantics. Fields this engine does not act on give a
//! load warning, not an error; so does a provider without `audiences`,
//! which agentgateway accepts for any audience. Every native path maps back
//! to the one the user wrote.

use serde_json::{json, Map, Value};

use super::error::{closest, ConfigError};
use super::origin::{Origin, Shape, Translated};

const POLICY_KEYS: [&str; 4] = ["jwtAuth", "mcpAuthentication", "authorization", "mcpAuthorization"];

fn object<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, ConfigError> {
    value.as_object().ok_or_else(|| ConfigError::invalid(path, "wrong type: expected a map"))
}

fn unknown_field(path: &str, name: &str, known: &[&str]) -> ConfigError {
    let mut msg = format!("unknown field `{name}`");
    if let Some(best) = closest(name, known.iter().copied()) {
        msg.push_str(&format!("; did you mean `{best}`?"));
    }
    ConfigError::invalid(format!("{path}.{name}"), msg)
}

/// What translating one block collects: warnings, mappings, paths.
#[derive(Default)]
struct Collect {
    origin: Origin,
    warnings: Vec<String>,
}

/// Translates `root` (a whole config tree holding `policies:`) into the
/// native shape. Top-level `authentication`/`authorization` may not be
/// mixed with the policy blocks that set the same thing.
pub fn translate(root: &Map<String, Value>) -> Result<Translated, ConfigError> {
    let policies = object(root.get("policies").unwrap_or(&Value::Null), "policies")?;
    for key in policies.keys() {
        if !POLICY_KEYS.contains(&key.as_str()) {
            return Err(unknown_field("policies", key, &POLICY_KEYS));
        }
    }
    let mut c = Collect::default();
    c.origin.shape = Shape::AgentgatewayPolicies;
    let mut out = Map::new();
    for (k, v) in root {
        if k != "policies" {
            out.insert(k.clone(), v.clone());
        }
    }

    let jwt = policies.get("jwtAuth");
    let mcp = policies.get("mcpAuthentication");
    let (auth_path, auth_block, default_mode) = match (jwt, mcp) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(
                "policies",
                "give one of `jwtAuth` and `mcpAuthentication`, not both",
            ))
        }
        (Some(b), None) => ("policies.jwtAuth", Some(b), "optional"),
        (None, Some(b)) => ("policies.mcpAuthentication", Some(b), "strict"),
        (None, None) => ("", None, "strict"),
    };
    if let Some(block) = auth_block {
        if out.contains_key("authentication") {
            return Err(ConfigError::invalid(
                auth_path,
                "`authentication` is already given at the top level; keep one of the two",
            ));
        }
        let block = object(block, auth_path)?;
        let is_mcp = auth_path.ends_with("mcpAuthentication");
        let mut auth = Map::new();
        c.origin.paths.add("authentication", auth_path);
        c.origin.paths.add("authentication.mode", format!("{auth_path}.mode"));
        match block.get("mode") {
            Some(mode) => {
                auth.insert("mode".into(), mode.clone());
                c.origin.mapped.push(format!("{auth_path}.mode -> authentication.mode"));
            }
            None => {
                auth.insert("mode".into(), Value::String(default_mode.into()));
                c.origin.mapped.push(format!(
                    "{auth_path} -> authentication.mode {default_mode} (agentgateway's default for `{}`)",
                    auth_path.trim_start_matches("policies.")
                ));
            }
        }
        if let Some(location) = block.get("location") {
            auth.insert("tokenSource".into(), json!([location]));
            c.origin.paths.add("authentication.tokenSource[0]", format!("{auth_path}.location"));
            c.origin.paths.add("authentication.tokenSource", format!("{auth_path}.location"));
            c.origin.mapped.push(format!("{auth_path}.location -> authentication.tokenSource[0]"));
        }
        let mut providers = Vec::new();
        if let Some(list) = block.get("providers") {
            let list = list
                .as_array()
                .ok_or_else(|| ConfigError::invalid(format!("{auth_path}.providers"), "wrong type: expected a list"))?;
            for (i, p) in list.iter().enumerate() {
                let path = format!("{auth_path}.providers[{i}]");
                providers.push(provider(object(p, &path)?, &path, providers.len(), &mut c)?);
            }
            for key in block.keys() {
                if !["mode", "location", "providers"].contains(&key.as_str()) {
                    return Err(unknown_field(auth_path, key, &["mode", "location", "providers"]));
                }
            }
        } else {
            let mut single = block.clone();
            single.remove("mode");
            single.remove("location");
            if is_mcp {
                if let Some(meta) = single.remove("resourceMetadata") {
                    if let Some(url) = resource_metadata_url(&meta) {
                        auth.insert("resourceMetadata".into(), Value::String(url));
                        c.origin.paths.add("authentication.resourceMetadata", format!("{auth_path}.resourceMetadata"));
                    }
                    c.warnings.push(format!(
                        "{auth_path}.resourceMetadata: only the metadata URL is used (in the 401 challenge); this engine does not serve the metadata document"
                    ));
                }
                if single.remove("provider").is_some() {
                    c.warnings.push(format!(
                        "{auth_path}.provider: accepted but not acted on; this engine validates tokens and does not adapt IdP traffic"
                    ));
                }
            }
            providers.push(provider(&single, auth_path, 0, &mut c)?);
        }
        auth.insert("providers".into(), Value::Array(providers));
        out.insert("authentication".into(), Value::Object(auth));
    }

    let mut rules = Vec::new();
    for key in ["authorization", "mcpAuthorization"] {
        if let Some(block) = policies.get(key) {
            let path = format!("policies.{key}");
            let block = object(block, &path)?;
            for k in block.keys() {
                if k != "rules" {
                    return Err(unknown_field(&path, k, &["rules"]));
                }
            }
            if let Some(list) = block.get("rules") {
                let list = list
                    .as_array()
                    .ok_or_else(|| ConfigError::invalid(format!("{path}.rules"), "wrong type: expected a list"))?;
                for (j, rule) in list.iter().enumerate() {
                    let native = format!("authorization.rules[{}]", rules.len());
                    c.origin.paths.add(native.clone(), format!("{path}.rules[{j}]"));
                    c.origin.mapped.push(format!("{path}.rules[{j}] -> {native}"));
                    rules.push(rule.clone());
                }
            }
        }
    }
    if !rules.is_empty() {
        if out.contains_key("authorization") {
            return Err(ConfigError::invalid(
                "policies",
                "`authorization` is already given at the top level; keep one of the two",
            ));
        }
        out.insert("authorization".into(), json!({ "rules": rules }));
    }
    Ok(Translated { tree: Value::Object(out), origin: c.origin, warnings: c.warnings })
}

/// One agentgateway provider at `path` -> native provider `index`.
fn provider(p: &Map<String, Value>, path: &str, index: usize, c: &mut Collect) -> Result<Value, ConfigError> {
    const KNOWN: [&str; 6] = ["issuer", "audiences", "audience", "jwks", "jwksUrl", "jwtValidationOptions"];
    for key in p.keys() {
        if !KNOWN.contains(&key.as_str()) {
            return Err(unknown_field(path, key, &KNOWN));
        }
    }
    let native = format!("authentication.providers[{index}]");
    c.origin.paths.add(native.clone(), path);
    c.origin.mapped.push(format!("{path} -> {native}"));
    let mut out = Map::new();
    if let Some(issuer) = p.get("issuer") {
        out.insert("issuer".into(), issuer.clone());
    }
    match (p.get("audiences"), p.get("audience")) {
        (Some(list), _) => {
            out.insert("audiences".into(), list.clone());
        }
        (None, Some(single)) => {
            out.insert("audiences".into(), json!([single]));
            c.origin.paths.add(format!("{native}.audiences"), format!("{path}.audience"));
            c.origin.paths.add(format!("{native}.audiences[0]"), format!("{path}.audience"));
        }
        (None, None) => {
            // agentgateway checks no audience when none is given; so does
            // the translation, and says so.
            out.insert("audiences".into(), json!(["*"]));
            c.origin.warned.insert(format!("{native}.audiences"));
            c.warnings.push(format!(
                "{path}: no `audiences`, so tokens meant for any service are accepted, as agentgateway does; add `audiences: [<this API's audience>]` to restrict it (`claimcheck check --strict` fails on this)"
            ));
        }
    }
    let jwks_path = format!("{path}.jwks");
    let (jwks, url_path) = match (p.get("jwks"), p.get("jwksUrl")) {
        (Some(Value::String(inline)), _) => {
            c.origin.paths.add(format!("{native}.jwks.inline"), jwks_path.clone());
            (json!({ "inline": inline }), None)
        }
        (Some(Value::Object(src)), _) => {
            let mut native_jwks = Map::new();
            let mut url_path = None;
            for (k, v) in src {
                match k.as_str() {
                    "url" | "file" | "inline" => {
                        native_jwks.insert(k.clone(), v.clone());
                        if k == "url" {
                            url_path = Some(format!("{jwks_path}.url"));
                        }
                    }
                    "remote" => {
                        // {remote: {url, cacheDuration}} (Kubernetes style)
                        let remote = object(v, &format!("{jwks_path}.remote"))?;
                        for rk in remote.keys() {
                            if !["url", "jwksPath", "cacheDuration"].contains(&rk.as_str()) {
                                return Err(unknown_field(&format!("{jwks_path}.remote"), rk, &["url", "cacheDuration"]));
                            }
                        }
                        if let Some((key, url)) = remote.get_key_value("url").or_else(|| remote.get_key_value("jwksPath")) {
                            native_jwks.insert("url".into(), url.clone());
                            let user = format!("{jwks_path}.remote.{key}");
                            c.origin.paths.add(format!("{native}.jwks.url"), user.clone());
                            url_path = Some(user);
                        }
                        if let Some(d) = remote.get("cacheDuration") {
                            native_jwks.insert("cacheDuration".into(), d.clone());
                            c.origin.paths.add(format!("{native}.jwks.cacheDuration"), format!("{jwks_path}.remote.cacheDuration"));
                        }
                    }
                    other => return Err(unknown_field(&jwks_path, other, &["url", "file", "inline", "remote"])),
                }
            }
            (Value::Object(native_jwks), url_path)
        }
        (Some(_), _) => return Err(ConfigError::invalid(jwks_path, "wrong type: expected a JWKS string or a map")),
        (None, Some(url)) => {
            let user = format!("{path}.jwksUrl");
            c.origin.paths.add(format!("{native}.jwks"), user.clone());
            c.origin.paths.add(format!("{native}.jwks.url"), user.clone());
            (json!({ "url": url }), Some(user))
        }
        (None, None) => (Value::Null, None),
    };
    if !jwks.is_null() {
        let mut jwks = jwks;
        // agentgateway fetches plain-HTTP URLs; keep that behaviour for
        // loopback development URLs only and say so, once, naming the
        // field the user wrote.
        if let Some(url) = jwks.get("url").and_then(Value::as_str).map(str::to_owned) {
            if url.starts_with("http://") && super::url::is_loopback_url(&url) {
                if let Some(o) = jwks.as_object_mut() {
                    o.insert("allowHttp".into(), Value::Bool(true));
                }
                let at = url_path.unwrap_or_else(|| jwks_path.clone());
                c.origin.warned.insert(format!("{native}.jwks"));
                c.warnings.push(format!(
                    "{at}: plain-HTTP key URL `{url}` allowed because it is on loopback; anyone who can change the response can mint tokens"
                ));
            }
        }
        out.insert("jwks".into(), jwks);
    }
    if let Some(opts) = p.get("jwtValidationOptions") {
        let opts = object(opts, &format!("{path}.jwtValidationOptions"))?;
        for (k, v) in opts {
            if k == "requiredClaims" {
                out.insert("requiredClaims".into(), v.clone());
                c.origin.paths.add(format!("{native}.requiredClaims"), format!("{path}.jwtValidationOptions.requiredClaims"));
            } else {
                return Err(unknown_field(&format!("{path}.jwtValidationOptions"), k, &["requiredClaims"]));
            }
        }
    }
    Ok(Value::Object(out))
}

/// RFC 9728 §3.1: the metadata URL inserts `/.well-known/oauth-protected-resource`
/// between the resource's origin and its path.
fn resource_metadata_url(meta: &Value) -> Option<String> {
    let resource = meta.get("resource")?.as_str()?;
    let (scheme, rest) = resource.split_once("://")?;
    let (host, path) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, ""),
    };
    let path = path.trim_end_matches('/');
    Some(format!("{scheme}://{host}/.well-known/oauth-protected-resource{path}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_url_follows_rfc_9728() {
        assert_eq!(
            resource_metadata_url(&json!({"resource": "http://localhost:3000/echo/mcp"})).unwrap(),
            "http://localhost:3000/.well-known/oauth-protected-resource/echo/mcp"
        );
        assert_eq!(
            resource_metadata_url(&json!({"resource": "https://api.example.com"})).unwrap(),
            "https://api.example.com/.well-known/oauth-protected-resource"
        );
    }
}
