package claimcheck

// The exported callbacks of the log trampolines in cgo.go. A file with
// //export may only declare in its preamble, so the trampolines live there.

/*
#include <stddef.h>
#include <stdint.h>
*/
import "C"

import "runtime/cgo"

//export claimcheckGoLog
func claimcheckGoLog(handle C.uintptr_t, level C.uint32_t, msg *C.char, n C.size_t) {
	fn, ok := cgo.Handle(handle).Value().(func(LogLevel, string))
	if !ok {
		return
	}
	// msg is valid only during the call: copy it.
	fn(LogLevel(level), C.GoStringN(msg, C.int(n)))
}

//export claimcheckGoLogFinalize
func claimcheckGoLogFinalize(handle C.uintptr_t) {
	cgo.Handle(handle).Delete()
}
