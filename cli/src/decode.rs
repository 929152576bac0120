//! `claimcheck decode`: show a token's header and claims, unverified.

use std::process::ExitCode;

use clap::Args;
use claimcheck::token::{base64url, json};
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

fn part(text: &str, what: &str) -> Result<Value, String> {
    let bytes = base64url::decode(text).map_err(|e| format!("the {what} is not base64url: {e}"))?;
    json::parse_object(&bytes, 64).map(Value::Object).map_err(|e| format!("the {what} is not a JSON object: {e}"))
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
    let parts: Vec<&str> = token.split('.').collect();
    let [h, p, _] = parts.as_slice() else {
        return usage("decode", "a JWT has three dot-separated parts");
    };
    let (header, claims) = match (part(h, "header"), part(p, "payload")) {
        (Ok(h), Ok(c)) => (h, c),
        (Err(e), _) | (_, Err(e)) => return usage("decode", e),
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
