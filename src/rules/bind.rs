//! `cel.bind(name, init, expr)`: binds `name` to the value of `init` while
//! evaluating `expr`. The cel crate has no such macro, so this one expands it,
//! as cel-go does, into a comprehension over an empty list whose accumulator
//! is the bound name: the loop never runs and the result sees the binding.

use cel::common::ast::{ComprehensionExpr, Expr, IdedExpr, ListExpr, LiteralValue};
use cel::parser::Macro;

/// Name of the internal function that bounds the size of a bound value (see
/// `environment`): `cel.bind` lets a rule reuse a value many times, so a large
/// one could otherwise be multiplied by concatenation.
pub(crate) const BIND_GUARD: &str = "@cc_bind_guard";

/// The `cel.bind` macro: a receiver macro on `bind` with three arguments
/// that declines any target other than the plain identifier `cel`.
pub(crate) fn bind_macro() -> Macro {
    Macro::receiver("bind", 3, |helper, target, args| {
        let is_cel = matches!(target, Some(IdedExpr { expr: Expr::Ident(name), .. }) if name == "cel");
        if !is_cel {
            return Ok(None);
        }
        let var = match args.first() {
            Some(IdedExpr {
                expr: Expr::Ident(name),
                ..
            }) => name.clone(),
            Some(other) => {
                return Err(helper.new_error(other.id, "cel.bind() variable name must be a simple identifier"))
            }
            None => return Ok(None),
        };
        let mut taken = std::mem::take(args).into_iter();
        let _name = taken.next();
        let (Some(init), Some(body)) = (taken.next(), taken.next()) else {
            return Err(helper.new_error(0, "cel.bind() takes a name, a value and an expression"));
        };
        let _ = target.take();
        let guarded_init = helper.next_expr(Expr::Call(cel::common::ast::CallExpr {
            func_name: BIND_GUARD.to_owned(),
            target: None,
            args: vec![init],
        }));
        let step = helper.next_expr(Expr::Ident(var.clone()));
        let bind = ComprehensionExpr {
            iter_range: helper.next_expr(Expr::List(ListExpr::new(Vec::new()))),
            iter_var: "#unused".to_owned(),
            iter_var2: None,
            accu_var: var,
            accu_init: guarded_init,
            loop_cond: helper.next_expr(Expr::Literal(LiteralValue::Boolean(false.into()))),
            loop_step: step,
            result: body,
        };
        Ok(Some(helper.next_expr(Expr::Comprehension(Box::new(bind)))))
    })
}
