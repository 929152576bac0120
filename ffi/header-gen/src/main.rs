//! Generates `include/claimcheck.h` (with the pinned cbindgen) and the flat
//! `include/claimcheck_cdef.h` for cdef parsers (LuaJIT `ffi.cdef`, cffi).
//!
//! `cargo run -p claimcheck-header-gen` writes both; `-- --check` compares
//! instead and exits 1 on any difference (what the tests run).
//!
//! cbindgen writes every constant, then every type, then every function.
//! A C reader wants the header in the order a host uses it, so this program
//! takes cbindgen's items (each a doc comment and a declaration), finds the
//! `ffi/src` module each comes from, and writes them in [`SECTIONS`] order:
//! the objects and basic types first, then the engine, requests, decisions,
//! results and errors, logging, key status and versions, each section with
//! its types, constants and functions. It also turns the Rust-only parts of
//! the doc comments into C prose (a `# Safety` heading becomes
//! "Requires:"), and fails when an item has no doc comment, comes from a
//! module without a section, or uses a type declared after it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// One part of the header: the items of one `ffi/src` module, with a title,
/// an introduction for C readers and any hand-written C text (macros cbindgen
/// cannot express) placed after the section's types.
struct Section {
    module: &'static str,
    title: &'static str,
    intro: &'static str,
    extra: &'static str,
}

/// The header's sections, in order. The first also receives the opaque
/// object types and `claimcheck_result` from the modules that define them:
/// every later section uses them.
const SECTIONS: &[Section] = &[
    Section {
        module: "strings",
        title: "Objects and basic types",
        intro: "The library's objects are opaque: each is created by a function below, owned by the caller,\n\
                and freed exactly once with its `_free` function (`_free(NULL)` does nothing). Any number of\n\
                threads may use an object at once through a `const` pointer. Free it after every other call\n\
                on it has returned: the library does not detect a freed object (docs/c-api.md, \"Handles\").",
        extra: "",
    },
    Section {
        module: "engine",
        title: "Engine",
        intro: "An engine is built from one config (YAML or JSON) and serves every request thread. Reloads\n\
                swap the config atomically while requests are decided.",
        extra: "",
    },
    Section {
        module: "request",
        title: "Requests",
        intro: "Describe a request with a claimcheck_request, initialised with CLAIMCHECK_REQUEST_INIT, and\n\
                decide it with claimcheck_engine_authorize. Nothing of the request is copied or kept after\n\
                the call.",
        extra: REQUEST_INIT,
    },
    Section {
        module: "decision",
        title: "Decisions",
        intro: "What claimcheck_engine_authorize hands out. String views live until claimcheck_decision_free.\n\
                A NULL decision reads as the fail-closed answer: not allowed, status 0, absent strings.",
        extra: "",
    },
    Section {
        module: "error",
        title: "Results and errors",
        intro: "Functions that can fail return a claimcheck_result and write their out-parameters only on\n\
                success. A config that does not load also hands out a claimcheck_error saying where.",
        extra: "",
    },
    Section {
        module: "log",
        title: "Logging",
        intro: "The engine's warnings and errors (skipped keys, key fetch failures, failed reloads, rule\n\
                errors) go to one callback per engine.",
        extra: "",
    },
    Section {
        module: "keys",
        title: "Key status",
        intro: "Per provider: where its keys come from, whether they can be used now, when they were\n\
                fetched and how fetches went. Read as a snapshot, one provider at a time.",
        extra: PROVIDER_KEYS_INIT,
    },
    Section {
        module: "version",
        title: "Versions",
        intro: "Compare claimcheck_abi_version() with CLAIMCHECK_ABI_VERSION when loading the library; the\n\
                library version macros are at the top of this file.",
        extra: "",
    },
];

