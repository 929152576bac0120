//! agentgateway `policies:` blocks, loaded unchanged: `jwtAuth` (single
//! provider or `providers:`), `mcpAuthentication`, `authorization.rules` and
//! `mcpAuthorization.rules`. They are translated into this engine's own
//! `authentication` / `authorization` tree before the schema is applied, so
//! there is one set of semantics. Fields this engine does not act on give a
//! load warning, not an error.

use serde_json::{json, Map, Value};

use super::error::{closest, ConfigError};

/// The result of translating a `policies:` block.
pub struct Translated {
    /// The native config tree.
    pub tree: Value,
    /// Warnings about fields accepted but not acted on.
    pub warnings: Vec<String>,
    /// For each native provider index, the path it came from, so errors
    /// point at what the user wrote.
    pub provider_paths: Vec<String>,
    /// The path of the block that set the mode.
    pub mode_path: String,
}

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
    let mut warnings = Vec::new();
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
    let mut provider_paths = Vec::new();
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
        auth.insert(
            "mode".into(),
            block.get("mode").cloned().unwrap_or_else(|| Value::String(default_mode.into())),
        );
        if let Some(location) = block.get("location") {
            auth.insert("tokenSource".into(), json!([location]));
        }
        let mut providers = Vec::new();
        if let Some(list) = block.get("providers") {
            let list = list
                .as_array()
                .ok_or_else(|| ConfigError::invalid(format!("{auth_path}.providers"), "wrong type: expected a list"))?;
            for (i, p) in list.iter().enumerate() {
                let path = format!("{auth_path}.providers[{i}]");
                providers.push(provider(object(p, &path)?, &path, &mut warnings)?);
                provider_paths.push(path);
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
                    }
                    warnings.push(format!(
                        "{auth_path}.resourceMetadata: only the metadata URL is used (in the 401 challenge); this engine does not serve the metadata document"
                    ));
                }
                if single.remove("provider").is_some() {
                    warnings.push(format!(
                        "{auth_path}.provider: accepted but not acted on; this engine validates tokens and does not adapt IdP traffic"
                    ));
                }
            }
            providers.push(provider(&single, auth_path, &mut warnings)?);
            provider_paths.push(auth_path.to_owned());
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
                rules.extend(list.iter().cloned());
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
    Ok(Translated {
        tree: Value::Object(out),
        warnings,
        provider_paths,
        mode_path: format!("{auth_path}.mode"),
    })
}

/// One agentgateway provider -> one native provider.
fn provider(p: &Map<String, Value>, path: &str, warnings: &mut Vec<String>) -> Result<Value, ConfigError> {
    const KNOWN: [&str; 6] = ["issuer", "audiences", "audience", "jwks", "jwksUrl", "jwtValidationOptions"];
    for key in p.keys() {
        if !KNOWN.contains(&key.as_str()) {
            return Err(unknown_field(path, key, &KNOWN));
        }
    }
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
        }
        (None, None) => {}
    }
    let jwks = match (p.get("jwks"), p.get("jwksUrl")) {
        (Some(Value::String(inline)), _) => json!({ "inline": inline }),
        (Some(Value::Object(src)), _) => {
            let mut native = Map::new();
            for (k, v) in src {
                match k.as_str() {
                    "url" | "file" | "inline" => {
                        native.insert(k.clone(), v.clone());
                    }
                    "remote" => {
                        // {remote: {url, cacheDuration}} (Kubernetes style)
                        if let Some(url) = v.get("url").or_else(|| v.get("jwksPath")) {
                            native.insert("url".into(), url.clone());
                        }
                        if let Some(d) = v.get("cacheDuration") {
                            native.insert("cacheDuration".into(), d.clone());
                        }
                    }
                    other => return Err(unknown_field(&format!("{path}.jwks"), other, &["url", "file", "inline", "remote"])),
                }
            }
            Value::Object(native)
        }
        (Some(_), _) => return Err(ConfigError::invalid(format!("{path}.jwks"), "wrong type: expected a JWKS string or a map")),
        (None, Some(url)) => json!({ "url": url }),
        (None, None) => Value::Null,
    };
    if !jwks.is_null() {
        // agentgateway fetches plain-HTTP URLs; keep that behaviour for
        // loopback development URLs only and say so.
        if let Some(url) = jwks.get("url").and_then(Value::as_str) {
            if url.starts_with("http://") && super::url::is_loopback_url(url) {
                let mut jwks = jwks.clone();
                if let Some(o) = jwks.as_object_mut() {
                    o.insert("allowHttp".into(), Value::Bool(true));
                }
                warnings.push(format!("{path}.jwks: plain-HTTP key URL `{url}` allowed because it is on loopback"));
                out.insert("jwks".into(), jwks);
            } else {
                out.insert("jwks".into(), jwks);
            }
        } else {
            out.insert("jwks".into(), jwks);
        }
    }
    if let Some(opts) = p.get("jwtValidationOptions") {
        let opts = object(opts, &format!("{path}.jwtValidationOptions"))?;
        for (k, v) in opts {
            if k == "requiredClaims" {
                out.insert("requiredClaims".into(), v.clone());
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
