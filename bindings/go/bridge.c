#include "bridge.h"
#include "decide.h"
#include "_cgo_export.h"

// The id of the Go call running on this thread (0: none), for the log
// trampoline. A goroutine stays on its thread for the whole of a cgo call,
// and the library delivers a message on the thread that logs it, so a
// message logged while a call runs on this thread belongs to that call. A
// log function may call back into the engine: each call restores the id it
// found.
static _Thread_local uintptr_t claimcheck_go_call;

claimcheck_result claimcheck_go_authorize(const claimcheck_engine *engine, const claimcheck_request *request,
                                          bool at, double now, claimcheck_go_decision *out, char *buf, size_t cap,
                                          uintptr_t call) {
	uintptr_t outer = claimcheck_go_call;
	claimcheck_go_call = call;
	claimcheck_result rc = claimcheck_go_decide(engine, request, at, now, out, buf, cap);
	claimcheck_go_call = outer;
	return rc;
}

claimcheck_result claimcheck_go_reload(const claimcheck_engine *engine, const char *config, size_t len,
                                       claimcheck_error **error_out, uintptr_t call) {
	uintptr_t outer = claimcheck_go_call;
	claimcheck_go_call = call;
	claimcheck_result rc = claimcheck_engine_reload(engine, config, len, error_out);
	claimcheck_go_call = outer;
	return rc;
}

claimcheck_result claimcheck_go_reload_file(const claimcheck_engine *engine, const char *path, size_t len,
                                            claimcheck_error **error_out, uintptr_t call) {
	uintptr_t outer = claimcheck_go_call;
	claimcheck_go_call = call;
	claimcheck_result rc = claimcheck_engine_reload_file(engine, path, len, error_out);
	claimcheck_go_call = outer;
	return rc;
}

// The userdata is a runtime/cgo.Handle, an integer: it crosses as a void *
// here in C so that no Go code converts an integer into a pointer.
static void claimcheck_go_log(void *userdata, claimcheck_log_level level, const char *msg, size_t len) {
	claimcheckGoLog((uintptr_t)userdata, claimcheck_go_call, level, (char *)msg, len);
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
