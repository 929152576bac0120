//! Kubernetes resources as config: a YAML stream of agentgateway policy
//! resources (`agentgateway.dev/v1alpha1` `AgentgatewayPolicy`,
//! `enterpriseagentgateway.solo.io/v1alpha1`
//! `EnterpriseAgentgatewayPolicy`) with `spec.traffic.jwtAuthentication`,
//! the `AgentgatewayBackend` resources their key URLs reference, and Gloo's
//! `ExtAuthPolicy` / `AuthConfig` JWT access-token validation (see
//! [`super::gloo`]), translated into the native tree before the schema
//! applies, so there is one set of semantics.
//!
//! What the source gateway does is kept and said: a provider without
//! `audiences` accepts any audience, keys fetched over plain HTTP inside the
//! cluster are fetched that way; both are load warnings naming the
//! resource (`claimcheck check --strict` fails on them). `targetRefs`,
//! unused `metadata` and `status` are accepted with a warning: the host
//! decides where the engine applies. Anything else this engine does not
//! act on is an error that says so, never silently ignored.
//!
//! Paths name the document of the stream (`documents[1]`, counted from 0,
//! empty documents skipped) and the field inside it.

use serde_json::{json, Map, Value};

use super::error::{closest, ConfigError};
use super::origin::{Origin, Shape, Translated};

/// The resources this engine reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `agentgateway.dev/v1alpha1` `AgentgatewayPolicy`.
    AgentgatewayPolicy,
    /// `enterpriseagentgateway.solo.io/v1alpha1` `EnterpriseAgentgatewayPolicy`.
    EnterpriseAgentgatewayPolicy,
    /// `agentgateway.dev/v1alpha1` `AgentgatewayBackend`.
    AgentgatewayBackend,
    /// Gloo Mesh Gateway `security.policy.gloo.solo.io/v2` `ExtAuthPolicy`.
    ExtAuthPolicy,
    /// Gloo Edge `enterprise.gloo.solo.io/v1` `AuthConfig`.
    AuthConfig,
}

/// `(group, version, kind)` of every resource read.
const KINDS: [(&str, &str, &str, Kind); 5] = [
    ("agentgateway.dev", "v1alpha1", "AgentgatewayPolicy", Kind::AgentgatewayPolicy),
    ("agentgateway.dev", "v1alpha1", "AgentgatewayBackend", Kind::AgentgatewayBackend),
    ("enterpriseagentgateway.solo.io", "v1alpha1", "EnterpriseAgentgatewayPolicy", Kind::EnterpriseAgentgatewayPolicy),
    ("security.policy.gloo.solo.io", "v2", "ExtAuthPolicy", Kind::ExtAuthPolicy),
    ("enterprise.gloo.solo.io", "v1", "AuthConfig", Kind::AuthConfig),
];

/// The annotations read from a policy's `metadata.annotations`.
pub(crate) const CLUSTER_DOMAIN: &str = "claimcheck.dev/cluster-domain";
/// `http` (default) or `https`: how `Service` key hosts are reached.
pub(crate) const SERVICE_SCHEME: &str = "claimcheck.dev/service-scheme";
/// A host to reach every referenced `Service` at instead of its cluster DNS
/// name (`127.0.0.1` behind `kubectl port-forward`).
pub(crate) const SERVICE_HOST: &str = "claimcheck.dev/service-host";
const ANNOTATIONS: [&str; 3] = [CLUSTER_DOMAIN, SERVICE_SCHEME, SERVICE_HOST];

/// Whether the documents are Kubernetes resources (any has `apiVersion`
/// or `kind`, which a native config never has).
pub(crate) fn is_resource_stream(docs: &[Value]) -> bool {
    docs.iter().any(|d| d.as_object().is_some_and(|o| o.contains_key("apiVersion") || o.contains_key("kind")))
}

/// One resource of the stream.
pub(crate) struct Resource<'v> {
    pub index: usize,
    pub kind: Kind,
    pub kind_name: &'static str,
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// The `claimcheck.dev/` annotations.
    pub annotations: Map<String, Value>,
    pub spec: &'v Map<String, Value>,
}

