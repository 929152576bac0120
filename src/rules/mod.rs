//! CEL authorization rules: compiled once when a config loads, evaluated per
//! request over the verified identity and the request attributes.
//!
//! CONTRACT (owned by the engine; the rules module implements it):
//! - [`RuleSet::compile`] compiles every rule at load time and fails with the
//!   rule's index, a 1-based column, and a message on any parse error, unknown
//!   variable or function, or exceeded limit. It never panics and never
//!   overflows the stack, whatever the text.
//! - [`RuleSet::evaluate`] applies the README's rule semantics: any matching deny
//!   denies; then every require must hold; then one allow must match (no allow
//!   rules: allowed). An erroring deny or require denies; an erroring allow
//!   does not match.

mod activation;
mod ast;
mod bind;
mod compile;
mod cost;
mod environment;
mod evaluate;
#[cfg(any(test, feature = "cli", feature = "test-hooks"))]
mod expression;
mod names;
mod prescan;
mod reads;
mod regex_cache;
mod rewrite;
mod scope_hint;

use crate::identity::Identity;
use crate::request::Request;

#[cfg(any(test, feature = "cli"))]
pub use expression::eval_expression;
#[cfg(any(test, feature = "test-hooks"))]
pub use expression::conformance;

/// What a rule does when its expression is true.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// Allows the request when true (a bare string, `allow:` or `if:`).
    Allow,
    /// Denies the request when true (or when it errors).
    Deny,
    /// Must be true for the request to pass (an error counts as false).
    Require,
}

/// One rule as written in the config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec {
    /// What the rule does.
    pub kind: RuleKind,
    /// The CEL expression text.
    pub expr: String,
}

/// Bounds on rule text and evaluation, from the config's `limits:`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleLimits {
    /// Longest rule text, in bytes.
    pub max_rule_length: usize,
    /// Deepest nesting of the expression (parentheses, lists, calls, ...).
    pub max_rule_depth: usize,
    /// Most syntax-tree nodes in one rule.
    pub max_rule_nodes: usize,
    /// Most rules in one config.
    pub max_rules: usize,
    /// Largest list or map a comprehension (`exists`, `all`, `map`, ...) may
    /// iterate over during evaluation.
    pub max_comprehension_size: usize,
    /// Most request headers a rule that reads `request.headers` accepts;
    /// with more, such a rule errors (and so fails closed).
    pub max_headers: usize,
    /// Largest value a rule function may build: a string or bytes value in
    /// bytes, a list or map in elements (`replace`, `+`, `lists.range`,
    /// `join`, `split`, `base64.encode`, ...). Checked before the value is
    /// built, so no rule can ask the allocator for more.
    pub max_rule_value_size: usize,
    /// Cost budget of one rule evaluation: elements iterated by
    /// comprehensions, and the work of functions whose cost grows with their
    /// arguments (bytes scanned or built, elements compared or sorted).
    /// Over it, the rule errors (and so fails closed).
    pub max_rule_cost: usize,
}

impl Default for RuleLimits {
    fn default() -> Self {
        RuleLimits {
            max_rule_length: 4096,
            max_rule_depth: 32,
            max_rule_nodes: 1000,
            max_rules: 256,
            max_comprehension_size: 10_000,
            max_headers: 1024,
            max_rule_value_size: 64 * 1024,
            max_rule_cost: 1_000_000,
        }
    }
}

/// A rule that failed to compile: where, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// 0-based index of the rule in `authorization.rules`.
    pub index: usize,
    /// 1-based column in the rule text where the problem is, when known.
    pub column: Option<usize>,
    /// What is wrong, in cedar's style: lowercase, input in backticks.
    pub message: String,
}

/// Everything a rule can read for one request.
#[derive(Debug, Clone, Copy)]
pub struct RuleInput<'r, 'a> {
    /// The verified identity; `None` when the request is unauthenticated
    /// (then `jwt` and `auth` are null in rules).
    pub identity: Option<&'r Identity>,
    /// The request attributes.
    pub request: &'r Request<'a>,
    /// The decision time, seconds since the Unix epoch (CEL `now`).
    pub now: f64,
}

/// Why the rules refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A deny rule matched (or errored).
    DeniedByRule,
    /// A require rule was false (or errored).
    RequiredRuleFailed,
    /// Allow rules exist and none matched.
    NoRuleAllowed,
}

