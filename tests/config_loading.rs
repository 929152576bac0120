//! Config loading: precise errors with field paths and hints, and
//! agentgateway policy blocks that load unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::dev::DevKey;
use claimcheck::{ConfigErrorKind, Engine};
use common::*;
use serde_json::json;

fn err(config: &str) -> claimcheck::ConfigError {
    Engine::new(config).expect_err("config must be refused")
}

fn jwks() -> String {
    serde_json::to_string(&DevKey::jwks(&[&RSA])).unwrap()
}

#[test]
fn a_misspelt_field_names_its_path_and_the_likely_field() {
    let e = err(&rsa_config().replace("audiences:", "audiense:"));
    assert_eq!(e.kind, ConfigErrorKind::Invalid);
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].audiense"));
    assert!(e.message.contains("did you mean `audiences`?"), "{e}");
    let e = err("authentication:\n  mode: strcit\n");
    assert_eq!(e.path.as_deref(), Some("authentication.mode"));
    assert!(e.message.contains("did you mean `strict`?"), "{e}");
    let e = err("authentcation: {}\n");
    assert!(e.message.contains("did you mean `authentication`?"), "{e}");
}

#[test]
fn wrong_types_and_missing_fields_say_what_was_expected() {
    let e = err(&rsa_config().replace("audiences: [api://default]", "audiences: api://default"));
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].audiences"));
    assert!(e.message.contains("wrong type"), "{e}");
    let e = err(&rsa_config().replace("      audiences: [api://default]\n", ""));
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].audiences"));
    assert!(e.message.contains("audiences: [\"*\"]"), "the opt-out is named: {e}");
    let e = err(&rsa_config().replace("      jwks:\n", "      leeway: 60\n      jwks:\n"));
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].leeway"));
    assert!(e.message.contains("duration"), "{e}");
}

#[test]
fn meaning_checks_name_the_field() {
    let cases = [
        ("algorithms: [none]", "authentication.providers[0].algorithms[0]", "never accepted"),
        ("algorithms: [RS265]", "authentication.providers[0].algorithms[0]", "did you mean `RS256`?"),
        ("maxLifetime: 0s", "authentication.providers[0].maxLifetime", "greater than 0"),
    ];
    for (line, path, text) in cases {
        let e = err(&config(&DevKey::jwks(&[&RSA]), line, ""));
        assert_eq!(e.path.as_deref(), Some(path), "{e}");
        assert!(e.message.contains(text), "{e}");
    }
    let e = err("authentication:\n  providers:\n    - issuer: x\n      audiences: ['*']\n      jwks: {url: 'http://idp.example.com/keys'}\n");
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].jwks.url"));
    assert!(e.message.contains("allowHttp"), "{e}");
    let e = err("authentication:\n  providers:\n    - issuer: x\n      audiences: ['*']\n      jwks: {file: a.json, url: 'https://x/k'}\n");
    assert!(e.message.contains("exactly one key source"), "{e}");
    let e = err(&format!("{}limits:\n  maxTokenSize: 0\n", rsa_config()));
    assert_eq!(e.path.as_deref(), Some("limits.maxTokenSize"));
}

#[test]
fn hmac_algorithms_need_a_local_secret() {
    let e = err("authentication:\n  providers:\n    - issuer: https://x\n      audiences: [a]\n      algorithms: [RS256, HS256]\n      jwks: {url: 'https://x/keys'}\n");
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].algorithms[1]"), "{e}");
    assert!(e.message.contains("shared secret"), "{e}");
}

#[test]
fn syntax_errors_give_line_and_column() {
    let e = err("authentication:\n  mode: [strict\n");
    assert_eq!(e.kind, ConfigErrorKind::Syntax);
    assert!(e.line.is_some(), "{e:?}");
    let e = err("{\"authentication\": {\"mode\": }}");
    assert_eq!(e.kind, ConfigErrorKind::Syntax);
    assert_eq!(e.line, Some(1));
    assert!(e.column.is_some());
}

#[test]
fn json_and_yaml_configs_are_the_same_config() {
    let yaml = rsa_config();
    let json_cfg = json!({
        "authentication": {"providers": [{"name": "okta", "issuer": ISSUER, "audiences": [AUDIENCE], "jwks": {"inline": DevKey::jwks(&[&RSA])}}]}
    })
    .to_string();
    let t = sign(&RSA, &claims());
    assert_decision(&bearer(&engine(&yaml), &t), 200, "allowed");
    assert_decision(&bearer(&engine(&json_cfg), &t), 200, "allowed");
}

