//! Kubernetes resources as config: agentgateway's policy resources (both
//! API groups) with the AgentgatewayBackend and Service key hosts they
//! reference, and Gloo's ExtAuthPolicy / AuthConfig JWT validation. The
//! manifests people already have load unchanged, convert to the expected
//! native config, and decide signed tokens exactly as that native config
//! does (keys from a key server on 127.0.0.1); every error names the
//! document, the field path and what is wrong.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use claimcheck::dev::DevKey;
use claimcheck::test_hooks::{native_tree, parse_config};
use claimcheck::{ConfigErrorKind, Decision, Engine};
use common::keyserver::{KeyServer, Reply};
use common::*;
use serde_json::{json, Value};

fn example(name: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/kubernetes").join(name)).unwrap()
}

fn converted(text: &str) -> Value {
    native_tree(&parse_config(text).unwrap_or_else(|e| panic!("must load: {e}\n{text}")))
}

fn warnings(text: &str) -> Vec<String> {
    parse_config(text).unwrap().load_warnings
}

/// The error `text` is refused with: `(location, message)`. `Engine::new`
/// refuses it the same way.
#[track_caller]
fn refused(text: &str) -> (String, String) {
    let e = parse_config(text).expect_err("must be refused");
    assert_eq!(e.kind, ConfigErrorKind::Invalid, "{e}");
    assert_eq!(Engine::new(text).expect_err("the engine refuses it too"), e);
    (e.location().unwrap_or_default(), e.message)
}

/// The identity a decision carries: issuer, subject, provider.
type Who = Option<(String, Option<String>, String)>;

/// What a host sees of a decision.
fn seen(d: &Decision) -> (bool, u16, String, Option<String>, Who) {
    (
        d.allowed,
        d.status,
        d.reason.as_str().to_owned(),
        d.www_authenticate.clone(),
        d.identity.as_ref().map(|i| (i.issuer.clone(), i.subject.clone(), i.provider.to_string())),
    )
}

/// Both engines decide every token (and no token) alike.
#[track_caller]
fn decide_alike(translated: &Engine, native: &Engine, tokens: &[String]) {
    assert_eq!(seen(&no_token(translated)), seen(&no_token(native)), "no token");
    for t in tokens {
        assert_eq!(seen(&bearer(translated, t)), seen(&bearer(native, t)), "token {t}");
    }
}

