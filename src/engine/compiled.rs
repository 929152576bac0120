//! A config turned into what the request path needs: providers indexed by
//! issuer with pre-parsed keys, claim policies, token places, the challenge,
//! and compiled rules. Built once per load; immutable afterwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::config::schema::{ConfigFile, Jwks, Limits, Mode, Provider};
use crate::config::ConfigError;
use crate::decision::Challenge;
use crate::identity::ClaimViews;
use crate::keys::remote::{self, RemoteKeys, RemoteSettings, RemoteTarget};
use crate::keys::{KeySet, KeySource, ProviderKeys, RemoteRegistry};
use crate::log::Logger;
use crate::rules::RuleSet;
use crate::credential::TokenSources;
use crate::jose::algorithm::{Algorithm, AlgorithmSet};
use crate::verify::claims::{AudienceCheck, ClaimPolicy};

/// Default clock skew tolerated on time claims.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// One provider, ready for requests.
#[derive(Debug)]
pub(crate) struct RuntimeProvider {
    pub name: Arc<str>,
    #[allow(dead_code)]
    pub issuer: String,
    pub algorithms: AlgorithmSet,
    pub policy: ClaimPolicy,
    pub keys: ProviderKeys,
    pub source: KeySource,
    /// Where `auth.groups` and `auth.roles` are read from.
    pub views: ClaimViews,
}

/// What a build shares with the engine: the remote key caches (so a reload
/// keeps fetched keys) and the logger for background fetch messages.
pub(crate) struct BuildContext<'a> {
    pub registry: &'a RemoteRegistry,
    pub logger: &'a Arc<Logger>,
}

/// A remote key cache created by this build, and how long the build waits
/// for its first key set.
struct NewRemote {
    keys: Arc<RemoteKeys>,
    wait: Duration,
    path: String,
}

/// An Entra-style issuer template: `prefix{tenantid}suffix`, matched against
/// the token's `tid`.
#[derive(Debug)]
struct IssuerTemplate {
    prefix: String,
    suffix: String,
    provider: usize,
    /// `allowedTenants`: the `tid`s accepted (`None`: any).
    allowed: Option<Vec<String>>,
}

/// The loaded config.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub mode: Mode,
    pub sources: TokenSources,
    pub challenge: Challenge,
    pub providers: Vec<RuntimeProvider>,
    /// Exact issuers, sorted for binary search (no hashing of the token's `iss`).
    by_issuer: Vec<(String, usize)>,
    templates: Vec<IssuerTemplate>,
    pub rules: RuleSet,
    pub limits: Limits,
    pub warnings: Vec<String>,
}

const TENANT_PLACEHOLDER: &str = "{tenantid}";

impl Compiled {
    /// Builds from a checked config; relative key files resolve against `base_dir`.
    pub fn build(file: &ConfigFile, base_dir: Option<&Path>, ctx: &BuildContext<'_>) -> Result<Compiled, ConfigError> {
        let mut compiled = Compiled::build_native(file, base_dir, ctx).map_err(|e| file.origin.paths.relocate(e))?;
        // Warnings of the build name native paths; say the user's.
        let loaded = file.load_warnings.len();
        for w in compiled.warnings.iter_mut().skip(loaded) {
            *w = file.origin.paths.relocate_warning(w);
        }
        Ok(compiled)
    }

    fn build_native(file: &ConfigFile, base_dir: Option<&Path>, ctx: &BuildContext<'_>) -> Result<Compiled, ConfigError> {
        let mut warnings = file.load_warnings.clone();
        let mut new_remotes = Vec::new();
        let auth = file.authentication.clone().unwrap_or_default();
        let mut providers = Vec::new();
        let mut by_issuer = Vec::new();
        let mut templates = Vec::new();
        for (i, p) in auth.providers.iter().enumerate() {
            let path = format!("authentication.providers[{i}]");
            let runtime = build_provider(p, &path, base_dir, &file.limits, ctx, &mut new_remotes, &mut warnings)?;
            match p.issuer.split_once(TENANT_PLACEHOLDER) {
                Some((prefix, suffix)) => templates.push(IssuerTemplate {
                    prefix: prefix.to_owned(),
                    suffix: suffix.to_owned(),
                    provider: i,
                    allowed: p.allowed_tenants.as_ref().map(|l| l.iter().map(|t| t.trim().to_ascii_lowercase()).collect()),
                }),
                None => {
                    by_issuer.push((p.issuer.clone(), i));
                }
            }
            providers.push(runtime);
        }
        let rules = file.compile_rules()?;
        wait_for_first_keys(&new_remotes, &mut warnings);
        Ok(Compiled {
            mode: auth.mode,
            sources: token_sources(auth.token_source.as_deref()),
            challenge: Challenge::new(
                auth.realm.as_deref().unwrap_or("claimcheck"),
                auth.resource_metadata.as_deref(),
            ),
            providers,
            by_issuer: {
                by_issuer.sort();
                by_issuer
            },
            templates,
            rules,
            limits: file.limits.clone(),
            warnings,
        })
    }

