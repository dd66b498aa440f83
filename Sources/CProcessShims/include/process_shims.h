#ifndef TASKHOST_PROCESS_SHIMS_H
#define TASKHOST_PROCESS_SHIMS_H

/// Asks the kernel to send `signal` to this process when its parent thread dies (prctl is variadic,
/// so Swift cannot call it directly). Returns 0 on success.
int taskhost_set_parent_death_signal(int signal);

#endif
