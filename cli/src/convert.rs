//! `claimcheck convert`: print the native config that a file expands to,
//! whatever shape it is written in (agentgateway `policies:`, Kubernetes
//! resources, Gloo auth configs, IdP presets), for review and migration.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use claimcheck::cli::{native_text, parse_config};

use crate::common::{config_path, usage, EXIT_USAGE};

/// Print the native config a file expands to (YAML, or JSON with `--json`).
///
/// Loads the file as the engine does (fetching nothing): agentgateway
/// `policies:` blocks, a stream of Kubernetes resources (agentgateway
/// policies and backends, Gloo ExtAuthPolicy / AuthConfig) and IdP presets
/// become the native fields they mean. Warnings go to stderr. The result
/// loads into the same engine.
///
/// Exit 0 when the file loads, 2 when it does not.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck convert examples/kubernetes/okta-lab.yaml
  claimcheck convert gateway-policies.yaml --json > claimcheck.json
  claimcheck convert config.yaml > expanded.yaml   # presets written out")]
pub struct ConvertArgs {
    /// The file (YAML or JSON; a YAML stream of Kubernetes resources).
    #[arg(value_name = "FILE")]
    config_positional: Option<PathBuf>,
    /// The file; same as the first argument.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print JSON instead of YAML.
    #[arg(long)]
    json: bool,
}

/// Runs `claimcheck convert`.
pub fn run(args: ConvertArgs) -> ExitCode {
    let path = match config_path(args.config, args.config_positional) {
        Ok(p) => p,
        Err(e) => return usage("convert", e),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => return usage("convert", format!("cannot read `{}`: {e}", path.display())),
    };
    let file = match parse_config(&text).and_then(|f| f.compile_rules().map(|_| f)) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
    };
    for w in &file.load_warnings {
        eprintln!("warning: {w}");
    }
    match native_text(&file, args.json) {
        Ok(text) => {
            if !args.json {
                println!("# claimcheck config converted from {} ({})", path.display(), file.origin.shape.as_str());
            }
            print!("{text}");
            if !text.ends_with('\n') {
                println!();
            }
        }
        Err(e) => return usage("convert", format!("cannot write the config: {e}")),
    }
    ExitCode::SUCCESS
}
