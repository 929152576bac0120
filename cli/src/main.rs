//! The `claimcheck` command.
//!
//! Exit codes (every subcommand): 0 success or allowed, 1 denied or a
//! failing check, 2 usage or config error.

mod check;
mod common;
mod convert;
mod decode;
mod demo;
mod devissuer;
mod eval;
mod mint;
mod schema;
mod testcmd;
mod verify;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// claimcheck: JWT validation and CEL authorization rules for gateways.
#[derive(Parser)]
#[command(name = "claimcheck", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    Verify(verify::VerifyArgs),
    Eval(eval::EvalArgs),
    Check(check::CheckArgs),
    Convert(convert::ConvertArgs),
    Test(testcmd::TestArgs),
    Decode(decode::DecodeArgs),
    Mint(mint::MintArgs),
    Schema(schema::SchemaArgs),
    DevIssuer(devissuer::DevIssuerArgs),
    Demo(demo::DemoArgs),
}

use common::EXIT_USAGE;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { 0 });
        }
    };
    match cli.command {
        Command::Verify(args) => verify::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Check(args) => check::run(args),
        Command::Convert(args) => convert::run(args),
        Command::Test(args) => testcmd::run(args),
        Command::Decode(args) => decode::run(args),
        Command::Mint(args) => mint::run(args),
        Command::Schema(args) => schema::run(args),
        Command::DevIssuer(args) => devissuer::run(args),
        Command::Demo(args) => demo::run(args),
    }
}
