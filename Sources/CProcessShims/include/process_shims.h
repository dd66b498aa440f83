#ifndef TASKHOST_PROCESS_SHIMS_H
#define TASKHOST_PROCESS_SHIMS_H

#include <sys/types.h>

/// Asks the kernel to send `signal` to this process when its parent thread dies (prctl is variadic,
/// so Swift cannot call it directly). Returns 0 on success.
int taskhost_set_parent_death_signal(int signal);

/// pipe2(fds, O_CLOEXEC): a pipe whose ends no exec'd program inherits (pipe2 is a GNU extension
/// Swift does not see). Returns 0 on success, -1 with errno set.
int taskhost_pipe_cloexec(int fds[2]);

/// Names the calling thread (at most 15 bytes kept) as `ps`, `top` and perf show it (prctl is variadic).
int taskhost_set_thread_name(const char *name);

/// Fills `buffer` with `count` random bytes from the kernel (getrandom); returns how many.
long taskhost_random_bytes(void *buffer, unsigned long count);

/// Starts a command under a guard process that kills the command's whole process group if the
/// calling thread dies (PR_SET_PDEATHSIG), as happens when the host is killed. The guard forks the
/// command, which leads a process group of its own (stdin /dev/null, stdout/stderr to the given
/// descriptors, every other descriptor closed, default signal handling, working directory `cwd`
/// if not NULL) and execs `path`.
///
/// `report_fd` receives 5-byte records: 'p' + the command's pid (= its process group id),
/// 'c' + errno (chdir failed), 'x' + errno (exec failed), 's' + wait status (the command ended).
/// After 's' the command is kept as a zombie (its group id cannot be reused) until `release_fd`
/// (a pipe's read end) reads end of file: the guard then kills what is left of the group, reaps
/// the command and exits 0.
/// The command runs with file mode creation mask `mask`. The guard shows as `title` in `ps`
/// (written over the host's own command line in the guard's memory, cut to its length; NULL keeps it).
/// Everything is prepared by the caller: between fork and exec only async-signal-safe calls run.
/// Returns the guard's pid, or -errno if fork failed.
pid_t taskhost_spawn_guarded(const char *path, char *const argv[], char *const envp[], const char *cwd,
                             int stdout_fd, int stderr_fd, int report_fd, int release_fd, mode_t mask, const char *title);

#endif