/// The initializer macro of `claimcheck_request` (sizeof must be the host's,
/// so it cannot be a library function). C: a designated initializer; C++11
/// has none, so there it is an expression. Both compile warning-free with
/// `-Wall -Wextra -pedantic` (scripts/test-c uses them).
const REQUEST_INIT: &str = "/**
 * The initial value of every claimcheck_request: `size` set to
 * sizeof(claimcheck_request) as this header declares it, every other field
 * empty (NULL views and arrays, counts 0). It tells the library which
 * fields your code knows, so a later library reads the fields it adds as
 * empty:
 *
 *     claimcheck_request req = CLAIMCHECK_REQUEST_INIT;
 *     req.method = (claimcheck_str){\"GET\", 3};
 *
 * A request initialised with `= {0}` instead has size 0 and is refused with
 * CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE. In C++ the macro is an
 * expression of type claimcheck_request.
 */
#ifdef __cplusplus
#define CLAIMCHECK_REQUEST_INIT \\
    ([]() -> claimcheck_request { claimcheck_request r{}; r.size = sizeof r; return r; }())
#else
#define CLAIMCHECK_REQUEST_INIT { .size = sizeof(claimcheck_request) }
#endif
";

/// The initializer macro of `claimcheck_provider_keys`, as [`REQUEST_INIT`].
const PROVIDER_KEYS_INIT: &str = "/**
 * The initial value of a claimcheck_provider_keys passed to
 * claimcheck_key_status_get: `size` set to sizeof(claimcheck_provider_keys)
 * as this header declares it, every other field zero. The library then
 * writes only the fields your code knows:
 *
 *     claimcheck_provider_keys keys = CLAIMCHECK_PROVIDER_KEYS_INIT;
 *     claimcheck_key_status_get(status, 0, &keys);
 */
#ifdef __cplusplus
#define CLAIMCHECK_PROVIDER_KEYS_INIT \\
    ([]() -> claimcheck_provider_keys { claimcheck_provider_keys k{}; k.size = sizeof k; return k; }())
#else
#define CLAIMCHECK_PROVIDER_KEYS_INIT { .size = sizeof(claimcheck_provider_keys) }
#endif
";

/// The `version = "..."` of the `[package]` section of ffi/Cargo.toml.
fn package_version(manifest: &str) -> Result<String, String> {
    let mut in_package = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(rest) = line.strip_prefix("version") {
                let v = rest.trim_start().trim_start_matches('=').trim().trim_matches('"');
                return Ok(v.to_owned());
            }
        }
    }
    Err("ffi/Cargo.toml has no [package] version".to_owned())
}

fn version_macros(version: &str) -> Result<String, String> {
    let core = version.split(['-', '+']).next().unwrap_or(version);
    let parts: Vec<&str> = core.split('.').collect();
    let [major, minor, patch] = parts.as_slice() else { return Err(format!("version `{version}` is not x.y.z")) };
    Ok(format!(
        "/* The version of this header, from ffi/Cargo.toml. */\n#define CLAIMCHECK_VERSION_MAJOR {major}\n#define CLAIMCHECK_VERSION_MINOR {minor}\n#define CLAIMCHECK_VERSION_PATCH {patch}\n#define CLAIMCHECK_VERSION_STRING \"{version}\"\n"
    ))
}

/// What kind of declaration an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `typedef struct X X;`
    Opaque,
    /// A struct, a typedef or a function pointer type.
    Type,
    /// A `#define`.
    Constant,
    /// A function prototype.
    Function,
}

/// One item of cbindgen's output: its doc comment and declaration.
#[derive(Debug, Clone)]
struct Item {
    name: String,
    kind: Kind,
    text: String,
}

/// The identifier right before position `end` of `s`.
fn ident_before(s: &str, end: usize) -> &str {
    let head = s.get(..end).unwrap_or("").trim_end();
    let start = head.rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
    head.get(start..).unwrap_or("")
}

