/* Functional test of every export of claimcheck.h: results, out-params,
 * NULL and UTF-8 handling, struct sizes, config errors, the log callback,
 * warnings, versions, and the decision table. Usage: api_test FIXTURE_DIR */
#include "common.h"

#if defined(__SANITIZE_ADDRESS__)
#define ASAN_LINKED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ASAN_LINKED 1
#endif
#endif
#ifndef ASAN_LINKED
#define ASAN_LINKED 0
#endif

static const char *dir;
static struct fixtures fx;

/* Authorizes `auth_value` (or no header when NULL) at the pinned time. */
static claimcheck_decision *bearer(const claimcheck_engine *e, const char *jwt, int twice) {
    char auth[4096];
    claimcheck_pair headers[2];
    claimcheck_request req = CLAIMCHECK_REQUEST_INIT;
    claimcheck_decision *d = NULL;
    if (jwt) {
        snprintf(auth, sizeof auth, "Bearer %s", jwt);
        headers[0].name = view("authorization");
        headers[0].value = view(auth);
        headers[1] = headers[0];
        headers[1].name = view("Authorization");
        req.headers = headers;
        req.headers_len = twice ? 2 : 1;
    }
    CHECK(claimcheck_engine_authorize_at(e, &req, fx.now, &d) == CLAIMCHECK_RESULT_OK);
    return d;
}

struct log_state { int calls; int warn; int error; int finalized; char last[512]; };

static void on_log(void *userdata, claimcheck_log_level level, const char *msg, size_t len) {
    struct log_state *s = userdata;
    s->calls++;
    if (level == CLAIMCHECK_LOG_WARN) s->warn++;
    if (level == CLAIMCHECK_LOG_ERROR) s->error++;
    if (msg[len] != '\0') s->calls += 1000; /* the message must be NUL-terminated too */
    snprintf(s->last, sizeof s->last, "%.*s", (int)len, msg);
}

static void on_finalize(void *userdata) { ((struct log_state *)userdata)->finalized++; }

static void test_versions(void) {
    char header_version[64];
    snprintf(header_version, sizeof header_version, "%d.%d.%d", CLAIMCHECK_VERSION_MAJOR, CLAIMCHECK_VERSION_MINOR,
             CLAIMCHECK_VERSION_PATCH);
    CHECK(strcmp(claimcheck_version(), CLAIMCHECK_VERSION_STRING) == 0);
    CHECK(strcmp(claimcheck_version(), header_version) == 0);
    CHECK(claimcheck_abi_version() == CLAIMCHECK_ABI_VERSION);
    CHECK(strlen(claimcheck_version_crypto()) > 0 && strcmp(claimcheck_version_crypto(), "unknown") != 0);
    CHECK(strlen(claimcheck_version_cel()) > 0 && strcmp(claimcheck_version_cel(), "unknown") != 0);
}

static void test_names(void) {
    CHECK(str_is(claimcheck_result_name(CLAIMCHECK_RESULT_OK), "ok"));
    CHECK(str_is(claimcheck_result_name(CLAIMCHECK_RESULT_PANIC), "panic"));
    CHECK(str_is(claimcheck_result_name(CLAIMCHECK_RESULT_RULE_INVALID), "rule_invalid"));
    CHECK(claimcheck_result_name(77).ptr == NULL);
    CHECK(str_is(claimcheck_reason_name(CLAIMCHECK_REASON_EXPIRED), "expired"));
    CHECK(str_is(claimcheck_reason_name(CLAIMCHECK_REASON_NO_RULE_ALLOWED), "no_rule_allowed"));
    CHECK(claimcheck_reason_name(CLAIMCHECK_REASON_NO_DECISION).ptr == NULL);
}

