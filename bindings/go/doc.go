// Package claimcheck is the Go binding of claimcheck, an embeddable JWT +
// CEL authorization engine for API gateways. It links the static library
// libclaimcheck.a through cgo (build it with `go generate` or
// `cargo build -p claimcheck-ffi --release` at the repository root).
//
// An Engine is built once from a config and answers, for every request,
// whether it may go through:
//
//	engine, err := claimcheck.NewFromFile("claimcheck.yaml")
//	if err != nil { ... } // a *claimcheck.Error says where the config is wrong
//	defer engine.Close()
//	d, err := engine.Authorize(claimcheck.RequestFromHTTP(r))
//	if err == nil && !d.Allowed { /* answer d.Status, d.WWWAuthenticate */ }
//
// or, for net/http servers, the Middleware does all of it.
//
// Memory: engines are freed by Close (idempotent) or, if forgotten, by a
// cleanup when unreachable. Request strings are copied into pooled C
// memory for the call (cheaper than pinning them, and no Go pointer is ever
// stored in C memory); the C side keeps nothing. The log callback crosses
// as a runtime/cgo.Handle, never a Go pointer.
//
// Panics: a panic of the log function never unwinds into the library.
// During a call of yours it is raised again by that call once the library
// has finished it; on the library's own threads it goes to the handler of
// SetLogPanicHandler (by default standard error). See Engine.SetLogger.
package claimcheck
