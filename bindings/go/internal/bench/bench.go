// Package bench is the C half of the Go binding's overhead benchmarks: a
// cgo call that does nothing, and the binding's C code deciding a request
// in a loop inside one cgo call, which together tell the cgo transition,
// the C ABI's own cost and the Go binding's cost apart (BENCHMARKS.md).
// It makes its engine straight through the C ABI and is not part of the
// binding: internal, so nothing outside bindings/go can import it, and the
// package claimcheck never links it.
package bench

/*
#cgo CFLAGS: -I${SRCDIR}/../.. -I${SRCDIR}/../../../../include
#cgo LDFLAGS: ${SRCDIR}/../../../../target/release/libclaimcheck.a -lgcc_s -lutil -lrt -lpthread -lm -ldl
#include <stdlib.h>
#include "bench.h"
*/
import "C"

import (
	"errors"
	"runtime"
	"unsafe"
)

// Noop makes one cgo call to an empty C function.
func Noop() { C.claimcheck_bench_noop() }

// Engine is an engine made through the C ABI, without the binding.
type Engine struct {
	ptr *C.claimcheck_engine
}

// NewEngine creates an engine from config text (YAML or JSON).
func NewEngine(config string) (*Engine, error) {
	var ptr *C.claimcheck_engine
	var cerr *C.claimcheck_error
	text := C.CString(config)
	defer C.free(unsafe.Pointer(text))
	if rc := C.claimcheck_engine_new(text, C.size_t(len(config)), &ptr, &cerr); rc != C.CLAIMCHECK_RESULT_OK {
		msg := "claimcheck_engine_new failed"
		if cerr != nil {
			m := C.claimcheck_error_message(cerr)
			msg += ": " + C.GoStringN(m.ptr, C.int(m.len))
			C.claimcheck_error_free(cerr)
		}
		return nil, errors.New(msg)
	}
	return &Engine{ptr: ptr}, nil
}

// Close frees the engine; no call on it may be running.
func (e *Engine) Close() {
	C.claimcheck_engine_free(e.ptr)
	e.ptr = nil
}

// DecideLoop decides the benchmark request (GET /mcp with two headers and
// no credential) n times inside one cgo call, as the binding's C half does
// for one Authorize, and returns the last decision's status and reason
// name ("" when n is 0).
func (e *Engine) DecideLoop(n int) (status int, reason string, err error) {
	var st C.uint32_t
	var r C.claimcheck_reason
	rc := C.claimcheck_bench_decide_loop(e.ptr, C.size_t(n), &st, &r)
	runtime.KeepAlive(e)
	if rc != C.CLAIMCHECK_RESULT_OK {
		name := C.claimcheck_result_name(rc)
		return 0, "", errors.New("claimcheck_engine_authorize: " + C.GoStringN(name.ptr, C.int(name.len)))
	}
	if n == 0 {
		return 0, "", nil
	}
	name := C.claimcheck_reason_name(r)
	return int(st), C.GoStringN(name.ptr, C.int(name.len)), nil
}
