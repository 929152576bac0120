//! Bounds on what one rule evaluation may cost. Comprehensions are bounded
//! by the range guard (`environment`); this module bounds the functions
//! whose cost grows with their arguments, which the cel crate runs without
//! any limit: `lists.range(40000).distinct()` took 6.4 s, and a 258-byte
//! chain of `.replace("a","aaaaaaaaaa")` asked for 10^10 bytes, which
//! aborted the host process.
//!
//! The compiler rewrites each call of such a function so that a guard sees
//! its evaluated arguments first ([`wrap_costly_calls`]). The guard
//! estimates, from the argument sizes alone, the size of the value the call
//! would build and the work it would do; it refuses (a rule error, so the
//! rule fails closed) when the value would exceed `limits.maxRuleValueSize`
//! or the work would exhaust the evaluation's `limits.maxRuleCost`, and
//! otherwise lets the original function run. Nothing larger than the limit
//! is ever allocated by these functions.

use std::cell::Cell;

use cel::common::ast::{CallExpr, ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue};
use cel::common::types::{CelBytes, CelInt, CelString};
use cel::common::value::{CowVal, Val};
use cel::ExecutionError;

/// Guard that checks a call's arguments and hands back its first one: the
/// receiver (`recv.f(a)` becomes `@cc_cost("f", recv, a).f(a)`), used when
/// the other arguments are cheap to evaluate twice (literals and names).
pub(crate) const COST_PASS: &str = "@cc_cost";
/// Guard that checks a call's arguments and hands them back as a list, for
/// calls whose arguments are expressions: they are evaluated once, bound,
/// and the call reads them from the list.
pub(crate) const COST_LIST: &str = "@cc_cost_list";
/// Prefix of the names the list form binds.
const BOUND_PREFIX: &str = "@cc_args";

/// Member functions whose cost or result grows with their arguments.
const COSTLY_MEMBERS: &[&str] = &["replace", "split", "join", "format", "distinct", "sort", "flatten", "indexOf", "lastIndexOf"];
/// Namespaced global functions, as `(namespace, name)`.
const COSTLY_GLOBALS: &[(&str, &str)] = &[("lists", "range"), ("strings", "quote"), ("base64", "encode")];

thread_local! {
    /// Cost units the current evaluation on this thread may still spend.
    static COST_LEFT: Cell<usize> = const { Cell::new(usize::MAX) };
}

/// Sets the cost budget for the next evaluation on this thread.
pub(crate) fn reset_cost(max_rule_cost: usize) {
    COST_LEFT.with(|c| c.set(max_rule_cost));
}

/// Spends `units` of the evaluation's budget; false when it runs out.
pub(crate) fn spend(units: usize) -> bool {
    COST_LEFT.with(|c| match c.get().checked_sub(units) {
        Some(left) => {
            c.set(left);
            true
        }
        None => {
            c.set(0);
            false
        }
    })
}

fn is_simple(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Literal(_) | Expr::Ident(_) => true,
        Expr::Select(s) => !s.test && is_simple(&s.operand),
        _ => false,
    }
}

/// Rewrites `call` (whose parts are already rewritten) when it calls a
/// costly function. `next_id` hands out node ids.
pub(crate) fn wrap_costly_calls(e: &mut IdedExpr, next_id: &mut u64) {
    let node_id = e.id;
    let Expr::Call(call) = &mut e.expr else { return };
    let mut fresh = |expr: Expr| {
        *next_id += 1;
        IdedExpr { id: *next_id, expr }
    };
    let name = call.func_name.clone();
    let global = COSTLY_GLOBALS.iter().find(|(ns, f)| {
        *f == name && matches!(call.target.as_deref(), Some(IdedExpr { expr: Expr::Ident(t), .. }) if t == ns)
    });
    if let Some((ns, f)) = global {
        // `lists.range(n)` -> `lists.range(@cc_cost("lists.range", n))`
        if call.args.len() == 1 {
            if let Some(arg) = call.args.pop() {
                let label = fresh(Expr::Literal(LiteralValue::String(format!("{ns}.{f}").into())));
                call.args.push(fresh(Expr::Call(CallExpr { func_name: COST_PASS.into(), target: None, args: vec![label, arg] })));
            }
        }
        return;
    }
    if !COSTLY_MEMBERS.contains(&name.as_str()) || call.target.is_none() {
        return;
    }
    let label = fresh(Expr::Literal(LiteralValue::String(name.clone().into())));
    if call.args.iter().all(is_simple) {
        let Some(target) = call.target.take() else { return };
        let mut args = vec![label, *target];
        args.extend(call.args.iter().cloned());
        call.target = Some(Box::new(fresh(Expr::Call(CallExpr { func_name: COST_PASS.into(), target: None, args }))));
        return;
    }
    // cel.bind(@cc_argsN, @cc_cost_list("f", recv, a...), @cc_argsN[0].f(@cc_argsN[1], ...))
    let Some(target) = call.target.take() else { return };
    let var = format!("{BOUND_PREFIX}{node_id}");
    let mut list_args = vec![label, *target];
    list_args.append(&mut call.args);
    let count = list_args.len() - 1;
    let init = fresh(Expr::Call(CallExpr { func_name: COST_LIST.into(), target: None, args: list_args }));
    let element = |i: usize, fresh: &mut dyn FnMut(Expr) -> IdedExpr| {
        let list = fresh(Expr::Ident(var.clone()));
        let index = fresh(Expr::Literal(LiteralValue::Int(CelInt::from(i as i64))));
        fresh(Expr::Call(CallExpr { func_name: cel::common::ast::operators::INDEX.into(), target: None, args: vec![list, index] }))
    };
    let receiver = element(0, &mut fresh);
    let args: Vec<IdedExpr> = (1..count).map(|i| element(i, &mut fresh)).collect();
    let body = fresh(Expr::Call(CallExpr { func_name: name, target: Some(Box::new(receiver)), args }));
    let bind = ComprehensionExpr {
        iter_range: fresh(Expr::List(ListExpr::new(Vec::new()))),
        iter_var: "#unused".to_owned(),
        iter_var2: None,
        accu_var: var.clone(),
        accu_init: init,
        loop_cond: fresh(Expr::Literal(LiteralValue::Boolean(false.into()))),
        loop_step: fresh(Expr::Ident(var)),
        result: body,
    };
    e.expr = Expr::Comprehension(Box::new(bind));
}

