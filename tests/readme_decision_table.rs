//! The README's decision table says what `tests/decision_table.yaml` says.
//! Each README row is found by its `input` cell among the data file's
//! `readme` keys; every data row names one key, and must agree with that
//! README row's status, reason and challenge columns, and with the modes it
//! names (strict unless the row says otherwise). A README row no data row
//! illustrates, a key that names no README row, and any disagreement fail.
//!
//! `CLAIMCHECK_README=PATH` checks another copy of the README (to see the
//! check fail on an edited one without touching the real file).
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "decision_table/data.rs"]
mod data;

use std::collections::BTreeSet;

use claimcheck as cc;
use claimcheck::Reason;
use data::{Challenge, Mode, Table};

/// One row of the README's table, its cells as written.
#[derive(Debug)]
struct ReadmeRow {
    line: usize,
    input: String,
    status: String,
    reason: String,
    challenge: String,
}

fn split_cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in inner.chars() {
        match c {
            '|' if !escaped => cells.push(String::new()),
            c => {
                escaped = c == '\\';
                cells.last_mut().unwrap().push(c);
            }
        }
    }
    cells.iter().map(|c| c.trim().to_owned()).collect()
}

/// The rows of the table under `## Decision table`.
fn readme_rows(readme: &str) -> Result<Vec<ReadmeRow>, String> {
    let lines: Vec<&str> = readme.lines().collect();
    let start = lines.iter().position(|l| l.trim() == "## Decision table").ok_or("no `## Decision table` section")?;
    let header_at = (start..lines.len())
        .take_while(|&i| i == start || !lines[i].starts_with("## "))
        .find(|&i| lines[i].trim_start().starts_with('|'))
        .ok_or("no table in `## Decision table`")?;
    let header = split_cells(lines[header_at]);
    let column = |name: &str| {
        header.iter().position(|h| h.contains(name)).ok_or(format!("the table has no `{name}` column: {header:?}"))
    };
    let (input, status, reason, challenge) =
        (column("input")?, column("status")?, column("reason")?, column("WWW-Authenticate")?);
    let mut rows = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(header_at + 2) {
        if !line.trim_start().starts_with('|') {
            break;
        }
        let cells = split_cells(line);
        if cells.len() != header.len() {
            return Err(format!("README.md:{}: {} cells, the header has {}", i + 1, cells.len(), header.len()));
        }
        rows.push(ReadmeRow {
            line: i + 1,
            input: cells[input].clone(),
            status: cells[status].clone(),
            reason: cells[reason].clone(),
            challenge: cells[challenge].clone(),
        });
    }
    if rows.is_empty() {
        return Err("the decision table has no rows".to_owned());
    }
    Ok(rows)
}

/// The spans between backticks.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// What a reason cell allows: the reasons it names in backticks, else a
/// phrase for a class of reasons.
fn reasons_of(cell: &str) -> Result<BTreeSet<String>, String> {
    let named: BTreeSet<String> =
        code_spans(cell).into_iter().filter(|s| Reason::from_name(s).is_some()).map(str::to_owned).collect();
    if !named.is_empty() {
        return Ok(named);
    }
    if cell.contains("the token's reason") {
        return Ok(Reason::ALL.iter().filter(|r| r.is_invalid_token()).map(|r| r.as_str().to_owned()).collect());
    }
    if cell.contains("the rule reason") {
        return Ok(["denied_by_rule", "required_rule_failed", "no_rule_allowed"].map(str::to_owned).into());
    }
    Err(format!("reason cell `{cell}` names no reason"))
}

/// The challenge a cell describes: `none`, or `` `C` `` (plain) or
/// `` `C, error="..."` ``.
fn challenge_of(cell: &str) -> Result<Challenge, String> {
    if cell.starts_with("none") {
        return Ok(Challenge::None);
    }
    let span = code_spans(cell).into_iter().find(|s| *s == "C" || s.starts_with("C,"));
    let Some(span) = span else { return Err(format!("challenge cell `{cell}` is neither none nor `C...`")) };
    let Some(at) = span.find("error=\"") else { return Ok(Challenge::Plain) };
    let error = span[at + 7..].split('"').next().unwrap_or("");
    match error {
        "invalid_token" => Ok(Challenge::InvalidToken),
        "invalid_request" => Ok(Challenge::InvalidRequest),
        "insufficient_scope" => Ok(Challenge::InsufficientScope),
        other => Err(format!("challenge cell `{cell}`: unknown error `{other}`")),
    }
}

/// The modes a row's input allows: those it names, all for "in every
/// mode", strict when it names none.
fn modes_of(input: &str) -> BTreeSet<Mode> {
    if input.contains("in every mode") {
        return [Mode::Strict, Mode::Optional, Mode::Permissive].into();
    }
    let spans = code_spans(input);
    let named: BTreeSet<Mode> = [Mode::Optional, Mode::Permissive]
        .into_iter()
        .filter(|m| spans.iter().any(|s| s.split('/').any(|part| part == m.as_str())))
        .collect();
    if named.is_empty() {
        [Mode::Strict].into()
    } else {
        named
    }
}

