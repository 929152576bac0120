package claimcheck

/*
#include "bridge.h"
*/
import "C"

import (
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
)

// HeaderABIVersion is the ABI version of include/claimcheck.h, the header
// this binding was written against (CLAIMCHECK_ABI_VERSION).
const HeaderABIVersion = uint32(C.CLAIMCHECK_ABI_VERSION)

// abiOnce caches the ABI check: the linked library cannot change while the
// process runs.
var abiOnce = sync.OnceValue(func() error {
	return checkABI(uint32(C.claimcheck_abi_version()), HeaderABIVersion)
})

// checkABI refuses a library whose ABI version is not the header's.
func checkABI(library, header uint32) error {
	if library != header {
		return fmt.Errorf("%w: the linked libclaimcheck has ABI version %d, this binding was built for %d (rebuild the library: cargo build -p claimcheck-ffi --release)",
			ErrABIMismatch, library, header)
	}
	return nil
}

// CheckABI reports whether the linked library speaks the ABI this binding
// was written for. New, NewFromFile and the version functions call it; it
// is exported for hosts that want to fail at startup.
func CheckABI() error { return abiOnce() }

// Version is the linked library's version, for example "0.1.0".
func Version() string { return C.GoString(C.claimcheck_version()) }

// Engine is an authorization engine built from one config. It is safe for
// concurrent use by many goroutines: Authorize, Reload, SetLogger and
// Warnings may run at once. Close releases it; an Engine that becomes
// unreachable without Close is released by the garbage collector.
type Engine struct {
	// mu guards ptr: every call holds it for reading, Close for writing,
	// so the engine is freed only after every call on it has returned
	// (the C ABI's rule for claimcheck_engine_free).
	mu      sync.RWMutex
	ptr     *C.claimcheck_engine
	cleanup runtime.Cleanup
	// seen holds strings that repeat across decisions, to reuse them.
	seen seenStrings
}

// New creates an engine from config text (YAML or JSON). Relative key file
// paths resolve against the current directory. A config that does not load
// returns an *Error with the code, message and location.
func New(config string) (*Engine, error) {
	if err := CheckABI(); err != nil {
		return nil, err
	}
	var ptr *C.claimcheck_engine
	var cerr *C.claimcheck_error
	p, n := stringArg(config)
	rc := C.claimcheck_engine_new(p, n, &ptr, &cerr)
	runtime.KeepAlive(config)
	if rc != C.CLAIMCHECK_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	return wrap(ptr), nil
}

// NewFromFile creates an engine from a config file. Relative key file paths
// resolve against the file's directory. An unreadable file is an *Error
// with Code CodeIO.
func NewFromFile(path string) (*Engine, error) {
	if err := CheckABI(); err != nil {
		return nil, err
	}
	var ptr *C.claimcheck_engine
	var cerr *C.claimcheck_error
	p, n := stringArg(path)
	rc := C.claimcheck_engine_from_file(p, n, &ptr, &cerr)
	runtime.KeepAlive(path)
	if rc != C.CLAIMCHECK_RESULT_OK {
		return nil, takeError(rc, cerr)
	}
	return wrap(ptr), nil
}

func wrap(ptr *C.claimcheck_engine) *Engine {
	e := &Engine{ptr: ptr}
	// The cleanup gets the C pointer, not the Engine, so it does not keep
	// the Engine reachable. Close stops it before freeing.
	e.cleanup = runtime.AddCleanup(e, func(p *C.claimcheck_engine) { C.claimcheck_engine_free(p) }, ptr)
	return e
}

// Close frees the engine. It waits for calls running on other goroutines
// to return; later calls return ErrClosed. Closing twice is a no-op. The
// logger's function is released after its last call.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ptr == nil {
		return nil
	}
	e.cleanup.Stop()
	C.claimcheck_engine_free(e.ptr)
	e.ptr = nil
	return nil
}

// Reload replaces the config atomically: calls already running finish on
// the old config, later ones use the new one. If the new config does not
// load, the old one keeps serving and the *Error says why (the logger also
// receives it). A panic of the log function during the reload is raised
// again here once the reload is over (see SetLogger).
func (e *Engine) Reload(config string) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return ErrClosed
	}
	var cerr *C.claimcheck_error
	p, n := stringArg(config)
	call := newCallID()
	rc := C.claimcheck_go_reload(e.ptr, p, n, &cerr, C.uintptr_t(call))
	runtime.KeepAlive(config)
	runtime.KeepAlive(e)
	if v, ok := takeCallPanic(call); ok {
		if cerr != nil {
			C.claimcheck_error_free(cerr)
		}
		panic(v)
	}
	if rc != C.CLAIMCHECK_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// ReloadFile is Reload with the config read from a file.
