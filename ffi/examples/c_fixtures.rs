//! Writes the configs and tokens the C tests (tests/c/*.c) and the Go and
//! Python binding tests read, so the C ABI needs no test-only minting
//! export: `cargo run -p claimcheck-ffi --example c-fixtures -- DIR`. The
//! decision-table rows come from tests/decision_table.yaml, the one data
//! file every runner reads.
//!
//! `DIR/fixtures.txt` has one record per line, fields separated by spaces
//! (readers ignore kinds they do not know):
//! - `now SECONDS`: the pinned clock for `claimcheck_engine_authorize_at`;
//! - `token NAME JWT`: every token of the data file that is one field, and
//!   `live`, valid for a day at the real clock;
//! - `row CONFIG TOKEN STATUS REASON`: a decision-table row the C runner can
//!   send: bearer TOKEN (`-`: none; `twice:NAME`: the token in two
//!   Authorization headers) against DIR/CONFIG;
//! - `stress TOKEN STATUS_A REASON_A STATUS_B REASON_B`: what `a.yaml` and
//!   `b.yaml` each answer for TOKEN.
//!
//! `DIR/decision_table.json` has every row of the data file, ready to send:
//! `{"now": SECONDS, "rows": [{"name", "readme", "config" (a file of DIR),
//! "headers" ([[name, value]]), "path", "status", "reason", "challenge",
//! "www_authenticate" (the exact value, or null), "identity", "subject",
//! "detail", "rule", "rule_errored", "credential"}]}`; a null field is not
//! checked (`identity` null: nothing implied by the status either).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt::Write as _;
use std::path::PathBuf;

// The data module names the core crate `cc`.
use claimcheck_core as cc;
use claimcheck_core::dev::DevKey;
use serde_json::{json, Map, Value};

#[path = "../../tests/decision_table/data.rs"]
mod data;

use data::{Keys, Table, AUDIENCE, ISSUER, NOW};

/// What the C runner's fixture reader holds at most of each record kind
/// (tests/c/common.h, `MAX_RECORDS`): more would be dropped unseen.
const C_MAX_RECORDS: usize = 128;

fn claims_with(changes: Value) -> Value {
    let mut c = Value::Object(data::base_claims());
    for (k, v) in changes.as_object().unwrap() {
        c.as_object_mut().unwrap().insert(k.clone(), v.clone());
    }
    c
}

/// A config of the fixtures that is not a decision-table variant.
fn config(jwks: &Value, audiences: &str, tail: &str) -> String {
    format!(
        "authentication:\n  providers:\n    - name: okta\n      issuer: {ISSUER}\n      audiences: [{audiences}]\n      jwks:\n        inline: '{}'\n{tail}",
        serde_json::to_string(jwks).unwrap()
    )
}

/// The C runner checks more on some configs (tests/c/api_test.c); a row it
/// would misjudge is a mistake in the data, said here rather than as a
/// puzzling C failure.
fn check_c_assumptions(row: &data::Row, token: &str) {
    let rule = row.rule;
    let ok = match row.config.as_str() {
        "rules" if row.mode == data::Mode::Strict => rule == Some(if row.status == 200 { 0 } else { -1 }),
        "scope" if row.mode == data::Mode::Strict => rule == Some(0) && row.scope.as_deref() == Some("mcp:write"),
        "deny" if row.mode == data::Mode::Strict => {
            let robot = token == "test_robot";
            rule == Some(if robot { 1 } else { 2 }) && row.rule_errored == Some(!robot)
        }
        _ => true,
    };
    assert!(
        ok,
        "tests/decision_table.yaml: the C runner checks the deciding rule of every {} row, and this one does not fit \
         (see the comment on `configs`; `c: false` keeps a row from it): {row:?}",
        row.file()
    );
}

