//! `claimcheck eval`: evaluate one CEL expression over JSON variables.

use std::process::ExitCode;

use clap::Args;
use claimcheck::cli::Limits;
use serde_json::{Map, Value};

use crate::common::EXIT_USAGE;

/// Evaluate a CEL expression and print its value as JSON.
///
/// Exit 0 with the value on stdout; 1 when the expression fails to compile
/// or evaluate (message on stderr); 2 for a usage error.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck eval --expr '\"AI-Users\" in jwt.groups' --vars '{\"jwt\": {\"groups\": [\"AI-Users\"]}}'
  claimcheck eval --expr 'jwt.exp - 60' --vars '{\"jwt\": {\"exp\": 1767229200}}'")]
pub struct EvalArgs {
    /// The CEL expression.
    #[arg(long)]
    expr: String,
    /// Top-level variables as one JSON object.
    #[arg(long, value_name = "JSON_OBJECT")]
    vars: Option<String>,
}

/// Runs `claimcheck eval`.
pub fn run(args: EvalArgs) -> ExitCode {
    let vars: Map<String, Value> = match args.vars.as_deref().map(serde_json::from_str::<Value>) {
        None => Map::new(),
        Some(Ok(Value::Object(map))) => map,
        Some(Ok(_)) => {
            eprintln!("claimcheck eval: `--vars` must be a JSON object");
            return ExitCode::from(EXIT_USAGE);
        }
        Some(Err(e)) => {
            eprintln!("claimcheck eval: `--vars` is not JSON: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    match claimcheck::cli::eval_expression(&args.expr, &vars, &Limits::default().rule_limits()) {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("claimcheck eval: {message}");
            ExitCode::from(1)
        }
    }
}