    /// The provider for a token's `iss` (exact match, or an issuer template
    /// whose `{tenantid}` equals the token's `tid`).
    pub fn provider_for(&self, iss: &str, tid: Option<&str>) -> Option<&RuntimeProvider> {
        if let Ok(pos) = self.by_issuer.binary_search_by(|(issuer, _)| issuer.as_str().cmp(iss)) {
            return self.by_issuer.get(pos).and_then(|(_, i)| self.providers.get(*i));
        }
        let tid = tid?;
        self.templates
            .iter()
            .find(|t| {
                iss.strip_prefix(t.prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(t.suffix.as_str()))
                    .is_some_and(|middle| middle == tid)
                    && t.allowed.as_ref().is_none_or(|allowed| allowed.iter().any(|a| a.eq_ignore_ascii_case(tid)))
            })
            .and_then(|t| self.providers.get(t.provider))
    }
}

/// Waits for the first key set of every remote cache this build created;
/// their fetches run in parallel, so the waits overlap. A source that is
/// down does not fail the load: it is a warning, and decisions are 503
/// until its keys arrive.
fn wait_for_first_keys(new_remotes: &[NewRemote], warnings: &mut Vec<String>) {
    let start = Instant::now();
    for remote in new_remotes {
        let left = remote.wait.saturating_sub(start.elapsed());
        if !remote.keys.wait_first(left) {
            let detail = remote.keys.with_keys(|_| ()).err().unwrap_or_default();
            warnings.push(format!(
                "{}: {detail}; tokens of this provider are answered 503 `keys_unavailable` until keys load",
                remote.path
            ));
        }
    }
}

fn build_provider(
    p: &Provider,
    path: &str,
    base_dir: Option<&Path>,
    limits: &Limits,
    ctx: &BuildContext<'_>,
    new_remotes: &mut Vec<NewRemote>,
    warnings: &mut Vec<String>,
) -> Result<RuntimeProvider, ConfigError> {
    let algorithms = match &p.algorithms {
        Some(names) => AlgorithmSet::of(&names.iter().filter_map(|n| Algorithm::from_name(n)).collect::<Vec<_>>()),
        None => AlgorithmSet::of(&Algorithm::ASYMMETRIC),
    };
    let audiences = match p.audiences.as_deref() {
        Some([star]) if star == "*" => AudienceCheck::Any,
        Some(list) => AudienceCheck::OneOf(list.to_vec()),
        None => AudienceCheck::Any,
    };
    let mut required: Vec<String> = p.required_claims.clone().unwrap_or_else(|| vec!["exp".to_owned()]);
    if !required.iter().any(|c| c == "iss") {
        required.insert(0, "iss".to_owned());
    }
    if matches!(audiences, AudienceCheck::OneOf(_)) && !required.iter().any(|c| c == "aud") {
        required.push("aud".to_owned());
    }
    let policy = ClaimPolicy {
        audiences,
        leeway: p.leeway.map(|d| d.as_secs_f64()).unwrap_or(DEFAULT_LEEWAY_SECS as f64),
        required,
        max_lifetime: p.max_lifetime.map(|d| d.as_secs_f64()),
        typ: p.typ,
        typ_claim: p.typ_claim.clone(),
    };
    let defaults = ClaimViews::default();
    let view = |paths: Option<&crate::config::schema::ClaimPaths>, default: &Arc<[Vec<String>]>| match paths {
        Some(p) => Arc::from(p.0.clone()),
        None => default.clone(),
    };
    let views = ClaimViews {
        groups: view(p.groups_claim.as_ref(), &defaults.groups),
        roles: view(p.roles_claim.as_ref(), &defaults.roles),
    };
    let (source, keys) = if p.jwks.remote_url().is_some() || p.jwks.discovery == Some(true) {
        remote_keys(p, path, base_dir, limits, ctx, new_remotes)?
    } else {
        load_keys(&p.jwks, path, base_dir, limits, algorithms, warnings)?
    };
    Ok(RuntimeProvider {
        name: Arc::from(p.name.clone().unwrap_or_else(|| p.issuer.clone())),
        issuer: p.issuer.clone(),
        algorithms,
        policy,
        keys,
        source,
        views,
    })
}

