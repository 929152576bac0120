//! CEL conformance: runs the cel-spec `SimpleTestFile` vectors (text protos
//! under `../shared/vectors/cel-spec`) through the rules compiler, with each
//! test's plain-value bindings, and checks the expected value or error.
//!
//! Skipped (by reason): tests whose bindings or results are protobuf
//! messages, enums or types (`object_value`, `enum_value`, `type_value`), that
//! need the type checker (`check_only`, `typed_result`), that set a
//! `container`, or that expect unknowns.
//!
//! A test marked `disable_check` is evaluated without the rules compiler's
//! name check (the stand-in for cel-go's type checker): unknown variables and
//! functions are then run-time errors, as cel-spec expects.
//!
//! The outcome of every test is pinned: `tests/cel_conformance_expected.txt`
//! lists each test expected to fail, in groups with the cause and the error
//! text they fail with, and each test expected to be skipped, with the
//! harness's reason; every other test must pass. Any change in either
//! direction fails this test and names the tests. The failures today are
//! extensions the cel crate lacks (`cel.block`, two-variable comprehensions,
//! the network extension), backtick-quoted field names (a parser option that
//! is off), and protobuf message literals (no message types are registered).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use cel::Value;
use claimcheck::test_hooks::{conformance::eval_values_with, RuleLimits};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

#[derive(Debug, Clone)]
enum Tp {
    Scalar(Vec<u8>, #[allow(dead_code)] bool), // bytes, was quoted (kept for debugging the reader)
    Msg(Vec<(String, Tp)>),
}

impl Tp {
    fn get(&self, k: &str) -> Option<&Tp> {
        match self {
            Tp::Msg(f) => f.iter().find(|(n, _)| n == k).map(|(_, v)| v),
            _ => None,
        }
    }
    fn all<'a>(&'a self, k: &'a str) -> impl Iterator<Item = &'a Tp> + 'a {
        let f: &[(String, Tp)] = match self {
            Tp::Msg(f) => f,
            _ => &[],
        };
        f.iter().filter(move |(n, _)| n == k).map(|(_, v)| v)
    }
    fn text(&self) -> String {
        match self {
            Tp::Scalar(b, _) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        }
    }
}

struct P<'a> {
    s: &'a [u8],
    i: usize,
}

impl P<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() {
            let c = self.s[self.i];
            if c == b'#' {
                while self.i < self.s.len() && self.s[self.i] != b'\n' {
                    self.i += 1;
                }
            } else if c.is_ascii_whitespace() || c == b',' || c == b';' {
                self.i += 1;
            } else {
                break;
            }
        }
    }
    fn ident(&mut self) -> String {
        let st = self.i;
        if self.s.get(self.i) == Some(&b'[') {
            while self.s[self.i] != b']' {
                self.i += 1;
            }
            self.i += 1;
        } else {
            while self.i < self.s.len() && (self.s[self.i].is_ascii_alphanumeric() || b"_.-+".contains(&self.s[self.i])) {
                self.i += 1;
            }
        }
        String::from_utf8_lossy(&self.s[st..self.i]).into_owned()
    }
    fn fields(&mut self, close: Option<u8>) -> Vec<(String, Tp)> {
        let mut out = Vec::new();
        loop {
            self.ws();
            match self.s.get(self.i) {
                None => return out,
                Some(&c) if Some(c) == close => {
                    self.i += 1;
                    return out;
                }
                _ => {}
            }
            let name = self.ident();
            self.ws();
            if self.s.get(self.i) == Some(&b':') {
                self.i += 1;
                self.ws();
            }
            let v = self.value();
            out.push((name, v));
        }
    }
    fn value(&mut self) -> Tp {
        match self.s.get(self.i) {
            Some(b'{') => {
                self.i += 1;
                Tp::Msg(self.fields(Some(b'}')))
            }
            Some(b'<') => {
                self.i += 1;
                Tp::Msg(self.fields(Some(b'>')))
            }
            Some(b'"') | Some(b'\'') => {
                let mut bytes = Vec::new();
                while matches!(self.s.get(self.i), Some(b'"') | Some(b'\'')) {
                    bytes.extend(self.string());
                    self.ws();
                }
                Tp::Scalar(bytes, true)
            }
            _ => Tp::Scalar(self.ident().into_bytes(), false),
        }
    }
    fn string(&mut self) -> Vec<u8> {
        let q = self.s[self.i];
        self.i += 1;
        let mut out = Vec::new();
        while self.s[self.i] != q {
            let c = self.s[self.i];
            self.i += 1;
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = self.s[self.i];
            self.i += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'0'..=b'7' => {
                    let mut n = u32::from(e - b'0');
                    for _ in 0..2 {
                        match self.s.get(self.i) {
                            Some(d @ b'0'..=b'7') => {
                                n = n * 8 + u32::from(d - b'0');
                                self.i += 1;
                            }
                            _ => break,
                        }
                    }
                    out.push(n as u8);
                }
                b'x' => {
                    let mut n = 0u32;
                    for _ in 0..2 {
                        match self.s.get(self.i).and_then(|d| (*d as char).to_digit(16)) {
                            Some(d) => {
                                n = n * 16 + d;
                                self.i += 1;
                            }
                            None => break,
                        }
                    }
                    out.push(n as u8);
                }
                b'u' | b'U' => {
                    let len = if e == b'u' { 4 } else { 8 };
                    let hex = std::str::from_utf8(&self.s[self.i..self.i + len]).unwrap();
                    self.i += len;
                    let ch = char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap_or('\u{fffd}');
                    out.extend(ch.to_string().bytes());
                }
                other => out.push(other),
            }
        }
        self.i += 1;
        out
    }
}