/// Splits cbindgen's output (items separated by blank lines) into items.
fn items(generated: &str) -> Result<Vec<Item>, String> {
    let mut out = Vec::new();
    for block in generated.split("\n\n") {
        let text = block.trim_matches('\n');
        if text.trim().is_empty() {
            continue;
        }
        // The declaration: the lines after the doc comment.
        let code = match text.find("*/") {
            Some(end) if text.trim_start().starts_with("/*") => text.get(end + 2..).unwrap_or("").trim(),
            _ => text.trim(),
        };
        let first = code.lines().next().unwrap_or("");
        let (name, kind) = if let Some(rest) = code.strip_prefix("#define ") {
            (rest.split_whitespace().next().unwrap_or("").to_owned(), Kind::Constant)
        } else if let Some(rest) = code.strip_prefix("typedef struct ").filter(|_| !code.contains('{')) {
            (rest.split_whitespace().next().unwrap_or("").to_owned(), Kind::Opaque)
        } else if code.starts_with("typedef") {
            let name = match code.find("(*") {
                Some(at) => code.get(at + 2..).and_then(|r| r.split(')').next()).unwrap_or("").to_owned(),
                None => ident_before(code, code.rfind(';').unwrap_or(code.len())).to_owned(),
            };
            (name, Kind::Type)
        } else if let Some(open) = first.find('(') {
            (ident_before(first, open).to_owned(), Kind::Function)
        } else {
            return Err(format!("cannot tell what this cbindgen item declares:\n{text}"));
        };
        if name.is_empty() {
            return Err(format!("no name in cbindgen item:\n{text}"));
        }
        out.push(Item { name, kind, text: text.to_owned() });
    }
    Ok(out)
}

/// The module (file stem in ffi/src) of every exported name: structs, type
/// aliases, constants and `extern "C"` functions.
fn modules() -> Result<BTreeMap<String, String>, String> {
    let dir = root().join("ffi/src");
    let mut map = BTreeMap::new();
    let mut entries: Vec<_> = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?.flatten().collect();
    entries.sort_by_key(|e| e.path());
    for entry in entries {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "rs") {
            continue;
        }
        let module = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_owned();
        let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for line in source.lines() {
            let t = line.trim_start();
            let rest = ["pub struct ", "pub type ", "pub const ", "pub unsafe extern \"C\" fn ", "pub extern \"C\" fn "]
                .iter()
                .find_map(|p| t.strip_prefix(p));
            let Some(rest) = rest else { continue };
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if name.to_ascii_lowercase().starts_with("claimcheck_") {
                map.insert(name, module.clone());
            }
        }
    }
    Ok(map)
}

/// The width doc paragraphs rewritten here are wrapped to (cbindgen keeps
/// the Rust lines as they are, which are wrapped at 80).
const DOC_WIDTH: usize = 80;

/// Rewrites a doc comment for C readers: the Rust `# Safety` heading and the
/// paragraph after it become one paragraph starting "Requires:", wrapped
/// again.
fn c_prose(text: &str) -> Result<String, String> {
    let mut out: Vec<String> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if line.trim() == "* # Safety" {
            let indent = line.get(..line.find('*').unwrap_or(0)).unwrap_or("");
            let mut words: Vec<String> = vec!["Requires:".to_owned()];
            while let Some(next) = lines.peek() {
                let Some(body) = next.trim_start().strip_prefix("* ") else { break };
                words.extend(body.split_whitespace().map(str::to_owned));
                lines.next();
            }
            if words.len() == 1 {
                return Err(format!("`# Safety` without text in:\n{text}"));
            }
            if let Some(first) = words.get_mut(1).filter(|w| w.as_str() == "As") {
                *first = "as".to_owned();
            }
            let mut current = format!("{indent}*");
            for word in words {
                if current.len() + 1 + word.len() > DOC_WIDTH && current.len() > indent.len() + 1 {
                    out.push(std::mem::replace(&mut current, format!("{indent}*")));
                }
                current.push(' ');
                current.push_str(&word);
            }
            out.push(current);
            continue;
        }
        if line.trim_start().starts_with("* #") {
            return Err(format!("a Markdown heading would reach the C header: `{}` in:\n{text}", line.trim()));
        }
        out.push(line.to_owned());
    }
    Ok(out.join("\n"))
}

