//! JOSE conformance suites for claimcheck's JWS layer and JWT validation.
//!
//! Four suites, one `#[test]` each; every suite prints exactly one line
//!
//! ```text
//! conformance <suite>: passed=N failed=M skipped=K
//! ```
//!
//! (run with `cargo test --test conformance_jose -- --nocapture` to see it),
//! asserts `failed == 0` with the failing ids and what happened, and asserts
//! that the number of cases it ran equals the number of vectors it read, so a
//! vector cannot be dropped silently.
//!
//! | suite            | vectors (under `../shared/vectors/`)                        |
//! |------------------|-------------------------------------------------------------|
//! | `wycheproof-jws` | `wycheproof/json_web_signature_test.json` (401 tests)        |
//! | `wycheproof-jwk` | `wycheproof/json_web_key_test.json` (26 tests)               |
//! | `rfc7515`        | `rfc7515/appendix_a.json` (RFC 7515 Appendix A.1-A.7)        |
//! | `jose-cookbook`  | `jose-cookbook/jws/4_*.json` + `jose-cookbook/jwk/` (RFC 7520 §4) |
//!
//! The vectors are read in place (relative to `CARGO_MANIFEST_DIR`); they are
//! never copied into this repository.
//!
//! Most Wycheproof and cookbook payloads are not JSON claims (`"foo"`, a
//! Tolkien quote), so those suites use the JWS-level entry point
//! [`verify_compact_jws`], below any claim check, with every algorithm
//! allowed (HS* groups carry an `oct` key). The RFC 7515 A.1-A.3 tokens are
//! real JWTs and also go through the full [`Engine`] with a pinned clock.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;

use claimcheck::test_hooks::parse_jwk;
use claimcheck::test_hooks::{KeySet, KeySetError};
use claimcheck::test_hooks::{verify_compact_jws, Algorithm, AlgorithmSet};
use claimcheck::{Engine, Reason, Request};
use serde_json::{json, Value};

// ---------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------

/// `limits.maxJsonDepth` default.
const MAX_JSON_DEPTH: usize = 16;
/// `limits.maxJwksKeys` default.
const MAX_JWKS_KEYS: usize = 100;

/// Path of a vector file under the shared vectors folder.
fn vector_path(rel: &str) -> PathBuf {
    common::vectors_dir().join(rel)
}

