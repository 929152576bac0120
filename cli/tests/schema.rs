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
