//! Gloo's external auth, as config: JWT access-token validation
//! (`oauth2.accessTokenValidation.jwt`) from Gloo Mesh Gateway's
//! `ExtAuthPolicy` (`spec.config.glooAuth.configs[]`) and Gloo Edge's
//! `AuthConfig` (`spec.configs[]`). `localJwks.inlineString` and
//! `remoteJwks.url` + `refreshInterval` (our cache duration) carry over with
//! `issuer`; `requiredScopes` become `require` rules. Gloo checks no
//! audience, so neither does the translation, with a warning. Other Gloo
//! auth kinds (OIDC authorization code, API keys, OPA, ...) are a "not
//! supported" error naming the field.

use serde_json::{json, Map, Value};

use super::error::ConfigError;
use super::kubernetes::{check_keys, object, required, string, Resource, Stream};

/// Gloo auth kinds this engine does not run, with what they are.
const OTHER_AUTH: [(&str, &str); 12] = [
    ("basicAuth", "basic auth"),
    ("apiKeyAuth", "API key auth"),
    ("opaAuth", "OPA policies"),
    ("opaServerAuth", "OPA server policies"),
    ("ldap", "LDAP"),
    ("ldapInternal", "LDAP"),
    ("jwt", "Gloo's JWT passthrough config"),
    ("passThroughAuth", "passthrough auth"),
    ("hmacAuth", "HMAC auth"),
    ("pluginAuth", "auth plugins"),
    ("oauth", "the deprecated OAuth config"),
    ("portalAuth", "portal auth"),
];

/// `ExtAuthPolicy` (Gloo Mesh Gateway).
pub(crate) fn ext_auth_policy(r: &Resource<'_>, s: &mut Stream) -> Result<(), ConfigError> {
    let spec_at = r.path("spec");
    check_keys(r.spec, &spec_at, &["applyToRoutes", "applyToDestinations", "config"], &[])?;
    for key in ["applyToRoutes", "applyToDestinations"] {
        if r.spec.contains_key(key) {
            s.not_acted_on(
                &r.path(&format!("spec.{key}")),
                &format!("{} route selection is accepted and not acted on: the host decides where this engine applies", r.describe()),
            );
        }
    }
    let config_at = r.path("spec.config");
    let config = object(required(r.spec, "config", &spec_at)?, &config_at)?;
    check_keys(
        config,
        &config_at,
        &["server", "glooAuth"],
        &[("customAuth", "a custom auth server is not run by this engine")],
    )?;
    if config.contains_key("server") {
        s.not_acted_on(
            &format!("{config_at}.server"),
            "the ext auth server reference is accepted and not acted on: this engine validates the tokens itself",
        );
    }
    let gloo_at = format!("{config_at}.glooAuth");
    let gloo = object(required(config, "glooAuth", &config_at)?, &gloo_at)?;
    check_keys(gloo, &gloo_at, &["configs"], &[])?;
    configs(r, gloo, &gloo_at, s)
}

/// `AuthConfig` (Gloo Edge).
pub(crate) fn auth_config(r: &Resource<'_>, s: &mut Stream) -> Result<(), ConfigError> {
    let spec_at = r.path("spec");
    check_keys(
        r.spec,
        &spec_at,
        &["configs"],
        &[
            ("booleanExpr", "this engine runs one JWT check per resource; combine checks with rules in a native config"),
            ("failOnRedirect", "this engine runs no login redirects"),
        ],
    )?;
    configs(r, r.spec, &spec_at, s)
}

