//! IdP presets: `okta`, `keycloak`, `auth0`, `entra` and `google` expand to
//! the documented issuer, key URL and groups/roles claims (checked through
//! the native config they convert to), and verify tokens shaped like that
//! IdP's access tokens (keys given inline, which replaces the preset's key
//! URL as any explicit `jwks` source does). `auth.groups` and `auth.roles`
//! are lists, empty when the claims are absent; `groupsClaim` and
//! `rolesClaim` set them for any provider.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::dev::DevKey;
use claimcheck::test_hooks::{native_tree, parse_config};
use claimcheck::{ConfigErrorKind, Engine, Request};
use common::*;
use serde_json::{json, Value};

fn inline() -> String {
    serde_json::to_string(&DevKey::jwks(&[&RSA])).unwrap()
}

/// A config with one provider (`provider` is YAML flow-map content) and
/// these rules.
fn config_with(provider: &str, rules: &[&str]) -> String {
    let mut text = format!("authentication:\n  providers:\n    - {{{provider}}}\n");
    if !rules.is_empty() {
        text.push_str("authorization:\n  rules:\n");
        for r in rules {
            text.push_str(&format!("    - {r}\n"));
        }
    }
    text
}

/// The provider the preset expands to, as `claimcheck convert` prints it.
fn expanded(provider: &str) -> Value {
    let tree = native_tree(&parse_config(&config_with(provider, &[])).unwrap_or_else(|e| panic!("{e}")));
    tree["authentication"]["providers"][0].clone()
}

/// The preset with the test keys inline.
fn engine_for(provider: &str, rules: &[&str]) -> Engine {
    engine(&config_with(&format!("{provider}, jwks: {{inline: '{}'}}", inline()), rules))
}

/// `(status, reason)` for a token with these claims (valid at `NOW`).
fn decide(e: &Engine, claims: Value) -> (u16, String) {
    let d = bearer(e, &sign(&RSA, &claims));
    (d.status, d.reason.as_str().to_owned())
}

fn at(claims: Value) -> Value {
    let mut c = json!({"iat": NOW as i64 - 60, "exp": NOW as i64 + 3600, "sub": "user-1"});
    for (k, v) in claims.as_object().unwrap() {
        c[k] = v.clone();
    }
    c
}

#[track_caller]
fn refused(provider: &str) -> (String, String) {
    let e = Engine::new(&config_with(provider, &[])).expect_err("must be refused");
    assert_eq!(e.kind, ConfigErrorKind::Invalid, "{e}");
    (e.location().unwrap_or_default(), e.message)
}

fn ok() -> (u16, String) {
    (200, "allowed".to_owned())
}

fn no(status: u16, reason: &str) -> (u16, String) {
    (status, reason.to_owned())
}

