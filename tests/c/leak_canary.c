/* Sanitizer canary: leaks a decision on purpose. Under AddressSanitizer's
 * leak checker (and valgrind) this program must FAIL; scripts/test-c checks
 * that it does, proving the sanitizer really runs over the library's heap.
 * Usage: leak_canary FIXTURE_DIR */
#include "common.h"

int main(int argc, char **argv) {
    claimcheck_engine *e;
    claimcheck_decision *d = NULL;
    claimcheck_request req = CLAIMCHECK_REQUEST_INIT;
    if (argc != 2) return 2;
    e = engine_from(argv[1], "a.yaml");
    if (claimcheck_engine_authorize(e, &req, &d) != CLAIMCHECK_RESULT_OK) return 3;
    d = NULL; /* the decision is now unreachable: a definite leak */
    claimcheck_engine_free(e);
    return 0;
}
