//! A config turned into what the request path needs: providers indexed by
//! issuer with pre-parsed keys, claim policies, token places, the challenge,
//! and compiled rules. Built once per load; immutable afterwards.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::schema::{ConfigFile, Jwks, Limits, Mode, Provider};
use crate::config::{ConfigError, ConfigErrorKind};
use crate::decision::Challenge;
use crate::keys::{KeySet, KeySource, ProviderKeys};
use crate::rules::{RuleSet, RuleSpec};
use crate::token::TokenSources;
use crate::verify::algorithm::{Algorithm, AlgorithmSet};
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
    #[allow(dead_code)]
    pub source: KeySource,
}

/// An Entra-style issuer template: `prefix{tenantid}suffix`, matched against
/// the token's `tid`.
#[derive(Debug)]
struct IssuerTemplate {
    prefix: String,
    suffix: String,
    provider: usize,
}

/// The loaded config.
#[derive(Debug)]
pub(crate) struct Compiled {
    pub mode: Mode,
    pub sources: TokenSources,
    pub challenge: Challenge,
    pub providers: Vec<RuntimeProvider>,
    by_issuer: HashMap<String, usize>,
    templates: Vec<IssuerTemplate>,
    pub rules: RuleSet,
    pub limits: Limits,
    pub warnings: Vec<String>,
}

const TENANT_PLACEHOLDER: &str = "{tenantid}";

impl Compiled {
    /// Builds from a checked config; relative key files resolve against `base_dir`.
    pub fn build(file: &ConfigFile, base_dir: Option<&Path>) -> Result<Compiled, ConfigError> {
        let mut warnings = file.load_warnings.clone();
        let auth = file.authentication.clone().unwrap_or_default();
        let mut providers = Vec::new();
        let mut by_issuer = HashMap::new();
        let mut templates = Vec::new();
        for (i, p) in auth.providers.iter().enumerate() {
            let path = format!("authentication.providers[{i}]");
            let runtime = build_provider(p, &path, base_dir, &file.limits, &mut warnings)?;
            match p.issuer.split_once(TENANT_PLACEHOLDER) {
                Some((prefix, suffix)) => templates.push(IssuerTemplate {
                    prefix: prefix.to_owned(),
                    suffix: suffix.to_owned(),
                    provider: i,
                }),
                None => {
                    by_issuer.insert(p.issuer.clone(), i);
                }
            }
            providers.push(runtime);
        }
        let specs: Vec<RuleSpec> = file
            .authorization
            .as_ref()
            .map(|a| a.rules.iter().map(|r| r.0.clone()).collect())
            .unwrap_or_default();
        let rules = RuleSet::compile(&specs, &file.limits.rule_limits()).map_err(|e| ConfigError {
            kind: ConfigErrorKind::Rule,
            path: Some(format!("authorization.rules[{}]", e.index)),
            line: None,
            rule: Some(e.index),
            column: e.column,
            message: e.message,
        })?;
        Ok(Compiled {
            mode: auth.mode,
            sources: TokenSources::from_config(auth.token_source.as_deref()),
            challenge: Challenge::new(
                auth.realm.as_deref().unwrap_or("claimcheck"),
                auth.resource_metadata.as_deref(),
            ),
            providers,
            by_issuer,
            templates,
            rules,
            limits: file.limits.clone(),
            warnings,
        })
    }

    /// The provider for a token's `iss` (exact match, or an issuer template
    /// whose `{tenantid}` equals the token's `tid`).
    pub fn provider_for(&self, iss: &str, tid: Option<&str>) -> Option<&RuntimeProvider> {
        if let Some(i) = self.by_issuer.get(iss) {
            return self.providers.get(*i);
        }
        let tid = tid?;
        self.templates
            .iter()
            .find(|t| {
                iss.strip_prefix(t.prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(t.suffix.as_str()))
                    .is_some_and(|middle| middle == tid)
            })
            .and_then(|t| self.providers.get(t.provider))
    }
}

fn build_provider(
    p: &Provider,
    path: &str,
    base_dir: Option<&Path>,
    limits: &Limits,
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
    };
    let (source, keys) = load_keys(&p.jwks, path, base_dir, limits, algorithms, warnings)?;
    Ok(RuntimeProvider {
        name: Arc::from(p.name.clone().unwrap_or_else(|| p.issuer.clone())),
        issuer: p.issuer.clone(),
        algorithms,
        policy,
        keys,
        source,
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
    } else if let Some(url) = &jwks.url {
        return Ok((
            KeySource::Url(url.clone()),
            ProviderKeys::Unavailable(format!("keys from `{url}` are not fetched by this build")),
        ));
    } else {
        return Ok((
            KeySource::Discovery,
            ProviderKeys::Unavailable("keys through discovery are not fetched by this build".to_owned()),
        ));
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
