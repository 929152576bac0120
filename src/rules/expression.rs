//! One-off evaluation for the `claimcheck eval` command, and a hidden entry
//! point for the CEL conformance runner. Both go through the same compiler
//! (limits, checks, rewrites) as rule sets.
// `eval_expression` and its value conversion serve the CLI's `eval`;
// a build with only the test hooks compiles them without a caller.
#![cfg_attr(not(any(test, feature = "cli")), allow(dead_code, unused_imports))]

use super::environment::EvalBudget;
use super::activation::json_to_val;
use super::compile::{compile_rules, on_compile_thread, CompiledRules, HARD_MAX_DEPTH};
use super::evaluate::eval_value;
use super::{RuleError, RuleKind, RuleLimits, RuleSpec};
use cel::common::value::Val;
use cel::Value;
use serde_json::Value as Json;

fn compile_one(
    expr: &str,
    names: Vec<String>,
    limits: &RuleLimits,
    depth_cap: usize,
    check_names: bool,
) -> Result<CompiledRules, String> {
    let spec = vec![RuleSpec { kind: RuleKind::Allow, expr: expr.to_owned() }];
    let limits = limits.clone();
    on_compile_thread(move || {
        let known: Vec<&str> = names.iter().map(String::as_str).collect();
        compile_rules(&spec, &limits, &known, depth_cap, check_names, false)
    })
    .map_err(|e: RuleError| match e.column {
        Some(c) => format!("column {c}: {}", e.message),
        None => e.message,
    })
}

/// Evaluates `expr` with the top-level variables `vars` (JSON: integers are
/// `int`, other numbers `double`) and returns the result as JSON. Timestamps
/// and durations become strings, bytes base64; errors are messages.
pub fn eval_expression(
    expr: &str,
    vars: &serde_json::Map<String, Json>,
    limits: &RuleLimits,
) -> Result<Json, String> {
    let compiled = compile_one(expr, vars.keys().cloned().collect(), limits, HARD_MAX_DEPTH, true)?;
    let mut ctx = compiled.root.new_inner_scope();
    for (k, v) in vars {
        ctx.add_variable_as_val(k.clone(), json_to_val(v, 0));
    }
    let rule = compiled.rules.first().ok_or("internal error: no rule compiled")?;
    let v = eval_value(rule, &ctx, EvalBudget { comprehension: limits.max_comprehension_size, cost: limits.max_rule_cost })?;
    val_to_json(v.as_ref())
}

/// A CEL value as JSON.
fn val_to_json(v: &dyn Val) -> Result<Json, String> {
    let value = Value::try_from(v).map_err(|e| format!("cannot convert the result: {e}"))?;
    Ok(value_to_json(&value))
}

fn value_to_json(v: &Value) -> Json {
    match v {
        Value::Null => Json::Null,
        Value::Bool(b) => Json::Bool(*b),
        Value::Int(i) => Json::from(*i),
        Value::UInt(u) => Json::from(*u),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or_else(|| Json::String(f.to_string()), Json::Number),
        Value::String(s) => Json::String(s.to_string()),
        Value::Bytes(b) => Json::String(base64_encode(b)),
        Value::List(items) => Json::Array(items.iter().map(value_to_json).collect()),
        Value::Map(m) => {
            let mut entries: Vec<(String, Json)> = m
                .map
                .iter()
                .map(|(k, v)| {
                    let key = match k {
                        cel::objects::Key::Int(i) => i.to_string(),
                        cel::objects::Key::Uint(u) => u.to_string(),
                        cel::objects::Key::Bool(b) => b.to_string(),
                        cel::objects::Key::String(s) => s.to_string(),
                    };
                    (key, value_to_json(v))
                })
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Json::Object(entries.into_iter().collect())
        }
        Value::Timestamp(t) => Json::String(t.to_rfc3339()),
        Value::Duration(d) => Json::String(format_duration(d)),
        other => Json::String(format!("{other:?}")),
    }
}

fn format_duration(d: &chrono::Duration) -> String {
    let secs = d.num_seconds();
    let nanos = d.subsec_nanos();
    if nanos == 0 {
        format!("{secs}s")
    } else {
        let frac = format!("{:09}", nanos.unsigned_abs());
        let sign = if secs == 0 && nanos < 0 { "-" } else { "" };
        format!("{sign}{secs}.{}s", frac.trim_end_matches('0'))
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk.first().copied().unwrap_or(0), chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].into_iter().enumerate() {
            if i <= chunk.len() {
                let idx = usize::try_from((n >> shift) & 63).unwrap_or(0);
                out.push(char::from(ALPHABET.get(idx).copied().unwrap_or(b'=')));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// For the conformance runner only: not part of the engine's API.
#[doc(hidden)]
pub mod conformance {
    use super::*;

    /// Compiles and evaluates `expr` with `vars`, through the rules compiler,
    /// allowing nesting up to `depth_cap`. Evaluate on a thread with a large
    /// stack when `depth_cap` exceeds the default.
    pub fn eval_values(
        expr: &str,
        vars: Vec<(String, Value)>,
        limits: &RuleLimits,
        depth_cap: usize,
    ) -> Result<Value, String> {
        eval_values_with(expr, vars, limits, depth_cap, true)
    }

    /// As [`eval_values`]; with `check_names` off, as for a cel-spec test
    /// marked `disable_check`, unknown variables and functions are run-time
    /// errors rather than compile errors (everything else is checked).
    pub fn eval_values_with(
        expr: &str,
        vars: Vec<(String, Value)>,
        limits: &RuleLimits,
        depth_cap: usize,
        check_names: bool,
    ) -> Result<Value, String> {
        let names = vars.iter().map(|(k, _)| k.clone()).collect();
        let compiled =
            compile_one(expr, names, limits, depth_cap, check_names).map_err(|e| format!("compile: {e}"))?;
        let mut ctx = compiled.root.new_inner_scope();
        for (k, v) in vars {
            let v: Box<dyn Val> = v.try_into().map_err(|e| format!("binding `{k}`: {e:?}"))?;
            ctx.add_variable_as_val(k, v);
        }
        let rule = compiled.rules.first().ok_or("internal error: no rule compiled")?;
        let v = eval_value(rule, &ctx, EvalBudget { comprehension: limits.max_comprehension_size, cost: limits.max_rule_cost })?;
        Value::try_from(v.as_ref()).map_err(|e| format!("cannot convert the result: {e}"))
    }
}
