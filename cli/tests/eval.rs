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

#[test]
fn errors_exit_1_with_the_message() {
    let o = eval(&["--expr", "1 +"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(!o.stderr.is_empty());
    let o = eval(&["--expr", "jwt.nope", "--vars", r#"{"jwt": {}}"#]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("nope"), "{}", String::from_utf8_lossy(&o.stderr));
    let o = eval(&["--expr", "1 / 0"]);
    assert_eq!(o.status.code(), Some(1));
}

#[test]
fn bad_vars_are_a_usage_error() {
    assert_eq!(eval(&["--expr", "1", "--vars", "[1]"]).status.code(), Some(2));
    assert_eq!(eval(&["--expr", "1", "--vars", "{"]).status.code(), Some(2));
    assert_eq!(eval(&[]).status.code(), Some(2));
}
