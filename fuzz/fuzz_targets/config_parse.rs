//! Config parsing through `claimcheck::Engine::new`: YAML and JSON, the
//! native shape and agentgateway's `policies:` (both are reached from the
//! same text; seeds cover each).
//!
//! A config whose key source would reach outside the process (`jwks.url`,
//! `remote`, `discovery`, `file`, `caFile`) is only parsed, never built: the
//! fuzzer must not make network requests or read files. That is decided on
//! the parsed config (`parse_config`, the first step of `Engine::new`), so
//! escapes or YAML spellings cannot slip a URL past it. scripts/test-fuzz
//! runs the fuzzers in an empty network namespace besides.
//!
//! Checks: no panic; `Engine::new` fails whenever `parse_config` does; a
//! built engine reloads its own text, decides requests, and formats its
//! errors and warnings.
#![no_main]

use claimcheck::cli::{parse_config, ConfigFile};
use claimcheck::{Engine, Request};
use claimcheck_fuzz::{decide, NOW};
use libfuzzer_sys::fuzz_target;

fn reaches_outside(file: &ConfigFile) -> bool {
    file.authentication.as_ref().is_some_and(|auth| {
        auth.providers.iter().any(|p| {
            let j = &p.jwks;
            j.url.is_some() || j.remote.is_some() || j.discovery.is_some() || j.file.is_some() || j.ca_file.is_some()
        })
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let file = match parse_config(text) {
        Ok(file) => file,
        Err(e) => {
            let _ = (e.to_string(), e.location());
            // Safe to build: it fails in the same first step, before any I/O.
            assert!(Engine::new(text).is_err(), "Engine::new accepted what parse_config refuses: {text:?}");
            return;
        }
    };
    if reaches_outside(&file) {
        return;
    }
    match Engine::new(text) {
        Ok(engine) => {
            let _ = engine.warnings();
            let _ = engine.key_status();
            let none = Request::default();
            let d = decide(&engine, &none, NOW);
            assert_eq!(d.allowed, d.status == 200);
            let headers = [("authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ4In0.AAAA"), ("cookie", "a=b")];
            let req = Request { method: "POST", path: "/mcp?access_token=x.y.z", headers: &headers, ..Request::default() };
            let d = decide(&engine, &req, NOW);
            assert_eq!(d.allowed, d.status == 200);
            engine.reload(text).expect("an engine reloads its own config text");
        }
        Err(e) => {
            let _ = (e.to_string(), e.location());
        }
    }
});