/// Reads and parses a JSON vector file (panics with the path on error: a
/// missing vector must fail the suite, not skip it).
fn read_json(rel: &str) -> Value {
    let path = vector_path(rel);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read vector file {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Every algorithm, including HS*: the suites exercise all of them.
fn all_algorithms() -> AlgorithmSet {
    AlgorithmSet::of(&Algorithm::ALL)
}

/// A JWK or a JWKS as a JWKS document.
fn as_jwks(key: &Value) -> Value {
    if key.get("keys").is_some() {
        key.clone()
    } else {
        json!({ "keys": [key] })
    }
}

/// The outcome of verifying one token: accepted with the payload, or
/// rejected with the reason (and the detail, for messages).
#[derive(Debug, Clone)]
enum Outcome {
    Accepted(Vec<u8>),
    Rejected(Option<Reason>, String),
}

impl Outcome {
    fn accepted(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }

    fn reason(&self) -> Option<Reason> {
        match self {
            Outcome::Accepted(_) => None,
            Outcome::Rejected(r, _) => *r,
        }
    }

    fn describe(&self) -> String {
        match self {
            Outcome::Accepted(p) => format!("accepted ({} payload bytes)", p.len()),
            Outcome::Rejected(Some(r), d) => format!("rejected: {}: {d}", r.as_str()),
            Outcome::Rejected(None, d) => format!("rejected (key set refused): {d}"),
        }
    }
}

/// A token as a test vector holds it: a compact string, or a JSON
/// serialization object (which a bearer-token verifier sees as its JSON text).
fn token_text(jws: &Value) -> String {
    match jws {
        Value::String(s) => s.clone(),
        other => serde_json::to_string(other).expect("a JSON value serializes"),
    }
}

/// Verifies `token` at the JWS level against a parsed key set (or the error
/// the key set gave as a whole, which rejects every token).
fn verify_jws(keys: &Result<(KeySet, Vec<String>), KeySetError>, token: &str) -> Outcome {
    match keys {
        Err(e) => Outcome::Rejected(None, e.0.clone()),
        Ok((set, _)) => match verify_compact_jws(token, set, all_algorithms(), MAX_JSON_DEPTH) {
            Ok(payload) => Outcome::Accepted(payload),
            Err(e) => Outcome::Rejected(Some(e.reason), e.detail),
        },
    }
}

/// Per-suite tally. `finish` prints the one summary line and asserts.
#[derive(Default)]
struct Tally {
    passed: usize,
    skipped: usize,
    /// Failed cases.
    failed: Vec<String>,
    /// Suite-level problems that are not a case (a stale exception entry);
    /// counted in `failed=` but not in the case total.
    problems: Vec<String>,
}

impl Tally {
    /// Records one case: a pass, or a failure described by `why`.
    fn check(&mut self, id: &str, ok: bool, why: impl FnOnce() -> String) {
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("{id}: {}", why()));
        }
    }

    fn skip(&mut self) {
        self.skipped += 1;
    }

    /// Records a suite-level problem that is not a case.
    fn problem(&mut self, what: String) {
        self.problems.push(what);
    }

    /// Cases run.
    fn total(&self) -> usize {
        self.passed + self.failed.len() + self.skipped
    }

    /// Prints `conformance <suite>: passed=N failed=M skipped=K`, then
    /// asserts that every expected case ran and none failed.
    fn finish(self, suite: &str, expected_total: usize) {
        let mut failures = self.failed.clone();
        failures.extend(self.problems.iter().cloned());
        println!(
            "conformance {suite}: passed={} failed={} skipped={}",
            self.passed,
            failures.len(),
            self.skipped
        );
        assert_eq!(
            self.total(),
            expected_total,
            "{suite}: ran {} cases but the vectors hold {expected_total}",
            self.total()
        );
        assert!(
            failures.is_empty(),
            "{suite}: {} failure(s):\n  {}",
            failures.len(),
            failures.join("\n  ")
        );
    }
}

/// An engine with one provider for issuer `joe` (RFC 7515's example issuer),
/// any audience, the given algorithms and inline key set. Config is JSON
/// (which the YAML loader reads).
fn engine_with(jwks: &Value, algorithms: &[&str]) -> Engine {
    let config = json!({
        "authentication": {
            "mode": "strict",
            "providers": [{
                "issuer": "joe",
                "audiences": ["*"],
                "algorithms": algorithms,
                "jwks": { "inline": jwks },
            }],
        },
    });
    Engine::new(&config.to_string())
        .unwrap_or_else(|e| panic!("engine config refused: {e:?}\n{config}"))
}

/// Runs `token` through the full engine as `Authorization: Bearer <token>`,
/// at `now` (or the real clock when `None`). Returns (allowed, reason, detail).
fn authorize(engine: &Engine, token: &str, now: Option<f64>) -> (bool, Reason, String) {
    let header = format!("Bearer {token}");
    let headers = [("authorization", header.as_str())];
    let request = Request {
        method: "GET",
        path: "/",
        headers: &headers,
        ..Request::default()
    };
    let d = match now {
        Some(t) => engine.authorize_at(&request, t).unwrap(),
        None => engine.authorize(&request),
    };
    (d.allowed, d.reason, d.detail.unwrap_or_default())
}

// ---------------------------------------------------------------------------
// Wycheproof (JWS and JWK files share one runner)
// ---------------------------------------------------------------------------

/// What claimcheck does with a documented exception.
#[derive(Debug, Clone, Copy)]
enum Behaviour {
    /// The token verifies.
    Accepts,
    /// The token is rejected with exactly this reason.
    Rejects(Reason),
}

