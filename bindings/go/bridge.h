// C helpers of the Go binding: they batch the per-request C calls into one
// cgo call and hold the log trampolines. Compiled by cgo with the package.
#ifndef CLAIMCHECK_GO_BRIDGE_H
#define CLAIMCHECK_GO_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include "claimcheck.h"

// Everything the binding reads from a decision, filled in one call. The
// views point into the caller's buffer when the strings fit it (`decision`
// is then NULL: freed already), else into `decision`, which the caller
// reads and frees.
typedef struct claimcheck_go_decision {
	claimcheck_decision *decision;
	// The bytes the strings need: a buffer this large takes them next time.
	size_t needed;
	uint32_t status;
	claimcheck_reason reason;
	bool allowed;
	bool rule_errored;
	int64_t rule;
	claimcheck_str message;
	claimcheck_str detail;
	claimcheck_str www_authenticate;
	claimcheck_str provider;
	claimcheck_str issuer;
	claimcheck_str subject;
	claimcheck_str claims_json;
	claimcheck_credential_kind credential_kind;
	claimcheck_str credential_name;
} claimcheck_go_decision;

// The calls below that can log take `call`, a nonzero id of the Go call
// making them: while they run, a log message delivered on this thread
// carries it to the Go side, so that a panic of the Go log function is
// handed back to that call (see log.go). Messages from other threads (the
// key refresher) carry 0.

// Authorizes (at `now` when `at` is true) and reads the decision into
// `*out`, copying its strings into `buf` (`cap` bytes) and freeing it when
// they fit; otherwise the caller frees out->decision after reading it.
// Returns the authorize result.
claimcheck_result claimcheck_go_authorize(const claimcheck_engine *engine, const claimcheck_request *request,
                                          bool at, double now, claimcheck_go_decision *out, char *buf, size_t cap,
                                          uintptr_t call);

// claimcheck_engine_reload for the Go call `call`.
claimcheck_result claimcheck_go_reload(const claimcheck_engine *engine, const char *config, size_t len,
                                       claimcheck_error **error_out, uintptr_t call);

// claimcheck_engine_reload_file for the Go call `call`.
claimcheck_result claimcheck_go_reload_file(const claimcheck_engine *engine, const char *path, size_t len,
                                            claimcheck_error **error_out, uintptr_t call);

// Registers the Go log trampolines with a runtime/cgo.Handle as userdata.
claimcheck_result claimcheck_go_set_logger(const claimcheck_engine *engine, uintptr_t handle);

// Removes the engine's log callback.
claimcheck_result claimcheck_go_clear_logger(const claimcheck_engine *engine);

#endif
