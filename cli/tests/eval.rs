//! `claimcheck eval` run as a process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn eval(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_claimcheck")).arg("eval").args(args).output().unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).trim().to_owned()
}

#[test]
fn prints_the_value_as_json_and_exits_0() {
    let o = eval(&["--expr", "\"AI-Users\" in jwt.groups", "--vars", r#"{"jwt": {"groups": ["Everyone", "AI-Users"]}}"#]);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(0), "true"));
    // JSON integers are CEL ints.
    let o = eval(&["--expr", "jwt.exp - 60", "--vars", r#"{"jwt": {"exp": 1767229200}}"#]);
    assert_eq!(stdout(&o), "1767229140");
    let o = eval(&["--expr", "[1, 2].map(x, x * 2)"]);
    assert_eq!(stdout(&o), "[2,4]");
    let o = eval(&["--expr", "{'a': 'b'}"]);
    assert_eq!(stdout(&o), r#"{"a":"b"}"#);
    let o = eval(&["--expr", "cel.bind(x, 3, x * x)"]);
    assert_eq!(stdout(&o), "9");
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim_end().to_owned()
}

#[test]
fn errors_exit_1_with_the_message() {
    // A syntax error: one line on stderr that says where (column 4, the end
    // of `1 +`) and what (the input ended where an operand was expected),
    // nothing on stdout.
    let o = eval(&["--expr", "1 +"]);
    let err = stderr(&o);
    assert_eq!((o.status.code(), stdout(&o).as_str()), (Some(1), ""), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("claimcheck eval: column 4: syntax error: mismatched input '<EOF>' expecting {"), "{err}");
    for operand in ["'('", "'-'", "'!'", "NUM_INT", "STRING", "IDENTIFIER"] {
        assert!(err.contains(operand), "the expected tokens include {operand}: {err}");
    }
    // Evaluation errors name what failed.
    let o = eval(&["--expr", "jwt.nope", "--vars", r#"{"jwt": {}}"#]);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str(), stderr(&o).as_str()),
        (Some(1), "", "claimcheck eval: No such key: nope")
    );
    let o = eval(&["--expr", "1 / 0"]);
    assert_eq!(
        (o.status.code(), stdout(&o).as_str(), stderr(&o).as_str()),
        (Some(1), "", "claimcheck eval: Division by zero of Int(1)")
    );
}

#[test]
fn bad_vars_are_a_usage_error() {
    let o = eval(&["--expr", "1", "--vars", "[1]"]);
    assert_eq!((o.status.code(), stderr(&o).as_str()), (Some(2), "claimcheck eval: `--vars` must be a JSON object"));
    let o = eval(&["--expr", "1", "--vars", "{"]);
    assert_eq!(
        (o.status.code(), stderr(&o).as_str()),
        (Some(2), "claimcheck eval: `--vars` is not JSON: EOF while parsing an object at line 1 column 1")
    );
    let o = eval(&[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("required arguments were not provided:\n  --expr <EXPR>"), "{}", stderr(&o));
}
