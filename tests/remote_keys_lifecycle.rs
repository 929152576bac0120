//! Background refreshers end with the engine. Alone in its binary because
//! it counts the refresher threads of the whole process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;


use claimcheck::dev::DevKey;
use claimcheck::test_hooks::live_refresher_threads;
use common::keyserver::{KeyServer, Reply};
use common::*;

fn remote_config(url: &str) -> String {
    format!(
        "authentication:\n  providers:\n    - issuer: {ISSUER}\n      audiences: [{AUDIENCE}]\n      jwks:\n        url: {url}\n        allowHttp: true\n        cacheDuration: 1h\n"
    )
}


#[test]
fn refresher_threads_end_when_their_keys_are_no_longer_used() {
    let server = KeyServer::http();
    server.set("/a", Reply::Json(DevKey::jwks(&[&RSA])));
    server.set("/b", Reply::Json(DevKey::jwks(&[&RSA])));
    assert_eq!(live_refresher_threads(), 0);

    let e = engine(&remote_config(&server.url("/a")));
    assert_eq!(live_refresher_threads(), 1, "one refresher for one key source");

    // A reload to another URL: the old source's thread ends, a new one runs.
    e.reload(&remote_config(&server.url("/b"))).unwrap();
    eventually("the refresher of /a ends", || live_refresher_threads() == 1);
    assert_decision(&bearer(&e, &sign(&RSA, &claims())), 200, "allowed");

    // Dropping the engine ends the last one, though its next refresh is an hour away.
    drop(e);
    eventually("the refresher of /b ends", || live_refresher_threads() == 0);
    assert_eq!((server.hits("/a"), server.hits("/b")), (1, 1));
}