impl Resource<'_> {
    /// `documents[i].<rest>`.
    pub(crate) fn path(&self, rest: &str) -> String {
        if rest.is_empty() {
            format!("documents[{}]", self.index)
        } else {
            format!("documents[{}].{rest}", self.index)
        }
    }

    /// `Kind \`namespace/name\``.
    pub(crate) fn describe(&self) -> String {
        let name = match (&self.namespace, &self.name) {
            (Some(ns), Some(n)) => format!("{ns}/{n}"),
            (None, Some(n)) => n.clone(),
            (_, None) => "(unnamed)".to_owned(),
        };
        format!("{} `{name}`", self.kind_name)
    }
}

pub(crate) fn object<'v>(value: &'v Value, path: &str) -> Result<&'v Map<String, Value>, ConfigError> {
    value.as_object().ok_or_else(|| ConfigError::invalid(path, "wrong type: expected a map"))
}

pub(crate) fn string<'v>(value: &'v Value, path: &str) -> Result<&'v str, ConfigError> {
    value.as_str().ok_or_else(|| ConfigError::invalid(path, "wrong type: expected a string"))
}

pub(crate) fn required<'v>(map: &'v Map<String, Value>, key: &str, path: &str) -> Result<&'v Value, ConfigError> {
    map.get(key).ok_or_else(|| ConfigError::invalid(format!("{path}.{key}"), format!("missing required field `{key}`")))
}

/// Refuses a key of `map` that is not in `known`: a key of `unsupported`
/// (`(key, why)`) is "not supported" with the reason; any other is unknown,
/// with a did-you-mean over both lists.
pub(crate) fn check_keys(
    map: &Map<String, Value>,
    path: &str,
    known: &[&str],
    unsupported: &[(&str, &str)],
) -> Result<(), ConfigError> {
    for key in map.keys() {
        if known.contains(&key.as_str()) {
            continue;
        }
        let at = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
        if let Some((_, why)) = unsupported.iter().find(|(k, _)| k == key) {
            return Err(ConfigError::invalid(at, format!("`{key}` is not supported: {why}")));
        }
        let mut msg = format!("unknown field `{key}`");
        let all = known.iter().copied().chain(unsupported.iter().map(|(k, _)| *k));
        if let Some(best) = closest(key, all) {
            msg.push_str(&format!("; did you mean `{best}`?"));
        } else {
            let list: Vec<String> = known.iter().map(|k| format!("`{k}`")).collect();
            msg.push_str(&format!("; expected one of {}", list.join(", ")));
        }
        return Err(ConfigError::invalid(at, msg));
    }
    Ok(())
}

/// What the translation of a stream collects.
pub(crate) struct Stream {
    pub origin: Origin,
    pub warnings: Vec<String>,
    providers: Vec<Value>,
    pub rules: Vec<Value>,
    /// The mode set so far: native spelling, resource spelling, the
    /// resource that set it, its document.
    mode: Option<(String, String, String, usize)>,
}

impl Stream {
    fn new() -> Stream {
        let origin = Origin { shape: Shape::Kubernetes, ..Origin::default() };
        Stream { origin, warnings: Vec::new(), providers: Vec::new(), rules: Vec::new(), mode: None }
    }

    /// The native path the next provider gets.
    pub(crate) fn next_provider(&self) -> String {
        format!("authentication.providers[{}]", self.providers.len())
    }

    /// Adds a native provider translated from `user` (in `r`).
    pub(crate) fn add_provider(&mut self, provider: Value, user: &str, r: &Resource<'_>, detail: &str) {
        let native = self.next_provider();
        self.origin.paths.add(native.clone(), user);
        self.origin.mapped.push(format!("{user} ({}) -> {native} ({detail})", r.describe()));
        self.providers.push(provider);
    }

    /// Sets the stream's mode from `r`; `shown` is the resource's spelling,
    /// `user` the path of the field (or of the block when the mode is the
    /// default). Two resources with different modes are an error naming
    /// both.
    pub(crate) fn set_mode(&mut self, native: &str, shown: &str, user: &str, r: &Resource<'_>) -> Result<(), ConfigError> {
        match &self.mode {
            None => {
                self.mode = Some((native.to_owned(), shown.to_owned(), r.describe(), r.index));
                self.origin.paths.add("authentication.mode", user);
                self.origin.mapped.push(format!("{user} ({}) -> authentication.mode {native}", r.describe()));
                Ok(())
            }
            Some((first, first_shown, first_resource, first_index)) if first != native => Err(ConfigError::invalid(
                user,
                format!(
                    "mode `{shown}` of {} conflicts with mode `{first_shown}` of {first_resource} (documents[{first_index}]): one engine applies one mode; give both the same mode, or load them as separate configs",
                    r.describe()
                ),
            )),
            Some(_) => Ok(()),
        }
    }