/// The result of evaluating the rule set for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct RuleOutcome {
    /// `None` when allowed, else why not.
    pub refusal: Option<Refusal>,
    /// Index of the deciding rule: the deny or require that refused, or the
    /// allow that matched; `None` when no single rule decided.
    pub rule: Option<usize>,
    /// Whether the deciding rule errored rather than evaluated.
    pub errored: bool,
    /// For a failed require of the form `"x" in auth.scopes` (or
    /// `auth.scopes.exists(...)` over literals): the missing scope(s),
    /// space-separated, for `error="insufficient_scope", scope="..."`.
    pub missing_scope: Option<String>,
    /// For logs: the evaluation error message when the deciding rule errored.
    pub detail: Option<String>,
}

/// A compiled rule set: immutable, cheap to evaluate, shared across threads.
///
/// Holds one root CEL context built at load (functions registered once); each
/// evaluation uses a child scope whose variables are built on first read.
pub struct RuleSet {
    rules: Vec<compile::CompiledRule>,
    deny: Vec<usize>,
    require: Vec<usize>,
    allow: Vec<usize>,
    reads: reads::Reads,
    root: cel::Context<'static, 'static>,
    max_comprehension_size: usize,
    max_headers: usize,
    max_rule_cost: usize,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet")
            .field("rules", &self.rules.len())
            .field("deny", &self.deny)
            .field("require", &self.require)
            .field("allow", &self.allow)
            .field("reads", &self.reads)
            .finish_non_exhaustive()
    }
}

/// The stack a rule evaluation may need: a rule at the depth limit takes
/// ~70 KiB in a release build and several times that in a debug build.
pub const EVAL_RED_ZONE: usize = 512 * 1024;
/// The stack segment an evaluation gets when the caller's has too little.
pub const EVAL_STACK: usize = 2 * 1024 * 1024;

impl RuleSet {
    /// Compiles every rule, on a dedicated thread with a large stack (the
    /// cel parser recurses), after a non-recursive scan of each text against
    /// `limits`. Fails with the first bad rule's index, column and message.
    ///
    /// `limits.max_rule_depth` above 32 is treated as 32: evaluation runs on
    /// the host's threads and recurses once per level of the syntax tree, and
    /// 32 levels are what a debug build can evaluate on a 2 MiB stack.
    pub fn compile(rules: &[RuleSpec], limits: &RuleLimits) -> Result<RuleSet, RuleError> {
        let owned = rules.to_vec();
        let lim = limits.clone();
        let known: Vec<&'static str> = environment::STANDARD_VARIABLES
            .iter()
            .chain(environment::HOST_VARIABLES)
            .copied()
            .collect();
        let compiled = compile::on_compile_thread(move || {
            compile::compile_rules(&owned, &lim, &known, compile::HARD_MAX_DEPTH, true, true)
        })?;
        Ok(RuleSet {
            deny: evaluate::indexes_of(&compiled.rules, RuleKind::Deny),
            require: evaluate::indexes_of(&compiled.rules, RuleKind::Require),
            allow: evaluate::indexes_of(&compiled.rules, RuleKind::Allow),
            rules: compiled.rules,
            reads: compiled.reads,
            root: compiled.root,
            max_comprehension_size: limits.max_comprehension_size,
            max_headers: limits.max_headers,
            max_rule_cost: limits.max_rule_cost,
        })
    }

    /// Decides one request: any matching (or erroring) deny denies; then
    /// every require must be true; then one allow must match (none: allowed).
    ///
    /// Evaluation recurses once per level of a rule: when the calling
    /// thread has less than [`EVAL_RED_ZONE`] of stack left (a small host
    /// worker thread), it runs on a fresh [`EVAL_STACK`] segment instead, so
    /// a rule at the depth limit never overflows the host's stack.
    pub fn evaluate(&self, input: &RuleInput<'_, '_>) -> RuleOutcome {
        stacker::maybe_grow(EVAL_RED_ZONE, EVAL_STACK, || evaluate::evaluate(self, input))
    }

    /// Whether the set has no rules (every request is allowed).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// How many rules the set has.
    #[cfg(any(test, feature = "test-hooks"))]
    pub fn len(&self) -> usize {
        self.rules.len()
    }
}

#[cfg(test)]
mod tests;