static void test_create_errors(void) {
    claimcheck_engine *engine = (claimcheck_engine *)0x1; /* must stay untouched on failure */
    claimcheck_error *error = NULL;
    char *text;
    size_t len;
    static const char bad_utf8[] = "authentication:\n  realm: \xff\xfe\n";

    /* Argument errors: a code, nothing written. */
    CHECK(claimcheck_engine_new("x", 1, NULL, &error) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_new(NULL, 5, &engine, &error) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_new(bad_utf8, sizeof bad_utf8 - 1, &engine, &error) == CLAIMCHECK_RESULT_INVALID_UTF8);
    CHECK(claimcheck_engine_from_file(NULL, 3, &engine, &error) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_from_file("x", 1, NULL, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(engine == (claimcheck_engine *)0x1 && error == NULL);

    /* NULL with length 0 is the empty config, which loads (strict mode, no providers). */
    CHECK(claimcheck_engine_new(NULL, 0, &engine, &error) == CLAIMCHECK_RESULT_OK);
    CHECK(engine != (claimcheck_engine *)0x1 && engine != NULL && error == NULL);
    claimcheck_engine_free(engine);
    engine = (claimcheck_engine *)0x1;

    /* Syntax error: line and column. */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/malformed.yaml", dir);
        text = read_file(path, &len);
        CHECK(claimcheck_engine_new(text, len, &engine, &error) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        CHECK(error != NULL && engine == (claimcheck_engine *)0x1);
        CHECK(claimcheck_error_code(error) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        CHECK(claimcheck_error_message(error).len > 0);
        CHECK(claimcheck_error_line(error) >= 1);
        CHECK(claimcheck_error_rule(error) == -1);
        CHECK(str_has(claimcheck_error_location(error), "line"));
        claimcheck_error_free(error);
        error = NULL;
        /* Without error_out the code alone comes back. */
        CHECK(claimcheck_engine_new(text, len, &engine, NULL) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
        free(text);
    }

    /* Unknown field: the field path and a suggestion. */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/invalid.yaml", dir);
        CHECK(claimcheck_engine_from_file(path, strlen(path), &engine, &error) == CLAIMCHECK_RESULT_CONFIG_INVALID);
        CHECK(claimcheck_error_code(error) == CLAIMCHECK_RESULT_CONFIG_INVALID);
        CHECK(str_has(claimcheck_error_path(error), "providers[0]"));
        CHECK(str_has(claimcheck_error_location(error), "providers[0]"));
        CHECK(str_has(claimcheck_error_message(error), "audiense"));
        CHECK(claimcheck_error_line(error) == -1 || claimcheck_error_line(error) >= 1);
        claimcheck_error_free(error);
        error = NULL;
    }

    /* A rule that names an unknown variable: the error names the rule
     * (index 1) and the column of the name. */
    {
        char path[4096];
        snprintf(path, sizeof path, "%s/bad-rule.yaml", dir);
        CHECK(claimcheck_engine_from_file(path, strlen(path), &engine, &error) == CLAIMCHECK_RESULT_RULE_INVALID);
        CHECK(claimcheck_error_rule(error) == 1);
        CHECK(claimcheck_error_column(error) == 12);
        CHECK(str_has(claimcheck_error_location(error), "authorization.rules[1]"));
        CHECK(str_has(claimcheck_error_message(error), "nosuchvar"));
        claimcheck_error_free(error);
        error = NULL;
    }

    /* A missing file: IO, no location. */
    CHECK(claimcheck_engine_from_file("/nonexistent/c.yaml", 19, &engine, &error) == CLAIMCHECK_RESULT_IO);
    CHECK(claimcheck_error_code(error) == CLAIMCHECK_RESULT_IO);
    CHECK(claimcheck_error_location(error).ptr == NULL);
    claimcheck_error_free(error);
    CHECK(engine == (claimcheck_engine *)0x1);

    /* NULL error accessors fail closed; free(NULL) is a no-op. */
    CHECK(claimcheck_error_code(NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_error_message(NULL).ptr == NULL);
    CHECK(claimcheck_error_location(NULL).ptr == NULL);
    CHECK(claimcheck_error_path(NULL).ptr == NULL);
    CHECK(claimcheck_error_line(NULL) == -1 && claimcheck_error_rule(NULL) == -1 && claimcheck_error_column(NULL) == -1);
    claimcheck_error_free(NULL);
    claimcheck_engine_free(NULL);
    claimcheck_decision_free(NULL);
    claimcheck_warnings_free(NULL);
}

static void test_decision_accessors(void) {
    claimcheck_engine *e = engine_from(dir, "a.yaml");
    claimcheck_decision *d = bearer(e, token(&fx, "valid"), 0);
    claimcheck_str json;
    CHECK(claimcheck_decision_allowed(d));
    CHECK(claimcheck_decision_status(d) == 200);
    CHECK(claimcheck_decision_reason(d) == CLAIMCHECK_REASON_ALLOWED);
    CHECK(str_is(claimcheck_decision_message(d), "allowed"));
    CHECK(claimcheck_decision_detail(d).ptr == NULL);
    CHECK(claimcheck_decision_www_authenticate(d).ptr == NULL);
    CHECK(str_is(claimcheck_decision_provider(d), "okta"));
    CHECK(str_is(claimcheck_decision_issuer(d), "https://idp.example.com/oauth2/default"));
    CHECK(str_is(claimcheck_decision_subject(d), "alice@example.com"));
    CHECK(str_has(claimcheck_decision_claims_json(d), "\"groups\":[\"Everyone\",\"AI-Users\"]"));
    CHECK(claimcheck_decision_claim(d, "groups", 6, &json) == CLAIMCHECK_RESULT_OK);
    CHECK(str_is(json, "[\"Everyone\",\"AI-Users\"]"));
    CHECK(claimcheck_decision_claim(d, "ver", 3, &json) == CLAIMCHECK_RESULT_OK && str_is(json, "1"));
    /* The second call for the same claim gives the same bytes. */
    {
        claimcheck_str again;
        claimcheck_str first;
        CHECK(claimcheck_decision_claim(d, "groups", 6, &first) == CLAIMCHECK_RESULT_OK);
        CHECK(claimcheck_decision_claim(d, "groups", 6, &again) == CLAIMCHECK_RESULT_OK && again.ptr == first.ptr);
    }
    json.ptr = NULL;
    CHECK(claimcheck_decision_claim(d, "nope", 4, &json) == CLAIMCHECK_RESULT_NOT_FOUND && json.ptr == NULL);
    CHECK(claimcheck_decision_claim(d, "\xff", 1, &json) == CLAIMCHECK_RESULT_INVALID_UTF8);
    CHECK(claimcheck_decision_claim(d, "sub", 3, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_decision_claim(NULL, "sub", 3, &json) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_decision_rule(d) == -1);
    CHECK(!claimcheck_decision_rule_errored(d));
    CHECK(claimcheck_decision_credential_kind(d) == CLAIMCHECK_CREDENTIAL_HEADER);
    CHECK(str_is(claimcheck_decision_credential_name(d), "authorization"));
    /* The scopes rules see as auth.scopes: the fixture token's scp array, in order. */
    {
        claimcheck_str scope;
        CHECK(claimcheck_decision_scopes_count(d) == 2);
        CHECK(claimcheck_decision_scopes_get(d, 0, &scope) == CLAIMCHECK_RESULT_OK && str_is(scope, "mcp:read"));
        CHECK(claimcheck_decision_scopes_get(d, 1, &scope) == CLAIMCHECK_RESULT_OK && str_is(scope, "openid"));
        scope.ptr = NULL;
        CHECK(claimcheck_decision_scopes_get(d, 2, &scope) == CLAIMCHECK_RESULT_NOT_FOUND && scope.ptr == NULL);
        CHECK(claimcheck_decision_scopes_get(d, 0, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    }
    claimcheck_decision_free(d);

    /* A denial: no identity, a challenge, a detail. */
    d = bearer(e, token(&fx, "expired"), 0);
    CHECK(!claimcheck_decision_allowed(d));
    CHECK(claimcheck_decision_status(d) == 401);
    CHECK(claimcheck_decision_reason(d) == CLAIMCHECK_REASON_EXPIRED);
    CHECK(str_has(claimcheck_decision_www_authenticate(d), "error=\"invalid_token\""));
    CHECK(claimcheck_decision_detail(d).ptr != NULL);
    CHECK(claimcheck_decision_subject(d).ptr == NULL && claimcheck_decision_provider(d).ptr == NULL);
    CHECK(claimcheck_decision_issuer(d).ptr == NULL && claimcheck_decision_claims_json(d).ptr == NULL);
    CHECK(claimcheck_decision_claim(d, "sub", 3, &json) == CLAIMCHECK_RESULT_NOT_FOUND);
    CHECK(claimcheck_decision_scopes_count(d) == 0);
    CHECK(claimcheck_decision_scopes_get(d, 0, &json) == CLAIMCHECK_RESULT_NOT_FOUND);
    /* The credential's place is reported for a denied token too. */
    CHECK(claimcheck_decision_credential_kind(d) == CLAIMCHECK_CREDENTIAL_HEADER);
    claimcheck_decision_free(d);

    /* NULL decision: the fail-closed answer. */
    CHECK(!claimcheck_decision_allowed(NULL));
    CHECK(claimcheck_decision_status(NULL) == 0);
    CHECK(claimcheck_decision_reason(NULL) == CLAIMCHECK_REASON_NO_DECISION);
    CHECK(claimcheck_decision_message(NULL).ptr == NULL && claimcheck_decision_detail(NULL).ptr == NULL);
    CHECK(claimcheck_decision_www_authenticate(NULL).ptr == NULL && claimcheck_decision_provider(NULL).ptr == NULL);
    CHECK(claimcheck_decision_issuer(NULL).ptr == NULL && claimcheck_decision_subject(NULL).ptr == NULL);
    CHECK(claimcheck_decision_claims_json(NULL).ptr == NULL);
    CHECK(claimcheck_decision_rule(NULL) == -1 && !claimcheck_decision_rule_errored(NULL));
    CHECK(claimcheck_decision_credential_kind(NULL) == CLAIMCHECK_CREDENTIAL_NONE);
    CHECK(claimcheck_decision_credential_name(NULL).ptr == NULL);
    CHECK(claimcheck_decision_scopes_count(NULL) == 0);
    CHECK(claimcheck_decision_scopes_get(NULL, 0, &json) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    claimcheck_engine_free(e);
}

static void test_request_arguments(void) {
    claimcheck_engine *e = engine_from(dir, "a.yaml");
    claimcheck_request req = CLAIMCHECK_REQUEST_INIT;
    claimcheck_decision *d = (claimcheck_decision *)0x1;
    claimcheck_pair h[40];
    claimcheck_pair cookie;
    claimcheck_attribute attr;
    char auth[4096];
    int i;
    CHECK(req.size == sizeof req && req.method.ptr == NULL && req.headers == NULL && req.attributes_len == 0);
    CHECK(claimcheck_engine_authorize(NULL, &req, &d) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_authorize(e, NULL, &d) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_authorize(e, &req, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    req.headers_len = 3; /* NULL array with a count */
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    req.headers_len = 0;
    req.method.len = 3; /* NULL string with a length */
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    req.method = view("G\xc3");
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_INVALID_UTF8);
    req.method = view("GET");
    /* Header bytes that are not UTF-8 (obs-text) are read with U+FFFD
     * replacements: such a credential is malformed (fail closed), and a
     * Latin-1 header elsewhere does not stop a valid token. */
    h[0].name = view("authorization");
    h[0].value = view("Bearer \xff");
    req.headers = h;
    req.headers_len = 1;
    CHECK(claimcheck_engine_authorize_at(e, &req, fx.now, &d) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_decision_status(d) == 401 && claimcheck_decision_reason(d) == CLAIMCHECK_REASON_MALFORMED_TOKEN);
    claimcheck_decision_free(d);
    snprintf(auth, sizeof auth, "Bearer %s", token(&fx, "valid"));
    h[0].value = view(auth);
    h[1].name = view("user-agent");
    h[1].value = view("caf\xe9-client/1.0");
    req.headers_len = 2;
    CHECK(claimcheck_engine_authorize_at(e, &req, fx.now, &d) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_decision_allowed(d));
    claimcheck_decision_free(d);
    d = (claimcheck_decision *)0x1;
    attr.name = view("mcp.tool.name");
    attr.value = view("{not json");
    attr.kind = CLAIMCHECK_ATTRIBUTE_JSON;
    req.headers_len = 0;
    req.attributes = &attr;
    req.attributes_len = 1;
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_INVALID_JSON);
    attr.kind = 7;
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_INVALID_ARGUMENT);
    CHECK(d == (claimcheck_decision *)0x1); /* never written on failure */

    /* Valid attributes of both kinds, strings without NUL terminators, and
     * more headers than fit on the stack. */
    attr.kind = CLAIMCHECK_ATTRIBUTE_STRING;
    attr.value = view("echo");
    snprintf(auth, sizeof auth, "Bearer %s", token(&fx, "valid"));
    for (i = 0; i < 40; i++) {
        h[i].name = view("x-filler");
        h[i].value = view("v");
    }
    h[39].name = view("Authorization");
    h[39].value.ptr = auth;
    h[39].value.len = strlen(auth); /* auth is NUL-terminated, but only len counts: */
    req.headers = h;
    req.headers_len = 40;
    req.path.ptr = "/mcp?x=1#####";
    req.path.len = 8;
    CHECK(claimcheck_engine_authorize_at(e, &req, fx.now, &d) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_decision_status(d) == 200);
    claimcheck_decision_free(d);

    /* Cookies parsed by the host: the default token source ignores them, so
     * still allowed with the header; an empty non-NULL cookie list is fine. */
    cookie.name = view("session");
    cookie.value = view("abc");
    req.cookies = &cookie;
    req.cookies_len = 1;
    req.query = h;
    req.query_len = 0;
    CHECK(claimcheck_engine_authorize(e, &req, &d) == CLAIMCHECK_RESULT_OK); /* real clock: token expired by now or not, either is a decision */
    CHECK(claimcheck_decision_reason(d) != CLAIMCHECK_REASON_NO_DECISION);
    claimcheck_decision_free(d);
    claimcheck_engine_free(e);
}

static void test_reload_logger_warnings(void) {
    claimcheck_engine *e = engine_from(dir, "a.yaml");
    claimcheck_error *error = NULL;
    claimcheck_warnings *w = NULL;
    claimcheck_str s;
    struct log_state log1, log2;
    char path[4096];
    claimcheck_decision *d;
    memset(&log1, 0, sizeof log1);
    memset(&log2, 0, sizeof log2);

    CHECK(claimcheck_engine_set_logger(NULL, &log1, on_log, on_finalize) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(log1.finalized == 0);
    CHECK(claimcheck_engine_set_logger(e, &log1, on_log, on_finalize) == CLAIMCHECK_RESULT_OK);

    /* wrong_aud is refused by a.yaml and allowed by b.yaml. */
    d = bearer(e, token(&fx, "wrong_aud"), 0);
    CHECK(claimcheck_decision_reason(d) == CLAIMCHECK_REASON_INVALID_AUDIENCE);
    claimcheck_decision_free(d);
    snprintf(path, sizeof path, "%s/b.yaml", dir);
    CHECK(claimcheck_engine_reload_file(e, path, strlen(path), &error) == CLAIMCHECK_RESULT_OK && error == NULL);
    d = bearer(e, token(&fx, "wrong_aud"), 0);
    CHECK(claimcheck_decision_status(d) == 200);
    claimcheck_decision_free(d);

    /* A failing reload keeps b.yaml serving, returns the error and logs it. */
    CHECK(claimcheck_engine_reload(e, "authentication: [", 17, &error) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
    CHECK(claimcheck_error_code(error) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
    claimcheck_error_free(error);
    error = NULL;
    CHECK(log1.error == 1 && str_has(view(log1.last), "running config stays"));
    CHECK(claimcheck_engine_reload_file(e, "/nonexistent", 12, &error) == CLAIMCHECK_RESULT_IO);
    claimcheck_error_free(error);
    error = NULL;
    d = bearer(e, token(&fx, "wrong_aud"), 0);
    CHECK(claimcheck_decision_status(d) == 200);
    claimcheck_decision_free(d);
    CHECK(claimcheck_engine_reload(NULL, "x", 1, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_reload(e, NULL, 1, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_reload(e, "\xff", 1, NULL) == CLAIMCHECK_RESULT_INVALID_UTF8);
    CHECK(claimcheck_engine_reload_file(NULL, "x", 1, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);

    /* Warnings: none for b.yaml; a reload with a broken key warns (snapshot
     * and log callback both). */
    CHECK(claimcheck_engine_warnings(e, &w) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_warnings_count(w) == 0);
    CHECK(claimcheck_warnings_get(w, 0, &s) == CLAIMCHECK_RESULT_NOT_FOUND);
    claimcheck_warnings_free(w);
    snprintf(path, sizeof path, "%s/warn.yaml", dir);
    CHECK(claimcheck_engine_reload_file(e, path, strlen(path), NULL) == CLAIMCHECK_RESULT_OK);
    CHECK(log1.warn >= 1);
    CHECK(claimcheck_engine_warnings(e, &w) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_warnings_count(w) >= 1);
    CHECK(claimcheck_warnings_get(w, 0, &s) == CLAIMCHECK_RESULT_OK && str_has(s, "broken"));
    CHECK(claimcheck_warnings_get(w, 0, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_warnings_get(NULL, 0, &s) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_warnings_count(NULL) == 0);
    CHECK(claimcheck_engine_warnings(e, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_warnings(NULL, &w) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    claimcheck_warnings_free(w);
    {
        /* Warnings of creation, read right after it. */
        claimcheck_engine *we = engine_from(dir, "warn.yaml");
        CHECK(claimcheck_engine_warnings(we, &w) == CLAIMCHECK_RESULT_OK && claimcheck_warnings_count(w) >= 1);
        claimcheck_warnings_free(w);
        claimcheck_engine_free(we);
    }

    /* Replacing the callback finalizes the old userdata once; removing it
     * (NULL callback) finalizes the new one and the one passed along. */
    CHECK(claimcheck_engine_set_logger(e, &log2, on_log, on_finalize) == CLAIMCHECK_RESULT_OK);
    CHECK(log1.finalized == 1 && log2.finalized == 0);
    CHECK(claimcheck_engine_reload(e, "{", 1, NULL) == CLAIMCHECK_RESULT_CONFIG_SYNTAX);
    CHECK(log2.error == 1 && log1.error == 1);
    CHECK(claimcheck_engine_set_logger(e, &log1, NULL, on_finalize) == CLAIMCHECK_RESULT_OK);
    CHECK(log2.finalized == 1 && log1.finalized == 2);
    /* Freeing the engine finalizes a registered callback. */
    CHECK(claimcheck_engine_set_logger(e, &log2, on_log, on_finalize) == CLAIMCHECK_RESULT_OK);
    claimcheck_engine_free(e);
    CHECK(log2.finalized == 2);
    CHECK(log1.calls < 1000 && log2.calls < 1000);
}

/* Key status: config keys have never been fetched; a remote source that
 * cannot be reached says why, with its failed fetches counted. */
static void test_key_status(void) {
    claimcheck_key_status *status = NULL;
    claimcheck_provider_keys p = CLAIMCHECK_PROVIDER_KEYS_INIT;
    claimcheck_engine *e = engine_from(dir, "a.yaml");
    CHECK(claimcheck_engine_key_status(NULL, &status) == CLAIMCHECK_RESULT_NULL_ARGUMENT && status == NULL);
    CHECK(claimcheck_engine_key_status(e, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    CHECK(claimcheck_engine_key_status(e, &status) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_key_status_count(status) == 1);
    CHECK(claimcheck_key_status_get(status, 0, &p) == CLAIMCHECK_RESULT_OK);
    CHECK(str_is(p.provider, "okta") && str_is(p.source, "inline"));
    CHECK(!p.remote && p.available && p.detail.ptr == NULL && p.key_count == 1);
    CHECK(p.last_fetched == -1 && p.fetches == 0 && p.last_error.ptr == NULL);
    CHECK(claimcheck_key_status_get(status, 1, &p) == CLAIMCHECK_RESULT_NOT_FOUND);
    CHECK(claimcheck_key_status_get(status, 0, NULL) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    claimcheck_key_status_free(status);
    claimcheck_engine_free(e);

    e = engine_from(dir, "unavailable.yaml");
    status = NULL;
    CHECK(claimcheck_engine_key_status(e, &status) == CLAIMCHECK_RESULT_OK);
    CHECK(claimcheck_key_status_get(status, 0, &p) == CLAIMCHECK_RESULT_OK);
    CHECK(p.remote && !p.available && p.detail.ptr != NULL && p.key_count == 0);
    CHECK(str_has(p.source, "http://127.0.0.1:1/keys"));
    CHECK(p.fetches >= 1 && p.failed_fetches >= 1 && p.last_error.ptr != NULL && p.last_attempt > 0);
    claimcheck_key_status_free(status);
    claimcheck_engine_free(e);
    CHECK(claimcheck_key_status_count(NULL) == 0);
    CHECK(claimcheck_key_status_get(NULL, 0, &p) == CLAIMCHECK_RESULT_NULL_ARGUMENT);
    claimcheck_key_status_free(NULL);
}

/* A struct of a size the library does not know is refused with its own
 * code, never misread: a request from `= {0}` (size 0), one that claims to
 * be smaller than the struct (in a heap block of exactly that size, so
 * valgrind reports any read past it), one larger than the library's struct (a
 * host built against a newer header), and the same for the key status. */
static void test_struct_sizes(void) {
    claimcheck_engine *e = engine_from(dir, "a.yaml");
    claimcheck_decision *d = (claimcheck_decision *)0x1;
    claimcheck_request zeroed = {0};
    struct log_state log;
    char auth[4096];
    claimcheck_pair header;
    size_t small[] = {1, sizeof(size_t), sizeof(claimcheck_request) - sizeof(size_t), sizeof(claimcheck_request) - 1};
    size_t i;
    memset(&log, 0, sizeof log);
    CHECK(claimcheck_engine_set_logger(e, &log, on_log, on_finalize) == CLAIMCHECK_RESULT_OK);
    snprintf(auth, sizeof auth, "Bearer %s", token(&fx, "valid"));
    header.name = view("authorization");
    header.value = view(auth);

    /* `= {0}`: size 0, refused although the token in it is valid. */
    zeroed.headers = &header;
    zeroed.headers_len = 1;
    CHECK(claimcheck_engine_authorize_at(e, &zeroed, fx.now, &d) == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
    CHECK(claimcheck_engine_authorize(e, &zeroed, &d) == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
    CHECK(d == (claimcheck_decision *)0x1);
    CHECK(str_is(claimcheck_result_name(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE), "unsupported_struct_size"));
    /* Logged once per engine, saying what to do. */
    CHECK(log.error == 1 && str_has(view(log.last), "claimcheck_request.size is 0") &&
          str_has(view(log.last), "CLAIMCHECK_REQUEST_INIT"));

    /* Too small: only `size` bytes exist, and the library reads no further. */
    for (i = 0; i < sizeof small / sizeof small[0]; i++) {
        size_t *block = malloc(small[i] < sizeof(size_t) ? sizeof(size_t) : small[i]);
        *block = small[i];
        CHECK(claimcheck_engine_authorize_at(e, (const claimcheck_request *)(void *)block, fx.now, &d) ==
              CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
        free(block);
    }

    /* Larger than the library's struct: the newer fields it cannot know
     * are not ignored, the request is refused. */
    {
        struct { claimcheck_request req; unsigned char newer_fields[64]; } newer;
        newer.req = (claimcheck_request)CLAIMCHECK_REQUEST_INIT;
        memset(newer.newer_fields, 0xa5, sizeof newer.newer_fields);
        newer.req.headers = &header;
        newer.req.headers_len = 1;
        newer.req.size = sizeof(claimcheck_request) + sizeof(size_t);
        CHECK(claimcheck_engine_authorize_at(e, &newer.req, fx.now, &d) == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
        newer.req.size = sizeof newer;
        CHECK(claimcheck_engine_authorize_at(e, &newer.req, fx.now, &d) == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
        CHECK(d == (claimcheck_decision *)0x1);
        /* The same request with this header's size is decided. */
        newer.req.size = sizeof newer.req;
        CHECK(claimcheck_engine_authorize_at(e, &newer.req, fx.now, &d) == CLAIMCHECK_RESULT_OK);
        CHECK(claimcheck_decision_status(d) == 200);
        claimcheck_decision_free(d);
    }
    CHECK(log.error == 1); /* still once */

    /* The key status struct: wrong sizes are refused and nothing is written. */
    {
        claimcheck_key_status *status = NULL;
        struct { claimcheck_provider_keys keys; unsigned char newer_fields[32]; } out;
        size_t sizes[] = {0, sizeof(size_t), sizeof(claimcheck_provider_keys) - 8, sizeof(claimcheck_provider_keys) + 8};
        CHECK(claimcheck_engine_key_status(e, &status) == CLAIMCHECK_RESULT_OK);
        for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            memset(&out, 0, sizeof out);
            out.keys.size = sizes[i];
            CHECK(claimcheck_key_status_get(status, 0, &out.keys) == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
            CHECK(out.keys.size == sizes[i] && out.keys.provider.ptr == NULL && out.keys.key_count == 0);
        }
        out.keys = (claimcheck_provider_keys)CLAIMCHECK_PROVIDER_KEYS_INIT;
        memset(out.newer_fields, 0xa5, sizeof out.newer_fields);
        CHECK(claimcheck_key_status_get(status, 0, &out.keys) == CLAIMCHECK_RESULT_OK);
        CHECK(out.keys.size == sizeof out.keys && str_is(out.keys.provider, "okta") && out.keys.key_count == 1);
        for (i = 0; i < sizeof out.newer_fields; i++) CHECK(out.newer_fields[i] == 0xa5);
        claimcheck_key_status_free(status);
    }
    claimcheck_engine_free(e);
    CHECK(log.finalized == 1);
}

static void test_decision_table(void) {
    int i;
    for (i = 0; i < fx.n_rows; i++) {
        const struct row *r = &fx.rows[i];
        claimcheck_engine *e = engine_from(dir, r->config);
        int twice = strncmp(r->token, "twice:", 6) == 0;
        const char *name = twice ? r->token + 6 : r->token;
        claimcheck_decision *d = bearer(e, strcmp(name, "-") == 0 ? NULL : token(&fx, name), twice);
        unsigned status = claimcheck_decision_status(d);
        claimcheck_str reason = claimcheck_reason_name(claimcheck_decision_reason(d));
        int ok = status == r->status && str_is(reason, r->reason) &&
                 claimcheck_decision_allowed(d) == (r->status == 200);
        if (r->status == 401)
            ok = ok && str_has(claimcheck_decision_www_authenticate(d), "Bearer realm=\"claimcheck\"");
        if (r->status == 503) ok = ok && claimcheck_decision_www_authenticate(d).ptr == NULL;
        /* Rule rows: the deciding rule and the RFC 6750 insufficient_scope challenge. */
        if (strcmp(r->config, "rules.yaml") == 0)
            ok = ok && claimcheck_decision_rule(d) == (r->status == 200 ? 0 : -1);
        if (strcmp(r->config, "scope.yaml") == 0)
            ok = ok && claimcheck_decision_rule(d) == 0 &&
                 str_is(claimcheck_decision_www_authenticate(d),
                        "Bearer realm=\"claimcheck\", error=\"insufficient_scope\", scope=\"mcp:write\"");
        if (strcmp(r->config, "deny.yaml") == 0) {
            /* test_robot: the startsWith deny (rule 1) matches; valid: the
             * erroring deny (rule 2, no `tenant` claim) denies, errored. */
            int robot = strcmp(name, "test_robot") == 0;
            ok = ok && claimcheck_decision_rule(d) == (robot ? 1 : 2) && claimcheck_decision_rule_errored(d) == !robot;
        }
        if (!ok)
            fprintf(stderr, "row %s %s: got %u %.*s, want %u %s\n", r->config, r->token, status, (int)reason.len,
                    reason.ptr ? reason.ptr : "", r->status, r->reason);
        CHECK(ok);
        claimcheck_decision_free(d);
        claimcheck_engine_free(e);
    }
    CHECK(fx.n_rows >= 30);
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]); return 2; }
    dir = argv[1];
    load_fixtures(&fx, dir);
    printf("api_test: address sanitizer compiled in: %s\n", ASAN_LINKED ? "yes" : "no");
    test_versions();
    test_names();
    test_create_errors();
    test_decision_accessors();
    test_request_arguments();
    test_reload_logger_warnings();
    test_key_status();
    test_struct_sizes();
    test_decision_table();
    free(fx.text);
    return finish("api_test");
}