/// `configs:` of either resource: exactly one JWT access-token check.
fn configs(r: &Resource<'_>, parent: &Map<String, Value>, at: &str, s: &mut Stream) -> Result<(), ConfigError> {
    let list_at = format!("{at}.configs");
    let list = required(parent, "configs", at)?
        .as_array()
        .ok_or_else(|| ConfigError::invalid(&list_at, "wrong type: expected a list"))?;
    match list.len() {
        0 => return Err(ConfigError::invalid(&list_at, "must list one config")),
        1 => {}
        _ => {
            return Err(ConfigError::invalid(
                format!("{list_at}[1]"),
                "Gloo runs the configs of one resource in sequence and all must pass; this engine takes one JWT check per resource: keep one config, or put each provider in its own resource",
            ))
        }
    }
    let c_at = format!("{list_at}[0]");
    let c = object(list.first().unwrap_or(&Value::Null), &c_at)?;
    let not_run: Vec<(&str, String)> =
        OTHER_AUTH.iter().map(|(k, what)| (*k, format!("{what} is not run by this engine; it validates JWT access tokens (`oauth2.accessTokenValidation.jwt`)"))).collect();
    let not_run: Vec<(&str, &str)> = not_run.iter().map(|(k, w)| (*k, w.as_str())).collect();
    check_keys(c, &c_at, &["name", "oauth2"], &not_run)?;
    let oauth_at = format!("{c_at}.oauth2");
    let oauth = object(required(c, "oauth2", &c_at)?, &oauth_at)?;
    check_keys(
        oauth,
        &oauth_at,
        &["accessTokenValidation"],
        &[("oidcAuthorizationCode", "the OIDC authorization code flow (browser login) is not run by this engine; it validates bearer access tokens")],
    )?;
    let atv_at = format!("{oauth_at}.accessTokenValidation");
    let atv = object(required(oauth, "accessTokenValidation", &oauth_at)?, &atv_at)?;
    let elsewhere = "the gateway's job, not this engine's (it decides; the host forwards what it needs)";
    check_keys(
        atv,
        &atv_at,
        &["jwt", "requiredScopes"],
        &[
            ("introspectionUrl", "token introspection is not run by this engine; it validates JWTs with the IdP's keys"),
            ("introspection", "token introspection is not run by this engine; it validates JWTs with the IdP's keys"),
            ("userinfoUrl", "userinfo lookups are not run by this engine"),
            ("cacheTimeout", "it applies to introspection and userinfo lookups, which this engine does not run"),
            ("claimsToHeaders", elsewhere),
            ("dynamicMetadataFromClaims", elsewhere),
        ],
    )?;
    let jwt_at = format!("{atv_at}.jwt");
    let jwt = object(required(atv, "jwt", &atv_at)?, &jwt_at)?;
    check_keys(jwt, &jwt_at, &["localJwks", "remoteJwks", "issuer"], &[])?;
    s.set_mode("strict", "Strict", &r.path("spec"), r)?;

    let mut out = Map::new();
    let issuer_at = format!("{jwt_at}.issuer");
    let issuer = match jwt.get("issuer") {
        Some(v) => string(v, &issuer_at)?,
        None => {
            return Err(ConfigError::invalid(
                issuer_at,
                "missing required field `issuer`: Gloo skips the issuer check without it, but this engine picks the provider by the token's `iss`",
            ))
        }
    };
    out.insert("issuer".into(), Value::String(issuer.to_owned()));
    let native = s.next_provider();
    s.any_audience(
        &mut out,
        &jwt_at,
        r,
        "Gloo has no audience setting: convert the file (`claimcheck convert`) and add `audiences` to the provider to restrict it",
    );
    let mut jwks = Map::new();
    let detail = match (jwt.get("localJwks"), jwt.get("remoteJwks")) {
        (Some(_), Some(_)) => {
            return Err(ConfigError::invalid(jwt_at, "has `localJwks` and `remoteJwks`; give exactly one key source"))
        }
        (None, None) => return Err(ConfigError::invalid(jwt_at, "needs one key source: `localJwks` or `remoteJwks`")),
        (Some(local), None) => {
            let local_at = format!("{jwt_at}.localJwks");
            let local = object(local, &local_at)?;
            check_keys(local, &local_at, &["inlineString"], &[])?;
            let inline = string(required(local, "inlineString", &local_at)?, &format!("{local_at}.inlineString"))?;
            jwks.insert("inline".into(), Value::String(inline.to_owned()));
            s.origin.paths.add(format!("{native}.jwks"), local_at.clone());
            s.origin.paths.add(format!("{native}.jwks.inline"), format!("{local_at}.inlineString"));
            "inline keys".to_owned()
        }
        (None, Some(remote)) => {
            let remote_at = format!("{jwt_at}.remoteJwks");
            let remote = object(remote, &remote_at)?;
            check_keys(remote, &remote_at, &["url", "refreshInterval"], &[])?;
            let url_at = format!("{remote_at}.url");
            let url = string(required(remote, "url", &remote_at)?, &url_at)?;
            jwks.insert("url".into(), Value::String(url.to_owned()));
            s.origin.paths.add(format!("{native}.jwks"), remote_at.clone());
            s.origin.paths.add(format!("{native}.jwks.url"), url_at.clone());
            if let Some(d) = remote.get("refreshInterval") {
                jwks.insert("cacheDuration".into(), d.clone());
                s.origin.paths.add(format!("{native}.jwks.cacheDuration"), format!("{remote_at}.refreshInterval"));
            }
            if url.starts_with("http://") {
                s.plain_http(&mut jwks, url, &url_at, r, "", "serve the keys over HTTPS");
            }
            format!("keys `{url}`")
        }
    };
    out.insert("jwks".into(), Value::Object(jwks));
    s.origin.paths.add(format!("{native}.issuer"), format!("{jwt_at}.issuer"));
    s.add_provider(Value::Object(out), &jwt_at, r, &format!("issuer `{issuer}`, {detail}"));

    if let Some(scopes) = atv.get("requiredScopes") {
        let scopes_at = format!("{atv_at}.requiredScopes");
        let scopes = object(scopes, &scopes_at)?;
        check_keys(scopes, &scopes_at, &["scope"], &[])?;
        let list_at = format!("{scopes_at}.scope");
        let list = required(scopes, "scope", &scopes_at)?
            .as_array()
            .ok_or_else(|| ConfigError::invalid(&list_at, "wrong type: expected a list"))?;
        for (k, scope) in list.iter().enumerate() {
            let at = format!("{list_at}[{k}]");
            let scope = string(scope, &at)?;
            if scope.is_empty() || scope.contains(char::is_whitespace) {
                return Err(ConfigError::invalid(at, format!("`{scope}` is not a scope")));
            }
            let native_rule = format!("authorization.rules[{}]", s.rules.len());
            let expr = format!("{} in auth.scopes", Value::String(scope.to_owned()));
            s.origin.paths.add(native_rule.clone(), at.clone());
            s.origin.mapped.push(format!("{at} ({}) -> {native_rule} `require: {expr}`", r.describe()));
            s.rules.push(json!({ "require": expr }));
        }
    }
    Ok(())
}
