//! `claimcheck schema`: the config's JSON Schema, derived from the types the
//! loader deserializes into, for editors and CI linting.

use std::process::ExitCode;

use clap::Args;
use claimcheck::cli::ConfigFile;
use serde_json::{json, Value};

/// Print the config's JSON Schema (draft 2020-12).
///
/// Exit 0.
#[derive(Args)]
#[command(after_help = "Examples:
  claimcheck schema > claimcheck.schema.json
  # YAML editors: add `# yaml-language-server: $schema=claimcheck.schema.json` to the config")]
pub struct SchemaArgs {}

/// The schema as JSON.
pub fn schema() -> Value {
    let mut schema = serde_json::to_value(schemars::schema_for!(ConfigFile)).unwrap_or_default();
    if let Some(props) = schema.get_mut("properties").and_then(Value::as_object_mut) {
        // `policies:` is translated into the native tree before the schema
        // applies, so it is described here rather than derived.
        props.insert(
            "policies".into(),
            json!({
                "type": "object",
                "description": "agentgateway policy blocks, loaded unchanged: jwtAuth, mcpAuthentication, authorization, mcpAuthorization",
                "properties": {
                    "jwtAuth": {"type": "object"},
                    "mcpAuthentication": {"type": "object"},
                    "authorization": {"type": "object", "properties": {"rules": {"type": "array", "items": {"type": "string"}}}},
                    "mcpAuthorization": {"type": "object", "properties": {"rules": {"type": "array", "items": {"type": "string"}}}}
                },
                "additionalProperties": false
            }),
        );
    }
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), json!("claimcheck config"));
    }
    schema
}

/// Runs `claimcheck schema`.
pub fn run(_: SchemaArgs) -> ExitCode {
    println!("{:#}", schema());
    ExitCode::SUCCESS
}
