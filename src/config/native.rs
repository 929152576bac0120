//! A loaded config written back in the native shape, as `claimcheck
//! convert` prints it: presets expanded, foreign shapes translated, and
//! nothing that only restates a default (absent fields, `allowHttp: false`,
//! `typ: any`, default limits are not serialized), in the schema's field
//! order, so the result reads like a config a person would write and loads
//! into the same engine.

use serde_json::Value;

use super::schema::ConfigFile;

/// The native config tree of `file`.
pub fn native_tree(file: &ConfigFile) -> Value {
    serde_json::to_value(file).unwrap_or(Value::Null)
}

/// The native config of `file` as YAML, or as JSON when `json`.
#[cfg(feature = "cli")]
pub fn native_text(file: &ConfigFile, json: bool) -> Result<String, String> {
    if json {
        serde_json::to_string_pretty(file).map_err(|e| e.to_string())
    } else {
        // Long URLs and inline key sets stay on one line: no folded scalars.
        let mut options = serde_saphyr::SerializerOptions::default();
        options.prefer_block_scalars = false;
        serde_saphyr::to_string_with_options(file, options).map_err(|e| e.to_string())
    }
}
