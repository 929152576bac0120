//! The engine: holds the loaded config (swapped atomically on reload) and
//! runs the pipeline for one request: find the credential, parse it, pick
//! the provider and key, verify, check claims, evaluate rules, decide.

mod compiled;

use std::path::Path;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;

use crate::config::schema::Mode;
use crate::config::{load, ConfigError};
use crate::decision::{DecidingRule, Decision, Reason};
use crate::identity::{ClaimViews, Claims, Identity};
use crate::keys::{ProviderKeyStatus, RemoteRegistry};
use crate::log::{LogLevel, LogSink, Logger};
use crate::request::Request;
use crate::rules::RuleInput;
use crate::jose::jws::parse_compact;
use crate::reason::TokenError;
use crate::credential::{Credential, CredentialSource};
use crate::verify::signature::verify_signature;
use compiled::{BuildContext, Compiled};


/// An authorization engine built from one config. Share it freely: every
/// method takes `&self`, and [`Engine::reload`] swaps the config atomically
/// (requests in flight finish on the config they started with).
///
/// Remote keys (`jwks.url`, `jwks.discovery`) are fetched when the config
/// loads and refreshed by one background thread per key source. A reload
/// keeps the fetched keys of sources whose settings did not change. The
/// threads end when the engine is dropped. A process forked after the
/// engine was built (pre-fork servers) starts its own refresher the first
/// time it uses the engine, so every worker keeps its keys fresh.
pub struct Engine {
    current: ArcSwap<Compiled>,
    logger: Arc<Logger>,
    remote: RemoteRegistry,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("providers", &self.current.load().providers.len()).finish()
    }
}

fn now_unix() -> f64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs_f64()).unwrap_or(0.0)
}

fn compile_text(text: &str, base_dir: Option<&Path>, ctx: &BuildContext<'_>) -> Result<Compiled, ConfigError> {
    let file = load::parse_config(text)?;
    Compiled::build(&file, base_dir, ctx)
}

fn read_config_file(path: &Path) -> Result<String, ConfigError> {
    let bytes = compiled::read_bounded(path, load::MAX_CONFIG_SIZE).map_err(ConfigError::io)?;
    String::from_utf8(bytes).map_err(|_| ConfigError::io(format!("`{}` is not UTF-8 text", path.display())))
}

impl Engine {
    /// Builds an engine from config text (YAML or JSON). Relative key file
    /// paths resolve against the current directory.
    pub fn new(config: &str) -> Result<Engine, ConfigError> {
        Engine::with_base_dir(config, None)
    }

    /// Builds an engine from config text, resolving relative key file paths
    /// against `base_dir`.
    pub fn with_base_dir(config: &str, base_dir: Option<&Path>) -> Result<Engine, ConfigError> {
        let logger: Arc<Logger> = Arc::default();
        let remote = RemoteRegistry::default();
        let compiled = compile_text(config, base_dir, &BuildContext { registry: &remote, logger: &logger })?;
        Ok(Engine { current: ArcSwap::from_pointee(compiled), logger, remote })
    }

    /// Builds an engine from a config file; relative key files resolve
    /// against the file's directory.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Engine, ConfigError> {
        let path = path.as_ref();
        Engine::with_base_dir(&read_config_file(path)?, path.parent())
    }

    /// Replaces the config. On error the running config stays in place.
    pub fn reload(&self, config: &str) -> Result<(), ConfigError> {
        self.reload_with_base_dir(config, None)
    }

    /// Like [`Engine::reload`], resolving relative key files against `base_dir`.
    pub fn reload_with_base_dir(&self, config: &str, base_dir: Option<&Path>) -> Result<(), ConfigError> {
        let ctx = BuildContext { registry: &self.remote, logger: &self.logger };
        let compiled = match compile_text(config, base_dir, &ctx) {
            Ok(c) => c,
            Err(e) => {
                self.logger.log(LogLevel::Error, &format!("reload failed, the running config stays: {e}"));
                return Err(e);
            }
        };
        for w in &compiled.warnings {
            self.logger.log(LogLevel::Warn, w);
        }
        self.current.store(Arc::new(compiled));
        Ok(())
    }

    /// Replaces the config from a file. On error the running config stays.
    pub fn reload_file(&self, path: impl AsRef<Path>) -> Result<(), ConfigError> {
        let path = path.as_ref();
        self.reload_with_base_dir(&read_config_file(path)?, path.parent())
    }

    /// Registers the sink for engine messages (`None` removes it). Warnings
    /// of later loads and reloads, rule evaluation errors and key fetch
    /// failures go to it, possibly from background threads.
    pub fn set_logger(&self, sink: Option<LogSink>) {
        self.logger.set(sink);
    }

    /// Warnings from the last successful load (skipped keys, ...).
    pub fn warnings(&self) -> Vec<String> {
        self.current.load().warnings.clone()
    }

    /// Per provider of the current config: where its keys come from, whether
    /// they are usable now (and why not), how many, when they were last
    /// fetched, the last fetch error, and fetch counters.
    pub fn key_status(&self) -> Vec<ProviderKeyStatus> {
        self.current.load().providers.iter().map(|p| p.keys.status(&p.name, &p.source)).collect()
    }

    /// Decides one request at the current time.
    pub fn authorize(&self, request: &Request<'_>) -> Decision {
        self.decide_at(request, now_unix())
    }

    /// Decides one request as if the time were `now` (seconds since the Unix
    /// epoch, fractions allowed): every time check and the rules' `now` use
    /// it. For tests and for replaying recorded requests.
    ///
    /// A `now` that is not a finite number of seconds at or after the epoch
    /// is refused with [`InvalidTime`]: every time comparison against NaN is
    /// false, so such a clock would otherwise let expired tokens in.
    pub fn authorize_at(&self, request: &Request<'_>, now: f64) -> Result<Decision, InvalidTime> {
        check_time(now)?;
        Ok(self.decide_at(request, now))
    }

    fn decide_at(&self, request: &Request<'_>, now: f64) -> Decision {
        let config = self.current.load();
        let decision = config.decide(request, now);
        if decision.rule_errored && self.logger.enabled() {
            self.logger.log(
                LogLevel::Error,
                &format!(
                    "rule {} errored: {}",
                    decision.rule.map(|r| r.to_string()).unwrap_or_default(),
                    decision.detail.as_deref().unwrap_or("")
                ),
            );
        }
        decision
    }
}

