//! The name check: every free variable a rule names must be known and
//! every function must exist (a misspelt name fails the load with its
//! position and a did-you-mean), and what each variable path reads is
//! recorded for the activation.

use std::collections::HashMap;

use cel::common::ast::{CallExpr, Expr, IdedExpr};
use cel::{Context, Env};

use super::ast::{children, comprehension_binds, qualified, root_id, var_path};
use super::environment::TYPE_NAMES;
use super::reads::Reads;

/// The scoped walk: free variables must be known, functions must exist, and
/// what each variable path reads is recorded in [`Reads`].
pub(crate) struct NameCheck<'a> {
    pub known: &'a [&'a str],
    /// Whether unknown variables and functions are load errors.
    pub check_names: bool,
    /// For the type names it declares (`google.protobuf.Timestamp`).
    pub env: &'a Env,
    pub probe: &'a mut Context<'static, 'static>,
    pub probed: &'a mut HashMap<String, bool>,
    pub reads: &'a mut Reads,
    /// Names bound by the enclosing comprehensions, innermost last.
    pub bound: Vec<String>,
    /// The first problem: node id and message.
    pub error: Option<(u64, String)>,
}

impl NameCheck<'_> {
    fn fail(&mut self, id: u64, message: String) {
        if self.error.is_none() {
            self.error = Some((id, message));
        }
    }

    /// Checks `e` and everything under it; the first problem lands in
    /// `error`.
    pub(crate) fn walk(&mut self, e: &IdedExpr) {
        if self.error.is_some() {
            return;
        }
        match &e.expr {
            Expr::Ident(_) | Expr::Select(_) | Expr::Call(_) if self.try_path(e) => {}
            Expr::Ident(_) => {}
            Expr::Select(sel) => self.walk(&sel.operand),
            Expr::Call(call) => self.walk_call(e.id, call),
            Expr::Comprehension(c) => {
                self.walk(&c.iter_range);
                self.walk(&c.accu_init);
                let mark = self.bound.len();
                self.bound.extend(comprehension_binds(c));
                self.walk(&c.loop_cond);
                self.walk(&c.loop_step);
                self.bound.truncate(mark);
                self.bound.push(c.accu_var.clone());
                self.walk(&c.result);
                self.bound.truncate(mark);
            }
            // message literals (wrappers included) resolve at run time
            Expr::List(_) | Expr::Map(_) | Expr::Struct(_) | Expr::Literal(_) | Expr::Unspecified => {
                for child in children(e) {
                    self.walk(child);
                }
            }
        }
    }

    fn walk_call(&mut self, id: u64, call: &CallExpr) {
        // `ns.f(x)`: a namespaced function such as `math.abs`, when the
        // target spells a name that is not bound and the function exists.
        if let Some(target) = &call.target {
            if let Some(segments) = qualified(target) {
                let shadowed = segments.first().is_some_and(|root| self.is_bound(root));
                let name = format!("{}.{}", segments.join("."), call.func_name);
                if !shadowed && self.function_exists(&name) {
                    call.args.iter().for_each(|a| self.walk(a));
                    return;
                }
            }
        }
        if self.check_names && is_user_function_name(&call.func_name) && !self.function_exists(&call.func_name) {
            self.fail(id, format!("unknown function `{}`", call.func_name));
            return;
        }
        if let Some(t) = &call.target {
            self.walk(t);
        }
        call.args.iter().for_each(|a| self.walk(a));
    }

    fn is_bound(&self, name: &str) -> bool {
        self.bound.iter().any(|b| b == name)
    }

    fn function_exists(&mut self, name: &str) -> bool {
        if name.starts_with('@') {
            return true;
        }
        if let Some(known) = self.probed.get(name) {
            return *known;
        }
        // `add_function` refuses a name the environment declares as an
        // overload: the only public way to ask whether a function exists.
        let exists = self.probe.add_function(name, |_: i64| 0_i64).is_err();
        self.probed.insert(name.to_owned(), exists);
        exists
    }

    /// Handles `e` if it is a variable path (`jwt.groups`, `request.headers["x"]`,
    /// `has(auth.claims.x)`): checks its root and records what it reads.
    fn try_path(&mut self, e: &IdedExpr) -> bool {
        let Some((root, path)) = var_path(e) else {
            return false;
        };
        if self.is_bound(root) {
            // a comprehension variable: nothing to record, but index
            // expressions inside are literals, so nothing more to walk.
            return true;
        }
        let qualified_known = self.known.iter().any(|k| k.strip_prefix(root).is_some_and(|r| r.starts_with('.')));
        // a qualified type name, such as `google.protobuf.Timestamp`
        let type_name = || {
            !path.is_empty()
                && qualified(e).is_some_and(|segments| self.env.types().find_type(&segments.join(".")).is_some())
        };
        if self.check_names
            && !self.known.contains(&root)
            && !TYPE_NAMES.contains(&root)
            && !qualified_known
            && !type_name()
        {
            let mut message = format!("unknown variable `{root}`");
            if let Some(s) = crate::suggest::closest(root, self.known.iter().copied()) {
                message.push_str(&format!("; did you mean `{s}`?"));
            }
            self.fail(root_id(e), message);
            return true;
        }
        self.reads.record(root, &path);
        true
    }
}


/// Names a user can write as a function: an identifier, maybe qualified.
/// Operators (`_+_`, `@in`, `!_`, ...) are not.
fn is_user_function_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('@')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

