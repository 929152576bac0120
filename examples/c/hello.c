/* claimcheck in C: load a config, authorize one bearer token, print the answer.
 *   cc hello.c -I include -L target/release -lclaimcheck -o hello
 *   ./hello config.yaml "$TOKEN" */
#include <stdio.h>
#include <string.h>
#include <claimcheck.h>

int main(int argc, char **argv) {
    claimcheck_engine *engine = NULL;
    claimcheck_error *error = NULL;
    claimcheck_decision *decision = NULL;
    char auth[8192];
    if (argc != 3) { fprintf(stderr, "usage: %s CONFIG TOKEN\n", argv[0]); return 2; }

    if (claimcheck_engine_from_file(argv[1], strlen(argv[1]), &engine, &error) != CLAIMCHECK_RESULT_OK) {
        claimcheck_str msg = claimcheck_error_message(error), loc = claimcheck_error_location(error);
        fprintf(stderr, "config: %.*s: %.*s\n", (int)loc.len, loc.ptr ? loc.ptr : "?", (int)msg.len, msg.ptr);
        claimcheck_error_free(error);
        return 1;
    }
    snprintf(auth, sizeof auth, "Bearer %s", argv[2]);
    claimcheck_pair headers[] = {{{"authorization", 13}, {auth, strlen(auth)}}};
    claimcheck_request request = CLAIMCHECK_REQUEST_INIT; /* sets its size; every other field optional */
    request.method = (claimcheck_str){"GET", 3};
    request.path = (claimcheck_str){"/mcp", 4};
    request.headers = headers;
    request.headers_len = 1;

    if (claimcheck_engine_authorize(engine, &request, &decision) == CLAIMCHECK_RESULT_OK) {
        claimcheck_str reason = claimcheck_reason_name(claimcheck_decision_reason(decision));
        claimcheck_str sub = claimcheck_decision_subject(decision);
        printf("%u %.*s subject=%.*s\n", claimcheck_decision_status(decision), (int)reason.len, reason.ptr,
               (int)sub.len, sub.ptr ? sub.ptr : "-");
    }
    claimcheck_decision_free(decision);
    claimcheck_engine_free(engine);
    return 0;
}
