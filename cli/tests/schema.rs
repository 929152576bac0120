//! `claimcheck schema`: a JSON Schema that real configs satisfy and
//! mistakes violate, checked with a JSON Schema validator.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use serde_json::{json, Value};

fn schema() -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_claimcheck")).arg("schema").output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn yaml(path: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf();
    serde_saphyr::from_str(&std::fs::read_to_string(root.join(path)).unwrap()).unwrap()
}

#[test]
fn example_configs_satisfy_the_schema_and_mistakes_do_not() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    for example in ["examples/okta/config.yaml", "examples/okta/config-rules.yaml"] {
        let doc = yaml(example);
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{example}: {errors:#?}");
    }
    let misspelt = json!({"authentication": {"providers": [{"issuer": "x", "audiense": ["a"], "jwks": {"file": "k.json"}}]}});
    assert!(!validator.is_valid(&misspelt));
    let bad_mode = json!({"authentication": {"mode": "strcit"}});
    assert!(!validator.is_valid(&bad_mode));
    let bad_duration = json!({"authentication": {"providers": [{"issuer": "x", "audiences": ["a"], "leeway": "soon", "jwks": {"file": "k"}}]}});
    assert!(!validator.is_valid(&bad_duration));
    let rules = json!({"authorization": {"rules": ["true", {"deny": "false"}, {"if": "true"}, {"require": "true"}]}});
    assert!(validator.is_valid(&rules));
    let bad_rule = json!({"authorization": {"rules": [{"permit": "true"}]}});
    assert!(!validator.is_valid(&bad_rule));
}

#[test]
fn the_schema_covers_idp_presets_and_the_claim_views() {
    let validator = jsonschema::validator_for(&schema()).unwrap();
    let presets = json!({"authentication": {"providers": [
        {"okta": {"domain": "dev.okta.com", "authorizationServer": "default"}, "audiences": ["api://default"]},
        {"keycloak": {"url": "https://kc.example.com", "realm": "ai", "client": "gw"}, "audiences": ["gw"]},
        {"auth0": {"domain": "example.us.auth0.com"}, "audiences": ["https://api"], "rolesClaim": "https://example.com/roles"},
        {"entra": {"tenant": "organizations", "allowedTenants": ["72f988bf-86f1-41af-91ab-2d7cd011db47"], "version": 2}, "audiences": ["api://x"]},
        {"google": {}, "audiences": ["x.apps.googleusercontent.com"], "groupsClaim": [["org", "my.team"], "groups"]},
        {"issuer": "https://login.microsoftonline.com/{tenantid}/v2.0", "allowedTenants": ["t"], "typClaim": "Bearer", "audiences": ["a"], "jwks": {"url": "https://k"}}
    ]}});
    let errors: Vec<String> = validator.iter_errors(&presets).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    for bad in [
        json!({"authentication": {"providers": [{"okta": {"domian": "dev.okta.com"}, "audiences": ["a"]}]}}),
        json!({"authentication": {"providers": [{"okta": {}, "audiences": ["a"]}]}}),
        json!({"authentication": {"providers": [{"keycloak": {"url": "https://kc"}, "audiences": ["a"]}]}}),
        json!({"authentication": {"providers": [{"google": {"hd": "x"}, "audiences": ["a"]}]}}),
        json!({"authentication": {"providers": [{"issuer": "x", "groupsClaim": 3, "audiences": ["a"], "jwks": {"url": "https://k"}}]}}),
    ] {
        assert!(!validator.is_valid(&bad), "{bad}");
    }
}