    /// A provider without audiences: accepted for any audience, as the
    /// source gateway does, with a warning saying how to restrict it.
    pub(crate) fn any_audience(&mut self, provider: &mut Map<String, Value>, user: &str, r: &Resource<'_>, how: &str) {
        provider.insert("audiences".into(), json!(["*"]));
        self.origin.warned.insert(format!("{}.audiences", self.next_provider()));
        self.warnings.push(format!(
            "{user}: {} gives no `audiences`, so tokens meant for any service are accepted, as the source gateway does; {how} (`claimcheck check --strict` fails on this)",
            r.describe()
        ));
    }

    /// Keys fetched over plain HTTP: allowed, as the source gateway fetches
    /// them, with a warning naming the resource.
    pub(crate) fn plain_http(&mut self, jwks: &mut Map<String, Value>, url: &str, user: &str, r: &Resource<'_>, via: &str, fix: &str) {
        jwks.insert("allowHttp".into(), Value::Bool(true));
        self.origin.warned.insert(format!("{}.jwks", self.next_provider()));
        self.warnings.push(format!(
            "{user}: {} fetches its keys over plain HTTP from `{url}`{via}, as the source gateway does inside the cluster; anyone on the network path can swap the keys and mint tokens; {fix} (`claimcheck check --strict` fails on this)",
            r.describe()
        ));
    }

    /// A field accepted and not acted on.
    pub(crate) fn not_acted_on(&mut self, user: &str, what: &str) {
        self.warnings.push(format!("{user}: {what}"));
    }
}

/// Translates a stream of resources.
pub(crate) fn translate(docs: &[Value]) -> Result<Translated, ConfigError> {
    let mut s = Stream::new();
    let mut resources = Vec::new();
    for (i, doc) in docs.iter().enumerate() {
        resources.push(identify(i, doc, &mut s)?);
    }
    let mut backends = Vec::new();
    for r in resources.iter().filter(|r| r.kind == Kind::AgentgatewayBackend) {
        let b = backend(r)?;
        if let Some(other) = backends.iter().find(|o: &&Backend| o.name == b.name && o.namespace == b.namespace) {
            return Err(ConfigError::invalid(
                r.path("metadata.name"),
                format!("{} is defined twice (documents[{}] and documents[{}])", r.describe(), other.index, r.index),
            ));
        }
        backends.push(b);
    }
    let mut used = vec![false; backends.len()];
    for r in &resources {
        match r.kind {
            Kind::AgentgatewayPolicy | Kind::EnterpriseAgentgatewayPolicy => policy(r, &backends, &mut used, &mut s)?,
            Kind::ExtAuthPolicy => super::gloo::ext_auth_policy(r, &mut s)?,
            Kind::AuthConfig => super::gloo::auth_config(r, &mut s)?,
            Kind::AgentgatewayBackend => {}
        }
    }
    for (b, used) in backends.iter().zip(used) {
        if !used {
            s.not_acted_on(
                &format!("documents[{}]", b.index),
                &format!("{} is referenced by no policy in the file; it is not used", b.describe),
            );
        } else {
            s.origin.mapped.push(format!(
                "documents[{}] ({}) -> the key host `{}://{}:{}`",
                b.index,
                b.describe,
                if b.tls { "https" } else { "http" },
                b.host,
                b.port
            ));
        }
    }
    if !s.rules.is_empty() && s.providers.len() > 1 {
        s.not_acted_on(
            "documents",
            "the `require` rules made from Gloo `requiredScopes` apply to the tokens of every provider in the file, not only to their resource's",
        );
    }
    let mode = s.mode.as_ref().map(|m| m.0.clone()).unwrap_or_else(|| "strict".to_owned());
    let mut tree = Map::new();
    tree.insert("authentication".into(), json!({ "mode": mode, "providers": s.providers }));
    if !s.rules.is_empty() {
        tree.insert("authorization".into(), json!({ "rules": s.rules }));
    }
    Ok(Translated { tree: Value::Object(tree), origin: s.origin, warnings: s.warnings })
}