impl Engine {
    /// Decides a request as if it carried a valid token with these claims:
    /// token validation is skipped and only the rules run. For testing rules
    /// (`claimcheck test`) without minting tokens; never for live traffic.
    pub fn authorize_claims_at(
        &self,
        request: &Request<'_>,
        claims: serde_json::Map<String, serde_json::Value>,
        now: f64,
    ) -> Result<Decision, InvalidTime> {
        check_time(now)?;
        let claims = Claims::from_map(claims);
        let config = self.current.load();
        let issuer = claims.get("iss").and_then(serde_json::Value::as_str).unwrap_or("").to_owned();
        let tid = claims.get("tid").and_then(serde_json::Value::as_str);
        let (provider, views) = config
            .provider_for(&issuer, tid)
            .map(|p| (p.name.clone(), p.views.clone()))
            .unwrap_or_else(|| (Arc::from("test"), ClaimViews::default()));
        Ok(config.run_rules(Some(identity(provider, issuer, claims, &views)), request, now, None))
    }
}

/// The identity that claims establish for a provider: the one place it is
/// built, for a validated token and for [`Engine::authorize_claims_at`].
fn identity(provider: Arc<str>, issuer: String, claims: Claims, views: &ClaimViews) -> Identity {
    let subject = claims.string("sub").map(str::to_owned);
    Identity::new(provider, issuer, subject, Arc::new(claims), views)
}

/// A clock value [`Engine::authorize_at`] refuses: not finite, or before
/// the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InvalidTime(pub f64);

impl std::fmt::Display for InvalidTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`now` must be a finite number of seconds since the Unix epoch, not negative; got {}", self.0)
    }
}

impl std::error::Error for InvalidTime {}

/// Refuses a clock that is NaN, infinite or negative.
pub(crate) fn check_time(now: f64) -> Result<(), InvalidTime> {
    if now.is_finite() && now >= 0.0 {
        Ok(())
    } else {
        Err(InvalidTime(now))
    }
}

impl Compiled {
    fn decide(&self, request: &Request<'_>, now: f64) -> Decision {
        match self.sources.find(request) {
            Credential::Missing => match self.mode {
                Mode::Strict => self.deny_missing_token(),
                Mode::Optional | Mode::Permissive => self.run_rules(None, request, now, None),
            },
            Credential::Multiple(detail) => match self.mode {
                Mode::Permissive => self.run_rules(
                    None,
                    request,
                    now,
                    Some(format!("credentials ignored in permissive mode: {detail}")),
                ),
                Mode::Strict | Mode::Optional => {
                    Decision::deny(Reason::MultipleTokens, &self.challenge, None, DecidingRule::default(), Some(detail))
                }
            },
            Credential::Malformed(detail, source) => {
                self.decide_token(Err(TokenError::new(Reason::MalformedToken, detail)), source, request, now)
            }
            Credential::Present(token, source) => self.decide_token(self.validate(&token, now), source, request, now),
        }
    }

