//! Load-time compilation: limits, parsing (on a thread with a large stack),
//! the scoped free-variable and function checks, what each rule reads, and
//! the rewrites (`matches` to the regex table, comprehension size guards).

use super::environment::{build_env, build_root, RANGE_GUARD, TYPE_NAMES};
use super::prescan::{char_column, prescan};
use super::regex_cache::{compile_pattern, MATCHES_DYNAMIC, MATCHES_LITERAL};
use super::scope_hint::required_scopes;
use super::{RuleError, RuleKind, RuleLimits, RuleSpec};
use cel::common::ast::{CallExpr, EntryExpr, Expr, IdedExpr, LiteralValue, SourceInfo};
use cel::common::types::CelInt;
use cel::{Context, Env};
use regex::Regex;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// Stack of the compile thread: the parser recurses per token, and the
/// prescan bounds tokens, so this is far more than any accepted text needs.
const COMPILE_STACK: usize = 64 << 20;

/// Deepest syntax tree any rule may have, whatever the config says:
/// evaluation recurses per level on the host's thread, and this keeps a
/// debug build within a 2 MiB stack (see the tests).
pub(crate) const HARD_MAX_DEPTH: usize = 32;

/// Syntax-tree nodes after macro expansion, as a multiple of the configured
/// `max_rule_nodes` (which bounds the written syntax): `exists` and friends
/// expand to several nodes each.
const EXPANSION_FACTOR: usize = 8;

/// Which claims (or headers, or fields) something reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) enum Want {
    /// None read.
    #[default]
    Nothing,
    /// Only these, by name.
    Some(BTreeSet<String>),
    /// All of them (read as a whole, iterated, or indexed by a computed key).
    All,
}

impl Want {
    fn add(&mut self, name: &str) {
        match self {
            Want::All => {}
            Want::Some(set) => {
                set.insert(name.to_owned());
            }
            Want::Nothing => *self = Want::Some(BTreeSet::from([name.to_owned()])),
        }
    }
    /// Whether `name` is wanted.
    pub(crate) fn wants(&self, name: &str) -> bool {
        match self {
            Want::All => true,
            Want::Some(set) => set.contains(name),
            Want::Nothing => false,
        }
    }
}

/// What the rules of a set read, so the activation builds only that.
#[derive(Debug, Clone, Default)]
pub(crate) struct Needs {
    /// Claims read through `jwt` or `auth.claims`.
    pub claims: Want,
    /// Fields of `auth` read (`claims`, `issuer`, ...).
    pub auth_fields: Want,
    /// Fields of `request` read.
    pub request_fields: Want,
    /// Headers read (lower-cased names).
    pub headers: Want,
    /// Claims read by name through a path (`jwt.x`, `auth.claims.x`), even
    /// when all claims are also read whole: the activation answers such a
    /// path directly, converting and caching only that claim.
    pub claim_paths: BTreeSet<String>,
    /// The first [`MAX_CLAIM_SLOTS`] of `claim_paths`: the claims the
    /// activation caches per request, by index.
    pub claim_slots: Vec<String>,
    /// The `"literal" in <path>` tests rewritten to [`IN_KNOWN`] and
    /// [`IN_VALUE`] (see [`rewrite_in`]), by index: where, and what.
    pub in_checks: Vec<(Haystack, String)>,
}

/// What a rewritten `"x" in <path>` looks in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Haystack {
    /// `jwt.<claim>` or `auth.claims.<claim>`.
    Claim(String),
    /// `auth.scopes`.
    Scopes,
}

/// Internal variable `@cc_in?<n>`: whether `in_checks[n]` can be answered
/// from the identity directly (a bool).
pub(crate) const IN_KNOWN: &str = "@cc_in?";
/// Internal variable `@cc_in=<n>`: the answer, when known (a bool).
pub(crate) const IN_VALUE: &str = "@cc_in=";

/// Claims read by path that one request caches (more are read through the
/// claims map).
pub(crate) const MAX_CLAIM_SLOTS: usize = 8;

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub kind: RuleKind,
    pub expr: IdedExpr,
    /// For a `require` of scope checks only: the scopes it requires.
    pub scopes: Option<Vec<String>>,
}

/// A compiled rule set, before it is wrapped in the public type.
pub(crate) struct Compiled {
    pub rules: Vec<CompiledRule>,
    pub needs: Needs,
    pub root: Context<'static, 'static>,
}

