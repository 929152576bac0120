//! Recognises `require` rules that only check granted scopes, so a failure can
//! name the missing scope(s) for `error="insufficient_scope", scope="..."`.
//!
//! Recognised terms (over literals only), joined by `&&`:
//! `"x" in auth.scopes` and `auth.scopes.exists(s, s == "x")` (or `"x" == s`).

use cel::common::ast::{operators, Expr, IdedExpr, LiteralValue};

/// The scopes a rule requires, when the whole rule is a conjunction of the
/// recognised scope checks; `None` otherwise.
pub(crate) fn required_scopes(expr: &IdedExpr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        match &e.expr {
            Expr::Call(call) if call.func_name == operators::LOGICAL_AND && call.target.is_none() => {
                // push right first so terms come out in source order
                for arg in call.args.iter().rev() {
                    stack.push(arg);
                }
            }
            Expr::Call(call) if call.func_name == operators::IN && call.target.is_none() => {
                match call.args.as_slice() {
                    [needle, haystack] if is_auth_scopes(haystack) => out.push(string_literal(needle)?),
                    _ => return None,
                }
            }
            Expr::Comprehension(c) if is_auth_scopes(&c.iter_range) && c.iter_var2.is_none() => {
                // exists: init false, step `accu || pred`
                if !matches!(&c.accu_init.expr, Expr::Literal(LiteralValue::Boolean(b)) if !*b.inner()) {
                    return None;
                }
                let Expr::Call(step) = &c.loop_step.expr else {
                    return None;
                };
                if step.func_name != operators::LOGICAL_OR {
                    return None;
                }
                let [accu, pred] = step.args.as_slice() else {
                    return None;
                };
                if !matches!(&accu.expr, Expr::Ident(n) if *n == c.accu_var) {
                    return None;
                }
                let Expr::Call(eq) = &pred.expr else {
                    return None;
                };
                if eq.func_name != operators::EQUALS {
                    return None;
                }
                let is_var = |x: &IdedExpr| matches!(&x.expr, Expr::Ident(n) if *n == c.iter_var);
                match eq.args.as_slice() {
                    [a, b] if is_var(a) => out.push(string_literal(b)?),
                    [a, b] if is_var(b) => out.push(string_literal(a)?),
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
    (!out.is_empty()).then_some(out)
}

fn string_literal(e: &IdedExpr) -> Option<String> {
    match &e.expr {
        Expr::Literal(LiteralValue::String(s)) => Some(s.inner().to_owned()),
        _ => None,
    }
}

fn is_auth_scopes(e: &IdedExpr) -> bool {
    match &e.expr {
        Expr::Select(sel) if !sel.test && sel.field == "scopes" => {
            matches!(&sel.operand.expr, Expr::Ident(n) if n == "auth")
        }
        _ => false,
    }
}
