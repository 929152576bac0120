package claimcheck

// The exported callbacks of the log trampolines in bridge.c, and what
// happens when the host's log function panics. A file with //export may
// only declare in its preamble, so the trampolines live in bridge.c.
//
// No Go panic may unwind into the library: it would cross Rust frames
// (leaving whatever they were doing half done), and on the library's own
// threads (the key refresher) nothing above them would recover it, so the
// process would die. Both exported functions recover everything. The model
// is wasmtime-go's func.go: a panic during a call made from Go is kept and
// raised again in that call once it is back in Go; one on a library thread,
// which never returns to a Go caller, is reported (SetLogPanicHandler).

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import (
	"fmt"
	"os"
	"runtime/cgo"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// logger is what an engine's log handle holds: the host's function, and
// whether the default report has written one of its panics already.
type logger struct {
	fn       func(LogLevel, string)
	reported atomic.Bool
}

// LogPanic is a panic of a log function (see Engine.SetLogger) that ran on
// one of the library's own threads, where there is no Go call to hand it
// back to. It was recovered: the library and the engine carry on.
type LogPanic struct {
	// Value is what the log function panicked with.
	Value any
	// Stack is the panicking goroutine's stack (runtime/debug.Stack).
	Stack []byte
	// Level is the level of the message the function was given.
	Level LogLevel
	// Message is the message the function was given.
	Message string
}

// String formats the panic for a log: what, where, the message and the
// stack, on several lines.
func (p LogPanic) String() string {
	return fmt.Sprintf("claimcheck: the log function panicked on a library thread (recovered; the engine keeps running): %v\nwhile logging (%s) %q\n%s",
		p.Value, p.Level, p.Message, p.Stack)
}

// logPanicHandler is the function set with SetLogPanicHandler (nil: the
// default report).
var logPanicHandler atomic.Pointer[func(LogPanic)]

// SetLogPanicHandler sets the function that receives the panics of log
// functions that ran on the library's own threads: the background key
// refresher, or a key fetch a reload waits for (Engine.SetLogger says what
// happens to a panic on a goroutine of yours). It applies to every engine
// in the process. fn is called on that thread, possibly from several at
// once; a panic of fn itself is recovered and written to standard error.
//
// nil restores the default: the first panic of each function registered
// with SetLogger is written to standard error with its stack (LogPanic's
// String), and its later panics are not, so a log function that always
// panics does not flood the output.
func SetLogPanicHandler(fn func(LogPanic)) {
	if fn == nil {
		logPanicHandler.Store(nil)
		return
	}
	logPanicHandler.Store(&fn)
}

// callIDs numbers the Go calls into the library that can log; 0 is "no
// call" (a message from a library thread).
var callIDs atomic.Uintptr

// newCallID returns an id no other call has.
func newCallID() uintptr { return callIDs.Add(1) }

// callPanics holds the first log-function panic of each running call that
// had one, by call id, until the call takes it (takeCallPanic). Calls read
// callPanicsPending, its size, instead of the map, so a call without a
// panic costs one atomic load.
var (
	callPanics        sync.Map
	callPanicsPending atomic.Int64
)

// takeCallPanic returns and forgets the panic recovered from the log
// function during the call with this id, if there was one.
func takeCallPanic(call uintptr) (any, bool) {
	if callPanicsPending.Load() == 0 {
		return nil, false
	}
	v, ok := callPanics.LoadAndDelete(call)
	if ok {
		callPanicsPending.Add(-1)
	}
	return v, ok
}

// raiseCallPanic panics with the value takeCallPanic finds, if any.
func raiseCallPanic(call uintptr) {
	if v, ok := takeCallPanic(call); ok {
		panic(v)
	}
}

// callPanicked reports whether the log function panicked already during
// this call.
func callPanicked(call uintptr) bool {
	if callPanicsPending.Load() == 0 {
		return false
	}
	_, ok := callPanics.Load(call)
	return ok
}

//export claimcheckGoLog
func claimcheckGoLog(handle C.uintptr_t, call C.uintptr_t, level C.uint32_t, msg *C.char, n C.size_t) {
	var l *logger
	var text string
	defer func() {
		if v := recover(); v != nil {
			recovered(l, uintptr(call), LogPanic{Value: v, Stack: debug.Stack(), Level: LogLevel(level), Message: text})
		}
	}()
	l, _ = cgo.Handle(handle).Value().(*logger)
	// After a panic, the call it happened in panics once back in Go; its
	// later messages would go to a function known to be failing.
	if l == nil || (call != 0 && callPanicked(uintptr(call))) {
		return
	}
	// msg is valid only during the call: copy it.
	text = C.GoStringN(msg, C.int(n))
	l.fn(LogLevel(level), text)
}

// recovered deals with a panic of l's function: kept for the Go call that
// made the library log (call), or reported when there is none (call 0).
func recovered(l *logger, call uintptr, p LogPanic) {
	if call != 0 {
		if _, loaded := callPanics.LoadOrStore(call, p.Value); !loaded {
			callPanicsPending.Add(1)
		}
		return
	}
	if fn := logPanicHandler.Load(); fn != nil {
		callLogPanicHandler(*fn, p)
		return
	}
	if l == nil || l.reported.CompareAndSwap(false, true) {
		writeStderr(p.String() + "(later panics of this log function are not written)\n")
	}
}

// callLogPanicHandler runs the host's handler, which must not unwind into
// the library either.
func callLogPanicHandler(fn func(LogPanic), p LogPanic) {
	defer func() {
		if v := recover(); v != nil {
			writeStderr(fmt.Sprintf("claimcheck: the log panic handler panicked (recovered): %v\nhandling: %s", v, p))
		}
	}()
	fn(p)
}

func writeStderr(s string) { _, _ = os.Stderr.WriteString(s) }

//export claimcheckGoLogFinalize
func claimcheckGoLogFinalize(handle C.uintptr_t) {
	defer func() {
		// Only a bug in this binding gets here (a handle released twice),
		// possibly on a library thread: say so, never unwind.
		if v := recover(); v != nil {
			writeStderr(fmt.Sprintf("claimcheck: releasing a log function panicked (a bug in the Go binding; recovered): %v\n", v))
		}
	}()
	cgo.Handle(handle).Delete()
}