/// Tokens for `issuer` that a provider accepts or refuses for different
/// reasons: valid, another audience, expired, another key, another issuer,
/// no `exp`.
fn tokens(issuer: &str, audience: &str) -> Vec<String> {
    let base = claims_with(json!({"iss": issuer, "aud": audience}));
    let with = |changes: Value| {
        let mut c = base.clone();
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    vec![
        sign(&RSA, &base),
        sign(&RSA, &with(json!({"aud": "another-api"}))),
        sign(&RSA, &with(json!({"exp": NOW as i64 - 3600}))),
        sign(&RSA_OTHER, &base),
        sign(&RSA, &with(json!({"iss": "https://elsewhere.example.com"}))),
        sign(&RSA, &with(json!({"exp": null}))),
    ]
}

// ---- the two manifests of the issue, as they are -------------------------

#[test]
fn the_okta_lab_manifests_load_as_they_are() {
    let text = example("okta-lab.yaml");
    assert_eq!(
        converted(&text),
        json!({"authentication": {"mode": "strict", "providers": [{
            "issuer": "https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698",
            "audiences": ["*"],
            "jwks": {"url": "https://integrator-7147223.okta.com:443/oauth2/aus104zseyg64swj3698/v1/keys"}
        }]}})
    );
    assert_eq!(
        warnings(&text),
        [
            "documents[1].spec.targetRefs: EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth` targets (Gateway `agentgateway`) are accepted and not acted on: the host decides where this engine applies",
            "documents[1].spec.traffic.jwtAuthentication.providers[0]: EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth` gives no `audiences`, so tokens meant for any service are accepted, as the source gateway does; add `audiences: [<this API's audience>]` to the provider to restrict it (`claimcheck check --strict` fails on this)",
        ]
    );
    let file = parse_config(&text).unwrap();
    assert_eq!(file.origin.shape.as_str(), "kubernetes");
    assert_eq!(
        file.origin.mapped,
        [
            "documents[1].spec.traffic.jwtAuthentication.mode (EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth`) -> authentication.mode strict",
            "documents[1].spec.traffic.jwtAuthentication.providers[0] (EnterpriseAgentgatewayPolicy `enterprise-agentgateway/okta-jwt-auth`) -> authentication.providers[0] (issuer `https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698`, keys `https://integrator-7147223.okta.com:443/oauth2/aus104zseyg64swj3698/v1/keys` via AgentgatewayBackend `enterprise-agentgateway/okta-jwks` (documents[0]))",
            "documents[0] (AgentgatewayBackend `enterprise-agentgateway/okta-jwks`) -> the key host `https://integrator-7147223.okta.com:443`",
        ]
    );
}

#[test]
fn the_keycloak_guide_manifest_loads_as_it_is() {
    let text = example("keycloak-guide.yaml");
    assert_eq!(
        converted(&text),
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
    assert_eq!(
        warnings(&text),
        [
            "documents[0].spec.targetRefs: AgentgatewayPolicy `agentgateway-system/jwt-auth-policy` targets (Gateway `agentgateway-proxy`) are accepted and not acted on: the host decides where this engine applies",
            "documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.remote: AgentgatewayPolicy `agentgateway-system/jwt-auth-policy` fetches its keys over plain HTTP from `http://keycloak.keycloak.svc.cluster.local:8080/realms/master/protocol/openid-connect/certs` (Service `keycloak/keycloak` port 8080), as the source gateway does inside the cluster; anyone on the network path can swap the keys and mint tokens; serve them over TLS and set the annotation `claimcheck.dev/service-scheme: https` on the policy (`claimcheck check --strict` fails on this)",
        ]
    );
}

/// The Okta lab's stream with its key host on a loopback key server (no
/// TLS: the engine trusts only the built-in roots for these resources).
#[test]
fn the_okta_lab_stream_decides_tokens_exactly_as_its_native_config() {
    let path = "/oauth2/aus104zseyg64swj3698/v1/keys";
    let server = KeyServer::http();
    server.set(path, Reply::Json(DevKey::jwks(&[&RSA])));
    let text = example("okta-lab.yaml")
        .replace("host: integrator-7147223.okta.com", "host: 127.0.0.1")
        .replace("port: 443", &format!("port: {}", server.addr.port()))
        .replace("  policies:\n    tls: {}\n", "");
    let issuer = "https://integrator-7147223.okta.com/oauth2/aus104zseyg64swj3698";
    let native = json!({"authentication": {"mode": "strict", "providers": [{
        "issuer": issuer,
        "audiences": ["*"],
        "jwks": {"url": server.url(path), "allowHttp": true}
    }]}});
    assert_eq!(converted(&text), native);
    let dir = std::env::temp_dir().join(format!("claimcheck-k8s-okta-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("okta.yaml"), &text).unwrap();
    let translated = Engine::from_file(dir.join("okta.yaml")).unwrap();
    let native = engine(&native.to_string());
    let tokens = tokens(issuer, "api://default");
    decide_alike(&translated, &native, &tokens);
    // Strict, and (as the lab has no audiences) any audience passes.
    assert_decision(&bearer(&translated, &tokens[0]), 200, "allowed");
    assert_decision(&bearer(&translated, &tokens[1]), 200, "allowed");
    assert_decision(&no_token(&translated), 401, "missing_token");
}

/// The JWT guide's Keycloak Service, reached through `kubectl
/// port-forward` on 127.0.0.1 (the `claimcheck.dev/service-host`
/// annotation).
#[test]
fn the_keycloak_guide_decides_tokens_exactly_as_its_native_config() {
    let path = "/realms/master/protocol/openid-connect/certs";
    let server = KeyServer::http();
    server.set(path, Reply::Json(DevKey::jwks(&[&RSA])));
    let text = example("keycloak-guide.yaml")
        .replace("port: 8080", &format!("port: {}", server.addr.port()))
        .replace(
            "  namespace: agentgateway-system\n",
            "  namespace: agentgateway-system\n  annotations:\n    claimcheck.dev/service-host: 127.0.0.1\n",
        );
    let issuer = "http://keycloak:8080/realms/master";
    let native = json!({"authentication": {"mode": "strict", "providers": [{
        "issuer": issuer,
        "audiences": ["my-application"],
        "jwks": {"url": server.url(path), "cacheDuration": "5m", "allowHttp": true}
    }]}});
    assert_eq!(converted(&text), native);
    let translated = engine(&text);
    let native = engine(&native.to_string());
    let tokens = tokens(issuer, "my-application");
    decide_alike(&translated, &native, &tokens);
    assert_decision(&bearer(&translated, &tokens[0]), 200, "allowed");
    assert_decision(&bearer(&translated, &tokens[1]), 401, "invalid_audience");
}

// ---- more of agentgateway's guide: inline keys, several providers, modes --

fn inline_jwks(keys: &[&DevKey]) -> String {
    serde_json::to_string(&DevKey::jwks(keys)).unwrap()
}

fn guide_policy(name: &str, mode: &str, providers: &str) -> String {
    format!(
        "apiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayPolicy\nmetadata:\n  name: {name}\n  namespace: agentgateway-system\nspec:\n  targetRefs:\n  - group: gateway.networking.k8s.io\n    kind: Gateway\n    name: agentgateway-proxy\n  traffic:\n    jwtAuthentication:\n      mode: {mode}\n      providers:\n{providers}"
    )
}

fn inline_provider(issuer: &str, audience: &str, keys: &[&DevKey]) -> String {
    format!("      - issuer: {issuer}\n        audiences: [{audience}]\n        jwks:\n          inline: '{}'\n", inline_jwks(keys))
}

#[test]
fn several_inline_providers_in_optional_mode_decide_as_the_native_config() {
    let providers = format!(
        "{}{}",
        inline_provider(ISSUER, AUDIENCE, &[&RSA]),
        inline_provider("https://second.example.com", "second-api", &[&EC])
    );
    let text = guide_policy("jwt", "Optional", &providers);
    let native = json!({"authentication": {"mode": "optional", "providers": [
        {"issuer": ISSUER, "audiences": [AUDIENCE], "jwks": {"inline": inline_jwks(&[&RSA])}},
        {"issuer": "https://second.example.com", "audiences": ["second-api"], "jwks": {"inline": inline_jwks(&[&EC])}}
    ]}});
    assert_eq!(converted(&text), native);
    let (translated, native) = (engine(&text), engine(&native.to_string()));
    let mut all = tokens(ISSUER, AUDIENCE);
    all.push(sign(&EC, &claims_with(json!({"iss": "https://second.example.com", "aud": "second-api"}))));
    all.push(sign(&EC, &claims_with(json!({"iss": ISSUER}))));
    decide_alike(&translated, &native, &all);
    assert_decision(&no_token(&translated), 200, "allowed");
    assert_decision(&bearer(&translated, &all[6]), 200, "allowed");
    assert_decision(&bearer(&translated, &all[7]), 401, "unknown_key");
}

#[test]
fn permissive_mode_decides_as_the_native_config() {
    let text = guide_policy("jwt", "Permissive", &inline_provider(ISSUER, AUDIENCE, &[&RSA]));
    let native = json!({"authentication": {"mode": "permissive", "providers": [
        {"issuer": ISSUER, "audiences": [AUDIENCE], "jwks": {"inline": inline_jwks(&[&RSA])}}
    ]}});
    assert_eq!(converted(&text), native);
    let (translated, native) = (engine(&text), engine(&native.to_string()));
    decide_alike(&translated, &native, &tokens(ISSUER, AUDIENCE));
    assert_decision(&bearer(&translated, &tokens(ISSUER, AUDIENCE)[2]), 200, "allowed");
}

#[test]
fn several_policies_merge_their_providers_and_conflicting_modes_name_both() {
    let a = guide_policy("a", "Strict", &inline_provider(ISSUER, AUDIENCE, &[&RSA]));
    let b = guide_policy("b", "Strict", &inline_provider("https://second.example.com", "second-api", &[&EC]));
    let text = format!("{a}---\n{b}");
    let tree = converted(&text);
    let issuers: Vec<&str> = tree["authentication"]["providers"].as_array().unwrap().iter().map(|p| p["issuer"].as_str().unwrap()).collect();
    assert_eq!(issuers, [ISSUER, "https://second.example.com"]);
    let e = engine(&text);
    assert_decision(&bearer(&e, &sign(&EC, &claims_with(json!({"iss": "https://second.example.com", "aud": "second-api"})))), 200, "allowed");
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");

    let b = guide_policy("b", "Optional", &inline_provider("https://second.example.com", "second-api", &[&EC]));
    assert_eq!(
        refused(&format!("{a}---\n{b}")),
        (
            "documents[1].spec.traffic.jwtAuthentication.mode".to_owned(),
            "mode `Optional` of AgentgatewayPolicy `agentgateway-system/b` conflicts with mode `Strict` of AgentgatewayPolicy `agentgateway-system/a` (documents[0]): one engine applies one mode; give both the same mode, or load them as separate configs".to_owned()
        )
    );
    // The same issuer in two policies: the second is named.
    let b = guide_policy("b", "Strict", &inline_provider(ISSUER, "other", &[&EC]));
    assert_eq!(
        refused(&format!("{a}---\n{b}")),
        (
            "documents[1].spec.traffic.jwtAuthentication.providers[0].issuer".to_owned(),
            format!("issuer `{ISSUER}` is configured twice; a token's `iss` must pick one provider")
        )
    );
}

#[test]
fn service_hosts_take_the_cluster_domain_and_scheme_from_annotations() {
    let text = example("keycloak-guide.yaml").replace(
        "  namespace: agentgateway-system\n",
        "  namespace: agentgateway-system\n  annotations:\n    claimcheck.dev/cluster-domain: corp.internal\n    claimcheck.dev/service-scheme: https\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n",
    );
    let tree = converted(&text);
    assert_eq!(
        tree["authentication"]["providers"][0]["jwks"],
        json!({"url": "https://keycloak.keycloak.svc.corp.internal:8080/realms/master/protocol/openid-connect/certs", "cacheDuration": "5m"})
    );
    // HTTPS: no plain-HTTP warning; the other annotation is not acted on.
    assert_eq!(warnings(&text)[0], "documents[0].metadata: `annotations` accepted and not acted on");
    assert_eq!(warnings(&text).len(), 2, "and the targetRefs");
    // Without a namespace, a Service reference is in the policy's namespace.
    let text = example("keycloak-guide.yaml").replace("              namespace: keycloak\n", "");
    assert_eq!(
        converted(&text)["authentication"]["providers"][0]["jwks"]["url"],
        "http://keycloak.agentgateway-system.svc.cluster.local:8080/realms/master/protocol/openid-connect/certs"
    );
}

#[test]
fn metadata_status_and_unused_backends_are_accepted_with_warnings() {
    let policy = guide_policy("jwt", "Strict", &inline_provider(ISSUER, AUDIENCE, &[&RSA])).replacen(
        "  namespace: agentgateway-system\n",
        "  namespace: agentgateway-system\n  labels: {app: gw}\n  uid: '1234'\n",
        1,
    );
    let text = format!(
        "{policy}status:\n  ancestors: []\n---\napiVersion: agentgateway.dev/v1alpha1\nkind: AgentgatewayBackend\nmetadata:\n  name: spare\nspec:\n  static: {{host: keys.example.com, port: 443}}\n"
    );
    assert_eq!(
        warnings(&text),
        [
            "documents[0].metadata: `labels`, `uid` accepted and not acted on",
            "documents[0].status: the status of AgentgatewayPolicy `agentgateway-system/jwt` is accepted and not acted on",
            "documents[0].spec.targetRefs: AgentgatewayPolicy `agentgateway-system/jwt` targets (Gateway `agentgateway-proxy`) are accepted and not acted on: the host decides where this engine applies",
            "documents[1]: AgentgatewayBackend `spare` is referenced by no policy in the file; it is not used",
        ]
    );
    engine(&text);
}

#[test]
fn native_errors_in_a_translated_resource_name_the_field_the_user_wrote() {
    let text = example("keycloak-guide.yaml").replace("cacheDuration: \"5m\"", "cacheDuration: \"soon\"");
    let (at, msg) = refused(&text);
    assert_eq!(at, "documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.remote.cacheDuration");
    assert!(msg.contains("`soon` is not a duration"), "{msg}");
    let text = example("keycloak-guide.yaml").replace("cacheDuration: \"5m\"", "cacheDuration: \"1s\"");
    let (at, msg) = refused(&text);
    assert_eq!(at, "documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.remote.cacheDuration");
    assert!(msg.contains("shorter than the floor of 10s"), "{msg}");
    let text = example("keycloak-guide.yaml").replace("audiences: [\"my-application\"]", "audiences: []");
    assert_eq!(
        refused(&text),
        (
            "documents[0].spec.traffic.jwtAuthentication.providers[0].audiences".to_owned(),
            "must name at least one audience, or `*`".to_owned()
        )
    );
    // A key set with no usable key, found when the engine builds.
    let text = guide_policy("jwt", "Strict", &inline_provider(ISSUER, AUDIENCE, &[]));
    let e = Engine::new(&text).unwrap_err();
    assert_eq!(e.location().as_deref(), Some("documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.inline"), "{e}");
}

// ---- errors: every case, with its message and location -------------------

const POLICY: &str = "apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayPolicy
metadata:
  name: jwt
  namespace: gw
spec:
  traffic:
    jwtAuthentication:
      mode: Strict
      providers:
      - issuer: https://idp.example.com
        audiences: [api]
        jwks:
          remote:
            jwksPath: /keys
            backendRef:
              kind: AgentgatewayBackend
              name: idp
";

const BACKEND: &str = "apiVersion: agentgateway.dev/v1alpha1
kind: AgentgatewayBackend
metadata:
  name: idp
  namespace: gw
spec:
  static:
    host: idp.example.com
    port: 443
  policies:
    tls: {}
";

fn stream(policy: &str, backend: &str) -> String {
    format!("{backend}---\n{policy}")
}

#[test]
fn the_base_stream_of_the_error_cases_loads() {
    let tree = converted(&stream(POLICY, BACKEND));
    assert_eq!(tree["authentication"]["providers"][0]["jwks"], json!({"url": "https://idp.example.com:443/keys"}));
}

#[test]
fn unknown_kinds_groups_and_versions_name_the_document_kind_and_field() {
    let cases: [(String, &str, &str); 8] = [
        (
            stream(&POLICY.replace("kind: AgentgatewayPolicy", "kind: AgentGatewayPolicy"), BACKEND),
            "documents[1].kind",
            "unknown kind `AgentGatewayPolicy` in `agentgateway.dev/v1alpha1`; did you mean `AgentgatewayPolicy`?",
        ),
        (
            stream(&POLICY.replace("kind: AgentgatewayPolicy", "kind: HTTPRoute"), BACKEND),
            "documents[1].kind",
            "unknown kind `HTTPRoute` in `agentgateway.dev/v1alpha1`; `agentgateway.dev` has `AgentgatewayPolicy`, `AgentgatewayBackend`",
        ),
        (
            stream(POLICY, &BACKEND.replace("agentgateway.dev/v1alpha1", "agentgateway.dev/v1")),
            "documents[0].apiVersion",
            "`agentgateway.dev/v1` is not a version of `AgentgatewayBackend` this engine reads; did you mean `agentgateway.dev/v1alpha1`?",
        ),
        (
            stream(&POLICY.replace("kind: AgentgatewayPolicy", "kind: EnterpriseAgentgatewayPolicy"), BACKEND),
            "documents[1].apiVersion",
            "kind `EnterpriseAgentgatewayPolicy` is in `enterpriseagentgateway.solo.io/v1alpha1`, not `agentgateway.dev/v1alpha1`; did you mean `enterpriseagentgateway.solo.io/v1alpha1`?",
        ),
        (
            stream(&POLICY.replace("apiVersion: agentgateway.dev/v1alpha1", "apiVersion: agentgateway.io/v1alpha1").replace("kind: AgentgatewayPolicy", "kind: Policy"), BACKEND),
            "documents[1].apiVersion",
            "unknown API group `agentgateway.io` (apiVersion `agentgateway.io/v1alpha1`, kind `Policy`); did you mean `agentgateway.dev`?; this engine reads agentgateway.dev/v1alpha1 AgentgatewayPolicy, agentgateway.dev/v1alpha1 AgentgatewayBackend, enterpriseagentgateway.solo.io/v1alpha1 EnterpriseAgentgatewayPolicy, security.policy.gloo.solo.io/v2 ExtAuthPolicy, enterprise.gloo.solo.io/v1 AuthConfig",
        ),
        (
            format!("{POLICY}---\napiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\n"),
            "documents[1].apiVersion",
            "unknown API group `` (apiVersion `v1`, kind `Secret`); this engine reads agentgateway.dev/v1alpha1 AgentgatewayPolicy, agentgateway.dev/v1alpha1 AgentgatewayBackend, enterpriseagentgateway.solo.io/v1alpha1 EnterpriseAgentgatewayPolicy, security.policy.gloo.solo.io/v2 ExtAuthPolicy, enterprise.gloo.solo.io/v1 AuthConfig",
        ),
        (
            format!("{BACKEND}---\nkind: AgentgatewayPolicy\nspec: {{}}\n"),
            "documents[1].apiVersion",
            "missing required field `apiVersion`: every document of a stream of Kubernetes resources has `apiVersion` and `kind`",
        ),
        (
            format!("{BACKEND}---\n- a list\n"),
            "documents[1]",
            "wrong type: expected a Kubernetes resource (a map with `apiVersion` and `kind`)",
        ),
    ];
    for (text, at, message) in cases {
        assert_eq!(refused(&text), (at.to_owned(), message.to_owned()), "{text}");
    }
}

#[test]
fn fields_we_do_not_support_are_errors_that_say_so() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            stream(&POLICY.replace("    jwtAuthentication:\n", "    cors:\n      allowOrigins: ['*']\n    jwtAuthentication:\n"), BACKEND),
            "documents[1].spec.traffic.cors",
            "`cors` is not supported: a traffic policy this engine does not apply; only `jwtAuthentication` is read (the gateway keeps applying the others: give claimcheck a file without them, or write rules in a native config)",
        ),
        (
            stream(&POLICY.replace("    jwtAuthentication:\n", "    authorization:\n      action: Allow\n    jwtAuthentication:\n"), BACKEND),
            "documents[1].spec.traffic.authorization",
            "`authorization` is not supported: a traffic policy this engine does not apply; only `jwtAuthentication` is read (the gateway keeps applying the others: give claimcheck a file without them, or write rules in a native config)",
        ),
        (
            stream(&POLICY.replace("    jwtAuthentication:\n", "    jwtAuthentcation:\n"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentcation",
            "unknown field `jwtAuthentcation`; did you mean `jwtAuthentication`?",
        ),
        (
            stream(&POLICY.replace("spec:\n", "spec:\n  backend:\n    http: {}\n"), BACKEND),
            "documents[1].spec.backend",
            "`backend` is not supported: this engine reads only `spec.traffic.jwtAuthentication` of a policy (the gateway keeps applying the rest)",
        ),
        (
            stream(&POLICY.replace("        audiences: [api]\n", "        audiences: [api]\n        claimsToHeaders: []\n"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].claimsToHeaders",
            "unknown field `claimsToHeaders`; expected one of `issuer`, `audiences`, `jwks`",
        ),
        (
            stream(&POLICY.replace("mode: Strict", "mode: strict"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.mode",
            "unknown value `strict`; did you mean `Strict`?",
        ),
        (
            stream(&POLICY.replace("          remote:\n", "          inline: '{}'\n          remote:\n"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks",
            "has `inline` and `remote`; give exactly one key source",
        ),
        (
            stream(&POLICY.replace("      providers:\n", "      providerz:\n"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providerz",
            "unknown field `providerz`; did you mean `providers`?",
        ),
        (
            stream(POLICY, &BACKEND.replace("  static:\n    host: idp.example.com\n    port: 443\n", "  ai:\n    provider: {openai: {}}\n")),
            "documents[0].spec.ai",
            "`ai` is not supported: only a static host (`spec.static`) can serve keys to this engine",
        ),
        (
            stream(POLICY, &BACKEND.replace("tls: {}", "tls: {sni: idp.example.com}")),
            "documents[0].spec.policies.tls.sni",
            "`sni` is not supported: keys are fetched over HTTPS checked against the built-in roots by host name (for a private CA, convert to a native config and set `jwks.caFile`)",
        ),
        (
            stream(POLICY, &BACKEND.replace("    tls: {}\n", "    tls: {}\n    http: {}\n")),
            "documents[0].spec.policies.http",
            "`http` is not supported: only `tls` (HTTPS to the host) is read from a key host's policies",
        ),
        (
            stream(&POLICY.replace("  namespace: gw\n", "  namespace: gw\n  annotations:\n    claimcheck.dev/clusterdomain: x\n"), BACKEND),
            "documents[1].metadata.annotations.claimcheck.dev/clusterdomain",
            "unknown annotation `claimcheck.dev/clusterdomain`; did you mean `claimcheck.dev/cluster-domain`?",
        ),
        (
            format!("{POLICY}extra: 1\n"),
            "documents[0].extra",
            "unknown field `extra`; expected one of `apiVersion`, `kind`, `metadata`, `spec`, `status`",
        ),
        (
            format!("{BACKEND}---\n{BACKEND}---\n{POLICY}"),
            "documents[1].metadata.name",
            "AgentgatewayBackend `gw/idp` is defined twice (documents[0] and documents[1])",
        ),
        (
            "authentication:\n  providers: []\n---\nauthorization: {}\n".to_owned(),
            "documents[1]",
            "a config is one document; several YAML documents (`---`) are read as a stream of Kubernetes resources, each with `apiVersion` and `kind`",
        ),
    ];
    for (text, at, message) in cases {
        assert_eq!(refused(&text), (at.to_owned(), message.to_owned()), "{text}");
    }
}

#[test]
fn backend_references_resolve_within_the_stream_or_name_what_is_missing() {
    let cases: Vec<(String, &str, &str)> = vec![
        (
            POLICY.to_owned(),
            "documents[0].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef",
            "references AgentgatewayBackend `gw/idp`, which the file does not hold; add that resource to the stream",
        ),
        (
            stream(POLICY, &BACKEND.replace("namespace: gw", "namespace: other")),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef",
            "references AgentgatewayBackend `gw/idp`, which the file does not hold; add that resource to the stream (documents[0] is an AgentgatewayBackend `idp` in namespace `other`)",
        ),
        (
            stream(&POLICY.replace("              name: idp\n", "              name: idp\n              port: 8443\n"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef.port",
            "port 8443 differs from the port 443 of AgentgatewayBackend `gw/idp` (documents[0])",
        ),
        (
            stream(&POLICY.replace("kind: AgentgatewayBackend", "kind: Backend"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef.kind",
            "backendRef kind `Backend` is not supported: the keys' host is a `Service` or an `AgentgatewayBackend`",
        ),
        (
            stream(&POLICY.replace("kind: AgentgatewayBackend", "kind: Service"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef.port",
            "missing required field `port`: a Service reference needs the port",
        ),
        (
            stream(&POLICY.replace("kind: AgentgatewayBackend", "kind: Service\n              group: apps"), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.backendRef.group",
            "a `Service` is in the core group (`group: \"\"`), not `apps`",
        ),
        (
            stream(&POLICY.replace("            jwksPath: /keys\n", ""), BACKEND),
            "documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote.jwksPath",
            "missing required field `jwksPath`",
        ),
        (
            stream(
                &POLICY
                    .replace("kind: AgentgatewayBackend", "kind: Service\n              port: 80")
                    .replace("  namespace: gw\n", "  namespace: gw\n  annotations:\n    claimcheck.dev/service-scheme: ftp\n"),
                BACKEND,
            ),
            "documents[1].metadata.annotations.claimcheck.dev/service-scheme",
            "`ftp` is no scheme; write `http` or `https`",
        ),
    ];
    for (text, at, message) in cases {
        assert_eq!(refused(&text), (at.to_owned(), message.to_owned()), "{text}");
    }
    // A backend without TLS is plain HTTP: loaded with a warning.
    let text = stream(POLICY, &BACKEND.replace("  policies:\n    tls: {}\n", ""));
    assert_eq!(converted(&text)["authentication"]["providers"][0]["jwks"], json!({"url": "http://idp.example.com:443/keys", "allowHttp": true}));
    assert_eq!(
        warnings(&text),
        ["documents[1].spec.traffic.jwtAuthentication.providers[0].jwks.remote: AgentgatewayPolicy `gw/jwt` fetches its keys over plain HTTP from `http://idp.example.com:443/keys` (AgentgatewayBackend `gw/idp` (documents[0])), as the source gateway does inside the cluster; anyone on the network path can swap the keys and mint tokens; reach the host over TLS (`spec.policies.tls: {}` on the AgentgatewayBackend) (`claimcheck check --strict` fails on this)"]
    );
}

// ---- Gloo ----------------------------------------------------------------

fn ext_auth_policy(jwt: &str) -> String {
    format!(
        "apiVersion: security.policy.gloo.solo.io/v2\nkind: ExtAuthPolicy\nmetadata:\n  name: jwt\n  namespace: gloo\nspec:\n  applyToRoutes:\n  - route:\n      labels: {{route: mcp}}\n  config:\n    server:\n      name: ext-auth-server\n      namespace: gloo\n    glooAuth:\n      configs:\n      - oauth2:\n          accessTokenValidation:\n{jwt}"
    )
}

fn auth_config(config: &str) -> String {
    format!("apiVersion: enterprise.gloo.solo.io/v1\nkind: AuthConfig\nmetadata:\n  name: jwt\n  namespace: gloo-system\nspec:\n  configs:\n{config}")
}

#[test]
fn a_gloo_ext_auth_policy_with_remote_keys_decides_as_its_native_config() {
    let server = KeyServer::http();
    server.set("/keys", Reply::Json(DevKey::jwks(&[&RSA])));
    let text = ext_auth_policy(&format!(
        "            jwt:\n              remoteJwks:\n                url: {}\n                refreshInterval: 1m\n              issuer: {ISSUER}\n",
        server.url("/keys")
    ));
    let native = json!({"authentication": {"mode": "strict", "providers": [{
        "issuer": ISSUER, "audiences": ["*"], "jwks": {"url": server.url("/keys"), "cacheDuration": "1m", "allowHttp": true}
    }]}});
    assert_eq!(converted(&text), native);
    assert_eq!(
        warnings(&text),
        [
            "documents[0].spec.applyToRoutes: ExtAuthPolicy `gloo/jwt` route selection is accepted and not acted on: the host decides where this engine applies",
            "documents[0].spec.config.server: the ext auth server reference is accepted and not acted on: this engine validates the tokens itself",
            "documents[0].spec.config.glooAuth.configs[0].oauth2.accessTokenValidation.jwt: ExtAuthPolicy `gloo/jwt` gives no `audiences`, so tokens meant for any service are accepted, as the source gateway does; Gloo has no audience setting: convert the file (`claimcheck convert`) and add `audiences` to the provider to restrict it (`claimcheck check --strict` fails on this)",
            &format!("documents[0].spec.config.glooAuth.configs[0].oauth2.accessTokenValidation.jwt.remoteJwks.url: ExtAuthPolicy `gloo/jwt` fetches its keys over plain HTTP from `{}`, as the source gateway does inside the cluster; anyone on the network path can swap the keys and mint tokens; serve the keys over HTTPS (`claimcheck check --strict` fails on this)", server.url("/keys")),
        ]
    );
    let (translated, native) = (engine(&text), engine(&native.to_string()));
    decide_alike(&translated, &native, &tokens(ISSUER, AUDIENCE));
}

#[test]
fn a_gloo_auth_config_with_inline_keys_and_required_scopes_decides_as_its_native_config() {
    let text = auth_config(&format!(
        "  - name: jwt\n    oauth2:\n      accessTokenValidation:\n        jwt:\n          localJwks:\n            inlineString: '{}'\n          issuer: {ISSUER}\n        requiredScopes:\n          scope: [mcp:read]\n",
        inline_jwks(&[&RSA])
    ));
    let native = json!({
        "authentication": {"mode": "strict", "providers": [{"issuer": ISSUER, "audiences": ["*"], "jwks": {"inline": inline_jwks(&[&RSA])}}]},
        "authorization": {"rules": [{"require": "\"mcp:read\" in auth.scopes"}]}
    });
    assert_eq!(converted(&text), native);
    let (translated, native) = (engine(&text), engine(&native.to_string()));
    let mut all = tokens(ISSUER, AUDIENCE);
    all.push(sign(&RSA, &claims_with(json!({"scp": ["openid"]}))));
    decide_alike(&translated, &native, &all);
    assert_decision(&bearer(&translated, &all[0]), 200, "allowed");
    assert_decision(&bearer(&translated, &all[6]), 403, "required_rule_failed");
    // An error in the rule points at the scope the user wrote.
    let file = parse_config(&text).unwrap();
    assert_eq!(file.origin.paths.user_path("authorization.rules[0]"), "documents[0].spec.configs[0].oauth2.accessTokenValidation.requiredScopes.scope[0]");
}

#[test]
fn other_gloo_auth_kinds_are_not_supported_and_say_which_field() {
    let jwt = format!("            jwt:\n              localJwks: {{inlineString: '{{}}'}}\n              issuer: {ISSUER}\n");
    let cases: Vec<(String, &str, &str)> = vec![
        (
            auth_config("  - oauth2:\n      oidcAuthorizationCode:\n        appUrl: https://app.example.com\n"),
            "documents[0].spec.configs[0].oauth2.oidcAuthorizationCode",
            "`oidcAuthorizationCode` is not supported: the OIDC authorization code flow (browser login) is not run by this engine; it validates bearer access tokens",
        ),
        (
            auth_config("  - apiKeyAuth:\n      headerName: api-key\n"),
            "documents[0].spec.configs[0].apiKeyAuth",
            "`apiKeyAuth` is not supported: API key auth is not run by this engine; it validates JWT access tokens (`oauth2.accessTokenValidation.jwt`)",
        ),
        (
            auth_config("  - opaAuth:\n      query: data.test.allow == true\n"),
            "documents[0].spec.configs[0].opaAuth",
            "`opaAuth` is not supported: OPA policies is not run by this engine; it validates JWT access tokens (`oauth2.accessTokenValidation.jwt`)",
        ),
        (
            auth_config("  - oauth2:\n      accessTokenValidation:\n        introspectionUrl: https://idp.example.com/introspect\n"),
            "documents[0].spec.configs[0].oauth2.accessTokenValidation.introspectionUrl",
            "`introspectionUrl` is not supported: token introspection is not run by this engine; it validates JWTs with the IdP's keys",
        ),
        (
            auth_config("  - oauth2:\n      accessTokenValidation:\n        jwt:\n          remoteJwks: {url: https://idp.example.com/keys}\n"),
            "documents[0].spec.configs[0].oauth2.accessTokenValidation.jwt.issuer",
            "missing required field `issuer`: Gloo skips the issuer check without it, but this engine picks the provider by the token's `iss`",
        ),
        (
            auth_config("  - apiKeyAuth: {}\n  - basicAuth: {}\n"),
            "documents[0].spec.configs[1]",
            "Gloo runs the configs of one resource in sequence and all must pass; this engine takes one JWT check per resource: keep one config, or put each provider in its own resource",
        ),
        (
            auth_config("  - oauth2: {}\n").replace("spec:\n", "spec:\n  booleanExpr: a && b\n"),
            "documents[0].spec.booleanExpr",
            "`booleanExpr` is not supported: this engine runs one JWT check per resource; combine checks with rules in a native config",
        ),
        (
            ext_auth_policy(&jwt).replace("    server:\n", "    customAuth: {}\n    server:\n"),
            "documents[0].spec.config.customAuth",
            "`customAuth` is not supported: a custom auth server is not run by this engine",
        ),
        (
            ext_auth_policy(&jwt.replace("localJwks", "localJwk")),
            "documents[0].spec.config.glooAuth.configs[0].oauth2.accessTokenValidation.jwt.localJwk",
            "unknown field `localJwk`; did you mean `localJwks`?",
        ),
    ];
    for (text, at, message) in cases {
        assert_eq!(refused(&text), (at.to_owned(), message.to_owned()), "{text}");
    }
}

#[test]
fn kubernetes_and_gloo_resources_in_one_stream_share_the_mode() {
    let gloo = auth_config(&format!(
        "  - oauth2:\n      accessTokenValidation:\n        jwt:\n          localJwks: {{inlineString: '{}'}}\n          issuer: https://gloo.example.com\n",
        inline_jwks(&[&EC])
    ));
    let strict = guide_policy("a", "Strict", &inline_provider(ISSUER, AUDIENCE, &[&RSA]));
    let e = engine(&format!("{strict}---\n{gloo}"));
    assert_decision(&bearer(&e, &sign(&EC, &claims_with(json!({"iss": "https://gloo.example.com"})))), 200, "allowed");
    let optional = guide_policy("a", "Optional", &inline_provider(ISSUER, AUDIENCE, &[&RSA]));
    assert_eq!(
        refused(&format!("{optional}---\n{gloo}")),
        (
            "documents[1].spec".to_owned(),
            "mode `Strict` of AuthConfig `gloo-system/jwt` conflicts with mode `Optional` of AgentgatewayPolicy `agentgateway-system/a` (documents[0]): one engine applies one mode; give both the same mode, or load them as separate configs".to_owned()
        )
    );
}
