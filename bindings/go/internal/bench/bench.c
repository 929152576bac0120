#include "bench.h"
#include "decide.h"

void claimcheck_bench_noop(void) {}

// A view of a string literal.
#define VIEW(s) ((claimcheck_str){.ptr = (s), .len = sizeof(s) - 1})

claimcheck_result claimcheck_bench_decide_loop(const claimcheck_engine *engine, size_t n, uint32_t *status,
                                               claimcheck_reason *reason) {
	claimcheck_pair headers[] = {
	    {.name = VIEW("Accept"), .value = VIEW("application/json")},
	    {.name = VIEW("User-Agent"), .value = VIEW("bench/1.0")},
	};
	claimcheck_request request = {
	    .size = sizeof(claimcheck_request),
	    .method = VIEW("GET"),
	    .path = VIEW("/mcp"),
	    .host = VIEW("api.example.com"),
	    .headers = headers,
	    .headers_len = sizeof headers / sizeof headers[0],
	};
	// The size of the binding's pooled decision buffer (initialOutBytes).
	static _Thread_local char buf[4096];
	claimcheck_go_decision out = {0};
	for (size_t i = 0; i < n; i++) {
		claimcheck_result rc = claimcheck_go_decide(engine, &request, false, 0, &out, buf, sizeof buf);
		if (rc != CLAIMCHECK_RESULT_OK) {
			return rc;
		}
		*status = out.status;
		*reason = out.reason;
		claimcheck_decision_free(out.decision);
		out.decision = NULL;
	}
	return CLAIMCHECK_RESULT_OK;
}