fn main() {
    let dir = PathBuf::from(std::env::args().nth(1).expect("usage: c-fixtures DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let table = Table::load();
    let keys = Keys::generate();
    let tokens = table.mint_all(&keys);

    // The decision-table configs, and those of the other C and Go tests.
    let mut files: Vec<(String, String)> = table
        .config_files()
        .into_iter()
        .map(|(config, mode)| (data::file_name(&config, mode), table.config_text(&config, mode, &keys)))
        .collect();
    let jwks = DevKey::jwks(&[&keys.rsa]);
    let broken = json!({"keys": [{"kty": "RSA", "kid": "broken", "n": "AQAB", "e": "AQAB"}, keys.rsa.public_jwk()]});
    files.extend([
        (
            "b.yaml".to_owned(),
            config(&jwks, &format!("{AUDIENCE}, api://other"), "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n"),
        ),
        (
            "bad-rule.yaml".to_owned(),
            config(&jwks, AUDIENCE, "authorization:\n  rules:\n    - 'true'\n    - 'jwt.sub == nosuchvar'\n"),
        ),
        ("warn.yaml".to_owned(), config(&broken, AUDIENCE, "")),
        ("malformed.yaml".to_owned(), "authentication: [\n  providers\n".to_owned()),
        (
            "invalid.yaml".to_owned(),
            "authentication:\n  providers:\n    - name: x\n      issuer: https://x\n      audiense: [a]\n".to_owned(),
        ),
    ]);
    for (name, text) in &files {
        std::fs::write(dir.join(name), text).unwrap();
    }

    let mut out = format!("now {NOW}\n");
    // One field of a line, and short enough for the C runner's header buffer.
    let c_sendable = |jwt: &str| !jwt.is_empty() && !jwt.contains(char::is_whitespace) && jwt.len() < 4000;
    let mut n_tokens = 0;
    for (name, jwt) in &tokens {
        if c_sendable(jwt) {
            writeln!(out, "token {name} {jwt}").unwrap();
            n_tokens += 1;
        }
    }
    // Valid for a day at the real clock: for examples/c/hello, which uses
    // claimcheck_engine_authorize (no pinned time).
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs_f64().floor();
    let live = keys.rsa.sign(&claims_with(json!({"iat": now - 60.0, "exp": now + 86400.0})), Some("JWT"), &Map::new()).unwrap();
    writeln!(out, "token live {live}").unwrap();
    n_tokens += 1;

    let mut n_rows = 0;
    for row in &table.rows {
        let Some(field) = row.c_token(&table) else { continue };
        if row.token.as_ref().is_some_and(|t| !c_sendable(&tokens[t])) {
            continue;
        }
        check_c_assumptions(row, row.token.as_deref().unwrap_or("-"));
        writeln!(out, "row {} {field} {} {}", row.file(), row.status, row.reason).unwrap();
        n_rows += 1;
    }
    assert!(
        n_tokens <= C_MAX_RECORDS && n_rows <= C_MAX_RECORDS,
        "{n_tokens} tokens and {n_rows} C rows: the C fixture reader holds {C_MAX_RECORDS} of each (tests/c/common.h)"
    );

    let stress = [
        ("valid", 200, "allowed", 200, "allowed"),
        ("expired", 401, "expired", 401, "expired"),
        ("wrong_aud", 401, "invalid_audience", 200, "allowed"),
        ("bob", 200, "allowed", 403, "no_rule_allowed"),
    ];
    for (token, sa, ra, sb, rb) in stress {
        writeln!(out, "stress {token} {sa} {ra} {sb} {rb}").unwrap();
    }
    std::fs::write(dir.join("fixtures.txt"), out).unwrap();

    let rows: Vec<Value> = table
        .rows
        .iter()
        .zip(table.row_names())
        .map(|(row, name)| {
            let spec = row.request(row.token.as_ref().map(|t| tokens[t].as_str()));
            json!({
                "name": name,
                "readme": row.readme,
                "config": row.file(),
                "headers": spec.headers,
                "path": spec.path,
                "status": row.status,
                "reason": row.reason,
                "challenge": row.challenge.as_str(),
                "www_authenticate": row.www_authenticate(&table),
                "identity": row.expects_identity(),
                "subject": row.subject,
                "detail": row.detail,
                "rule": row.rule,
                "rule_errored": row.rule_errored,
                "credential": row.credential,
            })
        })
        .collect();
    let doc = json!({"now": NOW, "rows": rows});
    std::fs::write(dir.join("decision_table.json"), serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}