/// Runs `f` on a fresh thread with a large stack, turning a panic into an
/// error: nothing a rule says can take the host down while compiling.
pub(crate) fn on_compile_thread<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, RuleError> + Send + 'static,
) -> Result<T, RuleError> {
    let internal = |what: &str| RuleError {
        index: 0,
        column: None,
        message: format!("internal error while compiling rules: {what}"),
    };
    std::thread::Builder::new()
        .name("claimcheck-rules-compile".into())
        .stack_size(COMPILE_STACK)
        .spawn(f)
        .map_err(|e| internal(&format!("cannot start the compile thread: {e}")))?
        .join()
        .unwrap_or_else(|_| Err(internal("the cel compiler panicked")))
}

/// Compiles `rules`, which may name the `known` top-level variables. Must run
/// on a thread with a large stack ([`on_compile_thread`]).
///
/// With `check_names` off (the conformance runner's unchecked mode, as
/// cel-spec's `disable_check`), unknown variables and functions are left to
/// be run-time errors instead of refusing the rule.
pub(crate) fn compile_rules(
    rules: &[RuleSpec],
    limits: &RuleLimits,
    known: &[&str],
    depth_cap: usize,
    check_names: bool,
    fast_paths: bool,
) -> Result<Compiled, RuleError> {
    if rules.len() > limits.max_rules {
        return Err(RuleError {
            index: limits.max_rules,
            column: None,
            message: format!(
                "too many rules: {} exceeds the limit of {}",
                rules.len(),
                limits.max_rules
            ),
        });
    }
    let env = Arc::new(build_env().map_err(|m| RuleError { index: 0, column: None, message: m })?);
    let mut probe = Context::with_env(Arc::clone(&env));
    let mut probed: HashMap<String, bool> = HashMap::new();
    let mut regexes: Vec<Regex> = Vec::new();
    let mut regex_ids: HashMap<String, usize> = HashMap::new();
    let mut needs = Needs::default();
    let mut out = Vec::with_capacity(rules.len());
    let max_depth = limits.max_rule_depth.min(depth_cap);

    for (index, spec) in rules.iter().enumerate() {
        let err = |column: Option<usize>, message: String| RuleError { index, column, message };
        let text = spec.expr.as_str();
        if text.trim().is_empty() {
            return Err(err(Some(1), "rule is empty".into()));
        }
        prescan(text, limits.max_rule_length, max_depth, limits.max_rule_nodes)
            .map_err(|e| err(Some(e.column), e.message))?;
        let (mut expr, info) = parse(&env, text).map_err(|(c, m)| err(c, m))?;
        let column_of = |id: u64| column_for(&info, text, id);

        let mut walker = Walker {
            known,
            check_names,
            env: &env,
            probe: &mut probe,
            probed: &mut probed,
            needs: &mut needs,
            bound: Vec::new(),
            error: None,
        };
        walker.walk(&expr);
        if let Some((id, message)) = walker.error {
            // a call's position is its `(`: point at the function name instead
            let back = message
                .strip_prefix("unknown function `")
                .and_then(|m| m.strip_suffix('`'))
                .map_or(0, |name| name.rsplit('.').next().unwrap_or(name).chars().count());
            let column = column_of(id).map(|c| if c > back { c - back } else { c });
            return Err(err(column, message));
        }
        let scopes = if spec.kind == RuleKind::Require {
            required_scopes(&expr)
        } else {
            None
        };
        let mut next_id = max_id(&expr) + 1;
        rewrite(&mut expr, &mut next_id, &mut regexes, &mut regex_ids)
            .map_err(|(id, m)| err(column_of(id), m))?;
        let (depth, deepest, nodes) = measure(&expr);
        if depth > max_depth {
            return Err(err(
                column_of(deepest),
                format!(
                    "expression nests too deeply: depth {depth} exceeds the limit of {max_depth} (each operator of a chain such as `a + b + c` counts)"
                ),
            ));
        }
        let max_nodes = limits.max_rule_nodes.saturating_mul(EXPANSION_FACTOR);
        if nodes > max_nodes {
            return Err(err(
                Some(1),
                format!("rule is too large: {nodes} syntax nodes after macro expansion exceed the limit of {max_nodes}"),
            ));
        }
        if fast_paths {
            // only where the extra level stays within the depth limit
            let mut fast = expr.clone();
            let mut checks = needs.in_checks.clone();
            rewrite_in(&mut fast, &mut next_id, &mut Vec::new(), &mut checks);
            if measure(&fast).0 <= max_depth {
                expr = fast;
                needs.in_checks = checks;
            }
        }
        out.push(CompiledRule { kind: spec.kind, expr, scopes });
    }
    needs.claim_slots = needs.claim_paths.iter().take(MAX_CLAIM_SLOTS).cloned().collect();
    let root = build_root(env, Arc::new(regexes), limits.max_comprehension_size, limits.max_rule_value_size)
        .map_err(|m| RuleError { index: 0, column: None, message: m })?;
    Ok(Compiled { rules: out, needs, root })
}