/// Bytes of a string or bytes value, elements of a list or map, else 0.
fn size_of(v: &dyn Val) -> usize {
    if let Some(s) = v.downcast_ref::<CelString>() {
        return s.inner().len();
    }
    if let Some(b) = v.downcast_ref::<CelBytes>() {
        return b.inner().len();
    }
    v.as_sizer().map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(usize::MAX))
}

fn text_of(v: &dyn Val) -> Option<&str> {
    v.downcast_ref::<CelString>().map(|s| s.inner())
}

fn int_of(v: &dyn Val) -> Option<i64> {
    v.downcast_ref::<CelInt>().map(|i| *i.inner())
}

/// The total size of a list's elements (bytes of strings, elements of
/// nested lists one level down), for `join`, `format` and `flatten`.
fn elements_size(v: &dyn Val) -> usize {
    let Some(items) = v.as_iterable() else { return 0 };
    let mut total = 0usize;
    let mut it = items.iter();
    while let Some(item) = it.next() {
        total = total.saturating_add(size_of(item).max(1));
    }
    total
}

/// `(size of the value built, work)` for a call of `function` with `args`
/// (the receiver first), from their sizes alone; an upper bound.
fn estimate(function: &str, args: &[CowVal<'_, '_>]) -> (usize, usize) {
    let size = |i: usize| args.get(i).map_or(0, |a| size_of(&**a));
    let recv = size(0);
    match function {
        "replace" => {
            let (old, new) = (size(1), size(2));
            let limit = args.get(3).and_then(|n| int_of(&**n)).filter(|n| *n >= 0).map(|n| n as usize);
            let chars = args.first().and_then(|a| text_of(&**a)).map_or(recv, |s| s.chars().count());
            let places = recv.checked_div(old).unwrap_or(chars + 1);
            let places = limit.map_or(places, |n| n.min(places));
            let grown = recv.saturating_add(places.saturating_mul(new.saturating_sub(old)));
            (grown, grown.saturating_add(recv))
        }
        "split" => (recv.saturating_add(1), recv.saturating_mul(2)),
        "join" => {
            let parts = args.first().and_then(|a| a.as_sizer()).map_or(0, |s| usize::try_from(*s.size().inner()).unwrap_or(0));
            let built = args.first().map_or(0, |a| elements_size(&**a)).saturating_add(parts.saturating_mul(size(1)));
            (built, built)
        }
        "format" => {
            // each verb formats one argument; `%s` of a list formats it whole
            let built = recv.saturating_add(args.get(1).map_or(0, |a| elements_size(&**a)).saturating_mul(4));
            (built, built)
        }
        "distinct" => (recv, recv.saturating_mul(recv)),
        "sort" => (recv, recv.saturating_mul(usize::BITS as usize - recv.leading_zeros() as usize + 1)),
        "flatten" => {
            let built = args.first().map_or(0, |a| elements_size(&**a));
            (built, built)
        }
        "indexOf" | "lastIndexOf" => (0, recv.saturating_mul(size(1).max(1))),
        "lists.range" => {
            let n = args.first().and_then(|a| int_of(&**a)).map_or(0, |n| usize::try_from(n).unwrap_or(0));
            (n, n)
        }
        "strings.quote" => (recv.saturating_mul(6).saturating_add(2), recv),
        "base64.encode" => (recv.div_ceil(3).saturating_mul(4), recv),
        _ => (recv, recv),
    }
}

/// Checks a costly call before it runs: the label (function name) first,
/// then the call's arguments, receiver first.
pub(crate) fn check(args: &[CowVal<'_, '_>], max_value: usize) -> Result<(), ExecutionError> {
    let (Some(label), Some(rest)) = (args.first(), args.get(1..)) else {
        return Err(ExecutionError::function_error("cost", "internal error: no arguments"));
    };
    let function = text_of(&**label).unwrap_or("?");
    let (built, work) = estimate(function, rest);
    if built > max_value {
        return Err(ExecutionError::function_error(
            function,
            format!("would build a value of about {built} bytes or elements, more than `limits.maxRuleValueSize` ({max_value})"),
        ));
    }
    if !spend(work) {
        return Err(ExecutionError::function_error(
            function,
            "the evaluation would cost more than `limits.maxRuleCost`",
        ));
    }
    Ok(())
}