/// Every way the README's table and the data disagree.
fn disagreements(readme: &str, table: &Table) -> Vec<String> {
    let rows = match readme_rows(readme) {
        Ok(rows) => rows,
        Err(e) => return vec![e],
    };
    let names = table.row_names();
    let mut problems = Vec::new();
    let mut found = BTreeSet::new();
    for r in &rows {
        let at = format!("README.md:{} ({:?})", r.line, r.input);
        let Some(key) = table.readme.iter().find(|(_, input)| input.as_deref() == Some(r.input.as_str())).map(|(k, _)| k)
        else {
            problems.push(format!("{at}: no data row illustrates it (no `readme` key of tests/decision_table.yaml names this input)"));
            continue;
        };
        found.insert(key.clone());
        let illustrated: Vec<(&data::Row, &String)> =
            table.rows.iter().zip(&names).filter(|(row, _)| &row.readme == key).collect();
        if illustrated.is_empty() {
            problems.push(format!("{at}: key `{key}` has no data rows"));
        }
        let status: Option<u16> = r.status.split(|c: char| !c.is_ascii_digit()).next().and_then(|s| s.parse().ok());
        let Some(status) = status else {
            problems.push(format!("{at}: status cell `{}` starts with no number", r.status));
            continue;
        };
        let reasons = match reasons_of(&r.reason) {
            Ok(reasons) => reasons,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        let challenge = match challenge_of(&r.challenge) {
            Ok(challenge) => challenge,
            Err(e) => {
                problems.push(format!("{at}: {e}"));
                continue;
            }
        };
        let modes = modes_of(&r.input);
        for (row, name) in illustrated {
            if row.status != status {
                problems.push(format!("{at}: status {status}, but row {name} is {}", row.status));
            }
            if !reasons.contains(&row.reason) {
                problems.push(format!("{at}: reason `{}`, but row {name} is {}", r.reason, row.reason));
            }
            if row.challenge != challenge {
                problems.push(format!(
                    "{at}: challenge {}, but row {name} is {}",
                    challenge.as_str(),
                    row.challenge.as_str()
                ));
            }
            if !modes.contains(&row.mode) {
                problems.push(format!("{at}: modes {modes:?}, but row {name} is {}", row.mode.as_str()));
            }
        }
    }
    for (key, input) in &table.readme {
        if input.is_some() && !found.contains(key) {
            problems.push(format!("tests/decision_table.yaml: `readme` key `{key}` names no row of the README's table"));
        }
    }
    problems
}

fn readme() -> String {
    let path = std::env::var_os("CLAIMCHECK_README")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn the_readme_decision_table_says_what_the_data_says() {
    let table = Table::load();
    let problems = disagreements(&readme(), &table);
    assert!(problems.is_empty(), "the README's decision table and tests/decision_table.yaml disagree:\n{}", problems.join("\n"));
    let unlisted: Vec<&String> = table.readme.iter().filter(|(_, input)| input.is_none()).map(|(k, _)| k).collect();
    for key in unlisted {
        let n = table.rows.iter().filter(|r| &r.readme == key).count();
        eprintln!("note: {n} rows under `{key}` illustrate no row of the README's table");
    }
}

/// Edits one README row (the first whose input cell is `input`) with `edit`.
fn edited(readme: &str, input: &str, edit: impl Fn(&str) -> String) -> String {
    let needle = format!("| {input} |");
    let mut done = false;
    let text: Vec<String> = readme
        .lines()
        .map(|l| {
            if !done && l.starts_with(&needle) {
                done = true;
                edit(l)
            } else {
                l.to_owned()
            }
        })
        .collect();
    assert!(done, "no README row `{input}` to edit");
    text.join("\n")
}

/// The check fails on a README that says something else (a wrong status,
/// reason or challenge, a row without data, a row the data names missing)
/// and on a data row in a mode its README row does not name.
#[test]
fn the_check_fails_on_a_wrong_readme() {
    let table = Table::load();
    let readme = readme();
    assert!(disagreements(&readme, &table).is_empty(), "the real README must pass first");
    // What is wrong, the README row edited, the edit, what the check must say.
    type Case = (&'static str, &'static str, Box<dyn Fn(&str) -> String>, &'static str);
    let cases: [Case; 6] = [
        ("status", "`now >= exp + leeway`", Box::new(|l: &str| l.replace("| 401 |", "| 403 |")), "status 403"),
        ("reason", "`iss` of no provider", Box::new(|l: &str| l.replace("`unknown_issuer`", "`unknown_key`")), "reason"),
        (
            "challenge",
            "two credentials (two headers, header + query, ...)",
            Box::new(|l: &str| l.replace("invalid_request", "invalid_token")),
            "challenge invalid_token",
        ),
        ("no challenge", "keys never loaded / too stale", Box::new(|l: &str| l.replace("| none |", "| `C` |")), "challenge plain"),
        (
            "an unknown row",
            "no token",
            Box::new(|l: &str| format!("{l}\n| a row nobody wrote data for | 200 | `allowed` | none |")),
            "no data row illustrates it",
        ),
        ("a renamed row", "`crit` names an extension", Box::new(|l: &str| l.replace("names an extension", "is set")), "names no row"),
    ];
    for (what, input, edit, expect) in cases {
        let wrong = edited(&readme, input, edit);
        assert_ne!(wrong, readme, "{what}: the edit changed nothing");
        let problems = disagreements(&wrong, &table);
        assert!(problems.iter().any(|p| p.contains(expect)), "{what}: want a problem saying `{expect}`, got {problems:#?}");
    }
    // A data row in a mode its README row does not name.
    let mut moved = Table::load();
    let row = moved.rows.iter_mut().find(|r| r.readme == "expired").unwrap();
    row.mode = Mode::Optional;
    let problems = disagreements(&readme, &moved);
    assert!(problems.iter().any(|p| p.contains("but row optional-")), "a row in another mode passes: {problems:#?}");
}