/// Checks a document's `apiVersion`, `kind`, top-level fields and
/// `metadata`; warns about what is accepted and not acted on.
fn identify<'v>(index: usize, doc: &'v Value, s: &mut Stream) -> Result<Resource<'v>, ConfigError> {
    let at = format!("documents[{index}]");
    let map = doc.as_object().ok_or_else(|| {
        ConfigError::invalid(&at, "wrong type: expected a Kubernetes resource (a map with `apiVersion` and `kind`)")
    })?;
    let need = |key: &str| -> Result<&'v str, ConfigError> {
        match map.get(key) {
            Some(v) => string(v, &format!("{at}.{key}")),
            None => Err(ConfigError::invalid(
                format!("{at}.{key}"),
                format!("missing required field `{key}`: every document of a stream of Kubernetes resources has `apiVersion` and `kind`"),
            )),
        }
    };
    let api_version = need("apiVersion")?;
    let kind = need("kind")?;
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let Some(&(_, _, kind_name, k)) = KINDS.iter().find(|(g, v, n, _)| *g == group && *v == version && *n == kind) else {
        return Err(unknown_resource(&at, api_version, group, kind));
    };
    check_keys(map, &at, &["apiVersion", "kind", "metadata", "spec", "status"], &[])?;
    let mut name = None;
    let mut namespace = None;
    let mut annotations = Map::new();
    if let Some(meta) = map.get("metadata") {
        let meta_at = format!("{at}.metadata");
        let meta = object(meta, &meta_at)?;
        let mut ignored = Vec::new();
        for (key, value) in meta {
            match key.as_str() {
                "name" => name = Some(string(value, &format!("{meta_at}.name"))?.to_owned()),
                "namespace" => namespace = Some(string(value, &format!("{meta_at}.namespace"))?.to_owned()),
                "annotations" => {
                    let list = object(value, &format!("{meta_at}.annotations"))?;
                    let mut others = false;
                    for (a, v) in list {
                        if let Some(short) = a.strip_prefix("claimcheck.dev/") {
                            let a_at = format!("{meta_at}.annotations.{a}");
                            if !ANNOTATIONS.contains(&a.as_str()) {
                                let mut msg = format!("unknown annotation `{a}`");
                                let shorts = ANNOTATIONS.iter().map(|n| n.trim_start_matches("claimcheck.dev/"));
                                if let Some(best) = closest(short, shorts) {
                                    msg.push_str(&format!("; did you mean `claimcheck.dev/{best}`?"));
                                }
                                return Err(ConfigError::invalid(a_at, msg));
                            }
                            string(v, &a_at)?;
                            annotations.insert(a.clone(), v.clone());
                        } else {
                            others = true;
                        }
                    }
                    if others {
                        ignored.push("annotations".to_owned());
                    }
                }
                other => ignored.push(other.to_owned()),
            }
        }
        if !ignored.is_empty() {
            let list: Vec<String> = ignored.iter().map(|k| format!("`{k}`")).collect();
            s.not_acted_on(&meta_at, &format!("{} accepted and not acted on", list.join(", ")));
        }
    }
    if k == Kind::AgentgatewayBackend && name.is_none() {
        return Err(ConfigError::invalid(
            format!("{at}.metadata.name"),
            "missing required field `name`: policies reference an AgentgatewayBackend by name",
        ));
    }
    let spec = match map.get("spec") {
        Some(v) => object(v, &format!("{at}.spec"))?,
        None => return Err(ConfigError::invalid(format!("{at}.spec"), "missing required field `spec`")),
    };
    let r = Resource { index, kind: k, kind_name, name, namespace, annotations, spec };
    if map.contains_key("status") {
        s.not_acted_on(&r.path("status"), &format!("the status of {} is accepted and not acted on", r.describe()));
    }
    Ok(r)
}

