//! The decision table through the core: every row of
//! `tests/decision_table.yaml` (the data the C, Go and Python runners and
//! the README check read too) at the pinned clock, checking the status,
//! reason, the exact `WWW-Authenticate` value and what else the row names.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "decision_table/data.rs"]
mod data;

use std::collections::{BTreeMap, BTreeSet};

use claimcheck as cc;
use claimcheck::{CredentialKind, Decision, Engine, Reason, Request};
use common::*;
use data::{Keys, Row, Table};
use serde_json::json;

/// What is wrong with `d` as the answer to `row`; empty when nothing is.
fn problems(table: &Table, row: &Row, d: &Decision) -> Vec<String> {
    let mut wrong = Vec::new();
    if (d.status, d.reason.as_str()) != (row.status, row.reason.as_str()) {
        wrong.push(format!("got {} {}, want {} {}", d.status, d.reason, row.status, row.reason));
    }
    if d.allowed != (row.status == 200) {
        wrong.push(format!("allowed is {}", d.allowed));
    }
    if d.message != d.reason.client_message() {
        wrong.push(format!("message {:?}", d.message));
    }
    let www = row.www_authenticate(table);
    if d.www_authenticate != www {
        wrong.push(format!("WWW-Authenticate {:?}, want {:?} ({})", d.www_authenticate, www, row.challenge.as_str()));
    }
    if let Some(want) = row.expects_identity() {
        if d.identity.is_some() != want {
            wrong.push(format!("identity {:?}, want {}", d.identity.as_ref().map(|i| &i.subject), if want { "one" } else { "none" }));
        }
    }
    if let Some(subject) = &row.subject {
        if d.identity.as_ref().and_then(|i| i.subject.as_deref()) != Some(subject.as_str()) {
            wrong.push(format!("subject {:?}, want {subject}", d.identity.as_ref().map(|i| &i.subject)));
        }
    }
    // Every refusal of a token, and two credentials, say why in the detail.
    if (matches!(row.status, 400 | 503) || row.challenge == data::Challenge::InvalidToken) && d.detail.is_none() {
        wrong.push("no detail for the host's logs".to_owned());
    }
    if let Some(part) = &row.detail {
        if !d.detail.as_deref().unwrap_or("").contains(part.as_str()) {
            wrong.push(format!("detail {:?} does not contain {part:?}", d.detail));
        }
    }
    if let Some(rule) = row.rule {
        let got = d.rule.map_or(-1, |r| r as i64);
        if got != rule {
            wrong.push(format!("rule {got}, want {rule}"));
        }
    }
    if let Some(errored) = row.rule_errored {
        if d.rule_errored != errored {
            wrong.push(format!("rule_errored {}, want {errored}", d.rule_errored));
        }
    }
    if let Some(want) = &row.credential {
        let got = match &d.credential {
            None => "none".to_owned(),
            Some(s) => {
                let kind = match s.kind {
                    CredentialKind::Header => "header",
                    CredentialKind::Cookie => "cookie",
                    CredentialKind::Query => "query",
                };
                format!("{kind}:{}", s.name)
            }
        };
        if &got != want {
            wrong.push(format!("credential {got}, want {want}"));
        }
    }
    wrong
}

#[test]
fn every_row_of_the_data_file() {
    let table = Table::load();
    let keys = Keys::generate();
    let tokens = table.mint_all(&keys);
    let engines: BTreeMap<(String, data::Mode), Engine> = table
        .config_files()
        .into_iter()
        .map(|(config, mode)| {
            let text = table.config_text(&config, mode, &keys);
            let engine = engine(&text);
            ((config, mode), engine)
        })
        .collect();
    let mut failures = Vec::new();
    for (row, name) in table.rows.iter().zip(table.row_names()) {
        let token = row.token.as_ref().map(|t| tokens[t].as_str());
        let spec = row.request(token);
        let headers: Vec<(&str, &str)> = spec.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let request = Request { headers: &headers, path: &spec.path, ..Default::default() };
        let d = engines[&(row.config.clone(), row.mode)].authorize_at(&request, data::NOW).unwrap();
        for problem in problems(&table, row, &d) {
            failures.push(format!("{name}: {problem}"));
        }
    }
    assert!(failures.is_empty(), "{} problems in {} rows:\n{}", failures.len(), table.rows.len(), failures.join("\n"));
}

#[test]
fn every_reason_has_a_row() {
    let table = Table::load();
    let named: BTreeSet<&str> = table.rows.iter().map(|r| r.reason.as_str()).collect();
    let missing: Vec<&str> = Reason::ALL.iter().map(|r| r.as_str()).filter(|r| !named.contains(r)).collect();
    assert!(missing.is_empty(), "reasons no row of tests/decision_table.yaml gives: {missing:?}");
}

/// The identity itself, beyond what the rows check: provider, issuer,
/// subject, claims and scopes of a valid token.
#[test]
fn a_valid_token_carries_the_identity() {
    let e = engine(&rsa_config());
    let d = bearer(&e, &sign(&RSA, &claims()));
    assert_decision(&d, 200, "allowed");
    let id = d.identity.unwrap();
    assert_eq!(&*id.provider, "okta");
    assert_eq!(id.issuer, ISSUER);
    assert_eq!(id.subject.as_deref(), Some("alice@example.com"));
    assert_eq!(id.claims["groups"], json!(["Everyone", "AI-Users"]));
    assert_eq!(&*id.scopes, &["mcp:read".to_owned(), "openid".to_owned()]);
}

/// The runner fails when a decision differs from its row: each check of
/// `problems` is tried with a decision that breaks it.
#[test]
fn the_runner_notices_a_wrong_decision() {
    let table = Table::load();
    let row = table.rows.iter().find(|r| r.challenge == data::Challenge::InvalidToken && r.credential.is_none() && r.detail.is_none()).unwrap();
    let good = Decision {
        allowed: false,
        status: 401,
        reason: Reason::from_name(&row.reason).unwrap(),
        message: Reason::from_name(&row.reason).unwrap().client_message(),
        detail: Some("why".to_owned()),
        www_authenticate: row.www_authenticate(&table),
        identity: None,
        rule: None,
        rule_errored: false,
        credential: None,
    };
    assert_eq!(problems(&table, row, &good), Vec::<String>::new());
    type Break = (&'static str, fn(&mut Decision));
    let breaks: [Break; 5] = [
        ("status", |d| d.status = 403),
        ("reason", |d| d.reason = Reason::DeniedByRule),
        ("challenge", |d| d.www_authenticate = Some("Bearer realm=\"claimcheck\"".to_owned())),
        ("allowed", |d| d.allowed = true),
        ("detail", |d| d.detail = None),
    ];
    for (what, break_it) in breaks {
        let mut d = good.clone();
        break_it(&mut d);
        assert!(!problems(&table, row, &d).is_empty(), "a wrong {what} passes");
    }
}
