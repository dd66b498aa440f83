#include "process_shims.h"
#include <sys/prctl.h>
#include <sys/random.h>

int taskhost_set_parent_death_signal(int signal) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long)signal, 0, 0, 0);
}

int taskhost_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0);
}

long taskhost_random_bytes(void *buffer, unsigned long count) {
    return (long)getrandom(buffer, count, 0);
}
