// claimcheck_go_decide: one decision read whole in C. Included by bridge.c
// and by the benchmarks (internal/bench), which time it in a loop inside
// one cgo call to tell the C side's cost from the Go side's. Not a
// header of declarations: include it in one .c file per package.
#ifndef CLAIMCHECK_GO_DECIDE_H
#define CLAIMCHECK_GO_DECIDE_H

#include <string.h>
#include "bridge.h"

// Copies `*view` into `buf` at `*used` and points the view there; an absent
// view stays absent, an empty one stays present.
static inline void claimcheck_go_copy_view(claimcheck_str *view, char *buf, size_t *used) {
	if (view->ptr == NULL) {
		return;
	}
	if (view->len > 0) {
		memcpy(buf + *used, view->ptr, view->len);
	}
	view->ptr = buf + *used;
	*used += view->len;
}

// Authorizes (at `now` when `at` is true) and reads every field the binding
// uses into `*out`, copying the strings into `buf` (`cap` bytes) and freeing
// the decision when they fit; otherwise out->decision is left for the
// caller to read and free.
static inline claimcheck_result claimcheck_go_decide(const claimcheck_engine *engine,
                                                     const claimcheck_request *request, bool at, double now,
                                                     claimcheck_go_decision *out, char *buf, size_t cap) {
	claimcheck_decision *d = NULL;
	claimcheck_result rc = at ? claimcheck_engine_authorize_at(engine, request, now, &d)
	                          : claimcheck_engine_authorize(engine, request, &d);
	if (rc != CLAIMCHECK_RESULT_OK) {
		return rc;
	}
	out->decision = d;
	out->allowed = claimcheck_decision_allowed(d);
	out->status = claimcheck_decision_status(d);
	out->reason = claimcheck_decision_reason(d);
	out->rule = claimcheck_decision_rule(d);
	out->rule_errored = claimcheck_decision_rule_errored(d);
	out->message = claimcheck_decision_message(d);
	out->detail = claimcheck_decision_detail(d);
	out->www_authenticate = claimcheck_decision_www_authenticate(d);
	out->provider = claimcheck_decision_provider(d);
	out->issuer = claimcheck_decision_issuer(d);
	out->subject = claimcheck_decision_subject(d);
	// The claims only when there is an identity to describe.
	if (out->provider.ptr != NULL) {
		out->claims_json = claimcheck_decision_claims_json(d);
	} else {
		out->claims_json.ptr = NULL;
		out->claims_json.len = 0;
	}
	out->credential_kind = claimcheck_decision_credential_kind(d);
	out->credential_name = claimcheck_decision_credential_name(d);
	claimcheck_str *views[] = {&out->message, &out->detail,      &out->www_authenticate, &out->provider,
	                           &out->issuer,  &out->subject,     &out->claims_json,      &out->credential_name};
	size_t needed = 0;
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		needed += views[i]->ptr != NULL ? views[i]->len : 0;
	}
	out->needed = needed;
	// When the strings fit the caller's buffer, copy them there and free
	// the decision now: the Go side then needs no second cgo call.
	if (buf != NULL && needed <= cap) {
		size_t used = 0;
		for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
			claimcheck_go_copy_view(views[i], buf, &used);
		}
		claimcheck_decision_free(d);
		out->decision = NULL;
	}
	return rc;
}

#endif