/// Parses with the environment's macros; a parse error gives its column.
fn parse(env: &Env, text: &str) -> Result<(IdedExpr, SourceInfo), (Option<usize>, String)> {
    env.parser()
        .parse_with_source_info(text)
        .map_err(|errors| match errors.errors.first() {
            Some(e) => {
                let column = usize::try_from(e.pos.1).ok().filter(|c| *c > 0);
                let msg = e.msg.trim();
                let mut chars = msg.chars();
                let msg = match chars.next() {
                    Some(first) => first.to_lowercase().chain(chars).collect::<String>(),
                    None => "syntax error".to_owned(),
                };
                let msg = if msg.starts_with("syntax error") { msg } else { format!("syntax error: {msg}") };
                (column, msg)
            }
            None => (None, "syntax error".to_owned()),
        })
}

fn column_for(info: &SourceInfo, text: &str, id: u64) -> Option<usize> {
    info.offset_for(id)
        .and_then(|(start, _)| usize::try_from(start).ok())
        .map(|start| char_column(text, start))
}

/// The scoped walk: free variables must be known, functions must exist, and
/// what each variable path reads is recorded in [`Needs`].
struct Walker<'a> {
    known: &'a [&'a str],
    /// Whether unknown variables and functions are load errors.
    check_names: bool,
    /// For the type names it declares (`google.protobuf.Timestamp`).
    env: &'a Env,
    probe: &'a mut Context<'static, 'static>,
    probed: &'a mut HashMap<String, bool>,
    needs: &'a mut Needs,
    /// Names bound by the enclosing comprehensions, innermost last.
    bound: Vec<String>,
    /// The first problem: node id and message.
    error: Option<(u64, String)>,
}

impl Walker<'_> {
    fn fail(&mut self, id: u64, message: String) {
        if self.error.is_none() {
            self.error = Some((id, message));
        }
    }

    fn walk(&mut self, e: &IdedExpr) {
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
                self.bound.push(c.iter_var.clone());
                if let Some(v) = &c.iter_var2 {
                    self.bound.push(v.clone());
                }
                self.bound.push(c.accu_var.clone());
                self.walk(&c.loop_cond);
                self.walk(&c.loop_step);
                self.bound.truncate(mark);
                self.bound.push(c.accu_var.clone());
                self.walk(&c.result);
                self.bound.truncate(mark);
            }
            Expr::List(list) => list.elements.iter().for_each(|x| self.walk(x)),
            Expr::Map(map) => {
                for entry in &map.entries {
                    match &entry.expr {
                        EntryExpr::MapEntry(m) => {
                            self.walk(&m.key);
                            self.walk(&m.value);
                        }
                        EntryExpr::StructField(f) => self.walk(&f.value),
                    }
                }
            }
            Expr::Struct(s) => {
                // message literals (wrappers included) resolve at run time
                for entry in &s.entries {
                    if let EntryExpr::StructField(f) = &entry.expr {
                        self.walk(&f.value);
                    }
                }
            }
            Expr::Literal(_) | Expr::Unspecified => {}
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
        let n = &mut *self.needs;
        match (root, path.as_slice()) {
            ("jwt", []) => n.claims = Want::All,
            ("jwt", [claim, ..]) => {
                n.claims.add(claim);
                n.claim_paths.insert((*claim).to_owned());
            }
            ("auth", []) => {
                n.auth_fields = Want::All;
                n.claims = Want::All;
            }
            ("auth", ["claims"]) => {
                n.auth_fields.add("claims");
                n.claims = Want::All;
            }
            ("auth", ["claims", claim, ..]) => {
                n.auth_fields.add("claims");
                n.claims.add(claim);
                n.claim_paths.insert((*claim).to_owned());
            }
            ("auth", [field, ..]) => n.auth_fields.add(field),
            ("request", []) => {
                n.request_fields = Want::All;
                n.headers = Want::All;
            }
            ("request", ["headers"]) => {
                n.request_fields.add("headers");
                n.headers = Want::All;
            }
            ("request", ["headers", h, ..]) => {
                n.request_fields.add("headers");
                n.headers.add(&h.to_ascii_lowercase());
            }
            ("request", [field, ..]) => n.request_fields.add(field),
            _ => {}
        }
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

