//! Load-time compilation of a rule set: limits, parsing (on a thread with a
//! large stack), then the name check (`names`, which records what the rules
//! read in `reads`), the rewrites (`rewrite`), and the depth and size
//! measures (`ast`).

use super::ast::{max_id, measure};
use super::environment::{build_env, build_root};
use super::names::NameCheck;
use super::prescan::{char_column, prescan};
use super::reads::{Reads, MAX_CLAIM_SLOTS};
use super::rewrite::{rewrite, rewrite_in};
use super::scope_hint::required_scopes;
use super::{RuleError, RuleKind, RuleLimits, RuleSpec};
use cel::common::ast::{IdedExpr, SourceInfo};
use cel::{Context, Env};
use regex::Regex;
use std::collections::HashMap;
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

/// One compiled rule.
#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub kind: RuleKind,
    pub expr: IdedExpr,
    /// For a `require` of scope checks only: the scopes it requires.
    pub scopes: Option<Vec<String>>,
}

/// A compiled rule set, before it is wrapped in the public type.
pub(crate) struct CompiledRules {
    pub rules: Vec<CompiledRule>,
    pub reads: Reads,
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
) -> Result<CompiledRules, RuleError> {
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
    let mut reads = Reads::default();
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

        let mut walker = NameCheck {
            known,
            check_names,
            env: &env,
            probe: &mut probe,
            probed: &mut probed,
            reads: &mut reads,
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
            let mut checks = reads.in_checks.clone();
            rewrite_in(&mut fast, &mut next_id, &mut Vec::new(), &mut checks);
            if measure(&fast).0 <= max_depth {
                expr = fast;
                reads.in_checks = checks;
            }
        }
        out.push(CompiledRule { kind: spec.kind, expr, scopes });
    }
    reads.claim_slots = reads.claim_paths.iter().take(MAX_CLAIM_SLOTS).cloned().collect();
    let root = build_root(env, Arc::new(regexes), limits.max_comprehension_size, limits.max_rule_value_size)
        .map_err(|m| RuleError { index: 0, column: None, message: m })?;
    Ok(CompiledRules { rules: out, reads, root })
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