/// A Wycheproof test whose label we knowingly disagree with.
struct Exception {
    /// The file's `tcId`.
    tc_id: u64,
    /// The file's `result` label at the pinned commit; if upstream relabels
    /// the test, the runner fails so this entry gets revisited.
    label: &'static str,
    /// What claimcheck does instead, asserted on every run so the table
    /// cannot go stale.
    behaviour: Behaviour,
    /// Why.
    why: &'static str,
}

/// Documented exceptions of `json_web_signature_test.json` (see
/// `../shared/vectors/README.md`, "Known quirks"). Each counts as `skipped`,
/// and each is asserted to still behave as `behaviour` says: an exception
/// that starts passing or fails differently is reported as a failure.
const JWS_EXCEPTIONS: &[Exception] = &[
    Exception {
        tc_id: 346,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::UnsupportedAlgorithm),
        why: "RFC 7520 fig. 20: the JWK says alg PS256, the token uses PS384; we enforce the JWK's `alg` (RFC 7517 §4.4)",
    },
    Exception {
        tc_id: 347,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::UnknownKey),
        why: "RFC 7520 fig. 27: the JWK's alg is \"ES521\" (a typo for ES512), not an algorithm: the key is skipped, so no key has the kid",
    },
    Exception {
        tc_id: 350,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::UnsupportedAlgorithm),
        why: "as tc346 (key_ops variant): the JWK's `alg` PS256 is enforced against the token's PS384",
    },
    Exception {
        tc_id: 351,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::UnknownKey),
        why: "as tc347 (key_ops variant): JWK alg \"ES521\" is not an algorithm; the key is skipped",
    },
    Exception {
        tc_id: 367,
        label: "invalid",
        behaviour: Behaviour::Accepts,
        why: "byte-identical to the valid tc357; mislabelled upstream (C2SP/wycheproof#236)",
    },
    Exception {
        tc_id: 370,
        label: "invalid",
        behaviour: Behaviour::Accepts,
        why: "byte-identical to the valid tc357; mislabelled upstream (C2SP/wycheproof#236)",
    },
    Exception {
        tc_id: 372,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::MalformedToken),
        why: "`?` inside the base64url header: our strict decoder rejects it (RFC 7515 §2 forbids non-alphabet characters)",
    },
    Exception {
        tc_id: 373,
        label: "valid",
        behaviour: Behaviour::Rejects(Reason::MalformedToken),
        why: "`?` inside the base64url payload: our strict decoder rejects it",
    },
];

