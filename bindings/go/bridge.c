#include "bridge.h"
#include "_cgo_export.h"

#include <string.h>

// Copies `*view` into `buf` at `*used` and points the view there; an absent
// view stays absent, an empty one stays present.
static void copy_view(claimcheck_str *view, char *buf, size_t *used) {
	if (view->ptr == NULL) {
		return;
	}
	if (view->len > 0) {
		memcpy(buf + *used, view->ptr, view->len);
	}
	view->ptr = buf + *used;
	*used += view->len;
}

claimcheck_result claimcheck_go_authorize(const claimcheck_engine *engine, const claimcheck_request *request,
                                          bool at, double now, claimcheck_go_decision *out, char *buf, size_t cap) {
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
			copy_view(views[i], buf, &used);
		}
		claimcheck_decision_free(d);
		out->decision = NULL;
	}
	return rc;
}

// The userdata is a runtime/cgo.Handle, an integer: it crosses as a void *
// here in C so that no Go code converts an integer into a pointer.
static void claimcheck_go_log(void *userdata, claimcheck_log_level level, const char *msg, size_t len) {
	claimcheckGoLog((uintptr_t)userdata, level, (char *)msg, len);
}

static void claimcheck_go_finalize(void *userdata) {
	claimcheckGoLogFinalize((uintptr_t)userdata);
}

claimcheck_result claimcheck_go_set_logger(const claimcheck_engine *engine, uintptr_t handle) {
	return claimcheck_engine_set_logger(engine, (void *)handle, claimcheck_go_log, claimcheck_go_finalize);
}

claimcheck_result claimcheck_go_clear_logger(const claimcheck_engine *engine) {
	return claimcheck_engine_set_logger(engine, NULL, NULL, NULL);
}

void claimcheck_go_noop(void) {}

claimcheck_result claimcheck_go_authorize_loop(const claimcheck_engine *engine, const claimcheck_request *request,
                                               size_t n, claimcheck_go_decision *out, char *buf, size_t cap) {
	for (size_t i = 0; i < n; i++) {
		claimcheck_result rc = claimcheck_go_authorize(engine, request, false, 0, out, buf, cap);
		if (rc != CLAIMCHECK_RESULT_OK) {
			return rc;
		}
		claimcheck_decision_free(out->decision);
		out->decision = NULL;
	}
	return CLAIMCHECK_RESULT_OK;
}
