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

// Authorizes (at `now` when `at` is true) and reads the decision into
// `*out`, copying its strings into `buf` (`cap` bytes) and freeing it when
// they fit; otherwise the caller frees out->decision after reading it.
// Returns the authorize result.
claimcheck_result claimcheck_go_authorize(const claimcheck_engine *engine, const claimcheck_request *request,
                                          bool at, double now, claimcheck_go_decision *out, char *buf, size_t cap);

// Registers the Go log trampolines with a runtime/cgo.Handle as userdata.
claimcheck_result claimcheck_go_set_logger(const claimcheck_engine *engine, uintptr_t handle);

// Removes the engine's log callback.
claimcheck_result claimcheck_go_clear_logger(const claimcheck_engine *engine);

// Does nothing: the benchmarks' baseline for the cost of one cgo call.
void claimcheck_go_noop(void);



// For the benchmarks: `n` times claimcheck_go_authorize + free, in C, so the
// Go side can tell the C ABI's own cost from the binding's.
claimcheck_result claimcheck_go_authorize_loop(const claimcheck_engine *engine, const claimcheck_request *request,
                                               size_t n, claimcheck_go_decision *out, char *buf, size_t cap);
#endif
