package claimcheck

/*
#include "bridge.h"
*/
import "C"

import "runtime"

// authorizeLoopInC decides req n times inside one cgo call (authorize, read
// every field, free), for the benchmark that separates the C ABI's cost
// from the binding's. Not part of the API.
func (e *Engine) authorizeLoopInC(req Request, n int) error {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return ErrClosed
	}
	a := arenaPool.Get().(*arena)
	defer arenaPool.Put(a)
	defer a.reset()
	if err := a.fill(&req); err != nil {
		return err
	}
	m := a.mem
	rc := C.claimcheck_go_authorize_loop(e.ptr, m.req, C.size_t(n), m.out, m.outBytes, C.size_t(m.outCap))
	runtime.KeepAlive(e)
	if rc != C.CLAIMCHECK_RESULT_OK {
		return resultError(rc)
	}
	return nil
}
