//! The rewrites between parsing and evaluation: `matches` calls go to the
//! precompiled regex table, comprehension ranges get the size guard, costly
//! calls get the cost guard (`cost`), and `"x" in <claim or scopes>` tests
//! become [`Slot`] reads the activation answers without building the list.

use std::collections::HashMap;

use cel::common::ast::{CallExpr, Expr, IdedExpr, LiteralValue};
use cel::common::types::CelInt;
use regex::Regex;

use super::ast::{children_mut, comprehension_binds, qualified};
use super::environment::RANGE_GUARD;
use super::reads::{InList, Slot};
use super::regex_cache::{compile_pattern, MATCHES_DYNAMIC, MATCHES_LITERAL};

/// Rewrites `matches` calls to the regex table and wraps comprehension
/// ranges in the size guard. Errors carry the node id.
pub(crate) fn rewrite(
    e: &mut IdedExpr,
    next_id: &mut u64,
    regexes: &mut Vec<Regex>,
    ids: &mut HashMap<String, usize>,
) -> Result<(), (u64, String)> {
    match &mut e.expr {
        Expr::Call(call) if call.func_name == "matches" => {
            let parts = match (call.target.take(), call.args.len()) {
                (Some(t), 1) => Some((*t, call.args.pop())),
                (None, 2) => {
                    let p = call.args.pop();
                    call.args.pop().map(|t| (t, p))
                }
                (t, _) => {
                    call.target = t;
                    None
                }
            };
            if let Some((text, Some(pattern))) = parts {
                let new_call = match &pattern.expr {
                    Expr::Literal(LiteralValue::String(p)) => {
                        let p = p.inner();
                        let index = match ids.get(p) {
                            Some(i) => *i,
                            None => {
                                let re = compile_pattern(p).map_err(|m| (pattern.id, m))?;
                                regexes.push(re);
                                let i = regexes.len() - 1;
                                ids.insert(p.to_owned(), i);
                                i
                            }
                        };
                        let index = i64::try_from(index).unwrap_or(i64::MAX);
                        let lit = IdedExpr { id: pattern.id, expr: Expr::Literal(LiteralValue::Int(CelInt::from(index))) };
                        CallExpr { func_name: MATCHES_LITERAL.into(), target: None, args: vec![text, lit] }
                    }
                    _ => CallExpr { func_name: MATCHES_DYNAMIC.into(), target: None, args: vec![text, pattern] },
                };
                *call = new_call;
            }
            if let Some(t) = call.target.as_deref_mut() {
                rewrite(t, next_id, regexes, ids)?;
            }
            for a in &mut call.args {
                rewrite(a, next_id, regexes, ids)?;
            }
        }
        Expr::Comprehension(c) => {
            let range = std::mem::take(&mut c.iter_range);
            *next_id += 1;
            c.iter_range = IdedExpr {
                id: *next_id,
                expr: Expr::Call(CallExpr { func_name: RANGE_GUARD.into(), target: None, args: vec![range] }),
            };
            for part in [&mut c.iter_range, &mut c.accu_init, &mut c.loop_cond, &mut c.loop_step, &mut c.result] {
                rewrite(part, next_id, regexes, ids)?;
            }
        }
        Expr::Call(_) => {
            for child in children_mut(e) {
                rewrite(child, next_id, regexes, ids)?;
            }
            super::cost::wrap_costly_calls(e, next_id);
        }
        _ => {
            for child in children_mut(e) {
                rewrite(child, next_id, regexes, ids)?;
            }
        }
    }
    Ok(())
}

/// Rewrites `"x" in jwt.c`, `"x" in auth.claims.c` and `"x" in auth.scopes`
/// (or `auth.groups`, `auth.roles`)
/// (outside comprehensions that bind the root) to
/// `<InKnown(n)> ? <InValue(n)> : ("x" in <path>)` ([`Slot`]s): the activation answers from the
/// identity without converting the list when it can (the list is there and
/// is a list), and otherwise the original test runs, with its errors.
pub(crate) fn rewrite_in(e: &mut IdedExpr, next_id: &mut u64, bound: &mut Vec<String>, checks: &mut Vec<(InList, String)>) {
    if let Some(check) = in_check(e, bound) {
        let n = match checks.iter().position(|c| *c == check) {
            Some(n) => n,
            None => {
                checks.push(check);
                checks.len() - 1
            }
        };
        let mut ident = |slot: Slot| {
            *next_id += 1;
            IdedExpr { id: *next_id, expr: Expr::Ident(slot.name()) }
        };
        let (known, value) = (ident(Slot::InKnown(n)), ident(Slot::InValue(n)));
        let original = std::mem::take(e);
        *next_id += 1;
        *e = IdedExpr {
            id: *next_id,
            expr: Expr::Call(CallExpr {
                func_name: cel::common::ast::operators::CONDITIONAL.into(),
                target: None,
                args: vec![known, value, original],
            }),
        };
        return;
    }
    if let Expr::Comprehension(c) = &e.expr {
        let mark = bound.len();
        bound.extend(comprehension_binds(c));
        for child in children_mut(e) {
            rewrite_in(child, next_id, bound, checks);
        }
        bound.truncate(mark);
        return;
    }
    for child in children_mut(e) {
        rewrite_in(child, next_id, bound, checks);
    }
}

/// The check `e` makes, when it is `"literal" in <claim or scopes path>`.
fn in_check(e: &IdedExpr, bound: &[String]) -> Option<(InList, String)> {
    let Expr::Call(call) = &e.expr else { return None };
    if call.func_name != cel::common::ast::operators::IN || call.target.is_some() {
        return None;
    }
    let [IdedExpr { expr: Expr::Literal(LiteralValue::String(needle)), .. }, path] = call.args.as_slice() else {
        return None;
    };
    let segments = qualified(path)?;
    if segments.first().is_some_and(|root| bound.iter().any(|b| b == root)) {
        return None;
    }
    let haystack = match segments.as_slice() {
        ["jwt", claim] | ["auth", "claims", claim] if !claim.contains('.') => InList::Claim((*claim).to_owned()),
        ["auth", "scopes"] => InList::Scopes,
        ["auth", "groups"] => InList::Groups,
        ["auth", "roles"] => InList::Roles,
        _ => return None,
    };
    Some((haystack, needle.inner().to_owned()))
}