fn unknown_resource(at: &str, api_version: &str, group: &str, kind: &str) -> ConfigError {
    let known: Vec<String> = KINDS.iter().map(|(g, v, n, _)| format!("{g}/{v} {n}")).collect();
    let reads = format!("this engine reads {}", known.join(", "));
    // A kind we know, under another apiVersion.
    if let Some((g, v, n, _)) = KINDS.iter().find(|(_, _, n, _)| *n == kind) {
        let message = if *g == group {
            format!("`{api_version}` is not a version of `{n}` this engine reads; did you mean `{g}/{v}`?")
        } else {
            format!("kind `{n}` is in `{g}/{v}`, not `{api_version}`; did you mean `{g}/{v}`?")
        };
        return ConfigError::invalid(format!("{at}.apiVersion"), message);
    }
    let groups: Vec<&str> = KINDS.iter().map(|(g, _, _, _)| *g).collect();
    if groups.contains(&group) {
        let in_group: Vec<&str> = KINDS.iter().filter(|(g, _, _, _)| *g == group).map(|(_, _, n, _)| *n).collect();
        let mut message = format!("unknown kind `{kind}` in `{api_version}`");
        match closest(kind, in_group.iter().copied()).or_else(|| closest(kind, KINDS.iter().map(|(_, _, n, _)| *n))) {
            Some(best) => message.push_str(&format!("; did you mean `{best}`?")),
            None => {
                let list: Vec<String> = in_group.iter().map(|n| format!("`{n}`")).collect();
                message.push_str(&format!("; `{group}` has {}", list.join(", ")));
            }
        }
        return ConfigError::invalid(format!("{at}.kind"), message);
    }
    if let Some(best) = closest(kind, KINDS.iter().map(|(_, _, n, _)| *n)) {
        return ConfigError::invalid(
            format!("{at}.kind"),
            format!("unknown kind `{kind}` (apiVersion `{api_version}`); did you mean `{best}`? {reads}"),
        );
    }
    let mut message = format!("unknown API group `{group}` (apiVersion `{api_version}`, kind `{kind}`)");
    if let Some(best) = closest(group, groups.iter().copied()) {
        message.push_str(&format!("; did you mean `{best}`?"));
    }
    message.push_str(&format!("; {reads}"));
    ConfigError::invalid(format!("{at}.apiVersion"), message)
}

/// An `AgentgatewayBackend` with a static host.
struct Backend {
    index: usize,
    name: String,
    namespace: Option<String>,
    host: String,
    port: u64,
    tls: bool,
    describe: String,
}

fn port(value: &Value, path: &str) -> Result<u64, ConfigError> {
    match value.as_u64() {
        Some(p) if (1..=65535).contains(&p) => Ok(p),
        _ => Err(ConfigError::invalid(path, "must be a port number (1 to 65535)")),
    }
}

fn backend(r: &Resource<'_>) -> Result<Backend, ConfigError> {
    let spec_at = r.path("spec");
    let not_static = "only a static host (`spec.static`) can serve keys to this engine";
    check_keys(
        r.spec,
        &spec_at,
        &["static", "policies"],
        &[("ai", not_static), ("mcp", not_static), ("dynamicForwardProxy", not_static), ("aws", not_static)],
    )?;
    let static_at = r.path("spec.static");
    let st = object(required(r.spec, "static", &spec_at)?, &static_at)?;
    check_keys(st, &static_at, &["host", "port"], &[])?;
    let host = string(required(st, "host", &static_at)?, &format!("{static_at}.host"))?.trim().to_owned();
    if host.is_empty() || host.contains(['/', '@', '?', '#']) || host.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(format!("{static_at}.host"), format!("`{host}` is not a host name")));
    }
    let port = port(required(st, "port", &static_at)?, &format!("{static_at}.port"))?;
    let mut tls = false;
    if let Some(policies) = r.spec.get("policies") {
        let p_at = r.path("spec.policies");
        let policies = object(policies, &p_at)?;
        let why = "only `tls` (HTTPS to the host) is read from a key host's policies";
        for key in policies.keys() {
            if key != "tls" {
                return Err(ConfigError::invalid(format!("{p_at}.{key}"), format!("`{key}` is not supported: {why}")));
            }
        }
        if let Some(t) = policies.get("tls") {
            let t_at = format!("{p_at}.tls");
            let t = object(t, &t_at)?;
            if let Some(key) = t.keys().next() {
                return Err(ConfigError::invalid(
                    format!("{t_at}.{key}"),
                    format!("`{key}` is not supported: keys are fetched over HTTPS checked against the built-in roots by host name (for a private CA, convert to a native config and set `jwks.caFile`)"),
                ));
            }
            tls = true;
        }
    }
    Ok(Backend {
        index: r.index,
        name: r.name.clone().unwrap_or_default(),
        namespace: r.namespace.clone(),
        host,
        port,
        tls,
        describe: r.describe(),
    })
}

