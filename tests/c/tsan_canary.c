/* A deliberate data race: two threads increment a plain int. The instrumented
 * ThreadSanitizer step of scripts/test-c must report it, which proves the
 * TSan runtime it links (rustc's) really checks the gcc-instrumented code. */
#include <pthread.h>
#include <stdio.h>

static int counter;

static void *bump(void *arg) {
    (void)arg;
    for (int i = 0; i < 100000; i++) {
        counter++;
    }
    return NULL;
}

int main(void) {
    pthread_t a, b;
    pthread_create(&a, NULL, bump, NULL);
    pthread_create(&b, NULL, bump, NULL);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    printf("%d\n", counter);
    return 0;
}