/// Runs a Wycheproof JWS/JWK file.
///
/// Method: for each group, the verification key set is `public` when
/// present, else `private` (groups with only `private` carry an `oct` key,
/// which is the verification key); a single JWK is wrapped as
/// `{"keys":[jwk]}` and parsed with [`KeySet::from_value`], which skips
/// unusable keys with a warning. Each test's `jws` is verified with
/// [`verify_compact_jws`] and every algorithm allowed; a `jws` that is a JSON
/// object (JSON serialization) is passed as its JSON text and must be
/// rejected. `valid` must verify, `invalid` must be rejected, `acceptable`
/// passes either way. Tests listed in `exceptions` count as skipped after
/// their documented behaviour is asserted.
fn run_wycheproof(rel: &str, suite: &str, expected_groups: usize, exceptions: &[Exception]) {
    let doc = read_json(rel);
    let number_of_tests = doc["numberOfTests"].as_u64().expect("numberOfTests") as usize;
    let groups = doc["testGroups"].as_array().expect("testGroups");
    assert_eq!(groups.len(), expected_groups, "{rel}: group count changed");

    let mut tally = Tally::default();
    let mut seen_exceptions: BTreeMap<u64, usize> = BTreeMap::new();
    let mut seen_ids: BTreeMap<u64, usize> = BTreeMap::new();

    for (gi, group) in groups.iter().enumerate() {
        let key = group
            .get("public")
            .or_else(|| group.get("private"))
            .unwrap_or_else(|| panic!("{rel}: group {gi} has neither `public` nor `private`"));
        let keys = KeySet::from_value(&as_jwks(key), MAX_JWKS_KEYS);
        let tests = group["tests"].as_array().expect("tests");
        for test in tests {
            let tc_id = test["tcId"].as_u64().expect("tcId");
            *seen_ids.entry(tc_id).or_default() += 1;
            let label = test["result"].as_str().expect("result");
            let token = token_text(&test["jws"]);
            let outcome = verify_jws(&keys, &token);
            let id = format!(
                "tc{tc_id} ({}, {label})",
                test["comment"].as_str().unwrap_or("")
            );
            let key_notes = match &keys {
                Ok((set, warnings)) => format!(
                    "; key set: {} usable key(s), warnings {warnings:?}",
                    set.len()
                ),
                Err(e) => format!("; key set refused: {}", e.0),
            };

            if let Some(exc) = exceptions.iter().find(|e| e.tc_id == tc_id) {
                *seen_exceptions.entry(tc_id).or_default() += 1;
                if label != exc.label {
                    tally.check(&id, false, || {
                        format!("exception table says the label is `{}`, the file says `{label}`: revisit the entry", exc.label)
                    });
                    continue;
                }
                let holds = match exc.behaviour {
                    Behaviour::Accepts => outcome.accepted(),
                    Behaviour::Rejects(r) => outcome.reason() == Some(r),
                };
                if holds {
                    tally.skip();
                } else {
                    tally.check(&id, false, || {
                        format!(
                            "documented exception ({}) expected {:?}, got {}{key_notes}",
                            exc.why,
                            exc.behaviour,
                            outcome.describe()
                        )
                    });
                }
                continue;
            }

            let ok = match label {
                "valid" => outcome.accepted(),
                "invalid" => !outcome.accepted(),
                "acceptable" => true,
                other => panic!("{rel}: tc{tc_id} has unknown result `{other}`"),
            };
            tally.check(&id, ok, || {
                format!("expected {label}, got {}{key_notes}", outcome.describe())
            });
        }
    }

    let duplicated: Vec<_> = seen_ids
        .iter()
        .filter(|(_, n)| **n > 1)
        .map(|(id, _)| *id)
        .collect();
    if !duplicated.is_empty() {
        tally.problem(format!(
            "duplicated tcIds {duplicated:?}: results are ambiguous"
        ));
    }
    // A stale entry (its test gone or duplicated) fails the suite too.
    for exc in exceptions {
        let seen = seen_exceptions.get(&exc.tc_id).copied().unwrap_or(0);
        if seen != 1 {
            tally.problem(format!(
                "exception tc{} appears {seen} time(s) in the file (expected exactly once): remove or fix the entry",
                exc.tc_id
            ));
        }
    }
    tally.finish(suite, number_of_tests);
}

/// Wycheproof `json_web_signature_test.json`: 23 groups, 401 tests, with the
/// documented exceptions in [`JWS_EXCEPTIONS`].
#[test]
fn wycheproof_jws() {
    run_wycheproof(
        "wycheproof/json_web_signature_test.json",
        "wycheproof-jws",
        23,
        JWS_EXCEPTIONS,
    );
}

/// Wycheproof `json_web_key_test.json`: 25 groups, 26 tests of key-set
/// handling (mixed symmetric/asymmetric set, duplicate kid, `use: enc`,
/// ROCA, 1024-bit RSA, e = 1, short and empty HMAC keys, wrong alg, curve
/// and kty, AES keys). No exceptions.
#[test]
fn wycheproof_jwk() {
    run_wycheproof(
        "wycheproof/json_web_key_test.json",
        "wycheproof-jwk",
        25,
        &[],
    );
}

