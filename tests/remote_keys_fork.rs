//! A host that forks after building the engine (nginx workers, gunicorn
//! pre-fork): the child process keeps refreshing keys on its own. Alone in
//! its binary so the fork happens with as few threads as possible.
#![allow(clippy::unwrap_used, clippy::expect_used, unsafe_code)]

mod common;

use std::time::Duration;

use claimcheck::dev::DevKey;
use claimcheck::Engine;
use common::keyserver::{KeyServer, Reply};
use common::*;

/// In the child: use the engine with the known key until the child's own
/// background refresh has fetched the rotated key set, then check a token
/// signed with the new key. Exit codes say what went wrong.
fn child(e: &Engine, old: &str, new: &str) -> i32 {
    for _ in 0..500 {
        if bearer(e, old).status != 200 {
            return 2;
        }
        let status = e.key_status().into_iter().next();
        if status.as_ref().is_some_and(|s| s.kids.iter().any(|k| k == "rsa-2")) {
            if bearer(e, new).status != 200 {
                return 3;
            }
            // Found by the refresher, not by an unknown-kid refetch.
            if status.is_some_and(|s| s.unknown_kid_refetches != 0) {
                return 4;
            }
            return 0;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    1
}

#[test]
fn a_forked_child_picks_up_a_rotated_key() {
    let server = KeyServer::http();
    server.set("/keys", Reply::Json(DevKey::jwks(&[&RSA])));
    // Refresh often; never refetch for an unknown kid, so only the
    // background refresh can bring the new key.
    let cfg = format!(
        "authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: {}\n        allowHttp: true\n        cacheDuration: 200ms\n        minRefetchInterval: 1h\n",
        server.url("/keys")
    );
    let e = engine(&cfg);
    let old = sign(&RSA, &claims());
    let new = sign(&RSA_OTHER, &claims());
    assert_decision(&bearer(&e, &old), 200, "allowed");

    // SAFETY: the child only uses the engine (which starts its own threads)
    // and leaves with `_exit`, never returning into the test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        let code = child(&e, &old, &new);
        unsafe { libc::_exit(code) };
    }
    // The rotation happens after the fork: the child's copy of the key set
    // cannot already hold rsa-2.
    server.set("/keys", Reply::Json(DevKey::jwks(&[&RSA, &RSA_OTHER])));

    let mut status = 0;
    let mut exited = false;
    for _ in 0..1500 {
        // SAFETY: waiting on our own child, without blocking.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) };
        if r == pid {
            exited = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    if !exited {
        // SAFETY: our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        unsafe { libc::waitpid(pid, &mut status, 0) };
        panic!("the child did not finish within 30s");
    }
    assert!(libc::WIFEXITED(status), "child status {status}");
    assert_eq!(libc::WEXITSTATUS(status), 0, "child exit code (1: never saw rsa-2, 2: old token refused, 3: new token refused, 4: unknown-kid refetch)");
}
