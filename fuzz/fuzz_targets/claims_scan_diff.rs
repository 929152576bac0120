//! Differential: the token JSON scanner (`src/token/scan.rs`, reached
//! through `Claims::parse`) and the fast paths that read claims from their
//! text, against serde_json plus the documented checks.
//!
//! Input: the claims text (UTF-8). Checked, as the scanner's own one-byte-edit
//! test does for a fixed text:
//! - accept/reject: `Claims::parse(text, depth)` accepts exactly when
//!   serde_json reads one object with unique member names at every depth,
//!   nested at most `depth` deep (and the depth bound is exact at the
//!   boundary);
//! - per member: `kind`, `raw`, `string`, `number` (bit for bit), `get`,
//!   `array_contains_str` (text path before parsing, value path after) agree
//!   with the serde_json value; member order and count agree;
//! - `auth.scopes` (scopes_from_claims) agrees with the documented rule;
//! - the whole validation of the text as a token's claims (signed with the
//!   HS256 fixture key; an `iss` of the provider is added when it has none)
//!   gives the reason the documented checks give on serde_json's values:
//!   malformed, iss, exp, nbf, iat, sub, jti, aud, required claims and
//!   maxLifetime, for two provider policies and several clocks including
//!   each time claim's own boundaries.
#![no_main]

use std::fmt;

use std::sync::OnceLock;

use claimcheck::dev::DevKey;
use claimcheck::{Claims, Engine, Identity, Reason, Request};
use claimcheck_fuzz::{decide, default_header, keys, sign, Signer, HS_ISSUER};
use libfuzzer_sys::fuzz_target;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

/// The object's members in text order, duplicates kept (the caller checks
/// the top level); every nested object must have unique names, as the
/// project documents for token claims ("at every depth").
struct Members(Vec<(String, Value)>);

/// A JSON value whose objects, at every depth, have unique member names.
struct Unique(Value);