/// `a.b.c` as segments, when `e` is an identifier with plain field selects.
fn qualified(e: &IdedExpr) -> Option<Vec<&str>> {
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
fn var_path(e: &IdedExpr) -> Option<(&str, Vec<&str>)> {
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
fn root_id(e: &IdedExpr) -> u64 {
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

/// Children of a node, for the iterative walks.
fn children(e: &IdedExpr) -> Vec<&IdedExpr> {
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

fn max_id(e: &IdedExpr) -> u64 {
    let mut stack = vec![e];
    let mut max = 0;
    while let Some(n) = stack.pop() {
        max = max.max(n.id);
        stack.extend(children(n));
    }
    max
}

/// Rewrites `matches` calls to the regex table and wraps comprehension
/// ranges in the size guard. Errors carry the node id.
fn rewrite(
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
        Expr::Call(call) => {
            if let Some(t) = call.target.as_deref_mut() {
                rewrite(t, next_id, regexes, ids)?;
            }
            for a in &mut call.args {
                rewrite(a, next_id, regexes, ids)?;
            }
            super::cost::wrap_costly_calls(e, next_id);
        }
        Expr::Select(s) => rewrite(&mut s.operand, next_id, regexes, ids)?,
        Expr::List(l) => {
            for x in &mut l.elements {
                rewrite(x, next_id, regexes, ids)?;
            }
        }
        Expr::Map(m) => {
            for en in &mut m.entries {
                match &mut en.expr {
                    EntryExpr::MapEntry(me) => {
                        rewrite(&mut me.key, next_id, regexes, ids)?;
                        rewrite(&mut me.value, next_id, regexes, ids)?;
                    }
                    EntryExpr::StructField(f) => rewrite(&mut f.value, next_id, regexes, ids)?,
                }
            }
        }
        Expr::Struct(s) => {
            for en in &mut s.entries {
                if let EntryExpr::StructField(f) = &mut en.expr {
                    rewrite(&mut f.value, next_id, regexes, ids)?;
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
    Ok(())
}

/// Rewrites `"x" in jwt.c`, `"x" in auth.claims.c` and `"x" in auth.scopes`
/// (outside comprehensions that bind the root) to
/// `@cc_in?n ? @cc_in=n : ("x" in <path>)`: the activation answers from the
/// identity without converting the list when it can (the list is there and
/// is a list), and otherwise the original test runs, with its errors.
fn rewrite_in(e: &mut IdedExpr, next_id: &mut u64, bound: &mut Vec<String>, checks: &mut Vec<(Haystack, String)>) {
    if let Some(check) = in_check(e, bound) {
        let n = match checks.iter().position(|c| *c == check) {
            Some(n) => n,
            None => {
                checks.push(check);
                checks.len() - 1
            }
        };
        let mut ident = |prefix: &str| {
            *next_id += 1;
            IdedExpr { id: *next_id, expr: Expr::Ident(format!("{prefix}{n}")) }
        };
        let (known, value) = (ident(IN_KNOWN), ident(IN_VALUE));
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
    match &mut e.expr {
        Expr::Comprehension(c) => {
            let mark = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            for part in [&mut c.iter_range, &mut c.accu_init, &mut c.loop_cond, &mut c.loop_step, &mut c.result] {
                rewrite_in(part, next_id, bound, checks);
            }
            bound.truncate(mark);
        }
        Expr::Call(call) => {
            if let Some(t) = call.target.as_deref_mut() {
                rewrite_in(t, next_id, bound, checks);
            }
            for a in &mut call.args {
                rewrite_in(a, next_id, bound, checks);
            }
        }
        Expr::Select(s) => rewrite_in(&mut s.operand, next_id, bound, checks),
        Expr::List(l) => {
            for x in &mut l.elements {
                rewrite_in(x, next_id, bound, checks);
            }
        }
        Expr::Map(m) => {
            for en in &mut m.entries {
                match &mut en.expr {
                    EntryExpr::MapEntry(me) => {
                        rewrite_in(&mut me.key, next_id, bound, checks);
                        rewrite_in(&mut me.value, next_id, bound, checks);
                    }
                    EntryExpr::StructField(f) => rewrite_in(&mut f.value, next_id, bound, checks),
                }
            }
        }
        Expr::Struct(s) => {
            for en in &mut s.entries {
                if let EntryExpr::StructField(f) = &mut en.expr {
                    rewrite_in(&mut f.value, next_id, bound, checks);
                }
            }
        }
        Expr::Ident(_) | Expr::Literal(_) | Expr::Unspecified => {}
    }
}

/// The check `e` makes, when it is `"literal" in <claim or scopes path>`.
fn in_check(e: &IdedExpr, bound: &[String]) -> Option<(Haystack, String)> {
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
        ["jwt", claim] | ["auth", "claims", claim] if !claim.contains('.') => Haystack::Claim((*claim).to_owned()),
        ["auth", "scopes"] => Haystack::Scopes,
        _ => return None,
    };
    Some((haystack, needle.inner().to_owned()))
}
