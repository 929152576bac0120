//! Reads the versions of the JWT crypto and CEL crates from Cargo.lock, so
//! `claimcheck_version_crypto()`/`claimcheck_version_cel()` report what was
//! actually linked.

use std::path::Path;

fn locked_version(lock: &str, name: &str) -> String {
    let needle = format!("name = \"{name}\"\nversion = \"");
    lock.find(&needle)
        .and_then(|at| {
            let rest = &lock[at + needle.len()..];
            rest.find('"').map(|end| rest[..end].to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned())
}

fn main() {
    let lock_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("Cargo.lock");
    println!("cargo:rerun-if-changed={}", lock_path.display());
    let lock = std::fs::read_to_string(&lock_path).unwrap_or_default().replace("\r\n", "\n");
    println!("cargo:rustc-env=CLAIMCHECK_CRYPTO_VERSION={}", locked_version(&lock, "aws-lc-rs"));
    println!("cargo:rustc-env=CLAIMCHECK_CEL_VERSION={}", locked_version(&lock, "cel"));
}