func (e *Engine) ReloadFile(path string) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return ErrClosed
	}
	var cerr *C.claimcheck_error
	p, n := stringArg(path)
	call := newCallID()
	rc := C.claimcheck_go_reload_file(e.ptr, p, n, &cerr, C.uintptr_t(call))
	runtime.KeepAlive(path)
	runtime.KeepAlive(e)
	if v, ok := takeCallPanic(call); ok {
		if cerr != nil {
			C.claimcheck_error_free(cerr)
		}
		panic(v)
	}
	if rc != C.CLAIMCHECK_RESULT_OK {
		return takeError(rc, cerr)
	}
	return nil
}

// Warnings returns the warnings of the last successful load (creation or
// reload): skipped keys, ignored agentgateway fields, ...
func (e *Engine) Warnings() ([]string, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return nil, ErrClosed
	}
	var w *C.claimcheck_warnings
	rc := C.claimcheck_engine_warnings(e.ptr, &w)
	runtime.KeepAlive(e)
	if rc != C.CLAIMCHECK_RESULT_OK {
		return nil, resultError(rc)
	}
	defer C.claimcheck_warnings_free(w)
	count := int(C.claimcheck_warnings_count(w))
	out := make([]string, 0, count)
	for i := 0; i < count; i++ {
		var s C.claimcheck_str
		if C.claimcheck_warnings_get(w, C.size_t(i), &s) != C.CLAIMCHECK_RESULT_OK {
			break
		}
		msg, _ := goStringView(s)
		out = append(out, msg)
	}
	return out, nil
}

// LogLevel is the level of an engine message (a CLAIMCHECK_LOG_* value).
type LogLevel uint32

// The log levels.
const (
	// LogDebug: details useful while debugging.
	LogDebug LogLevel = C.CLAIMCHECK_LOG_DEBUG
	// LogInfo: normal operation worth recording (keys refreshed, ...).
	LogInfo LogLevel = C.CLAIMCHECK_LOG_INFO
	// LogWarn: something was skipped or degraded (a key could not be parsed, ...).
	LogWarn LogLevel = C.CLAIMCHECK_LOG_WARN
	// LogError: something failed (a key fetch, a reload, a rule evaluation, ...).
	LogError LogLevel = C.CLAIMCHECK_LOG_ERROR
)

// String returns "debug", "info", "warn" or "error".
func (l LogLevel) String() string {
	switch l {
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarn:
		return "warn"
	case LogError:
		return "error"
	}
	return fmt.Sprintf("level_%d", uint32(l))
}

// SetLogger registers fn to receive the engine's messages (load warnings on
// reload, key fetch failures, failed reloads, rule evaluation errors),
// replacing the previous function; nil removes it. fn is called from any
// goroutine, possibly several at once, including the library's background
// key-refresh threads; it must not call SetLogger or Close on this engine.
// fn is held through a runtime/cgo.Handle (C never holds a Go pointer) and
// released after its last call.
//
// A panic of fn never reaches the library. When fn panics during a call of
// yours (Authorize or AuthorizeAt logging an erroring rule or a key fetch
// for an unknown kid, Reload or ReloadFile logging a warning or its
// failure), the panic is recovered, the library finishes the call (its
// later messages are dropped) and the call then panics on your goroutine
// with the same value, as if fn had been called there; the call's result
// is discarded. When fn panics on one of the library's own threads (the
// background key refresher, or a key fetch a reload waits for), there is
// no call to return it to: it is recovered and reported to the handler set
// with SetLogPanicHandler, by default written to standard error once per
// function registered here. Either way the engine keeps working. fn must
// not call runtime.Goexit (testing's t.Fatal and t.FailNow do): that
// cannot be recovered.
func (e *Engine) SetLogger(fn func(level LogLevel, msg string)) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return ErrClosed
	}
	var rc C.claimcheck_result
	if fn == nil {
		rc = clearLogger(e.ptr)
	} else {
		h := cgo.NewHandle(&logger{fn: fn})
		rc = setLogger(e.ptr, uintptr(h))
		if rc != C.CLAIMCHECK_RESULT_OK {
			// Not registered: the library never calls the finalizer.
			h.Delete()
		}
	}
	runtime.KeepAlive(e)
	if rc != C.CLAIMCHECK_RESULT_OK {
		return resultError(rc)
	}
	return nil
}