#[test]
fn bad_keys_are_skipped_with_a_warning_and_no_usable_key_fails_the_load() {
    let weak = json!({"kty": "RSA", "kid": "weak", "n": "AQAB", "e": "AQAB"});
    let enc = { let mut k = RSA_OTHER.public_jwk(); k["use"] = json!("enc"); k };
    let ops = { let mut k = EC.public_jwk(); k["key_ops"] = json!(["encrypt"]); k };
    let mut set = DevKey::jwks(&[&RSA]);
    set["keys"].as_array_mut().unwrap().extend([weak, enc, ops, json!("not a key")]);
    let e = engine(&config(&set, "", ""));
    let warnings = e.warnings();
    assert_eq!(warnings.len(), 4, "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("too small")), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("`use` is `enc`")), "{warnings:#?}");
    assert!(warnings.iter().any(|w| w.contains("key_ops")), "{warnings:#?}");
    assert!(warnings[0].starts_with("authentication.providers[0].jwks.inline"), "{warnings:#?}");
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
    // The enc key's kid is never used, even for a token signed with it.
    assert_decision(&bearer(&e, &sign(&RSA_OTHER, &claims())), 401, "unknown_key");

    let only_bad = json!({"keys": [{"kty": "RSA", "kid": "weak", "n": "AQAB", "e": "AQAB"}]});
    let err = Engine::new(&config(&only_bad, "", "")).unwrap_err();
    assert_eq!(err.kind, ConfigErrorKind::Keys);
    assert!(err.message.contains("no usable key"), "{err}");
}

#[test]
fn key_choice_without_kid_needs_exactly_one_fitting_key() {
    let claims = claims();
    let no_kid = |k: &DevKey| {
        let header = serde_json::to_vec(&json!({"alg": k.algorithm().name()})).unwrap();
        k.sign_raw(&header, &serde_json::to_vec(&claims).unwrap()).unwrap()
    };
    // One RSA and one EC key: an RS256 token without kid has one candidate.
    let e = engine(&config(&DevKey::jwks(&[&RSA, &EC]), "", ""));
    assert_decision(&bearer(&e, &no_kid(&RSA)), 200, "allowed");
    assert_decision(&bearer(&e, &no_kid(&EC)), 200, "allowed");
    // Two RSA keys: refused, never tried one after another.
    let e = engine(&config(&DevKey::jwks(&[&RSA, &RSA_OTHER]), "", ""));
    assert_decision(&bearer(&e, &no_kid(&RSA)), 401, "unknown_key");
}

#[test]
fn hmac_needs_an_explicit_algorithm_and_an_oct_key() {
    let secret = DevKey::generate(claimcheck::dev::Algorithm::HS256, "hs").unwrap();
    let set = DevKey::jwks(&[&secret]);
    // Without `algorithms: [HS256]` the only key fits nothing: load fails.
    assert_eq!(Engine::new(&config(&set, "", "")).unwrap_err().kind, ConfigErrorKind::Keys);
    let e = engine(&config(&set, "algorithms: [HS256]", ""));
    assert_decision(&bearer(&e, &sign(&secret, &claims())), 200, "allowed");
}

#[test]
fn every_asymmetric_algorithm_verifies_including_es512_and_eddsa() {
    use claimcheck::dev::Algorithm::*;
    for alg in [RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA] {
        let k = DevKey::generate(alg, "k").unwrap();
        let e = engine(&config(&DevKey::jwks(&[&k]), "", ""));
        assert_decision(&bearer(&e, &sign(&k, &claims())), 200, "allowed");
        // The JWK's own alg binds the key: the same key under another alg fails.
        let mut jwk = k.public_jwk();
        jwk["alg"] = json!(if alg == RS256 { "PS256" } else { "RS256" });
        if let Ok(e2) = Engine::new(&config(&json!({"keys": [jwk]}), "", "")) {
            assert_ne!(bearer(&e2, &sign(&k, &claims())).status, 200, "{alg}");
        }
    }
}

#[test]
fn agentgateway_jwt_auth_single_provider_loads_with_optional_default() {
    let cfg = format!(
        "policies:\n  jwtAuth:\n    issuer: {ISSUER}\n    audiences: [{AUDIENCE}]\n    jwks: '{}'\n  authorization:\n    rules:\n    - '\"AI-Users\" in jwt.groups'\n",
        jwks()
    );
    let e = engine(&cfg);
    // jwtAuth keeps agentgateway's default: optional.
    assert_decision(&no_token(&e), 401, "no_rule_allowed");
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");
}

#[test]
fn agentgateway_providers_shape_location_and_validation_options() {
    let dir = std::env::temp_dir().join(format!("claimcheck-agw-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("keys.json"), jwks()).unwrap();
    let cfg = format!(
        "policies:\n  jwtAuth:\n    mode: strict\n    location:\n      header: {{name: x-token}}\n    providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks: {{file: keys.json}}\n      jwtValidationOptions:\n        requiredClaims: [exp, sub]\n  mcpAuthorization:\n    rules:\n    - 'mcp.tool.name == \"echo\"'\n"
    );
    std::fs::write(dir.join("config.yaml"), &cfg).unwrap();
    let e = Engine::from_file(dir.join("config.yaml")).unwrap();
    let t = sign(&RSA, &claims());
    let headers = [("X-Token", t.as_str())];
    let attrs = [claimcheck::Attribute { name: "mcp.tool.name", value: claimcheck::AttributeValue::Str("echo") }];
    let req = claimcheck::Request { headers: &headers, attributes: &attrs, ..Default::default() };
    assert_decision(&e.authorize_at(&req, NOW).unwrap(), 200, "allowed");
    assert_decision(&no_token(&e), 401, "missing_token");
    let no_sub = sign(&RSA, &claims_with(json!({"sub": null})));
    let headers = [("x-token", no_sub.as_str())];
    let req = claimcheck::Request { headers: &headers, attributes: &attrs, ..Default::default() };
    assert_decision(&e.authorize_at(&req, NOW).unwrap(), 401, "invalid_claim");
}

#[test]
fn agentgateway_mcp_authentication_is_strict_and_warns_about_unused_fields() {
    let cfg = format!(
        "policies:\n  mcpAuthentication:\n    issuer: {ISSUER}\n    audiences: [{AUDIENCE}]\n    jwks: '{}'\n    provider:\n      keycloak: {{}}\n    resourceMetadata:\n      resource: http://localhost:3000/mcp\n      scopesSupported: [read]\n",
        jwks()
    );
    let e = engine(&cfg);
    let d = no_token(&e);
    assert_decision(&d, 401, "missing_token");
    assert_eq!(
        d.www_authenticate.as_deref(),
        Some("Bearer realm=\"claimcheck\", resource_metadata=\"http://localhost:3000/.well-known/oauth-protected-resource/mcp\"")
    );
    let w = e.warnings();
    assert!(w.iter().any(|w| w.contains("mcpAuthentication.provider")), "{w:#?}");
    assert!(w.iter().any(|w| w.contains("mcpAuthentication.resourceMetadata")), "{w:#?}");
}

#[test]
fn agentgateway_errors_point_at_the_policy_block() {
    let e = err(&format!("policies:\n  jwtAuth:\n    issuer: ''\n    audiences: [a]\n    jwks: '{}'\n", jwks()));
    assert_eq!(e.path.as_deref(), Some("policies.jwtAuth.issuer"), "{e}");
    let e = err("policies:\n  jwtAuht: {}\n");
    assert!(e.message.contains("did you mean `jwtAuth`?"), "{e}");
    let e = err(&format!("policies:\n  jwtAuth:\n    issuer: {ISSUER}\n    audiences: [a]\n    jwks: '{}'\n    mode: strcit\n", jwks()));
    assert_eq!(e.path.as_deref(), Some("policies.jwtAuth.mode"), "{e}");
}

/// agentgateway accepts a provider without `audiences` for any audience;
/// so does its `policies:` block here, with a warning saying how to
/// restrict it (native configs keep requiring `audiences`).
#[test]
fn agentgateway_providers_without_audiences_load_for_any_audience_with_a_warning() {
    let e = engine(&format!("policies:\n  jwtAuth:\n    mode: strict\n    issuer: {ISSUER}\n    jwks: '{}'\n", jwks()));
    assert_eq!(
        e.warnings(),
        ["policies.jwtAuth: no `audiences`, so tokens meant for any service are accepted, as agentgateway does; add `audiences: [<this API's audience>]` to restrict it (`claimcheck check --strict` fails on this)"]
    );
    assert_decision(&bearer(&e, &sign(&RSA, &claims_with(json!({"aud": "some-other-api"})))), 200, "allowed");
    let e = err(&rsa_config().replace("      audiences: [api://default]\n", ""));
    assert_eq!(e.path.as_deref(), Some("authentication.providers[0].audiences"), "{e}");
}