/// Traffic policies agentgateway has besides `jwtAuthentication`.
const OTHER_TRAFFIC: [&str; 16] = [
    "extAuth",
    "authorization",
    "rateLimit",
    "cors",
    "csrf",
    "headerModifiers",
    "hostRewrite",
    "timeouts",
    "retry",
    "transformation",
    "extProc",
    "apiKeyAuthentication",
    "basicAuthentication",
    "directResponse",
    "phase",
    "jwtAuthorization",
];

fn policy(r: &Resource<'_>, backends: &[Backend], used: &mut [bool], s: &mut Stream) -> Result<(), ConfigError> {
    let spec_at = r.path("spec");
    let elsewhere = "this engine reads only `spec.traffic.jwtAuthentication` of a policy (the gateway keeps applying the rest)";
    check_keys(
        r.spec,
        &spec_at,
        &["targetRefs", "targetSelectors", "traffic"],
        &[("frontend", elsewhere), ("backend", elsewhere)],
    )?;
    for key in ["targetRefs", "targetSelectors"] {
        if let Some(targets) = r.spec.get(key) {
            let named: Vec<String> = targets
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter_map(|t| {
                            let kind = t.get("kind").and_then(Value::as_str).unwrap_or("resource");
                            t.get("name").and_then(Value::as_str).map(|n| format!("{kind} `{n}`"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            let what = if named.is_empty() { String::new() } else { format!(" ({})", named.join(", ")) };
            s.not_acted_on(
                &r.path(&format!("spec.{key}")),
                &format!("{} targets{what} are accepted and not acted on: the host decides where this engine applies", r.describe()),
            );
        }
    }
    let Some(traffic) = r.spec.get("traffic") else {
        s.not_acted_on(&spec_at, &format!("{} has no `traffic.jwtAuthentication`; nothing of it is used", r.describe()));
        return Ok(());
    };
    let traffic_at = r.path("spec.traffic");
    let traffic = object(traffic, &traffic_at)?;
    let why = "a traffic policy this engine does not apply; only `jwtAuthentication` is read (the gateway keeps applying the others: give claimcheck a file without them, or write rules in a native config)";
    let unsupported: Vec<(&str, &str)> = OTHER_TRAFFIC.iter().map(|k| (*k, why)).collect();
    check_keys(traffic, &traffic_at, &["jwtAuthentication"], &unsupported)?;
    let Some(jwt) = traffic.get("jwtAuthentication") else {
        s.not_acted_on(&traffic_at, &format!("{} has no `jwtAuthentication`; nothing of it is used", r.describe()));
        return Ok(());
    };
    let jwt_at = r.path("spec.traffic.jwtAuthentication");
    let jwt = object(jwt, &jwt_at)?;
    check_keys(jwt, &jwt_at, &["mode", "providers"], &[])?;
    match jwt.get("mode") {
        Some(m) => {
            let mode_at = format!("{jwt_at}.mode");
            let shown = string(m, &mode_at)?;
            let native = match shown {
                "Strict" => "strict",
                "Optional" => "optional",
                "Permissive" => "permissive",
                other => {
                    let mut msg = format!("unknown value `{other}`");
                    match closest(other, ["Strict", "Optional", "Permissive"]) {
                        Some(best) => msg.push_str(&format!("; did you mean `{best}`?")),
                        None => msg.push_str("; expected one of `Strict`, `Optional`, `Permissive`"),
                    }
                    return Err(ConfigError::invalid(mode_at, msg));
                }
            };
            s.set_mode(native, shown, &mode_at, r)?;
        }
        None => s.set_mode("strict", "Strict", &jwt_at, r)?,
    }
    let providers_at = format!("{jwt_at}.providers");
    let list = required(jwt, "providers", &jwt_at)?
        .as_array()
        .ok_or_else(|| ConfigError::invalid(&providers_at, "wrong type: expected a list"))?;
    if list.is_empty() {
        return Err(ConfigError::invalid(&providers_at, "must list at least one provider"));
    }
    for (j, p) in list.iter().enumerate() {
        let p_at = format!("{providers_at}[{j}]");
        let p = object(p, &p_at)?;
        check_keys(p, &p_at, &["issuer", "audiences", "jwks"], &[])?;
        let native = s.next_provider();
        let mut out = Map::new();
        if let Some(issuer) = p.get("issuer") {
            out.insert("issuer".into(), issuer.clone());
        }
        match p.get("audiences") {
            Some(a) => {
                out.insert("audiences".into(), a.clone());
            }
            None => s.any_audience(&mut out, &p_at, r, "add `audiences: [<this API's audience>]` to the provider to restrict it"),
        }
        let jwks_at = format!("{p_at}.jwks");
        let jwks = object(required(p, "jwks", &p_at)?, &jwks_at)?;
        check_keys(jwks, &jwks_at, &["inline", "remote"], &[])?;
        let mut native_jwks = Map::new();
        let detail = match (jwks.get("inline"), jwks.get("remote")) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::invalid(jwks_at, "has `inline` and `remote`; give exactly one key source"))
            }
            (None, None) => {
                return Err(ConfigError::invalid(jwks_at, "needs one key source: `inline` or `remote`"))
            }
            (Some(inline), None) => {
                native_jwks.insert("inline".into(), inline.clone());
                "inline keys".to_owned()
            }
            (None, Some(remote)) => {
                let remote_at = format!("{jwks_at}.remote");
                let (url, via) = remote_url(r, object(remote, &remote_at)?, &remote_at, backends, used)?;
                native_jwks.insert("url".into(), Value::String(url.clone()));
                s.origin.paths.add(format!("{native}.jwks.url"), remote_at.clone());
                s.origin.paths.add(format!("{native}.jwks"), remote_at.clone());
                if let Some(d) = object(remote, &remote_at)?.get("cacheDuration") {
                    native_jwks.insert("cacheDuration".into(), d.clone());
                    s.origin.paths.add(format!("{native}.jwks.cacheDuration"), format!("{remote_at}.cacheDuration"));
                }
                if url.starts_with("http://") {
                    let fix = if via.starts_with("Service") {
                        format!("serve them over TLS and set the annotation `{SERVICE_SCHEME}: https` on the policy")
                    } else {
                        "reach the host over TLS (`spec.policies.tls: {}` on the AgentgatewayBackend)".to_owned()
                    };
                    s.plain_http(&mut native_jwks, &url, &remote_at, r, &format!(" ({via})"), &fix);
                }
                format!("keys `{url}` via {via}")
            }
        };
        out.insert("jwks".into(), Value::Object(native_jwks));
        let issuer = out.get("issuer").and_then(Value::as_str).map(|i| format!("issuer `{i}`, ")).unwrap_or_default();
        s.add_provider(Value::Object(out), &p_at, r, &format!("{issuer}{detail}"));
    }
    Ok(())
}

/// `jwks.remote` -> the key URL, and what it was resolved through.
fn remote_url(
    r: &Resource<'_>,
    remote: &Map<String, Value>,
    at: &str,
    backends: &[Backend],
    used: &mut [bool],
) -> Result<(String, String), ConfigError> {
    check_keys(remote, at, &["jwksPath", "cacheDuration", "backendRef"], &[])?;
    let path_at = format!("{at}.jwksPath");
    let jwks_path = string(required(remote, "jwksPath", at)?, &path_at)?;
    if !jwks_path.starts_with('/') || jwks_path.contains(char::is_whitespace) {
        return Err(ConfigError::invalid(path_at, format!("`{jwks_path}` is not a path (it starts with `/`)")));
    }
    let ref_at = format!("{at}.backendRef");
    let backend_ref = object(required(remote, "backendRef", at)?, &ref_at)?;
    check_keys(backend_ref, &ref_at, &["group", "kind", "name", "namespace", "port"], &[])?;
    let field = |key: &str| -> Result<Option<&str>, ConfigError> {
        backend_ref.get(key).map(|v| string(v, &format!("{ref_at}.{key}"))).transpose()
    };
    let kind = field("kind")?.unwrap_or("Service");
    let group = field("group")?.unwrap_or("");
    let name = field("name")?.ok_or_else(|| ConfigError::invalid(format!("{ref_at}.name"), "missing required field `name`"))?;
    let namespace = field("namespace")?.map(str::to_owned).or_else(|| r.namespace.clone());
    let ref_port = backend_ref.get("port").map(|p| port(p, &format!("{ref_at}.port"))).transpose()?;
    match kind {
        "Service" => {
            if !(group.is_empty() || group == "core") {
                return Err(ConfigError::invalid(
                    format!("{ref_at}.group"),
                    format!("a `Service` is in the core group (`group: \"\"`), not `{group}`"),
                ));
            }
            let port = ref_port.ok_or_else(|| {
                ConfigError::invalid(format!("{ref_at}.port"), "missing required field `port`: a Service reference needs the port")
            })?;
            let namespace = namespace.unwrap_or_else(|| "default".to_owned());
            let annotation = |key: &str| r.annotations.get(key).and_then(Value::as_str).map(str::trim);
            let annotations_at = r.path("metadata.annotations");
            let scheme = match annotation(SERVICE_SCHEME) {
                None | Some("http") => "http",
                Some("https") => "https",
                Some(other) => {
                    return Err(ConfigError::invalid(
                        format!("{annotations_at}.{SERVICE_SCHEME}"),
                        format!("`{other}` is no scheme; write `http` or `https`"),
                    ))
                }
            };
            let domain = annotation(CLUSTER_DOMAIN).unwrap_or("cluster.local");
            let bad_host = |h: &str| h.is_empty() || h.contains(['/', '@', '?', '#', ':']) || h.contains(char::is_whitespace);
            if bad_host(domain) {
                return Err(ConfigError::invalid(
                    format!("{annotations_at}.{CLUSTER_DOMAIN}"),
                    format!("`{domain}` is not a domain name"),
                ));
            }
            let host = match annotation(SERVICE_HOST) {
                Some(h) if bad_host(h) => {
                    return Err(ConfigError::invalid(
                        format!("{annotations_at}.{SERVICE_HOST}"),
                        format!("`{h}` is not a host name"),
                    ))
                }
                Some(h) => h.to_owned(),
                None => format!("{name}.{namespace}.svc.{domain}"),
            };
            let via = format!("Service `{namespace}/{name}` port {port}");
            Ok((format!("{scheme}://{host}:{port}{jwks_path}"), via))
        }
        "AgentgatewayBackend" => {
            if !(group.is_empty() || group == "agentgateway.dev") {
                return Err(ConfigError::invalid(
                    format!("{ref_at}.group"),
                    format!("an `AgentgatewayBackend` is in group `agentgateway.dev`, not `{group}`"),
                ));
            }
            let same_name: Vec<usize> = (0..backends.len()).filter(|&i| backends.get(i).is_some_and(|b| b.name == name)).collect();
            let fits = |b: &Backend| match (&namespace, &b.namespace) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            };
            let found: Vec<usize> = same_name.iter().copied().filter(|&i| backends.get(i).is_some_and(fits)).collect();
            let shown = match &namespace {
                Some(ns) => format!("{ns}/{name}"),
                None => name.to_owned(),
            };
            let b = match found.as_slice() {
                [i] => {
                    if let Some(u) = used.get_mut(*i) {
                        *u = true;
                    }
                    backends.get(*i)
                }
                [] => None,
                _ => {
                    return Err(ConfigError::invalid(
                        ref_at,
                        format!("AgentgatewayBackend `{shown}` is ambiguous: several in the file have that name; give `namespace`"),
                    ))
                }
            };
            let Some(b) = b else {
                let mut msg = format!(
                    "references AgentgatewayBackend `{shown}`, which the file does not hold; add that resource to the stream"
                );
                if let Some(other) = same_name.first().and_then(|&i| backends.get(i)) {
                    msg.push_str(&format!(
                        " (documents[{}] is an AgentgatewayBackend `{name}` in namespace `{}`)",
                        other.index,
                        other.namespace.as_deref().unwrap_or("")
                    ));
                }
                return Err(ConfigError::invalid(ref_at, msg));
            };
            if let Some(p) = ref_port {
                if p != b.port {
                    return Err(ConfigError::invalid(
                        format!("{ref_at}.port"),
                        format!("port {p} differs from the port {} of {} (documents[{}])", b.port, b.describe, b.index),
                    ));
                }
            }
            let scheme = if b.tls { "https" } else { "http" };
            let via = format!("{} (documents[{}])", b.describe, b.index);
            Ok((format!("{scheme}://{}:{}{jwks_path}", b.host, b.port), via))
        }
        other => {
            let mut msg = format!("backendRef kind `{other}` is not supported: the keys' host is a `Service` or an `AgentgatewayBackend`");
            if let Some(best) = closest(other, ["Service", "AgentgatewayBackend"]) {
                msg.push_str(&format!("; did you mean `{best}`?"));
            }
            Err(ConfigError::invalid(format!("{ref_at}.kind"), msg))
        }
    }
}
