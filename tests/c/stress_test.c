/* Stress: 8 threads authorize valid, expired and wrong-audience tokens on one
 * shared engine while another thread reloads it 1,000 times, alternating
 * a.yaml and b.yaml. Every decision must be what one of the two configs gives
 * for that token (fixtures.txt `stress` rows; b.yaml has an allow rule, so
 * one token is rule-denied by b and allowed by a). Usage: stress_test FIXTURE_DIR */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>

#define WORKERS 8
#define RELOADS 1000
#define MIN_CALLS_PER_WORKER 2000

static struct fixtures fx;
static claimcheck_engine *engine;
static atomic_int reloading_done;
static atomic_long mismatches;
static atomic_long calls;
static char *configs[2];
static size_t config_lens[2];

static void *worker(void *arg) {
    long id = (long)arg, n = 0;
    char auth[4096];
    while (n < MIN_CALLS_PER_WORKER || !atomic_load(&reloading_done)) {
        const struct stress_row *s = &fx.stress[(n + id) % fx.n_stress];
        claimcheck_pair header;
        claimcheck_request req = CLAIMCHECK_REQUEST_INIT;
        claimcheck_decision *d = NULL;
        unsigned status;
        claimcheck_str reason;
        int c, ok = 0;
        snprintf(auth, sizeof auth, "Bearer %s", token(&fx, s->token));
        header.name = view("authorization");
        header.value = view(auth);
        req.headers = &header;
        req.headers_len = 1;
        if (claimcheck_engine_authorize_at(engine, &req, fx.now, &d) != CLAIMCHECK_RESULT_OK) {
            atomic_fetch_add(&mismatches, 1);
            continue;
        }
        status = claimcheck_decision_status(d);
        reason = claimcheck_reason_name(claimcheck_decision_reason(d));
        for (c = 0; c < 2; c++) ok |= status == s->status[c] && str_is(reason, s->reason[c]);
        if (!ok) {
            fprintf(stderr, "token %s: got %u %.*s\n", s->token, status, (int)reason.len, reason.ptr);
            atomic_fetch_add(&mismatches, 1);
        }
        claimcheck_decision_free(d);
        n++;
    }
    atomic_fetch_add(&calls, n);
    return NULL;
}

static void *reloader(void *arg) {
    int i;
    (void)arg;
    for (i = 0; i < RELOADS; i++) {
        claimcheck_error *error = NULL;
        int which = (i + 1) % 2;
        if (claimcheck_engine_reload(engine, configs[which], config_lens[which], &error) != CLAIMCHECK_RESULT_OK) {
            atomic_fetch_add(&mismatches, 1);
            claimcheck_error_free(error);
        }
    }
    atomic_store(&reloading_done, 1);
    return NULL;
}

int main(int argc, char **argv) {
    pthread_t threads[WORKERS + 1];
    char path[4096];
    long i;
    if (argc != 2) { fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]); return 2; }
    load_fixtures(&fx, argv[1]);
    CHECK(fx.n_stress >= 4);
    snprintf(path, sizeof path, "%s/a.yaml", argv[1]);
    configs[0] = read_file(path, &config_lens[0]);
    snprintf(path, sizeof path, "%s/b.yaml", argv[1]);
    configs[1] = read_file(path, &config_lens[1]);
    CHECK(claimcheck_engine_new(configs[0], config_lens[0], &engine, NULL) == CLAIMCHECK_RESULT_OK);
    for (i = 0; i < WORKERS; i++) CHECK(pthread_create(&threads[i], NULL, worker, (void *)i) == 0);
    CHECK(pthread_create(&threads[WORKERS], NULL, reloader, NULL) == 0);
    for (i = 0; i <= WORKERS; i++) pthread_join(threads[i], NULL);
    CHECK(atomic_load(&mismatches) == 0);
    CHECK(atomic_load(&calls) >= (long)WORKERS * MIN_CALLS_PER_WORKER);
    printf("stress_test: %ld authorize calls, %d reloads, %ld mismatches\n", atomic_load(&calls), RELOADS,
           atomic_load(&mismatches));
    claimcheck_engine_free(engine);
    free(configs[0]);
    free(configs[1]);
    free(fx.text);
    return finish("stress_test");
}
