//! The one walk over cel's syntax tree the compiler uses: a node's
//! children (shared and mutable), and the shape queries built on it. Every
//! pass (name check, rewrites, measures) handles the nodes it cares about
//! and leaves the rest of the tree to [`children`] / [`children_mut`], so
//! only this file lists every `Expr` variant.

use cel::common::ast::{EntryExpr, Expr, IdedExpr, LiteralValue};

/// `a.b.c` as segments, when `e` is an identifier with plain field selects.
pub(crate) fn qualified(e: &IdedExpr) -> Option<Vec<&str>> {
    let mut segments = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(name) => {
                segments.push(name.as_str());
                segments.reverse();
                return Some(segments);
            }
            Expr::Select(sel) if !sel.test => {
                segments.push(sel.field.as_str());
                cur = &sel.operand;
            }
            _ => return None,
        }
    }
}

/// The root variable and the literal path below it, for a chain of selects,
/// presence tests and string-literal indexes ending in an identifier.
pub(crate) fn var_path(e: &IdedExpr) -> Option<(&str, Vec<&str>)> {
    let mut path = Vec::new();
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Ident(name) => {
                path.reverse();
                return Some((name.as_str(), path));
            }
            Expr::Select(sel) => {
                path.push(sel.field.as_str());
                cur = &sel.operand;
            }
            Expr::Call(call) if call.func_name == cel::common::ast::operators::INDEX && call.target.is_none() => {
                match call.args.as_slice() {
                    [operand, IdedExpr { expr: Expr::Literal(LiteralValue::String(key)), .. }] => {
                        path.push(key.inner());
                        cur = operand;
                    }
                    _ => return None,
                }
            }
            _ => return None,
        }
    }
}

/// The id of the identifier at the root of a variable path.
pub(crate) fn root_id(e: &IdedExpr) -> u64 {
    let mut cur = e;
    loop {
        match &cur.expr {
            Expr::Select(sel) => cur = &sel.operand,
            Expr::Call(call) => match call.args.first() {
                Some(first) => cur = first,
                None => return cur.id,
            },
            _ => return cur.id,
        }
    }
}

/// Children of a node, in evaluation order (for a comprehension: range,
/// initial accumulator, condition, step, result).
pub(crate) fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
    match &e.expr {
        Expr::Call(c) => c.target.as_deref().into_iter().chain(c.args.iter()).collect(),
        Expr::Select(s) => vec![&*s.operand],
        Expr::Comprehension(c) => vec![&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result],
        Expr::List(l) => l.elements.iter().collect(),
        Expr::Map(m) => m
            .entries
            .iter()
            .flat_map(|en| match &en.expr {
                EntryExpr::MapEntry(me) => vec![&me.key, &me.value],
                EntryExpr::StructField(f) => vec![&f.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter()
            .filter_map(|en| match &en.expr {
                EntryExpr::StructField(f) => Some(&f.value),
                EntryExpr::MapEntry(_) => None,
            })
            .collect(),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// Depth (root is 1), the id of a deepest node, and the node count; without
/// recursion.
pub(crate) fn measure(e: &IdedExpr) -> (usize, u64, usize) {
    let mut stack = vec![(e, 1usize)];
    let (mut depth, mut deepest, mut nodes) = (0, e.id, 0);
    while let Some((n, d)) = stack.pop() {
        nodes += 1;
        if d > depth {
            depth = d;
            deepest = n.id;
        }
        stack.extend(children(n).into_iter().map(|c| (c, d + 1)));
    }
    (depth, deepest, nodes)
}

/// The largest node id in the tree.
pub(crate) fn max_id(e: &IdedExpr) -> u64 {
    let mut stack = vec![e];
    let mut max = 0;
    while let Some(n) = stack.pop() {
        max = max.max(n.id);
        stack.extend(children(n));
    }
    max
}


/// Children of a node, mutable, in the order of [`children`].
pub(crate) fn children_mut(e: &mut IdedExpr) -> Vec<&mut IdedExpr> {
    match &mut e.expr {
        Expr::Call(c) => c.target.as_deref_mut().into_iter().chain(c.args.iter_mut()).collect(),
        Expr::Select(s) => vec![&mut *s.operand],
        Expr::Comprehension(c) => {
            vec![&mut c.iter_range, &mut c.accu_init, &mut c.loop_cond, &mut c.loop_step, &mut c.result]
        }
        Expr::List(l) => l.elements.iter_mut().collect(),
        Expr::Map(m) => m
            .entries
            .iter_mut()
            .flat_map(|en| match &mut en.expr {
                EntryExpr::MapEntry(me) => vec![&mut me.key, &mut me.value],
                EntryExpr::StructField(f) => vec![&mut f.value],
            })
            .collect(),
        Expr::Struct(s) => s
            .entries
            .iter_mut()
            .filter_map(|en| match &mut en.expr {
                EntryExpr::StructField(f) => Some(&mut f.value),
                EntryExpr::MapEntry(_) => None,
            })
            .collect(),
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => Vec::new(),
    }
}

/// The names a comprehension binds: in its condition and step the
/// iteration variable(s) and the accumulator, in its result the accumulator.
pub(crate) fn comprehension_binds(c: &cel::common::ast::ComprehensionExpr) -> Vec<String> {
    let mut names = vec![c.iter_var.clone()];
    names.extend(c.iter_var2.clone());
    names.push(c.accu_var.clone());
    names
}
