package claimcheck

// Builds the static library this package links, target/release/libclaimcheck.a
// at the repository root (a no-op when it is up to date). CARGO_TARGET_DIR is
// pinned because the cgo LDFLAGS name that path.
//go:generate sh -c "cd ../.. && CARGO_TARGET_DIR=\"$PWD/target\" cargo build -p claimcheck-ffi --release"