fn load_keys(
    jwks: &Jwks,
    path: &str,
    base_dir: Option<&Path>,
    limits: &Limits,
    algorithms: AlgorithmSet,
    warnings: &mut Vec<String>,
) -> Result<(KeySource, ProviderKeys), ConfigError> {
    let jwks_path = format!("{path}.jwks");
    let (source, parsed, field) = if let Some(inline) = &jwks.inline {
        let parsed = match inline {
            serde_json::Value::String(text) => {
                KeySet::from_json_bytes(text.as_bytes(), limits.max_jwks_size, limits.max_jwks_keys)
            }
            doc => KeySet::from_value(doc, limits.max_jwks_keys),
        };
        (KeySource::Inline, parsed, "inline")
    } else if let Some(file) = &jwks.file {
        let file_path = resolve(base_dir, file);
        let bytes = read_bounded(&file_path, limits.max_jwks_size)
            .map_err(|e| ConfigError::keys(format!("{jwks_path}.file"), e))?;
        let parsed = KeySet::from_json_bytes(&bytes, limits.max_jwks_size, limits.max_jwks_keys);
        (KeySource::File(file_path), parsed, "file")
    } else {
        return Err(ConfigError::keys(&jwks_path, "no static key source (`inline` or `file`)"));
    };
    let field_path = format!("{jwks_path}.{field}");
    let (set, skipped) = parsed.map_err(|e| ConfigError::keys(&field_path, e.0))?;
    warnings.extend(skipped.into_iter().map(|w| format!("{field_path}: {w}")));
    let usable = set.keys().iter().filter(|k| algorithms.iter().any(|a| k.fits(a))).count();
    if usable == 0 {
        return Err(ConfigError::keys(
            &field_path,
            format!(
                "no usable key: {} key(s) parsed, none fits the provider's algorithms ({})",
                set.len(),
                algorithms.iter().map(Algorithm::name).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    Ok((source, ProviderKeys::Static(Arc::new(set))))
}

/// The remote settings of a provider's `jwks`, with defaults.
fn remote_settings(p: &Provider, base_dir: Option<&Path>, limits: &Limits) -> RemoteSettings {
    let jwks = &p.jwks;
    let target = match jwks.remote_url() {
        Some(url) => RemoteTarget::Jwks(url.to_owned()),
        None => RemoteTarget::Discovery { issuer: p.issuer.clone() },
    };
    let mut s = RemoteSettings::new(target, limits.max_jwks_size, limits.max_jwks_keys);
    s.allow_http = jwks.allow_http;
    s.ca_file = jwks.ca_file.as_deref().map(|f| resolve(base_dir, f));
    let get = |d: Option<crate::config::duration::ConfigDuration>, default: Duration| d.map(|d| d.0).unwrap_or(default);
    s.fetch_timeout = get(jwks.fetch_timeout, s.fetch_timeout);
    s.cache_duration = get(jwks.effective_cache_duration(), s.cache_duration);
    s.min_cache_duration = get(jwks.min_cache_duration, remote::DEFAULT_MIN_CACHE_DURATION.min(s.cache_duration));
    s.max_cache_duration = get(jwks.max_cache_duration, s.max_cache_duration).max(s.min_cache_duration);
    s.max_staleness = get(jwks.max_staleness, s.max_staleness);
    s.min_refetch_interval = get(jwks.min_refetch_interval, s.min_refetch_interval);
    s.unknown_kid_wait = get(jwks.unknown_kid_wait, s.unknown_kid_wait).min(s.fetch_timeout);
    s
}

fn remote_keys(
    p: &Provider,
    path: &str,
    base_dir: Option<&Path>,
    limits: &Limits,
    ctx: &BuildContext<'_>,
    new_remotes: &mut Vec<NewRemote>,
) -> Result<(KeySource, ProviderKeys), ConfigError> {
    let settings = remote_settings(p, base_dir, limits);
    let jwks_path = format!("{path}.jwks");
    let (keys, created) = ctx.registry.get_or_create(&settings, ctx.logger).map_err(|e| {
        let field = if p.jwks.ca_file.is_some() { format!("{jwks_path}.caFile") } else { jwks_path.clone() };
        ConfigError::keys(field, e)
    })?;
    if created {
        keys.start();
        let wait = p.jwks.initial_fetch_timeout.map(|d| d.0).unwrap_or(remote::DEFAULT_INITIAL_FETCH_TIMEOUT);
        new_remotes.push(NewRemote { keys: Arc::clone(&keys), wait, path: jwks_path });
    }
    let source = match &settings.target {
        RemoteTarget::Jwks(url) => KeySource::Url(url.clone()),
        RemoteTarget::Discovery { .. } => KeySource::Discovery,
    };
    Ok((source, ProviderKeys::Remote(keys)))
}

fn resolve(base_dir: Option<&Path>, file: &str) -> PathBuf {
    let p = Path::new(file);
    match base_dir {
        Some(dir) if p.is_relative() => dir.join(p),
        _ => p.to_path_buf(),
    }
}

/// Reads a file of at most `max` bytes.
pub(crate) fn read_bounded(path: &Path, max: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    if bytes.len() > max {
        return Err(format!("`{}` is larger than {max} bytes", path.display()));
    }
    Ok(bytes)
}

/// The credential places of `authentication.tokenSource` (`None`: the
/// default `Authorization: Bearer`).
fn token_sources(sources: Option<&[crate::config::schema::TokenSource]>) -> TokenSources {
    use crate::config::schema::TokenSource;
    use crate::credential::TokenPlace;
    let Some(sources) = sources else {
        return TokenSources::default();
    };
    TokenSources::new(sources.iter().map(|s| match s {
        TokenSource::Header(h) => TokenPlace::Header { name: h.name.clone(), prefix: h.prefix.clone().unwrap_or_default() },
        TokenSource::Cookie(c) => TokenPlace::Cookie { name: c.name.clone() },
        TokenSource::Query(q) => TokenPlace::Query { name: q.name.clone() },
    }))
}