enum Conv {
    Ok(Value),
    Skip(&'static str),
}

fn to_value(v: &Tp) -> Conv {
    let Tp::Msg(fields) = v else { return Conv::Skip("malformed") };
    let Some((kind, x)) = fields.first() else { return Conv::Skip("malformed") };
    Conv::Ok(match kind.as_str() {
        "int64_value" => Value::Int(x.text().parse().unwrap()),
        "uint64_value" => Value::UInt(x.text().parse().unwrap()),
        "double_value" => Value::Float(match x.text().as_str() {
            "inf" | "infinity" => f64::INFINITY,
            "-inf" | "-infinity" => f64::NEG_INFINITY,
            "nan" => f64::NAN,
            t => t.parse().unwrap(),
        }),
        "string_value" => match x {
            Tp::Scalar(b, _) => Value::String(Arc::new(String::from_utf8_lossy(b).into_owned())),
            _ => return Conv::Skip("malformed"),
        },
        "bytes_value" => match x {
            Tp::Scalar(b, _) => Value::Bytes(Arc::new(b.clone())),
            _ => return Conv::Skip("malformed"),
        },
        "bool_value" => Value::Bool(x.text() == "true"),
        "null_value" => Value::Null,
        "list_value" => {
            let mut items = Vec::new();
            for item in x.all("values") {
                match to_value(item) {
                    Conv::Ok(v) => items.push(v),
                    skip => return skip,
                }
            }
            Value::List(Arc::new(items))
        }
        "map_value" => {
            let mut map = HashMap::new();
            for e in x.all("entries") {
                let (Some(k), Some(v)) = (e.get("key"), e.get("value")) else { return Conv::Skip("malformed") };
                let (Conv::Ok(k), Conv::Ok(v)) = (to_value(k), to_value(v)) else { return Conv::Skip("message value") };
                let key = match k {
                    Value::Int(i) => cel::objects::Key::Int(i),
                    Value::UInt(u) => cel::objects::Key::Uint(u),
                    Value::Bool(b) => cel::objects::Key::Bool(b),
                    Value::String(s) => cel::objects::Key::String(s),
                    _ => return Conv::Skip("map key type"),
                };
                map.insert(key, v);
            }
            Value::Map(cel::objects::Map { map: Arc::new(map) })
        }
        "object_value" => return Conv::Skip("protobuf message value"),
        "enum_value" => return Conv::Skip("enum value"),
        "type_value" => return Conv::Skip("type value"),
        _ => return Conv::Skip("other value kind"),
    })
}

fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => (x.is_nan() && y.is_nan()) || x == y,
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::UInt(x), Value::UInt(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bytes(x), Value::Bytes(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        (Value::List(x), Value::List(y)) => x.len() == y.len() && x.iter().zip(y.iter()).all(|(a, b)| same(a, b)),
        (Value::Map(x), Value::Map(y)) => {
            x.map.len() == y.map.len() && x.map.iter().all(|(k, v)| y.map.get(k).is_some_and(|w| same(v, w)))
        }
        (Value::Timestamp(x), Value::Timestamp(y)) => x == y,
        (Value::Duration(x), Value::Duration(y)) => x == y,
        _ => false,
    }
}

/// What became of one test.
#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Pass,
    /// What went wrong: the expression with the expected result, and the
    /// actual result.
    Fail { expected: String, got: String },
    /// Why it was not run.
    Skip(&'static str),
}

fn run_test(t: &Tp) -> Outcome {
    let expr = t.get("expr").map(Tp::text).unwrap_or_default();
    if t.get("check_only").is_some_and(|v| v.text() == "true") || t.get("typed_result").is_some() {
        return Outcome::Skip("needs the type checker");
    }
    if t.get("container").is_some() {
        return Outcome::Skip("container");
    }
    if t.get("unknown").is_some() || t.get("any_unknowns").is_some() {
        return Outcome::Skip("unknowns");
    }
    let mut vars = Vec::new();
    for b in t.all("bindings") {
        let key = b.get("key").map(Tp::text).unwrap_or_default();
        let Some(v) = b.get("value").and_then(|v| v.get("value")) else { return Outcome::Skip("non-value binding") };
        match to_value(v) {
            Conv::Ok(v) => vars.push((key, v)),
            Conv::Skip(r) => return Outcome::Skip(r),
        }
    }
    let expected = match t.get("value") {
        Some(v) => match to_value(v) {
            Conv::Ok(v) => Some(v),
            Conv::Skip(r) => return Outcome::Skip(r),
        },
        None if t.get("eval_error").is_some() || t.get("any_eval_errors").is_some() => None,
        None => Some(Value::Bool(true)),
    };
    let limits = RuleLimits {
        max_rule_length: 1 << 20,
        max_rule_depth: 1000,
        max_rule_nodes: 1 << 20,
        max_rules: 1,
        max_comprehension_size: 1 << 20,
        max_headers: 1 << 20,
        max_rule_value_size: 1 << 24,
        max_rule_cost: usize::MAX,
    };
    // `disable_check`: evaluated without the type checker, so unknown names
    // are run-time errors (the rules compiler's name check stands in for it)
    let check_names = t.get("disable_check").is_none_or(|v| v.text() != "true");
    let got = eval_values_with(&expr, vars, &limits, 1000, check_names);
    let ok = match (&expected, &got) {
        (Some(e), Ok(g)) => same(e, g),
        (None, Err(_)) => true,
        _ => false,
    };
    if ok {
        Outcome::Pass
    } else {
        Outcome::Fail { expected: format!("`{expr}` expected {expected:?}"), got: format!("{got:?}") }
    }
}

/// Runs every test of one vector file; the outcomes are keyed
/// `file/section/test`, with `#2`, `#3`, ... after a name the section
/// repeats (upstream `dynamic/float` has two `field_assign_proto2_subnorm`).
fn run_file(path: &std::path::Path) -> Vec<(String, Outcome)> {
    let text = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let file = path.file_stem().unwrap().to_string_lossy().into_owned();
    // evaluation of the deepest vectors needs more stack than a test thread has
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(move || {
            let mut p = P { s: &text, i: 0 };
            let parsed = Tp::Msg(p.fields(None));
            let mut out = Vec::new();
            let mut seen: HashMap<String, usize> = HashMap::new();
            for section in parsed.all("section") {
                let section_name = section.get("name").map(Tp::text).unwrap_or_default();
                for t in section.all("test") {
                    let name = t.get("name").map(Tp::text).unwrap_or_default();
                    let id = format!("{file}/{section_name}/{name}");
                    let n = seen.entry(id.clone()).or_default();
                    *n += 1;
                    let id = if *n == 1 { id } else { format!("{id}#{n}") };
                    out.push((id, run_test(t)));
                }
            }
            out
        })
        .unwrap()
        .join()
        .unwrap()
}

/// The committed expectations: every test expected to fail or to be skipped
/// (with the group's reason); every test not listed is expected to pass.
const EXPECTED_FILE: &str = "tests/cel_conformance_expected.txt";

#[derive(Debug, Clone, PartialEq)]
enum Expected {
    /// The group's reason, and text its tests' actual results all contain.
    Fail { reason: String, got: String },
    /// The harness's reason for the skip.
    Skip(String),
}

/// Reads [`EXPECTED_FILE`]: `#` comments; `fail: <reason>` headings, each
/// followed by `got: <text>`, and `skip: <reason>` headings; and under each
/// heading one test id (`file/section/test`) a line.
fn read_expected() -> BTreeMap<String, Expected> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(EXPECTED_FILE);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = BTreeMap::new();
    let mut group: Option<Expected> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let at = || format!("{EXPECTED_FILE}:{}", n + 1);
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some(reason) = line.strip_prefix("fail:") {
            assert!(!reason.trim().is_empty(), "{}: a `fail:` group needs its reason", at());
            group = Some(Expected::Fail { reason: reason.trim().to_owned(), got: String::new() });
        } else if let Some(got) = line.strip_prefix("got:") {
            match &mut group {
                Some(Expected::Fail { got: g, .. }) if g.is_empty() && !got.trim().is_empty() => {
                    *g = got.trim().to_owned();
                }
                _ => panic!("{}: `got: <text>` belongs right after a `fail:` heading, once", at()),
            }
        } else if let Some(reason) = line.strip_prefix("skip:") {
            assert!(!reason.trim().is_empty(), "{}: a `skip:` group needs its reason", at());
            group = Some(Expected::Skip(reason.trim().to_owned()));
        } else {
            let g =
                group.clone().unwrap_or_else(|| panic!("{}: test `{line}` before any `fail:`/`skip:` heading", at()));
            if let Expected::Fail { got, .. } = &g {
                assert!(!got.is_empty(), "{}: the `fail:` group above `{line}` has no `got: <text>` line", at());
            }
            assert!(out.insert(line.to_owned(), g).is_none(), "{}: `{line}` is listed twice", at());
        }
    }
    out
}

