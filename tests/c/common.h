/* Shared helpers of the C tests: checks, file reading, and the fixtures
 * written by `cargo run -p claimcheck-ffi --example c-fixtures -- DIR`. */
#ifndef CLAIMCHECK_TEST_COMMON_H
#define CLAIMCHECK_TEST_COMMON_H

#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "claimcheck.h"

static int checks_passed;
static int checks_failed;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (cond) {                                                                   \
            checks_passed++;                                                          \
        } else {                                                                      \
            checks_failed++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

/* A string view equals a C string. */
static inline int str_is(claimcheck_str s, const char *want) {
    return s.ptr != NULL && s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

/* A view contains a C string. */
static inline int str_has(claimcheck_str s, const char *needle) {
    size_t n = strlen(needle), i;
    if (s.ptr == NULL || s.len < n) return 0;
    for (i = 0; i + n <= s.len; i++)
        if (memcmp(s.ptr + i, needle, n) == 0) return 1;
    return 0;
}

static inline claimcheck_str view(const char *s) {
    claimcheck_str v;
    v.ptr = s;
    v.len = s ? strlen(s) : 0;
    return v;
}

/* Reads a whole file (NUL-terminated); exits on failure. */
static inline char *read_file(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    long n;
    char *buf;
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
    buf[n] = 0;
    fclose(f);
    if (len_out) *len_out = (size_t)n;
    return buf;
}

#define MAX_RECORDS 128

struct token { char *name; char *jwt; };
struct row { char *config; char *token; unsigned status; char *reason; };
struct stress_row { char *token; unsigned status[2]; char *reason[2]; };

struct fixtures {
    char *text;
    double now;
    struct token tokens[MAX_RECORDS];
    int n_tokens;
    struct row rows[MAX_RECORDS];
    int n_rows;
    struct stress_row stress[MAX_RECORDS];
    int n_stress;
};

static inline void load_fixtures(struct fixtures *fx, const char *dir) {
    char path[4096];
    char *line, *save = NULL;
    memset(fx, 0, sizeof *fx);
    snprintf(path, sizeof path, "%s/fixtures.txt", dir);
    fx->text = read_file(path, NULL);
    for (line = strtok_r(fx->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[6] = {0};
        char *s2 = NULL;
        int n = 0;
        char *w;
        for (w = strtok_r(line, " ", &s2); w && n < 6; w = strtok_r(NULL, " ", &s2)) f[n++] = w;
        if (n == 2 && strcmp(f[0], "now") == 0) {
            fx->now = strtod(f[1], NULL);
        } else if (n == 3 && strcmp(f[0], "token") == 0 && fx->n_tokens < MAX_RECORDS) {
            fx->tokens[fx->n_tokens].name = f[1];
            fx->tokens[fx->n_tokens++].jwt = f[2];
        } else if (n == 5 && strcmp(f[0], "row") == 0 && fx->n_rows < MAX_RECORDS) {
            struct row *r = &fx->rows[fx->n_rows++];
            r->config = f[1]; r->token = f[2]; r->status = (unsigned)atoi(f[3]); r->reason = f[4];
        } else if (n == 6 && strcmp(f[0], "stress") == 0 && fx->n_stress < MAX_RECORDS) {
            struct stress_row *s = &fx->stress[fx->n_stress++];
            s->token = f[1];
            s->status[0] = (unsigned)atoi(f[2]); s->reason[0] = f[3];
            s->status[1] = (unsigned)atoi(f[4]); s->reason[1] = f[5];
        }
    }
}

static inline const char *token(const struct fixtures *fx, const char *name) {
    int i;
    for (i = 0; i < fx->n_tokens; i++)
        if (strcmp(fx->tokens[i].name, name) == 0) return fx->tokens[i].jwt;
    fprintf(stderr, "no token %s in fixtures\n", name);
    exit(2);
}

/* Loads DIR/NAME into an engine; exits on failure. */
static inline claimcheck_engine *engine_from(const char *dir, const char *name) {
    char path[4096];
    claimcheck_engine *engine = NULL;
    claimcheck_error *error = NULL;
    claimcheck_result rc;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    rc = claimcheck_engine_from_file(path, strlen(path), &engine, &error);
    if (rc != CLAIMCHECK_RESULT_OK) {
        claimcheck_str m = claimcheck_error_message(error);
        fprintf(stderr, "cannot load %s: %u %.*s\n", path, rc, (int)m.len, m.ptr ? m.ptr : "");
        exit(2);
    }
    return engine;
}

static inline int finish(const char *name) {
    printf("%s: %d passed, %d failed\n", name, checks_passed, checks_failed);
    return checks_failed == 0 ? 0 : 1;
}

#endif
