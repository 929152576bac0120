package claimcheck

// The link line: the static library built by `cargo build -p claimcheck-ffi
// --release` at the repository root (see generate.go), and the native
// libraries rustc asks for on Linux/glibc (docs/c-api.md).

/*
#cgo CFLAGS: -I${SRCDIR}/../../include
#cgo LDFLAGS: ${SRCDIR}/../../target/release/libclaimcheck.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
#include "bridge.h"
*/
import "C"

// setLogger registers the Go trampolines with a cgo.Handle as userdata.
func setLogger(engine *C.claimcheck_engine, handle uintptr) C.claimcheck_result {
	return C.claimcheck_go_set_logger(engine, C.uintptr_t(handle))
}

// clearLogger removes the engine's log callback (its finalizer runs).
func clearLogger(engine *C.claimcheck_engine) C.claimcheck_result {
	return C.claimcheck_go_clear_logger(engine)
}