// ---------------------------------------------------------------------------
// RFC 7515 Appendix A
// ---------------------------------------------------------------------------

/// `exp` of the RFC 7515 A.1-A.3 JWTs (2011-03-22T18:43:00Z).
const RFC7515_EXP: f64 = 1_300_819_380.0;
/// A clock pinned before that `exp`.
const RFC7515_NOW: f64 = 1_300_819_300.0;

/// RFC 7515 Appendix A (`rfc7515/appendix_a.json`).
///
/// Cases (each counted):
/// - A.1 HS256, A.2 RS256, A.3 ES256 (`must_accept`): the JWS verifies with
///   `jwk_public` and yields `payload_utf8`; as JWTs, the engine allows them
///   with the clock pinned at 1300819300 (before `exp`) and rejects them with
///   `expired` on the real clock.
/// - A.4 ES512 (`must_accept`): the JWS verifies; its payload `Payload` is not
///   claims, so the engine rejects it with `malformed_token`.
/// - A.5 `alg: none` (`must_accept: false`): rejected with
///   `unsupported_algorithm` at the JWS level and by the engine; its empty
///   `oct` "key" is not a usable key.
/// - A.6 (general JSON) and A.7 (flattened JSON serialization): not bearer
///   tokens, rejected with `malformed_token` at the JWS level and by the engine.
#[test]
fn rfc7515_appendix_a() {
    let doc = read_json("rfc7515/appendix_a.json");
    let examples = doc["examples"].as_array().expect("examples");
    let names: Vec<&str> = examples
        .iter()
        .map(|e| e["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "RFC7515-A.1",
            "RFC7515-A.2",
            "RFC7515-A.3",
            "RFC7515-A.4",
            "RFC7515-A.5"
        ]
    );

    let mut tally = Tally::default();
    let mut expected_cases = 0;
    // A.1's key set, used where a key set is needed but the example's own
    // key is unusable (A.5) or absent (A.6, A.7).
    let a1_jwks = as_jwks(&examples[0]["jwk_public"]);

    for ex in examples {
        let name = ex["name"].as_str().expect("name");
        let alg = ex["alg"].as_str().expect("alg");
        let token = ex["compact"].as_str().expect("compact");
        let must_accept = ex["must_accept"].as_bool().expect("must_accept");
        let payload = ex["payload_utf8"].as_str().expect("payload_utf8");
        let jwks = as_jwks(&ex["jwk_public"]);
        let is_jwt = payload.starts_with('{');

        if must_accept {
            // JWS level.
            expected_cases += 1;
            let outcome = verify_jws(&KeySet::from_value(&jwks, MAX_JWKS_KEYS), token);
            let id = format!("{name} {alg} JWS");
            tally.check(
                &id,
                matches!(&outcome, Outcome::Accepted(p) if p == payload.as_bytes()),
                || {
                    format!(
                        "must verify and yield the RFC payload, got {}",
                        outcome.describe()
                    )
                },
            );

            let engine = engine_with(&jwks, &[alg]);
            if is_jwt {
                expected_cases += 2;
                let (allowed, reason, detail) = authorize(&engine, token, Some(RFC7515_NOW));
                const { assert!(RFC7515_NOW < RFC7515_EXP) };
                tally.check(
                    &format!("{name} JWT at now={RFC7515_NOW}"),
                    allowed && reason == Reason::Allowed,
                    || {
                        format!(
                            "must be allowed before exp, got {} ({detail})",
                            reason.as_str()
                        )
                    },
                );
                let (allowed, reason, detail) = authorize(&engine, token, None);
                tally.check(&format!("{name} JWT on the real clock"), !allowed && reason == Reason::Expired, || {
                    format!("must be rejected as expired (exp 2011), got allowed={allowed} {} ({detail})", reason.as_str())
                });
            } else {
                expected_cases += 1;
                let (allowed, reason, detail) = authorize(&engine, token, Some(RFC7515_NOW));
                tally.check(&format!("{name} as a JWT"), !allowed && reason == Reason::MalformedToken, || {
                    format!("payload {payload:?} is not claims: expected malformed_token, got allowed={allowed} {} ({detail})", reason.as_str())
                });
            }
        } else {
            // A.5: alg none.
            assert_eq!(
                alg, "none",
                "{name}: the only must-reject example is alg none"
            );
            expected_cases += 3;
            let key_result = parse_jwk(&ex["jwk_public"]);
            tally.check(
                &format!("{name} empty oct key"),
                key_result.is_err(),
                || "an empty `k` must not be a usable HMAC key".to_owned(),
            );
            let outcome = verify_jws(&KeySet::from_value(&a1_jwks, MAX_JWKS_KEYS), token);
            tally.check(
                &format!("{name} alg none JWS"),
                outcome.reason() == Some(Reason::UnsupportedAlgorithm),
                || format!("expected unsupported_algorithm, got {}", outcome.describe()),
            );
            let engine = engine_with(&a1_jwks, &["HS256"]);
            let (allowed, reason, detail) = authorize(&engine, token, Some(RFC7515_NOW));
            tally.check(
                &format!("{name} alg none JWT"),
                !allowed && reason == Reason::UnsupportedAlgorithm,
                || {
                    format!(
                        "expected unsupported_algorithm, got allowed={allowed} {} ({detail})",
                        reason.as_str()
                    )
                },
            );
        }
    }

    // A.6 and A.7: JSON serializations, signed with the A.2/A.3 keys.
    let a2_a3_jwks = json!({ "keys": [examples[1]["jwk_public"], examples[2]["jwk_public"]] });
    for (name, form) in [
        ("RFC7515-A.6 general JSON", &doc["A6_general_json"]),
        ("RFC7515-A.7 flattened JSON", &doc["A7_flattened_json"]),
    ] {
        assert!(!form.is_null(), "{name} is missing from the file");
        let token = token_text(form);
        assert!(
            token.starts_with('{'),
            "{name}: expected a JSON serialization"
        );
        expected_cases += 2;
        let outcome = verify_jws(&KeySet::from_value(&a2_a3_jwks, MAX_JWKS_KEYS), &token);
        tally.check(
            &format!("{name} JWS"),
            outcome.reason() == Some(Reason::MalformedToken),
            || format!("expected malformed_token, got {}", outcome.describe()),
        );
        let engine = engine_with(&a2_a3_jwks, &["RS256", "ES256"]);
        let (allowed, reason, detail) = authorize(&engine, &token, Some(RFC7515_NOW));
        tally.check(
            &format!("{name} as a bearer token"),
            !allowed && reason == Reason::MalformedToken,
            || {
                format!(
                    "expected malformed_token, got allowed={allowed} {} ({detail})",
                    reason.as_str()
                )
            },
        );
    }

    tally.finish("rfc7515", expected_cases);
}

