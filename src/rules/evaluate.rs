//! Per-request evaluation: deny, then require, then allow, failing closed.

use super::activation::Activation;
use super::compile::CompiledRule;
use super::reads::Selection;
use super::environment::{reset_budget, EvalBudget};
use super::{Refusal, RuleInput, RuleKind, RuleOutcome, RuleSet};
use cel::common::types::CelBool;
use cel::{Context, ExecutionError, Value};

/// Evaluates one compiled expression to a bool; anything else is an error.
pub(crate) fn eval_bool(
    rule: &CompiledRule,
    ctx: &Context<'_, '_>,
    budget: EvalBudget,
) -> Result<bool, String> {
    reset_budget(budget);
    match Value::resolve_val(&rule.expr, ctx) {
        Ok(v) => match v.downcast_ref::<CelBool>() {
            Some(b) => Ok(*b.inner()),
            None => Err(format!("rule evaluated to a `{}`, not a bool", v.get_type().name())),
        },
        Err(e) => Err(error_message(&e)),
    }
}

/// An evaluation error as a log message.
pub(crate) fn error_message(e: &ExecutionError) -> String {
    match e {
        ExecutionError::UndeclaredReference(name) => {
            format!("`{name}` is not available for this request")
        }
        other => other.to_string(),
    }
}

/// Any value, evaluated; for `eval_expression`.
#[cfg(any(test, feature = "cli", feature = "test-hooks"))]
pub(crate) fn eval_value<'b, 'v>(
    rule: &'b CompiledRule,
    ctx: &'b Context<'_, 'v>,
    budget: EvalBudget,
) -> Result<cel::common::value::CowVal<'b, 'v>, String> {
    reset_budget(budget);
    Value::resolve_val(&rule.expr, ctx).map_err(|e| error_message(&e))
}

pub(crate) fn evaluate(set: &RuleSet, input: &RuleInput<'_, '_>) -> RuleOutcome {
    let activation = Activation::new(input, &set.reads);
    let mut ctx = set.root.new_inner_scope();
    ctx.set_variable_resolver(&activation);
    let max = EvalBudget { comprehension: set.max_comprehension_size, cost: set.max_rule_cost };
    // Past the header bound, rules that read `request.headers` fail closed
    // with a clear error rather than grouping an unbounded list.
    let too_many_headers = (set.reads.headers != Selection::Nothing && input.request.headers.len() > set.max_headers)
        .then(|| {
            format!(
                "the request has {} headers, more than `limits.maxHeaders` ({}); rules that read `request.headers` fail closed",
                input.request.headers.len(),
                set.max_headers
            )
        });
    let eval = |i: usize| -> Result<bool, String> {
        if let Some(e) = &too_many_headers {
            return Err(e.clone());
        }
        match set.rules.get(i) {
            Some(rule) => eval_bool(rule, &ctx, max),
            None => Err("internal error: rule index out of range".to_owned()),
        }
    };
    let refuse = |refusal, rule: usize, error: Option<String>| RuleOutcome {
        refusal: Some(refusal),
        rule: Some(rule),
        errored: error.is_some(),
        missing_scope: None,
        detail: error,
    };

    for &i in &set.deny {
        match eval(i) {
            Ok(false) => {}
            Ok(true) => return refuse(Refusal::DeniedByRule, i, None),
            Err(e) => return refuse(Refusal::DeniedByRule, i, Some(e)),
        }
    }
    for &i in &set.require {
        let failed = match eval(i) {
            Ok(true) => continue,
            Ok(false) => refuse(Refusal::RequiredRuleFailed, i, None),
            Err(e) => refuse(Refusal::RequiredRuleFailed, i, Some(e)),
        };
        let missing = set
            .rules
            .get(i)
            .and_then(|r| r.scopes.as_ref())
            .map(|needed| {
                let granted = input.identity.map(|id| &id.scopes[..]).unwrap_or(&[]);
                needed
                    .iter()
                    .filter(|s| !granted.iter().any(|g| g == *s))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(|m| !m.is_empty())
            .map(|m| m.join(" "));
        return RuleOutcome { missing_scope: missing, ..failed };
    }
    if set.allow.is_empty() {
        return allowed(None);
    }
    let mut first_error = None;
    for &i in &set.allow {
        match eval(i) {
            Ok(true) => return allowed(Some(i)),
            Ok(false) => {}
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some(format!("allow rule {i} errored: {e}"));
                }
            }
        }
    }
    RuleOutcome {
        refusal: Some(Refusal::NoRuleAllowed),
        rule: None,
        errored: false,
        missing_scope: None,
        detail: first_error,
    }
}

fn allowed(rule: Option<usize>) -> RuleOutcome {
    RuleOutcome { refusal: None, rule, errored: false, missing_scope: None, detail: None }
}

/// Indexes of the rules of `kind`, in order.
pub(crate) fn indexes_of(rules: &[CompiledRule], kind: RuleKind) -> Vec<usize> {
    rules.iter().enumerate().filter(|(_, r)| r.kind == kind).map(|(i, _)| i).collect()
}