#[test]
fn cel_spec_conformance() {
    let dir = common::vectors_dir().join("cel-spec");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "textproto"))
        .collect();
    files.sort();
    let verbose = std::env::var_os("CONFORMANCE_VERBOSE").is_some();
    let (mut pass, mut fail, mut skip) = (0, 0, 0);
    let mut reasons: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut outcomes: BTreeMap<String, Outcome> = BTreeMap::new();
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let (mut p, mut f, mut s) = (0, 0, 0);
        for (id, outcome) in run_file(&path) {
            match &outcome {
                Outcome::Pass => p += 1,
                Outcome::Fail { expected, got } => {
                    f += 1;
                    if verbose {
                        println!("  FAIL {id}: {expected}, got {got}");
                    }
                }
                Outcome::Skip(r) => {
                    s += 1;
                    *reasons.entry(r).or_default() += 1;
                }
            }
            assert!(outcomes.insert(id.clone(), outcome).is_none(), "two tests are named {id}");
        }
        println!("{name}: pass={p} fail={f} skip={s}");
        pass += p;
        fail += f;
        skip += s;
    }
    println!("skipped by reason: {reasons:?}");
    println!("conformance cel-spec: passed={pass} failed={fail} skipped={skip}");

    // Every test's outcome must be the listed one, in both directions: a
    // listed failure that now passes is as much a change as a new failure.
    let expected = read_expected();
    let mut changes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, outcome) in &outcomes {
        let want = expected.get(id);
        let matches = match (want, outcome) {
            (None, Outcome::Pass) => true,
            (Some(Expected::Fail { got: want, .. }), Outcome::Fail { got, .. }) => got.contains(want.as_str()),
            (Some(Expected::Skip(want)), Outcome::Skip(got)) => want == got,
            _ => false,
        };
        if matches {
            continue;
        }
        let was = match want {
            None => "not listed (expected to pass)".to_owned(),
            Some(Expected::Fail { reason, .. }) if *outcome == Outcome::Pass => format!("listed as failing ({reason})"),
            Some(Expected::Fail { got, .. }) => format!("listed as failing with `{got}`"),
            Some(Expected::Skip(r)) => format!("listed as skipped ({r})"),
        };
        let (now, detail) = match outcome {
            Outcome::Pass => ("passes".to_owned(), String::new()),
            Outcome::Fail { expected, got } => {
                let now = if matches!(want, Some(Expected::Fail { .. })) { "fails with something else" } else { "fails" };
                (now.to_owned(), format!(": {expected}, got {got}"))
            }
            Outcome::Skip(r) => (format!("skipped ({r})"), String::new()),
        };
        changes.entry(format!("{was}, now {now}")).or_default().push(format!("{id}{detail}"));
    }
    for id in expected.keys().filter(|id| !outcomes.contains_key(*id)) {
        changes.entry("listed, but no such test in the vectors".to_owned()).or_default().push(id.clone());
    }
    if !changes.is_empty() {
        let mut msg = format!("cel-spec conformance outcomes differ from {EXPECTED_FILE}:\n");
        for (heading, ids) in &changes {
            msg.push_str(&format!("{heading} ({}):\n", ids.len()));
            for id in ids {
                msg.push_str(&format!("  {id}\n"));
            }
        }
        msg.push_str(&format!(
            "If the change is intended, update {EXPECTED_FILE}: remove the tests that now pass, and list new \
             failures or skips under a heading that gives their true reason (CONFORMANCE_VERBOSE=1 prints every \
             failure)."
        ));
        panic!("{msg}");
    }
}