#[test]
fn okta_expands_to_its_authorization_server_and_reads_scp_and_groups() {
    assert_eq!(
        expanded("okta: {domain: integrator-7147223.okta.com}, audiences: [api://default]"),
        json!({
            "issuer": "https://integrator-7147223.okta.com/oauth2/default",
            "audiences": ["api://default"],
            "jwks": {"url": "https://integrator-7147223.okta.com/oauth2/default/v1/keys"},
            "groupsClaim": ["groups"],
            "rolesClaim": []
        })
    );
    assert_eq!(
        expanded("okta: {domain: integrator-7147223.okta.com, authorizationServer: aus104zseyg64swj3698}, audiences: [api://default]")["issuer"],
        "https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698"
    );
    let e = engine_for(
        "okta: {domain: integrator-7147223.okta.com}, audiences: [api://default]",
        &[r#"'"AI-Users" in auth.groups && "mcp:read" in auth.scopes && auth.roles == []'"#],
    );
    let okta = |groups: Value| {
        at(json!({"ver": 1, "iss": "https://integrator-7147223.okta.com/oauth2/default", "aud": "api://default",
                  "cid": "0oa1", "uid": "00u1", "scp": ["mcp:read", "openid"], "groups": groups}))
    };
    assert_eq!(decide(&e, okta(json!(["Everyone", "AI-Users"]))), ok());
    assert_eq!(decide(&e, okta(json!(["Everyone"]))), no(403, "no_rule_allowed"));
}

#[test]
fn keycloak_reads_the_scope_string_realm_and_client_roles_and_refuses_id_and_refresh_tokens() {
    let provider = "keycloak: {url: 'https://kc.example.com/', realm: ai, client: mcp-gateway}, audiences: [mcp-gateway]";
    assert_eq!(
        expanded(provider),
        json!({
            "issuer": "https://kc.example.com/realms/ai",
            "audiences": ["mcp-gateway"],
            "jwks": {"url": "https://kc.example.com/realms/ai/protocol/openid-connect/certs"},
            "groupsClaim": ["groups"],
            "rolesClaim": ["realm_access.roles", "resource_access.mcp-gateway.roles"],
            "typClaim": "Bearer"
        })
    );
    let e = engine_for(
        provider,
        &[
            r#"deny: '"blocked" in auth.groups'"#,
            r#"'"mcp:read" in auth.scopes && ("ai-user" in auth.roles || "tools" in auth.roles)'"#,
        ],
    );
    let token = |typ: &str, extra: Value| {
        let mut c = at(json!({"iss": "https://kc.example.com/realms/ai", "aud": ["mcp-gateway", "account"], "typ": typ,
                              "azp": "mcp-gateway", "scope": "openid mcp:read profile",
                              "realm_access": {"roles": ["default-roles-ai", "ai-user"]},
                              "resource_access": {"mcp-gateway": {"roles": ["tools"]}, "account": {"roles": ["view-profile"]}}}));
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        c
    };
    // No `groups` at all (a user in no group): the deny rule is false, not an error.
    assert_eq!(decide(&e, token("Bearer", json!({}))), ok());
    let d = bearer(&e, &sign(&RSA, &token("Bearer", json!({}))));
    assert!(!d.rule_errored, "{d:#?}");
    assert_eq!(decide(&e, token("Bearer", json!({"groups": ["blocked"]}))), no(403, "denied_by_rule"));
    // Client roles alone, realm roles alone.
    assert_eq!(decide(&e, token("Bearer", json!({"realm_access": {"roles": []}}))), ok());
    assert_eq!(decide(&e, token("Bearer", json!({"resource_access": {}}))), ok());
    assert_eq!(decide(&e, token("Bearer", json!({"realm_access": {}, "resource_access": {}}))), no(403, "no_rule_allowed"));
    // An ID token whose `aud` is the client id, and a refresh token: refused.
    let d = bearer(&e, &sign(&RSA, &token("ID", json!({"aud": "mcp-gateway"}))));
    assert_decision(&d, 401, "invalid_type");
    assert_eq!(d.detail.as_deref(), Some("the token's `typ` claim is `ID`, not `Bearer`: an ID or refresh token is no access token"));
    assert_eq!(decide(&e, token("Refresh", json!({}))), no(401, "invalid_type"));
    assert_eq!(decide(&e, token("Bearer", json!({"typ": 1}))), no(401, "invalid_type"));
    // Without `client`, client roles do not count.
    let e = engine_for("keycloak: {url: 'https://kc.example.com', realm: ai}, audiences: [mcp-gateway]", &[r#"'"tools" in auth.roles'"#]);
    assert_eq!(decide(&e, token("Bearer", json!({}))), no(403, "no_rule_allowed"));
}

#[test]
fn auth0_has_a_trailing_slash_issuer_and_reads_permissions_or_a_namespaced_claim() {
    let provider = "auth0: {domain: example.us.auth0.com}, audiences: ['https://api.example.com']";
    assert_eq!(
        expanded(provider),
        json!({
            "issuer": "https://example.us.auth0.com/",
            "audiences": ["https://api.example.com"],
            "jwks": {"url": "https://example.us.auth0.com/.well-known/jwks.json"},
            "groupsClaim": [],
            "rolesClaim": ["permissions"]
        })
    );
    let e = engine_for(provider, &[r#"'"read:tools" in auth.roles && "openid" in auth.scopes && auth.groups == []'"#]);
    let token = |iss: &str| {
        at(json!({"iss": iss, "aud": ["https://api.example.com", "https://example.us.auth0.com/userinfo"],
                  "azp": "abc", "scope": "openid profile", "permissions": ["read:tools"], "gty": "client-credentials"}))
    };
    assert_eq!(decide(&e, token("https://example.us.auth0.com/")), ok());
    assert_eq!(decide(&e, token("https://example.us.auth0.com")), no(401, "unknown_issuer"));
    // A namespaced claim instead of `permissions`: a path with `/` is one claim.
    let e = engine_for(
        &format!("{provider}, rolesClaim: 'https://example.com/roles'"),
        &[r#"'"admin" in auth.roles && !("read:tools" in auth.roles)'"#],
    );
    let mut c = token("https://example.us.auth0.com/");
    c["https://example.com/roles"] = json!(["admin"]);
    assert_eq!(decide(&e, c), ok());
}

#[test]
fn entra_v2_reads_tid_and_roles_and_a_multi_tenant_app_allows_only_listed_tenants() {
    let tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    let other = "11111111-2222-3333-4444-555555555555";
    let single = format!("entra: {{tenant: {tenant}}}, audiences: [api://mcp]");
    assert_eq!(
        expanded(&single),
        json!({
            "issuer": format!("https://login.microsoftonline.com/{tenant}/v2.0"),
            "audiences": ["api://mcp"],
            "jwks": {"url": format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys")},
            "groupsClaim": ["groups"],
            "rolesClaim": ["roles"]
        })
    );
    assert_eq!(
        expanded(&format!("entra: {{tenant: {tenant}, version: 1}}, audiences: [api://mcp]"))["issuer"],
        format!("https://sts.windows.net/{tenant}/")
    );
    let rules = [r#"'"Tools.Use" in auth.roles'"#];
    let token = |tid: &str| {
        at(json!({"iss": format!("https://login.microsoftonline.com/{tid}/v2.0"), "aud": "api://mcp", "tid": tid,
                  "ver": "2.0", "scp": "access_as_user", "roles": ["Tools.Use"], "oid": "o1", "azp": "client"}))
    };
    let e = engine_for(&single, &rules);
    assert_eq!(decide(&e, token(tenant)), ok());
    assert_eq!(decide(&e, token(other)), no(401, "unknown_issuer"));

    let multi = format!("entra: {{tenant: organizations, allowedTenants: ['{}']}}, audiences: [api://mcp]", tenant.to_uppercase());
    assert_eq!(
        expanded(&multi),
        json!({
            "issuer": "https://login.microsoftonline.com/{tenantid}/v2.0",
            "audiences": ["api://mcp"],
            "jwks": {"url": "https://login.microsoftonline.com/organizations/discovery/v2.0/keys"},
            "groupsClaim": ["groups"],
            "rolesClaim": ["roles"],
            "allowedTenants": [tenant]
        })
    );
    let e = engine_for(&multi, &rules);
    assert_eq!(decide(&e, token(tenant)), ok());
    assert_eq!(decide(&e, token(other)), no(401, "unknown_issuer"));
    let mut no_roles = token(tenant);
    no_roles.as_object_mut().unwrap().remove("roles");
    assert_eq!(decide(&e, no_roles), no(403, "no_rule_allowed"));
    // The allow-list is native too: `allowedTenants` on an issuer template.
    let e = engine(&config_with(
        &format!("issuer: 'https://login.microsoftonline.com/{{tenantid}}/v2.0', audiences: [api://mcp], allowedTenants: [{other}], jwks: {{inline: '{}'}}", inline()),
        &[],
    ));
    assert_eq!(decide(&e, token(other)), ok());
    assert_eq!(decide(&e, token(tenant)), no(401, "unknown_issuer"));
}

#[test]
fn google_expands_to_accounts_google_com() {
    let provider = "google: {}, audiences: [1234.apps.googleusercontent.com]";
    assert_eq!(
        expanded(provider),
        json!({
            "issuer": "https://accounts.google.com",
            "audiences": ["1234.apps.googleusercontent.com"],
            "jwks": {"url": "https://www.googleapis.com/oauth2/v3/certs"},
            "groupsClaim": [],
            "rolesClaim": []
        })
    );
    let e = engine_for(provider, &[r#"'auth.claims.hd == "example.com" && auth.groups == [] && auth.roles == []'"#]);
    let token = at(json!({"iss": "https://accounts.google.com", "aud": "1234.apps.googleusercontent.com", "azp": "1234.apps.googleusercontent.com",
                         "email": "a@example.com", "email_verified": true, "hd": "example.com"}));
    assert_eq!(decide(&e, token), ok());
}

#[test]
fn explicit_fields_still_apply_over_a_preset() {
    // Tuning fields keep the preset's key URL; algorithms and leeway apply.
    let p = expanded("okta: {domain: dev.okta.com}, audiences: [a], algorithms: [RS256], leeway: 5s, jwks: {cacheDuration: 10m}, groupsClaim: [roles_of_user]");
    assert_eq!(p["jwks"], json!({"url": "https://dev.okta.com/oauth2/default/v1/keys", "cacheDuration": "10m"}));
    assert_eq!((p["algorithms"].clone(), p["leeway"].clone(), p["groupsClaim"].clone()), (json!(["RS256"]), json!("5s"), json!(["roles_of_user"])));
    // `discovery: true` replaces the preset's key URL (the issuer's metadata names it).
    let p = expanded("okta: {domain: dev.okta.com}, audiences: [a], jwks: {discovery: true}");
    assert_eq!(p["jwks"], json!({"discovery": true}));
    // A Keycloak on plain HTTP needs `allowHttp`, as any key URL does.
    let p = expanded("keycloak: {url: 'http://127.0.0.1:8080', realm: master}, audiences: [a], jwks: {allowHttp: true}");
    assert_eq!(p["jwks"], json!({"url": "http://127.0.0.1:8080/realms/master/protocol/openid-connect/certs", "allowHttp": true}));
    // `audiences` stays required.
    assert_eq!(
        refused("okta: {domain: dev.okta.com}"),
        (
            "authentication.providers[0].audiences".to_owned(),
            "missing required field `audiences`: a token whose `aud` does not name this service must be rejected (RFC 7519 §4.1.3); write `audiences: [\"*\"]` to accept any audience".to_owned()
        )
    );
}

#[test]
fn groups_and_roles_claims_work_for_any_provider() {
    let native = |extra: &str, rule: &str| {
        engine(&config_with(&format!("issuer: {ISSUER}, audiences: [{AUDIENCE}], jwks: {{inline: '{}'}}{extra}", inline()), &[rule]))
    };
    // Defaults: `groups` and `roles`.
    let e = native("", r#"'"AI-Users" in auth.groups && auth.roles == ["r"]'"#);
    assert_eq!(decide(&e, claims_with(json!({"roles": ["r"]}))), ok());
    assert_eq!(decide(&e, claims_with(json!({"groups": null, "roles": ["r"]}))), no(403, "no_rule_allowed"));
    // Paths, segment lists for names with dots, several paths merged once each;
    // a string is one value; a list with a non-string or another type gives nothing.
    let e = native(
        ", groupsClaim: [[org, my.team, groups], directory.groups], rolesClaim: role",
        r#"'auth.groups == ["a", "b", "c"] && auth.roles == ["admin"]'"#,
    );
    assert_eq!(
        decide(&e, claims_with(json!({"org": {"my.team": {"groups": ["a", "b"]}}, "directory": {"groups": ["b", "c"]}, "role": "admin"}))),
        ok()
    );
    let e = native(", groupsClaim: [g1, g2]", r#"'auth.groups == ["ok"]'"#);
    assert_eq!(decide(&e, claims_with(json!({"g1": ["x", 1], "g2": ["ok"]}))), ok());
    assert_eq!(decide(&e, claims_with(json!({"g1": {"a": "b"}, "g2": "ok"}))), ok());
    // `[]`: no source, always empty.
    let e = native(", groupsClaim: []", r#"'auth.groups == []'"#);
    assert_eq!(decide(&e, claims()), ok());
    // Unauthenticated requests have no `auth`, as with `auth.scopes`.
    let e = engine(&config_with(
        &format!("issuer: {ISSUER}, audiences: [{AUDIENCE}], jwks: {{inline: '{}'}}", inline()),
        &[r#"deny: '"x" in auth.groups'"#],
    )
    .replace("authentication:\n", "authentication:\n  mode: optional\n"));
    let d = e.authorize_at(&Request::default(), NOW).unwrap();
    assert_decision(&d, 401, "denied_by_rule");
    // `claimcheck test`'s claims path reads the provider's views too.
    let e = engine_for("keycloak: {url: 'https://kc.example.com', realm: ai}, audiences: [x]", &[r#"'"ai-user" in auth.roles'"#]);
    let claims = json!({"iss": "https://kc.example.com/realms/ai", "realm_access": {"roles": ["ai-user"]}});
    let d = e.authorize_claims_at(&Request::default(), claims.as_object().unwrap().clone(), NOW).unwrap();
    assert_decision(&d, 200, "allowed");
}

#[test]
fn preset_errors_name_the_field_and_say_what_is_wrong() {
    let cases: [(&str, &str, &str); 14] = [
        (
            "okta: {domain: a.okta.com}, keycloak: {url: 'https://kc', realm: r}, audiences: [a]",
            "authentication.providers[0].keycloak",
            "give one IdP preset: `okta` and `keycloak` are both set",
        ),
        (
            "okta: {domain: a.okta.com}, issuer: 'https://a.okta.com/oauth2/default', audiences: [a]",
            "authentication.providers[0].issuer",
            "`okta` sets the issuer (`https://a.okta.com/oauth2/default`); remove `issuer`, or the preset",
        ),
        (
            "okta: {domain: 'https://a.okta.com/'}, audiences: [a]",
            "authentication.providers[0].okta.domain",
            "write the host only, such as `a.okta.com`",
        ),
        (
            "okta: {domian: a.okta.com}, audiences: [a]",
            "authentication.providers[0].okta.domian",
            "unknown field `domian`; did you mean `domain`?",
        ),
        (
            "okta: {}, audiences: [a]",
            "authentication.providers[0].okta",
            "missing required field `domain`",
        ),
        (
            "keycloak: {url: 'https://kc.example.com/realms/ai', realm: ai}, audiences: [a]",
            "authentication.providers[0].keycloak.url",
            "give the server's base URL (such as `https://keycloak.example.com`); the realm goes in `realm`",
        ),
        (
            "keycloak: {url: 'http://keycloak:8080', realm: master}, audiences: [a]",
            "authentication.providers[0].keycloak.url",
            "`http://keycloak:8080` is plain HTTP; keys must come over HTTPS (set `jwks: {allowHttp: true}` for a local test server)",
        ),
        (
            "keycloak: {url: 'kc.example.com', realm: ai}, audiences: [a]",
            "authentication.providers[0].keycloak.url",
            "`kc.example.com` is not an http(s) URL",
        ),
        (
            "entra: {tenant: contoso.onmicrosoft.com}, audiences: [a]",
            "authentication.providers[0].entra.tenant",
            "`contoso.onmicrosoft.com` is not a tenant id: Entra's issuer carries the tenant id (a GUID such as `72f988bf-86f1-41af-91ab-2d7cd011db47`), not a domain name; or write `organizations` or `common` with `allowedTenants`",
        ),
        (
            "entra: {tenant: organisations, allowedTenants: [x]}, audiences: [a]",
            "authentication.providers[0].entra.tenant",
            "`organisations` is not a tenant id; did you mean `organizations`?",
        ),
        (
            "entra: {tenant: common}, audiences: [a]",
            "authentication.providers[0].entra.allowedTenants",
            "`tenant: common` accepts tokens from any Entra tenant: list the tenant ids you accept in `allowedTenants`",
        ),
        (
            "entra: {tenant: common, allowedTenants: [contoso]}, audiences: [a]",
            "authentication.providers[0].entra.allowedTenants[0]",
            "`contoso` is not a tenant id (a GUID, the token's `tid`)",
        ),
        (
            "entra: {tenant: 72f988bf-86f1-41af-91ab-2d7cd011db47, allowedTenants: [72f988bf-86f1-41af-91ab-2d7cd011db47]}, audiences: [a]",
            "authentication.providers[0].entra.allowedTenants",
            "only applies to `tenant: organizations` or `tenant: common`; a tenant id accepts that tenant alone",
        ),
        (
            "issuer: 'https://idp.example.com', allowedTenants: [x], audiences: [a], jwks: {url: 'https://idp.example.com/keys'}",
            "authentication.providers[0].allowedTenants",
            "only applies to an issuer template with `{tenantid}`",
        ),
    ];
    for (provider, location, message) in cases {
        assert_eq!(refused(provider), (location.to_owned(), message.to_owned()), "{provider}");
    }
    let (location, message) = refused("audiences: [a], jwks: {url: 'https://idp.example.com/keys'}");
    assert_eq!(location, "authentication.providers[0].issuer");
    assert_eq!(message, "missing required field `issuer` (the exact `iss` of the provider's tokens); or name the IdP with one of `okta`, `keycloak`, `auth0`, `entra`, `google`");
    let (location, message) = refused("issuer: x, audiences: [a], groupsClaim: [1]");
    assert_eq!(location, "authentication.providers[0].groupsClaim");
    assert!(message.contains("a claim path"), "{message}");
}

#[test]
fn what_a_preset_expanded_to_is_recorded_for_check() {
    let file = parse_config(&config_with("keycloak: {url: 'https://kc.example.com', realm: ai, client: gw}, audiences: [gw]", &[])).unwrap();
    assert_eq!(
        file.origin.mapped,
        ["authentication.providers[0].keycloak -> issuer `https://kc.example.com/realms/ai`, keys `https://kc.example.com/realms/ai/protocol/openid-connect/certs`, auth.groups from `groups`, auth.roles from `realm_access.roles` and `resource_access.gw.roles`, `typ` claim `Bearer` required when present (ID and refresh tokens refused)"]
    );
}