/// Identifiers `claimcheck_*` in the declaration part of an item.
fn used_names(item: &Item) -> BTreeSet<String> {
    let code = match item.text.find("*/") {
        Some(end) => item.text.get(end + 2..).unwrap_or(""),
        None => &item.text,
    };
    // Drop the field doc comments inside structs.
    let mut plain = String::new();
    let mut rest = code;
    while let Some(start) = rest.find("/*") {
        plain.push_str(rest.get(..start).unwrap_or(""));
        rest = rest.get(start..).and_then(|r| r.find("*/").map(|e| r.get(e + 2..).unwrap_or(""))).unwrap_or("");
    }
    plain.push_str(rest);
    plain
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("claimcheck_"))
        .map(str::to_owned)
        .collect()
}

fn banner(section: &Section) -> String {
    let rule = "=".repeat(73);
    let mut s = format!("/* {rule}\n * {}\n *\n", section.title);
    let mut line = String::from(" *");
    for word in section.intro.split_whitespace() {
        if line.len() + 1 + word.len() > DOC_WIDTH {
            s.push_str(&line);
            s.push('\n');
            line = String::from(" *");
        }
        line.push(' ');
        line.push_str(word);
    }
    s.push_str(&line);
    s.push('\n');
    s.push_str(&format!(" * {rule} */\n"));
    s
}

/// The header text.
pub fn header() -> Result<String, String> {
    let ffi = root().join("ffi");
    let mut config = cbindgen::Config::from_file(ffi.join("cbindgen.toml"))?;
    let manifest = std::fs::read_to_string(ffi.join("Cargo.toml")).map_err(|e| e.to_string())?;
    // The frame (comment, guard, includes, extern "C") is written below;
    // cbindgen writes only the items.
    let top = config.header.take().unwrap_or_default();
    let guard = config.include_guard.take().ok_or("cbindgen.toml has no include_guard")?;
    let warning = config.autogen_warning.take().unwrap_or_default();
    let includes = std::mem::take(&mut config.sys_includes);
    config.no_includes = true;
    config.cpp_compat = false;
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(ffi.join("src/lib.rs"))
        .generate()
        .map_err(|e| e.to_string())?;
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).map_err(|e| e.to_string())?;

    let modules = modules()?;
    let mut sections: Vec<Vec<Item>> = vec![Vec::new(); SECTIONS.len()];
    for mut item in items(&generated)? {
        if !item.text.trim_start().starts_with("/**") {
            return Err(format!("`{}` has no doc comment: every item of the header is documented for C readers", item.name));
        }
        item.text = c_prose(&item.text)?;
        let module = modules.get(&item.name).ok_or_else(|| format!("`{}` is not declared in ffi/src", item.name))?;
        let hoisted = item.kind == Kind::Opaque || item.name == "claimcheck_result";
        let at = if hoisted { Some(0) } else { SECTIONS.iter().position(|s| s.module == module) };
        let at = at.ok_or_else(|| format!("ffi/src/{module}.rs has no section in ffi/header-gen (`{}`)", item.name))?;
        if let Some(section) = sections.get_mut(at) {
            section.push(item);
        }
    }

    let mut out = String::new();
    out.push_str(&top);
    out.push_str(&format!("\n\n#ifndef {guard}\n#define {guard}\n\n{warning}\n\n"));
    for include in &includes {
        out.push_str(&format!("#include <{include}>\n"));
    }
    out.push('\n');
    out.push_str(&version_macros(&package_version(&manifest)?)?);
    out.push_str("\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n");
    let mut declared: BTreeSet<String> = BTreeSet::new();
    let types: BTreeSet<String> =
        sections.iter().flatten().filter(|i| matches!(i.kind, Kind::Opaque | Kind::Type)).map(|i| i.name.clone()).collect();
    for (section, items) in SECTIONS.iter().zip(&sections) {
        out.push('\n');
        out.push_str(&banner(section));
        // Types first (in cbindgen's order, which puts a type after those it
        // uses), then the hand-written text, then constants and functions
        // in source order.
        // The hoisted objects go in the order of their sections.
        let mut opaque: Vec<&Item> = items.iter().filter(|i| i.kind == Kind::Opaque).collect();
        opaque.sort_by_key(|i| {
            let module = modules.get(&i.name).map(String::as_str).unwrap_or("");
            SECTIONS.iter().position(|s| s.module == module)
        });
        let mut ordered: Vec<&Item> = opaque;
        ordered.extend(items.iter().filter(|i| i.kind == Kind::Type));
        let rest: Vec<&Item> = items.iter().filter(|i| matches!(i.kind, Kind::Constant | Kind::Function)).collect();
        let constants = rest.iter().filter(|i| i.kind == Kind::Constant);
        let functions = rest.iter().filter(|i| i.kind == Kind::Function);
        let types_end = ordered.len();
        ordered.extend(constants);
        ordered.extend(functions);
        for (n, item) in ordered.iter().enumerate() {
            if n == types_end && !section.extra.is_empty() {
                out.push('\n');
                out.push_str(section.extra);
            }
            for used in used_names(item) {
                if types.contains(&used) && used != item.name && !declared.contains(&used) {
                    return Err(format!("`{}` uses `{used}`, which the header declares only after it", item.name));
                }
            }
            if matches!(item.kind, Kind::Opaque | Kind::Type) {
                declared.insert(item.name.clone());
            }
            out.push('\n');
            out.push_str(&item.text);
            out.push('\n');
        }
        if types_end == ordered.len() && !section.extra.is_empty() {
            out.push('\n');
            out.push_str(section.extra);
        }
    }
    out.push_str(&format!("\n#ifdef __cplusplus\n}}  /* extern \"C\" */\n#endif\n\n#endif  /* {guard} */\n"));
    Ok(out)
}

