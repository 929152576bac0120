// The C side of the overhead benchmarks (see bench.go).
#ifndef CLAIMCHECK_GO_BENCH_H
#define CLAIMCHECK_GO_BENCH_H

#include <stddef.h>
#include <stdint.h>
#include "bridge.h"

// Does nothing: the cost of one cgo call.
void claimcheck_bench_noop(void);

// Decides the benchmark request (GET /mcp, two headers, no credential) `n`
// times with claimcheck_go_decide, the binding's C half (authorize, every
// accessor the binding reads, the strings copied into a buffer, free), in
// this one call. Writes the last decision's status and reason; returns the
// first failing result, or CLAIMCHECK_RESULT_OK.
claimcheck_result claimcheck_bench_decide_loop(const claimcheck_engine *engine, size_t n, uint32_t *status,
                                               claimcheck_reason *reason);

#endif
