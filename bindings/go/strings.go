package claimcheck

/*
#include "claimcheck.h"
*/
import "C"

import "unsafe"

// goStringView copies an output view into a Go string; ok is false when
// the view is absent (NULL), which differs from the empty string.
func goStringView(s C.claimcheck_str) (string, bool) {
	if s.ptr == nil {
		return "", false
	}
	if s.len == 0 {
		return "", true
	}
	return C.GoStringN(s.ptr, C.int(s.len)), true
}

// stringArg returns a pointer and length for passing s to C as an input
// view without copying. The C side reads it only during the call (the ABI
// keeps nothing). The pointer is passed as a direct cgo argument, which
// cgo allows for Go memory without Go pointers inside (string bytes).
func stringArg(s string) (*C.char, C.size_t) {
	if len(s) == 0 {
		return nil, 0
	}
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// unsafeView is the pointer of an output view, for C.GoBytes.
func unsafeView(s C.claimcheck_str) unsafe.Pointer { return unsafe.Pointer(s.ptr) }
