//! `claimcheck decode`: show a token's header and claims, unverified.

use std::process::ExitCode;

use clap::Args;
use serde_json::{json, Value};

use crate::common::{usage, Paint};

/// Show a token's header and claims WITHOUT verifying anything.
///
/// Exit 0 when the token decodes; 2 when it is not a compact JWS.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck decode \"$(cat examples/okta/alice.jwt)\"
  claimcheck decode --json eyJhbGciOi...")]
pub struct DecodeArgs {
    /// The token (compact JWS); `-` reads it from stdin.
    token: String,
    /// Print one JSON object `{verified: false, header, claims}`.
    #[arg(long)]
    json: bool,
}

/// Runs `claimcheck decode`.
pub fn run(args: DecodeArgs) -> ExitCode {
    let token = if args.token == "-" {
        let mut s = String::new();
        if let Err(e) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut s) {
            return usage("decode", format!("cannot read stdin: {e}"));
        }
        s
    } else {
        args.token.clone()
    };
    let token = token.trim();
    let token = token.strip_prefix("Bearer ").unwrap_or(token);
    // The engine's own reader and nesting bound (`limits.maxJsonDepth`):
    // `decode` shows exactly what the engine can parse, nothing more.
    let (header, claims) = match claimcheck::cli::decode_unverified(token, claimcheck::cli::Limits::default().max_json_depth) {
        Ok((h, c)) => (Value::Object(h), Value::Object(c)),
        Err(e) => return usage("decode", e),
    };
    if args.json {
        println!("{}", json!({"verified": false, "header": header, "claims": claims}));
    } else {
        let paint = Paint::stdout();
        println!("{}", paint.warn("UNVERIFIED: decoded only; the signature and claims were not checked"));
        println!("{}", paint.bold("header:"));
        println!("{}", serde_json::to_string_pretty(&header).unwrap_or_default());
        println!("{}", paint.bold("claims:"));
        println!("{}", serde_json::to_string_pretty(&claims).unwrap_or_default());
    }
    ExitCode::SUCCESS
}