impl<'de> serde::Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Unique;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Unique, E> {
                Ok(Unique(Value::Bool(v)))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Unique, E> {
                Ok(Unique(Value::from(v)))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Unique, E> {
                Ok(Unique(Value::from(v)))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Unique, E> {
                Ok(Unique(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Unique, E> {
                Ok(Unique(Value::String(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<Unique, E> {
                Ok(Unique(Value::String(v)))
            }
            fn visit_unit<E>(self) -> Result<Unique, E> {
                Ok(Unique(Value::Null))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> Result<Unique, A::Error> {
                let mut items = Vec::new();
                while let Some(Unique(v)) = s.next_element()? {
                    items.push(v);
                }
                Ok(Unique(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Unique, A::Error> {
                let mut map = serde_json::Map::new();
                while let Some((k, Unique(v))) = m.next_entry::<String, Unique>()? {
                    if map.contains_key(&k) {
                        return Err(serde::de::Error::custom(format!("nested member `{k}` appears twice")));
                    }
                    map.insert(k, v);
                }
                Ok(Unique(Value::Object(map)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Members;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Members, A::Error> {
                let mut out = Vec::new();
                while let Some((k, Unique(v))) = m.next_entry::<String, Unique>()? {
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V)
    }
}

fn reference(text: &str) -> Option<Vec<(String, Value)>> {
    let mut de = serde_json::Deserializer::from_str(text);
    let members = <Members as serde::Deserialize>::deserialize(&mut de).ok()?;
    de.end().ok()?;
    Some(members.0)
}

fn depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        Value::Object(m) => 1 + m.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

/// The name of `Claims::kind`'s answer for a value (`JsonKind` is not
/// nameable from outside the crate, so its Debug text is compared).
fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "String",
        Value::Number(_) => "Number",
        Value::Bool(_) => "Bool",
        Value::Null => "Null",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// Exact JSON text of a value (so -0.0 and 0 differ).
fn exact(v: &Value) -> String {
    serde_json::to_string(v).unwrap()
}

const DEPTH: usize = 16;
/// 9999-12-31T23:59:59Z and 0000-01-01T00:00:00Z, the documented NumericDate range.
const LATEST_DATE: f64 = 253_402_300_799.0;
const EARLIEST_DATE: f64 = -62_167_219_200.0;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ours = Claims::parse(text.to_owned(), DEPTH);
    let theirs = reference(text);
    let unique = theirs.as_ref().map(|m| {
        let mut names: Vec<&str> = m.iter().map(|(k, _)| k.as_str()).collect();
        names.sort_unstable();
        names.windows(2).all(|w| w[0] != w[1])
    });
    let ref_depth = theirs.as_ref().map(|m| 1 + m.iter().map(|(_, v)| depth(v)).max().unwrap_or(0));
    let theirs_ok = unique == Some(true) && ref_depth.is_some_and(|d| d <= DEPTH);
    assert_eq!(
        ours.is_ok(),
        theirs_ok,
        "scanner and serde_json disagree on {text:?}: ours {:?}, serde {:?}, unique {unique:?}, depth {ref_depth:?}",
        ours.as_ref().err(),
        theirs.as_ref().map(|m| m.len())
    );
    let (Some(members), Some(d)) = (theirs, ref_depth) else {
        check_engine(text, None);
        return;
    };
    if unique != Some(true) {
        check_engine(text, None);
        return;
    }
    // The depth bound is exact: d is accepted, d - 1 is not.
    assert!(Claims::parse(text.to_owned(), d).is_ok(), "depth {d} refused: {text:?}");
    assert!(Claims::parse(text.to_owned(), d - 1).is_err(), "depth {} accepted: {text:?}", d - 1);
    let Ok(fast) = ours else {
        check_engine(text, None);
        return;
    };
    let fresh = Claims::parse(text.to_owned(), DEPTH).unwrap();

    assert_eq!(fast.len(), members.len());
    for (name, want) in &members {
        assert!(fast.contains_key(name), "{name:?} missing: {text:?}");
        assert_eq!(fast.kind(name).map(|k| format!("{k:?}")).as_deref(), Some(kind(want)), "kind of {name:?}: {text:?}");
        let raw = fast.raw(name).unwrap();
        let raw_value: Value = serde_json::from_str(raw).unwrap_or_else(|e| panic!("raw {raw:?} of {name:?} does not parse: {e}"));
        assert_eq!(exact(&raw_value), exact(want), "raw of {name:?}: {text:?}");
        assert_eq!(fast.string(name), want.as_str(), "string of {name:?}: {text:?}");
        assert_eq!(
            fast.number(name).map(f64::to_bits),
            want.as_f64().map(f64::to_bits),
            "number of {name:?} ({:?} vs {:?}): {text:?}",
            fast.number(name),
            want.as_f64()
        );
        let mut needles: Vec<String> = vec![String::new(), "banned".into(), "admins".into(), name.clone()];
        if let Value::Array(items) = want {
            needles.extend(items.iter().filter_map(Value::as_str).map(str::to_owned));
        }
        let expected = |needle: &str| want.as_array().map(|items| items.iter().any(|v| v.as_str() == Some(needle)));
        for needle in &needles {
            assert_eq!(fast.array_contains_str(name, needle), expected(needle), "{name:?} contains {needle:?} (text path): {text:?}");
        }
        // The parsed value and the parsed path.
        assert_eq!(fresh.get(name).map(exact), Some(exact(want)), "value of {name:?}: {text:?}");
        for needle in &needles {
            assert_eq!(fresh.array_contains_str(name, needle), expected(needle), "{name:?} contains {needle:?} (value path): {text:?}");
        }
        let absent = format!("{name}\u{0}");
        assert!(fast.get(&absent).is_none());
    }
    let order: Vec<&str> = fresh.iter().map(|(k, _)| k).collect();
    let want_order: Vec<&str> = members.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(order, want_order, "member order: {text:?}");

    check_scopes(&fast, lookup(&members, "scp"), lookup(&members, "scope"), text);
    check_engine(text, if theirs_ok { Some(&members) } else { None });
});

fn lookup<'m>(members: &'m [(String, Value)], name: &str) -> Option<&'m Value> {
    members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

fn check_scopes(claims: &Claims, scp: Option<&Value>, scope: Option<&Value>, text: &str) {
    let words = |s: &str| s.split(' ').filter(|w| !w.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let want = match (scp, scope) {
        (Some(Value::String(s)), _) => words(s),
        (Some(Value::Array(items)), _) if items.iter().all(Value::is_string) => {
            items.iter().filter_map(Value::as_str).map(str::to_owned).collect()
        }
        (Some(_), _) => Vec::new(),
        (None, Some(Value::String(s))) => words(s),
        (None, _) => Vec::new(),
    };
    assert_eq!(Identity::scopes_from_claims(claims), want, "scopes: {text:?}");
}

/// A provider policy as the config sets it, and the engine built from it.
struct Policy {
    engine: Engine,
    audiences: Option<Vec<&'static str>>,
    leeway: f64,
    required: &'static [&'static str],
    max_lifetime: Option<f64>,
}

fn policies() -> &'static [Policy] {
    static P: OnceLock<Vec<Policy>> = OnceLock::new();
    P.get_or_init(|| {
        let build = |audiences: Option<Vec<&'static str>>, leeway: f64, required: &'static [&'static str], max_lifetime: Option<f64>| {
            let mut provider = serde_json::json!({
                "issuer": HS_ISSUER,
                "audiences": audiences.clone().unwrap_or_else(|| vec!["*"]),
                "algorithms": ["HS256"],
                "leeway": format!("{leeway}s"),
                "requiredClaims": required,
                "jwks": {"inline": DevKey::jwks(&[&keys().hs])}
            });
            if let Some(max) = max_lifetime {
                provider["maxLifetime"] = Value::String(format!("{max}s"));
            }
            let config = serde_json::json!({
                "authentication": {"mode": "strict", "providers": [provider]},
                "limits": {"maxTokenSize": 1 << 20, "maxJsonDepth": DEPTH}
            });
            let engine = Engine::new(&config.to_string()).expect("policy config loads");
            Policy { engine, audiences, leeway, required, max_lifetime }
        };
        vec![
            build(Some(vec!["api://default", "b"]), 60.0, &[], None),
            build(None, 0.0, &["sub", "exp"], Some(3600.0)),
        ]
    })
}

/// What the documented checks decide for valid claims `members` at `now`.
fn expected(policy: &Policy, members: &[(String, Value)], now: f64) -> Reason {
    let get = |name: &str| lookup(members, name);
    match get("iss") {
        None => {} // the provider's issuer is added
        Some(Value::String(s)) if s == HS_ISSUER => {}
        Some(Value::String(_)) => return Reason::UnknownIssuer,
        Some(_) => return Reason::InvalidClaim,
    }
    // The provider requires its configured claims (`exp` when none are
    // configured), `iss`, and `aud` when it names audiences
    // (src/engine/compiled.rs).
    let aud: &[&str] = if policy.audiences.is_some() { &["aud"] } else { &[] };
    for name in policy.required.iter().chain(aud) {
        if get(name).is_none_or(Value::is_null) {
            return Reason::InvalidClaim;
        }
    }
    let date = |name: &str| -> Result<Option<f64>, Reason> {
        match get(name) {
            None => Ok(None),
            // A NumericDate between 0000-01-01 and 9999-12-31T23:59:59Z
            // (src/verify/claims.rs).
            Some(v) => v.as_f64().filter(|f| (EARLIEST_DATE..=LATEST_DATE).contains(f)).map(Some).ok_or(Reason::InvalidClaim),
        }
    };
    let checked = (|| -> Result<(), Reason> {
        let exp = date("exp")?;
        let nbf = date("nbf")?;
        let iat = date("iat")?;
        for name in ["sub", "jti"] {
            if get(name).is_some_and(|v| !v.is_string()) {
                return Err(Reason::InvalidClaim);
            }
        }
        let auds: Option<Vec<&str>> = match get("aud") {
            None => None,
            Some(Value::String(s)) => Some(vec![s.as_str()]),
            Some(Value::Array(items)) => Some(items.iter().map(|v| v.as_str().ok_or(Reason::InvalidClaim)).collect::<Result<_, _>>()?),
            Some(_) => return Err(Reason::InvalidClaim),
        };
        if exp.is_some_and(|exp| now >= exp + policy.leeway) {
            return Err(Reason::Expired);
        }
        if nbf.is_some_and(|nbf| now + policy.leeway < nbf) {
            return Err(Reason::NotYetValid);
        }
        if iat.is_some_and(|iat| iat > now + policy.leeway) {
            return Err(Reason::IssuedInFuture);
        }
        if let Some(max) = policy.max_lifetime {
            let (Some(exp), Some(iat)) = (exp, iat) else { return Err(Reason::InvalidClaim) };
            if exp - iat > max {
                return Err(Reason::LifetimeTooLong);
            }
        }
        if let Some(accepted) = &policy.audiences {
            let auds = auds.ok_or(Reason::InvalidClaim)?;
            if !auds.iter().any(|a| accepted.contains(a)) {
                return Err(Reason::InvalidAudience);
            }
        }
        Ok(())
    })();
    checked.err().unwrap_or(Reason::Allowed)
}

/// The text as a signed token's claims, through the whole engine, against
/// the documented checks (`members`: serde_json's reading when the text is
/// a valid claims object, else `None`: then it must be malformed).
fn check_engine(text: &str, members: Option<&Vec<(String, Value)>>) {
    let payload = match members {
        Some(m) if lookup(m, "iss").is_none() => {
            let open = text.find('{').expect("a valid object has a `{`");
            let comma = if m.is_empty() { "" } else { "," };
            format!("{}\"iss\":\"{HS_ISSUER}\"{comma}{}", &text[..=open], &text[open + 1..])
        }
        _ => text.to_owned(),
    };
    let token = sign(Signer::Hs, default_header(Signer::Hs).as_bytes(), payload.as_bytes());
    let value = format!("Bearer {token}");
    let headers = [("authorization", value.as_str())];
    let request = Request { headers: &headers, ..Request::default() };
    for policy in policies() {
        let mut clocks = vec![0.0, 1_750_000_000.0, 1_767_229_200.0, 1.0e15];
        if let Some(m) = members {
            for name in ["exp", "nbf", "iat"] {
                if let Some(t) = lookup(m, name).and_then(Value::as_f64) {
                    clocks.extend([t, t - policy.leeway, t + policy.leeway, t - policy.leeway - 1.0, t + 0.5]);
                }
            }
        }
        for now in clocks.into_iter().filter(|t| t.is_finite() && *t >= 0.0) {
            let decision = decide(&policy.engine, &request, now);
            let got = decision.reason;
            let want = match members {
                None => Reason::MalformedToken,
                Some(m) => expected(policy, m, now),
            };
            assert_eq!(
                got,
                want,
                "at now={now} (leeway {}, required {:?}, maxLifetime {:?}; detail {:?}): {payload:?}",
                policy.leeway,
                policy.required,
                policy.max_lifetime,
                decision.detail
            );
        }
    }
}