// ---------------------------------------------------------------------------
// RFC 7520 JOSE cookbook §4
// ---------------------------------------------------------------------------

/// What claimcheck must do with one cookbook example's compact form.
#[derive(Debug, Clone, Copy)]
enum CookbookCompact {
    /// Verifies at the JWS level and yields `input.payload`.
    Verifies,
    /// §4.5 detached content: the compact form has an empty payload. At the
    /// JWS level the signature (over the detached payload) does not verify;
    /// as a bearer token it is `malformed_token`; with the payload put back
    /// it verifies.
    Detached,
    /// No compact form exists (unprotected header members, or several
    /// signatures): only JSON serializations, which are rejected.
    Absent,
}

/// The cookbook §4 examples: file, public verification key file in `jwk/`
/// (the examples' `input.key` holds the private key), and what the compact
/// form must do. Every `output.json` and `output.json_flat` is a JSON
/// serialization and must be rejected with `malformed_token`.
const COOKBOOK: &[(&str, &[&str], CookbookCompact)] = &[
    (
        "4_1.rsa_v15_signature.json",
        &["3_3.rsa_public_key.json"],
        CookbookCompact::Verifies,
    ),
    (
        "4_2.rsa-pss_signature.json",
        &["3_3.rsa_public_key.json"],
        CookbookCompact::Verifies,
    ),
    (
        "4_3.ecdsa_signature.json",
        &["3_1.ec_public_key.json"],
        CookbookCompact::Verifies,
    ),
    (
        "4_4.hmac-sha2_integrity_protection.json",
        &["3_5.symmetric_key_mac_computation.json"],
        CookbookCompact::Verifies,
    ),
    (
        "4_5.signature_with_detached_content.json",
        &["3_5.symmetric_key_mac_computation.json"],
        CookbookCompact::Detached,
    ),
    // §4.6: `kid` is in the unprotected header: JSON serialization only.
    (
        "4_6.protecting_specific_header_fields.json",
        &["3_5.symmetric_key_mac_computation.json"],
        CookbookCompact::Absent,
    ),
    // §4.7: no protected header at all: JSON serialization only.
    (
        "4_7.protecting_content_only.json",
        &["3_5.symmetric_key_mac_computation.json"],
        CookbookCompact::Absent,
    ),
    // §4.8: three signatures: general JSON serialization only.
    (
        "4_8.multiple_signatures.json",
        &[
            "3_3.rsa_public_key.json",
            "3_1.ec_public_key.json",
            "3_5.symmetric_key_mac_computation.json",
        ],
        CookbookCompact::Absent,
    ),
];

