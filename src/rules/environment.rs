//! The CEL environment rules compile and run against: the standard library,
//! the string, math, list and encoder extensions, `cel.bind`, and the
//! internal functions the compiler rewrites calls to (regex table,
//! comprehension size guard). Built once per [`super::RuleSet`], at load.

use super::bind::{bind_macro, BIND_GUARD};
use super::regex_cache::{compile_dynamic, MATCHES_DYNAMIC, MATCHES_LITERAL};
use cel::common::types::{CelBool, CelBytes, CelInt, CelString};
use cel::common::value::CowVal;
use cel::{extensions, Context, Env, ExecutionError, FunctionContext};
use regex::Regex;
use std::cell::Cell;
use std::sync::Arc;

/// Internal function wrapped around every comprehension's range: checks the
/// size of the list or map against the limit and the per-evaluation budget.
pub(crate) const RANGE_GUARD: &str = "@cc_range";

/// Total elements all comprehensions of one evaluation may iterate over, as
/// a multiple of `max_comprehension_size`: nested comprehensions multiply,
/// so a per-comprehension limit alone would not bound the cost.
pub(crate) const BUDGET_FACTOR: usize = 10;

/// Largest string or bytes value `cel.bind` may bind, in bytes.
pub(crate) const MAX_BOUND_BYTES: usize = 64 * 1024;

/// The variables a rule may name: those the engine supplies, and those an
/// agentgateway host may supply as attributes (reading one the host did not
/// supply is a run-time error, so the rule fails closed).
pub(crate) const STANDARD_VARIABLES: &[&str] = &["jwt", "auth", "request", "source", "now"];
/// Attribute roots a host may supply (agentgateway's names).
pub(crate) const HOST_VARIABLES: &[&str] = &[
    "mcp",
    "llm",
    "llmRequest",
    "backend",
    "extauthz",
    "extproc",
    "apiKey",
    "basicAuth",
    "response",
    "metadata",
    "env",
];
/// Type names an expression may use as values (`type(x) == string`).
pub(crate) const TYPE_NAMES: &[&str] = &[
    "bool", "int", "uint", "double", "string", "bytes", "list", "map", "null_type", "type",
    "dyn", "optional_type",
];

