//! CEL compile and evaluate with hostile rules, claims and attributes.
//!
//! Input: a kind byte (two bits per rule: allow, deny, require, allow; the
//! high bit also runs the rule through `eval_expression`, the
//! `claimcheck eval` path), then `rules \0 claims JSON \0 attributes JSON`,
//! with up to four rules separated by 0x01. Claims that do not parse (or an
//! empty part) mean an unauthenticated request; attribute members become
//! request attributes (strings as strings, the rest as JSON).
//!
//! A slow or memory-hungry rule is a finding: scripts/test-fuzz runs this
//! target with libFuzzer's per-input `-timeout` and `-rss_limit_mb`
//! (`-malloc_limit_mb` follows it), under the engine's default limits.
#![no_main]

use std::sync::Arc;

use claimcheck::test_hooks::{RuleInput, RuleKind, RuleLimits, RuleSet, RuleSpec};
use claimcheck::{Attribute, AttributeValue, Claims, Identity, Request, Scopes};
use claimcheck_fuzz::{split_nul, NOW};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let Some((&kinds, rest)) = data.split_first() else { return };
    let (rules, rest) = split_nul(rest);
    let (claims, attrs) = split_nul(rest);
    let Ok(rules) = std::str::from_utf8(rules) else { return };
    let specs: Vec<RuleSpec> = rules
        .split('\u{1}')
        .take(4)
        .enumerate()
        .map(|(i, expr)| RuleSpec {
            kind: match (kinds >> (2 * i)) & 3 {
                1 => RuleKind::Deny,
                2 => RuleKind::Require,
                _ => RuleKind::Allow,
            },
            expr: expr.to_owned(),
        })
        .collect();
    let limits = RuleLimits::default();
    let set = RuleSet::compile(&specs, &limits);

    let identity = std::str::from_utf8(claims).ok().and_then(|c| Claims::parse(c.to_owned(), 16).ok()).map(|claims| {
        let issuer = claims.string("iss").unwrap_or("").to_owned();
        let subject = claims.string("sub").map(str::to_owned);
        let claims = Arc::new(claims);
        Identity { provider: Arc::from("fuzz"), issuer, subject, scopes: Scopes::from_claims(claims.clone()), groups: Default::default(), roles: Default::default(), claims }
    });
    let attr_doc: serde_json::Map<String, Value> = serde_json::from_slice(attrs).unwrap_or_default();
    let attributes: Vec<Attribute<'_>> = attr_doc
        .iter()
        .map(|(name, v)| Attribute {
            name,
            value: match v {
                Value::String(s) => AttributeValue::Str(s),
                other => AttributeValue::Json(other.clone()),
            },
        })
        .collect();
    let headers = [("x-request-id", "abc"), ("authorization", "Bearer a.b.c"), ("cookie", "session=s; theme=dark")];
    let request = Request {
        method: "POST",
        path: "/v1/chat?model=gpt&x=%41",
        host: "api.example",
        headers: &headers,
        source_address: "203.0.113.7:443",
        attributes: &attributes,
        ..Request::default()
    };

    if let Ok(set) = set {
        let outcome = set.evaluate(&RuleInput { identity: identity.as_ref(), request: &request, now: NOW });
        // An erroring allow does not match, so an allowed request was never
        // decided by an erroring rule.
        if outcome.refusal.is_none() {
            assert!(!outcome.errored, "allowed by an erroring rule: {outcome:?} for {specs:?}");
        }
        if let Some(r) = outcome.rule {
            assert!(r < specs.len(), "{outcome:?}");
        }
    }
    if kinds & 0x80 != 0 {
        if let Some(first) = specs.first() {
            let _ = claimcheck::cli::eval_expression(&first.expr, &attr_doc, &limits);
        }
    }
});