    /// The decision for a request with one credential, valid or not:
    /// permissive mode sets an invalid one aside and runs the rules
    /// unauthenticated; the others refuse it. The decision names where the
    /// credential was, so a middleware can strip it either way.
    fn decide_token(
        &self,
        verdict: Result<Identity, TokenError>,
        source: CredentialSource,
        request: &Request<'_>,
        now: f64,
    ) -> Decision {
        let mut decision = match verdict {
            Ok(identity) => self.run_rules(Some(identity), request, now, None),
            Err(err) => match self.mode {
                Mode::Permissive => self.run_rules(
                    None,
                    request,
                    now,
                    Some(format!("token ignored in permissive mode: {}: {}", err.reason, err.detail)),
                ),
                Mode::Strict | Mode::Optional => self.deny_token(err),
            },
        };
        decision.credential = Some(source);
        decision
    }

    /// Validates a token completely: form, provider, key, signature, claims.
    pub(crate) fn validate(&self, token: &str, now: f64) -> Result<Identity, TokenError> {
        if token.len() > self.limits.max_token_size {
            return Err(TokenError::new(
                Reason::TokenTooLarge,
                format!("the token is {} bytes, over `limits.maxTokenSize` {}", token.len(), self.limits.max_token_size),
            ));
        }
        let mut jws = parse_compact(token, self.limits.max_json_depth)?;
        if jws.payload.is_empty() {
            return Err(TokenError::new(
                Reason::MalformedToken,
                "the payload is empty (detached content is not a bearer token)",
            ));
        }
        let payload = String::from_utf8(std::mem::take(&mut jws.payload))
            .map_err(|_| TokenError::new(Reason::MalformedToken, "the claims are not UTF-8 text"))?;
        let claims = Claims::parse(payload, self.limits.max_json_depth)
            .map_err(|e| TokenError::new(Reason::MalformedToken, format!("the claims are not a JSON object: {e}")))?;
        let iss = match claims.string("iss") {
            Some(iss) => iss,
            None if claims.contains_key("iss") => {
                return Err(TokenError::new(Reason::InvalidClaim, "claim `iss` is not a string"))
            }
            None => return Err(TokenError::new(Reason::InvalidClaim, "required claim `iss` is missing")),
        };
        let tid = claims.string("tid");
        let provider = self
            .provider_for(iss, tid)
            .ok_or_else(|| TokenError::new(Reason::UnknownIssuer, format!("no provider has issuer `{iss}`")))?;
        let unavailable =
            |why: String| TokenError::new(Reason::KeysUnavailable, format!("provider `{}`: {why}", provider.name));
        let kid = jws.header.kid.as_deref();
        // Besides the verdict, say whether the key set lacks the token's
        // `kid`: only then may a refetch help (key rotation).
        let check = |keys: &crate::keys::KeySet| {
            let verdict = verify_signature(&jws, keys, provider.algorithms);
            let unknown_kid = verdict.is_err() && kid.is_some_and(|k| !keys.has_kid(k));
            (verdict, unknown_kid)
        };
        let (verdict, unknown_kid) = provider.keys.with_keys(check).map_err(unavailable)?;
        match (verdict, kid) {
            (Err(e), Some(kid)) if unknown_kid && e.reason == Reason::UnknownKey => {
                if !provider.keys.refetch_for_unknown_kid(kid) {
                    return Err(e);
                }
                provider.keys.with_keys(check).map_err(unavailable)?.0?;
            }
            (verdict, _) => verdict?,
        }
        provider.policy.check(&claims, jws.header.typ.as_deref(), now)?;

        let issuer = iss.to_owned();
        Ok(identity(provider.name.clone(), issuer, claims, &provider.views))
    }

    fn deny_missing_token(&self) -> Decision {
        Decision::deny(Reason::MissingToken, &self.challenge, None, DecidingRule::default(), None)
    }

    /// Refuses a token: 401 `invalid_token`, or 503 when the keys are unavailable.
    fn deny_token(&self, err: TokenError) -> Decision {
        Decision::deny(err.reason, &self.challenge, None, DecidingRule::default(), Some(err.detail))
    }

    fn run_rules(
        &self,
        identity: Option<Identity>,
        request: &Request<'_>,
        now: f64,
        auth_detail: Option<String>,
    ) -> Decision {
        if self.rules.is_empty() {
            return Decision::allow(identity, DecidingRule::default(), auth_detail);
        }
        let outcome = self.rules.evaluate(&RuleInput { identity: identity.as_ref(), request, now });
        let detail = match (auth_detail, outcome.detail) {
            (Some(a), Some(b)) => Some(format!("{a}; {b}")),
            (a, b) => a.or(b),
        };
        let rule = DecidingRule { index: outcome.rule, errored: outcome.errored, missing_scope: outcome.missing_scope };
        match outcome.refusal {
            None => Decision::allow(identity, rule, detail),
            // Without a valid token, authenticating may help: 401 with the
            // challenge. With one, the answer is final: 403.
            Some(refusal) => Decision::deny(refusal.into(), &self.challenge, identity, rule, detail),
        }
    }
}