/// The flat declarations for cdef parsers: no `#include`, no `#if`, no
/// comments; integer `#define`s become `enum { NAME = value };` (both LuaJIT
/// and cffi accept that); other macros (the version string, the struct
/// initializers) are left out (call `claimcheck_version()`, set `size` with
/// the parser's `sizeof`).
pub fn cdef(header: &str) -> String {
    let mut out = String::from(
        "/* Flat declarations of claimcheck.h for LuaJIT ffi.cdef and Python cffi.\n   Generated by ffi/header-gen from include/claimcheck.h; do not edit. */\n",
    );
    let mut skip_depth = 0usize;
    let mut in_comment = false;
    let mut continued = false;
    let mut last_blank = true;
    for line in header.lines() {
        let t = line.trim();
        if continued {
            continued = t.ends_with('\\');
            continue;
        }
        if in_comment {
            in_comment = !t.contains("*/");
            continue;
        }
        if t.starts_with("/*") {
            in_comment = !t.contains("*/");
            continue;
        }
        if t.starts_with('#') && t.ends_with('\\') {
            continued = true;
            continue;
        }
        if t.starts_with("#if") {
            skip_depth += usize::from(t.contains("__cplusplus") || skip_depth > 0);
            continue;
        }
        if t.starts_with("#endif") {
            skip_depth = skip_depth.saturating_sub(1);
            continue;
        }
        if skip_depth > 0 {
            continue;
        }
        if let Some(def) = t.strip_prefix("#define ") {
            let mut it = def.splitn(2, ' ');
            let (name, value) = (it.next().unwrap_or(""), it.next().unwrap_or("").trim());
            if !value.is_empty() && value.parse::<i64>().is_ok() {
                out.push_str(&format!("enum {{ {name} = {value} }};\n"));
                last_blank = false;
            }
            continue;
        }
        if t.starts_with('#') {
            continue;
        }
        if t.is_empty() {
            if !last_blank {
                out.push('\n');
            }
            last_blank = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
        last_blank = false;
    }
    out
}

fn run(check: bool) -> Result<bool, String> {
    let header = header()?;
    let cdef = cdef(&header);
    let include = root().join("include");
    let mut same = true;
    for (name, text) in [("claimcheck.h", &header), ("claimcheck_cdef.h", &cdef)] {
        let path = include.join(name);
        if check {
            let current = std::fs::read_to_string(&path).unwrap_or_default();
            if current != *text {
                eprintln!("include/{name} is out of date: run scripts/gen-header and commit it");
                same = false;
            }
        } else {
            std::fs::create_dir_all(&include).map_err(|e| e.to_string())?;
            std::fs::write(&path, text).map_err(|e| e.to_string())?;
        }
    }
    Ok(same)
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    match run(check) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("header-gen: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_headers_match_the_source() {
        assert!(run(true).unwrap(), "run scripts/gen-header and commit include/");
    }

    #[test]
    fn cdef_keeps_integer_constants_and_drops_the_rest() {
        let h = "#ifndef X_H\n#define X_H\n#include <stdint.h>\n#define A 1\n#define S \"s\"\n#ifdef __cplusplus\nextern \"C\" {\n#endif\n/** doc\n * more */\nint f(void);\n#ifdef __cplusplus\n#define I (x)\n#else\n#define I { .a = 1 }\n#endif\n#define M \\\n  int g(void);\n#ifdef __cplusplus\n}\n#endif\n#endif\n";
        assert_eq!(cdef(h).lines().skip(2).collect::<Vec<_>>(), ["enum { A = 1 };", "int f(void);"]);
    }

    #[test]
    fn safety_headings_become_c_prose_and_other_headings_are_refused() {
        let doc = "/**\n * Frees it.\n *\n * # Safety\n * As `claimcheck_x_free`.\n */\nvoid f(void);";
        assert_eq!(c_prose(doc).unwrap(), "/**\n * Frees it.\n *\n * Requires: as `claimcheck_x_free`.\n */\nvoid f(void);");
        let long = "/**\n * # Safety\n * `a` is NULL or a live thing; `b` points to `len` readable bytes (or is NULL\n * with length 0).\n */";
        assert_eq!(
            c_prose(long).unwrap(),
            "/**\n * Requires: `a` is NULL or a live thing; `b` points to `len` readable bytes (or\n * is NULL with length 0).\n */"
        );
        assert!(c_prose("/**\n * # Examples\n */\nvoid f(void);").is_err());
    }

    #[test]
    fn the_header_reads_in_the_order_a_host_uses_it() {
        let h = header().unwrap();
        let at = |needle: &str| h.find(needle).unwrap_or_else(|| panic!("{needle} not in the header"));
        let order = [
            "typedef struct claimcheck_engine claimcheck_engine;",
            "claimcheck_engine_new(",
            "typedef struct claimcheck_request {",
            "#define CLAIMCHECK_REQUEST_INIT",
            "claimcheck_engine_authorize(",
            "claimcheck_decision_allowed(",
            "#define CLAIMCHECK_RESULT_OK 0",
            "claimcheck_error_message(",
            "claimcheck_engine_set_logger(",
            "typedef struct claimcheck_provider_keys {",
            "claimcheck_key_status_get(",
            "claimcheck_abi_version(",
        ];
        for pair in order.windows(2) {
            assert!(at(pair[0]) < at(pair[1]), "`{}` should come before `{}`", pair[0], pair[1]);
        }
        assert!(!h.contains("# Safety") && !h.contains("\n * #"), "a Rust heading reached the header");
    }
}
