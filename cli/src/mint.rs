//! `claimcheck mint`: sign a one-off development token with a local key.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clap::Args;
use claimcheck::cli::ConfigDuration;
use claimcheck::dev::DevKey;
use claimcheck::dev::Algorithm;
use serde_json::{Map, Value};

use crate::common::usage;

/// Sign a development token with a local key (never for production).
///
/// With `--new-key FILE` a key is generated and saved (its public JWKS goes
/// next to it as FILE.jwks.json); with `--key FILE` a saved key signs.
/// `iat` and `exp` are added unless the claims set them. Prints the token.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck mint --new-key dev-key.json --alg ES256 --claims '{\"iss\":\"https://dev.local\",\"aud\":\"api\",\"sub\":\"alice\"}'
  claimcheck mint --key dev-key.json --claims '{\"iss\":\"https://dev.local\",\"aud\":\"api\",\"sub\":\"bob\"}' --ttl 5m")]
pub struct MintArgs {
    /// A key file written by an earlier `--new-key`.
    #[arg(long, value_name = "FILE", conflicts_with = "new_key")]
    key: Option<PathBuf>,
    /// Generate a key, save it to FILE (and its JWKS to FILE.jwks.json).
    #[arg(long, value_name = "FILE")]
    new_key: Option<PathBuf>,
    /// Algorithm for a new key.
    #[arg(long, default_value = "RS256")]
    alg: String,
    /// `kid` for a new key.
    #[arg(long, default_value = "dev-key")]
    kid: String,
    /// The claims as a JSON object.
    #[arg(long, value_name = "JSON_OBJECT")]
    claims: String,
    /// Lifetime when the claims have no `exp`.
    #[arg(long, default_value = "1h")]
    ttl: String,
    /// Header `typ` (e.g. `at+jwt`).
    #[arg(long, default_value = "JWT")]
    typ: String,
}

/// Runs `claimcheck mint`.
pub fn run(args: MintArgs) -> ExitCode {
    let key = match (&args.key, &args.new_key) {
        (Some(path), _) => {
            let text = match std::fs::read_to_string(path) {
                Ok(t) => t,
                Err(e) => return usage("mint", format!("cannot read `{}`: {e}", path.display())),
            };
            match serde_json::from_str::<Value>(&text).map_err(|e| e.to_string()).and_then(|v| DevKey::from_json(&v)) {
                Ok(k) => k,
                Err(e) => return usage("mint", format!("`{}`: {e}", path.display())),
            }
        }
        (None, Some(path)) => {
            let Some(alg) = Algorithm::from_name(&args.alg) else {
                return usage("mint", format!("unknown algorithm `{}`", args.alg));
            };
            let key = match DevKey::generate(alg, &args.kid) {
                Ok(k) => k,
                Err(e) => return usage("mint", e),
            };
            let saved = key.to_json().and_then(|doc| {
                std::fs::write(path, format!("{doc:#}\n")).map_err(|e| e.to_string())?;
                let jwks = path.with_extension("jwks.json");
                std::fs::write(&jwks, format!("{:#}\n", DevKey::jwks(&[&key]))).map_err(|e| e.to_string())
            });
            if let Err(e) = saved {
                return usage("mint", format!("cannot save the key: {e}"));
            }
            key
        }
        (None, None) => return usage("mint", "give `--key FILE` or `--new-key FILE`"),
    };
    let mut claims: Map<String, Value> = match serde_json::from_str(&args.claims) {
        Ok(Value::Object(m)) => m,
        _ => return usage("mint", "`--claims` must be a JSON object"),
    };
    let ttl = match ConfigDuration::parse(&args.ttl) {
        Ok(d) => d.0.as_secs(),
        Err(e) => return usage("mint", e),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    claims.entry("iat").or_insert(Value::from(now));
    claims.entry("exp").or_insert(Value::from(now + ttl));
    match key.sign(&Value::Object(claims), Some(&args.typ), &Map::new()) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => usage("mint", e),
    }
}