thread_local! {
    /// Elements the current evaluation on this thread may still iterate
    /// over. Set by the evaluator before each evaluation.
    static BUDGET: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// The limits one evaluation runs under.
#[derive(Debug, Clone, Copy)]
pub(crate) struct EvalBudget {
    /// `limits.maxComprehensionSize`.
    pub comprehension: usize,
    /// `limits.maxRuleCost`.
    pub cost: usize,
}

/// Sets the comprehension and cost budgets for the next evaluation on this
/// thread.
pub(crate) fn reset_budget(budget: EvalBudget) {
    BUDGET.with(|b| b.set(budget.comprehension.saturating_mul(BUDGET_FACTOR)));
    super::cost::reset_cost(budget.cost);
}

/// A root-context function, as the cel crate stores them.
type CtxFn = Box<
    dyn for<'c, 'k> Fn(&mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError>
        + Send
        + Sync,
>;

/// The environment: extensions and macros. Errors are internal (they would
/// mean a clash inside the cel crate) and reported as messages.
pub(crate) fn build_env() -> Result<Env, String> {
    let mut env = Env::stdlib();
    let internal = |e: cel::DeclarationError| format!("internal error building the cel environment: {e}");
    env.add_extension(extensions::strings).map_err(internal)?;
    env.add_extension(extensions::math).map_err(internal)?;
    env.add_extension(extensions::lists).map_err(internal)?;
    env.add_extension(extensions::encoders).map_err(internal)?;
    env.add_macro(bind_macro()).map_err(internal)?;
    Ok(env)
}

/// The root context for a rule set: the internal functions, closing over the
/// precompiled regex table and the comprehension limit.
pub(crate) fn build_root(
    env: Arc<Env>,
    regexes: Arc<Vec<Regex>>,
    max_comprehension_size: usize,
    max_rule_value_size: usize,
) -> Result<Context<'static, 'static>, String> {
    let mut root = Context::with_env(env);
    let internal = |e: cel::DeclarationError| format!("internal error building the cel context: {e}");

    let guard: CtxFn = Box::new(move |ftx| {
        let arg = take_first(ftx)?;
        if let Some(sizer) = arg.as_sizer() {
            let size = usize::try_from(*sizer.size().inner()).unwrap_or(usize::MAX);
            if size > max_comprehension_size {
                return Err(ExecutionError::function_error(
                    "comprehension",
                    format!("iterates over {size} elements, more than the limit of {max_comprehension_size}"),
                ));
            }
            if !super::cost::spend(size) {
                return Err(ExecutionError::function_error(
                    "comprehension",
                    "the evaluation would cost more than `limits.maxRuleCost`",
                ));
            }
            let left = BUDGET.with(|b| {
                let left = b.get().checked_sub(size);
                b.set(left.unwrap_or(0));
                left
            });
            if left.is_none() {
                return Err(ExecutionError::function_error(
                    "comprehension",
                    "evaluation iterates over too many elements in total",
                ));
            }
        }
        Ok(arg)
    });
    root.add_function(RANGE_GUARD, guard).map_err(internal)?;

    let cost_pass: CtxFn = Box::new(move |ftx| {
        let args = std::mem::take(&mut ftx.args);
        super::cost::check(&args, max_rule_value_size)?;
        args.into_iter().nth(1).ok_or_else(|| ExecutionError::invalid_argument_count(2, 1))
    });
    root.add_function(super::cost::COST_PASS, cost_pass).map_err(internal)?;
    let cost_list: CtxFn = Box::new(move |ftx| {
        let args = std::mem::take(&mut ftx.args);
        super::cost::check(&args, max_rule_value_size)?;
        let values: Vec<Box<dyn cel::common::value::Val + '_>> = args.into_iter().skip(1).map(CowVal::into_owned).collect();
        Ok(CowVal::owned(cel::common::types::CelList::from(values)))
    });
    root.add_function(super::cost::COST_LIST, cost_list).map_err(internal)?;

    let bind_guard: CtxFn = Box::new(|ftx| {
        let arg = take_first(ftx)?;
        let len = if let Some(s) = arg.downcast_ref::<CelString>() {
            s.inner().len()
        } else if let Some(b) = arg.downcast_ref::<CelBytes>() {
            b.inner().len()
        } else {
            0
        };
        if len > MAX_BOUND_BYTES {
            return Err(ExecutionError::function_error(
                "cel.bind",
                format!("bound value is {len} bytes, more than the limit of {MAX_BOUND_BYTES}"),
            ));
        }
        Ok(arg)
    });
    root.add_function(BIND_GUARD, bind_guard).map_err(internal)?;

    let literal: CtxFn = Box::new(move |ftx| {
        let (text, index) = two_args(ftx)?;
        let text = text
            .downcast_ref::<CelString>()
            .ok_or_else(|| no_overload(text.get_type().name()))?;
        let index = index
            .downcast_ref::<CelInt>()
            .and_then(|i| usize::try_from(*i.inner()).ok())
            .and_then(|i| regexes.get(i))
            .ok_or_else(|| ExecutionError::function_error("matches", "internal regex table mismatch"))?;
        Ok(CowVal::owned(CelBool::from(index.is_match(text.inner()))))
    });
    root.add_function(MATCHES_LITERAL, literal).map_err(internal)?;

    let dynamic: CtxFn = Box::new(|ftx| {
        let (text, pattern) = two_args(ftx)?;
        let (Some(text), Some(pattern)) = (
            text.downcast_ref::<CelString>(),
            pattern.downcast_ref::<CelString>(),
        ) else {
            return Err(no_overload(text.get_type().name()));
        };
        let re = compile_dynamic(pattern.inner())
            .map_err(|m| ExecutionError::function_error("matches", m))?;
        Ok(CowVal::owned(CelBool::from(re.is_match(text.inner()))))
    });
    root.add_function(MATCHES_DYNAMIC, dynamic).map_err(internal)?;
    Ok(root)
}

fn no_overload(got: &str) -> ExecutionError {
    ExecutionError::no_such_overload("matches", vec![got.to_owned(), "string".to_owned()])
}

fn take_first<'c, 'k>(ftx: &mut FunctionContext<'c, 'k>) -> Result<CowVal<'c, 'k>, ExecutionError> {
    let args = std::mem::take(&mut ftx.args);
    let n = args.len();
    let mut it = args.into_iter();
    match (it.next(), n) {
        (Some(a), 1) => Ok(a),
        _ => Err(ExecutionError::invalid_argument_count(1, n)),
    }
}

fn two_args<'c, 'k>(
    ftx: &mut FunctionContext<'c, 'k>,
) -> Result<(CowVal<'c, 'k>, CowVal<'c, 'k>), ExecutionError> {
    let args = std::mem::take(&mut ftx.args);
    let n = args.len();
    let mut it = args.into_iter();
    match (it.next(), it.next(), n) {
        (Some(a), Some(b), 2) => Ok((a, b)),
        _ => Err(ExecutionError::invalid_argument_count(2, n)),
    }
}
