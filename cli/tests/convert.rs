//! `claimcheck convert` and what `claimcheck check` says about configs in
//! a foreign shape (Kubernetes resources, agentgateway `policies:`) or with
//! IdP presets: what was mapped, what was warned about (once, under the
//! path the user wrote), and `--strict` failing on those warnings.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::{json, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimcheck")).args(args).current_dir(repo()).env("NO_COLOR", "1").output().unwrap()
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn tmp(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("claimcheck-convert-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn convert_prints_the_native_config_of_kubernetes_resources_as_yaml_or_json() {
    let o = run(&["convert", "examples/kubernetes/okta-lab.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        "# claimcheck config converted from examples/kubernetes/okta-lab.yaml (kubernetes)
authentication:
  mode: strict
  providers:
  - issuer: https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698
    audiences:
    - \"*\"
    jwks:
      url: https://integrator-7147223.okta.com:443/oauth2/aus104zseyg64swj3698/v1/keys
"
    );
    // The warnings go to stderr, so the output can be saved as is.
    assert!(err(&o).contains("warning: documents[1].spec.traffic.jwtAuthentication.providers[0]: EnterpriseAgentgatewayPolicy"), "{}", err(&o));

    let o = run(&["convert", "--config", "examples/kubernetes/keycloak-guide.yaml", "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        v,
        json!({"authentication": {"mode": "strict", "providers": [{
            "issuer": "http://keycloak:8080/realms/master",
            "audiences": ["my-application"],
            "jwks": {
                "url": "http://keycloak.keycloak.svc.cluster.local:8080/realms/master/protocol/openid-connect/certs",
                "cacheDuration": "5m",
                "allowHttp": true
            }
        }]}})
    );
}

#[test]
fn the_converted_config_loads_and_converts_to_itself() {
    for example in ["examples/kubernetes/okta-lab.yaml", "examples/kubernetes/keycloak-guide.yaml", "examples/okta/config-rules.yaml"] {
        let first = out(&run(&["convert", example]));
        let saved = tmp(&format!("{}.yaml", example.replace('/', "_")), &first);
        let o = run(&["convert", saved.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(0), "{example}: {}", err(&o));
        let body = |text: &str| text.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(body(&out(&o)), body(&first), "{example}");
    }
}

#[test]
fn convert_expands_presets_and_refuses_what_does_not_load() {
    let cfg = tmp(
        "presets.yaml",
        "authentication:\n  providers:\n    - auth0: {domain: example.us.auth0.com}\n      audiences: ['https://api.example.com']\n",
    );
    let o = run(&["convert", cfg.to_str().unwrap(), "--json"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(
        v["authentication"]["providers"][0],
        json!({"issuer": "https://example.us.auth0.com/", "audiences": ["https://api.example.com"],
               "jwks": {"url": "https://example.us.auth0.com/.well-known/jwks.json"}, "groupsClaim": [], "rolesClaim": ["permissions"]})
    );
    let bad = tmp("bad.yaml", "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicyy\nspec: {}\n");
    let o = run(&["convert", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        err(&o),
        format!("{}: documents[0].kind: unknown kind `AgentgatewayPolicyy` in `agentgateway.dev/v1alpha1`; did you mean `AgentgatewayPolicy`?\n", bad.display())
    );
}

#[test]
fn check_lists_what_was_mapped_and_warned_and_strict_fails_on_the_warnings() {
    let o = run(&["check", "examples/kubernetes/okta-lab.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        "read as: kubernetes
mapped: documents[1].spec.traffic.jwtAuthentication.mode (EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth`) -> authentication.mode strict
mapped: documents[1].spec.traffic.jwtAuthentication.providers[0] (EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth`) -> authentication.providers[0] (issuer `https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698`, keys `https://integrator-7147223.okta.com:443/oauth2/aus104zseyg64swj3698/v1/keys` via AgentgatewayBackend `enterprise-agentgateway/okta-jwks` (documents[0]))
mapped: documents[0] (AgentgatewayBackend `enterprise-agentgateway/okta-jwks`) -> the key host `https://integrator-7147223.okta.com:443`
warning: documents[1].spec.targetRefs: EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth` targets (Gateway `agentgateway`) are accepted and not acted on: the host decides where this engine applies
warning: documents[1].spec.traffic.jwtAuthentication.providers[0]: EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth` gives no `audiences`, so tokens meant for any service are accepted, as the source gateway does; add `audiences: [<this API's audience>]` to the provider to restrict it (`claimcheck check --strict` fails on this)
ok: examples/kubernetes/okta-lab.yaml loads (2 warning(s))
"
    );
    for example in ["examples/kubernetes/okta-lab.yaml", "examples/kubernetes/keycloak-guide.yaml"] {
        assert_eq!(run(&["check", example, "--strict"]).status.code(), Some(1), "{example}");
    }
    let o = run(&["check", "examples/kubernetes/keycloak-guide.yaml", "--json"]);
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!(v["shape"], "kubernetes");
    assert_eq!(v["mapped"].as_array().unwrap().len(), 2);
    let warnings: Vec<&str> = v["warnings"].as_array().unwrap().iter().map(|w| w.as_str().unwrap()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:#?}");
    assert!(warnings[1].starts_with("documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.remote: AgentgatewayPolicy `agentgateway-system/jwt-auth-policy` fetches its keys over plain HTTP"), "{warnings:#?}");
    // Native configs are not mapped.
    let o = run(&["check", "examples/okta/config.yaml", "--json"]);
    let v: Value = serde_json::from_str(&out(&o)).unwrap();
    assert_eq!((v["shape"].clone(), v["mapped"].clone()), (json!("native"), json!([])));
}

/// One plain-HTTP loopback key URL in a `policies:` block is one warning,
/// naming the field the file has (it was two, the second naming
/// `authentication.providers[0].jwks`, which is not in the file).
#[test]
fn check_warns_once_about_a_loopback_key_url_of_a_policies_block_under_its_own_path() {
    for (block, at) in [
        ("    jwks:\n      url: http://127.0.0.1:7080/keys\n", "policies.jwtAuth.jwks.url"),
        ("    jwksUrl: http://127.0.0.1:7080/keys\n", "policies.jwtAuth.jwksUrl"),
        ("    jwks:\n      remote: {url: 'http://127.0.0.1:7080/keys'}\n", "policies.jwtAuth.jwks.remote.url"),
    ] {
        let cfg = tmp(
            "agw.yaml",
            &format!("policies:\n  jwtAuth:\n    issuer: http://127.0.0.1:7080\n    audiences: [api]\n{block}"),
        );
        let o = run(&["check", cfg.to_str().unwrap(), "--json"]);
        assert_eq!(o.status.code(), Some(0), "{}", err(&o));
        let v: Value = serde_json::from_str(&out(&o)).unwrap();
        assert_eq!(
            v["warnings"],
            json!([format!("{at}: plain-HTTP key URL `http://127.0.0.1:7080/keys` allowed because it is on loopback; anyone who can change the response can mint tokens")]),
            "{block}"
        );
        assert_eq!(
            v["mapped"],
            json!(["policies.jwtAuth -> authentication.mode optional (agentgateway's default for `jwtAuth`)", "policies.jwtAuth -> authentication.providers[0]"])
        );
    }
}

#[test]
fn check_lists_what_a_preset_expanded_to() {
    let cfg = tmp(
        "okta-preset.yaml",
        "authentication:\n  providers:\n    - okta: {domain: integrator-7147223.okta.com}\n      audiences: [api://default]\n",
    );
    let o = run(&["check", cfg.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    assert_eq!(
        out(&o),
        format!(
            "mapped: authentication.providers[0].okta -> issuer `https://integrator-7147223.okta.com/oauth2/default`, keys `https://integrator-7147223.okta.com/oauth2/default/v1/keys`, auth.groups from `groups`, auth.roles from nothing\nok: {} loads (0 warning(s))\n",
            cfg.display()
        )
    );
}