/// The public members of a JWK that must match between `input.key` and the
/// `jwk/` public key file.
const PUBLIC_MEMBERS: [&str; 7] = ["kty", "kid", "crv", "x", "y", "n", "e"];

/// RFC 7520 §4 (JOSE cookbook): §4.1 RS256, §4.2 PS384, §4.3 ES512 and §4.4
/// HS256 compact examples verify at the JWS level (their payload is a quote,
/// not claims); §4.5 detached content and every JSON serialization (§4.1-4.8
/// `json`/`json_flat`, the only forms of §4.6-4.8) are rejected. Also checks
/// that each private `input.key` (RSA, EC) is refused as a verification key
/// and that the `jwk/` public key matches it.
#[test]
fn jose_cookbook() {
    let dir = vector_path("jose-cookbook/jws");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .map(|e| {
            e.expect("dir entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".json"))
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = COOKBOOK.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(
        on_disk, listed,
        "every cookbook JWS example must be in the COOKBOOK table"
    );

    let mut tally = Tally::default();
    let mut expected_cases = 0;
    for (file, key_files, compact) in COOKBOOK {
        let doc = read_json(&format!("jose-cookbook/jws/{file}"));
        let section = file.split('.').next().unwrap_or(file).replace('_', ".");
        let payload = doc["input"]["payload"].as_str().expect("input.payload");

        // Keys: the `jwk/` public keys, checked against `input.key`.
        let input_keys: Vec<&Value> = match &doc["input"]["key"] {
            Value::Array(keys) => keys.iter().collect(),
            key => vec![key],
        };
        let public_keys: Vec<Value> = key_files
            .iter()
            .map(|k| read_json(&format!("jose-cookbook/jwk/{k}")))
            .collect();
        assert_eq!(input_keys.len(), public_keys.len(), "{section}: key count");
        for (input, public) in input_keys.iter().zip(&public_keys) {
            for m in PUBLIC_MEMBERS {
                assert_eq!(
                    input.get(m),
                    public.get(m),
                    "{section}: `{m}` of input.key and the jwk/ key differ"
                );
            }
            if input["kty"] != "oct" {
                expected_cases += 1;
                let refused = parse_jwk(input);
                tally.check(
                    &format!("{section} private input.key ({})", input["kty"]),
                    refused.is_err(),
                    || "a JWK with private members must not be a verification key".to_owned(),
                );
            }
        }
        let jwks = json!({ "keys": public_keys });
        let keys = KeySet::from_value(&jwks, MAX_JWKS_KEYS);
        let output = doc["output"].as_object().expect("output");
        for form in output.keys() {
            assert!(
                ["compact", "json", "json_flat"].contains(&form.as_str()),
                "{section}: unknown output form `{form}`"
            );
        }

        // The compact form.
        match (compact, output.get("compact").and_then(Value::as_str)) {
            (CookbookCompact::Verifies, Some(token)) => {
                expected_cases += 1;
                let outcome = verify_jws(&keys, token);
                tally.check(
                    &format!("{section} compact"),
                    matches!(&outcome, Outcome::Accepted(p) if p == payload.as_bytes()),
                    || {
                        format!(
                            "must verify and yield input.payload, got {}",
                            outcome.describe()
                        )
                    },
                );
            }
            (CookbookCompact::Detached, Some(token)) => {
                expected_cases += 3;
                let parts: Vec<&str> = token.split('.').collect();
                assert!(
                    parts.len() == 3 && parts[1].is_empty(),
                    "{section}: expected `header..signature`"
                );
                let outcome = verify_jws(&keys, token);
                tally.check(&format!("{section} detached compact (JWS level)"), outcome.reason() == Some(Reason::InvalidSignature), || {
                    format!("the signature covers the detached payload, expected invalid_signature, got {}", outcome.describe())
                });
                let engine = engine_with(&jwks, &["HS256"]);
                let (allowed, reason, detail) = authorize(&engine, token, None);
                tally.check(&format!("{section} detached compact as a bearer token"), !allowed && reason == Reason::MalformedToken, || {
                    format!("detached content is not a bearer token, expected malformed_token, got allowed={allowed} {} ({detail})", reason.as_str())
                });
                let attached_payload = doc["signing"]["sig-input"]
                    .as_str()
                    .and_then(|s| s.split('.').nth(1))
                    .expect("signing.sig-input has the encoded payload");
                let attached = format!("{}.{attached_payload}.{}", parts[0], parts[2]);
                let outcome = verify_jws(&keys, &attached);
                tally.check(
                    &format!("{section} payload re-attached"),
                    matches!(&outcome, Outcome::Accepted(p) if p == payload.as_bytes()),
                    || {
                        format!(
                            "with the payload put back the signature must verify, got {}",
                            outcome.describe()
                        )
                    },
                );
            }
            (CookbookCompact::Absent, None) => {}
            (expected, found) => {
                panic!("{section}: table says {expected:?}, the file has compact = {found:?}")
            }
        }

        // Every JSON serialization.
        for form in ["json", "json_flat"] {
            let Some(value) = output.get(form) else {
                continue;
            };
            expected_cases += 1;
            let token = token_text(value);
            let outcome = verify_jws(&keys, &token);
            tally.check(&format!("{section} {form}"), outcome.reason() == Some(Reason::MalformedToken), || {
                format!("JSON serialization is not a bearer token, expected malformed_token, got {}", outcome.describe())
            });
        }

        // §4.7 has no protected header: the closest compact form is
        // `.payload.signature`, which must be rejected as malformed.
        if file.starts_with("4_7") {
            expected_cases += 1;
            let sig_input = doc["signing"]["sig-input"].as_str().expect("sig-input");
            assert!(
                sig_input.starts_with('.'),
                "{section}: expected an empty protected header"
            );
            let token = format!(
                "{sig_input}.{}",
                doc["signing"]["sig"].as_str().expect("sig")
            );
            let outcome = verify_jws(&keys, &token);
            tally.check(
                &format!("{section} compact with empty protected header"),
                outcome.reason() == Some(Reason::MalformedToken),
                || {
                    format!(
                        "a header without `alg` is malformed, got {}",
                        outcome.describe()
                    )
                },
            );
        }
    }

    tally.finish("jose-cookbook", expected_cases);
}
