// The guard between the host and a shell task's command. C, because the code between fork and
// exec may only make async-signal-safe calls (no allocation, no Swift runtime).
#define _GNU_SOURCE
#include "process_shims.h"
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static pid_t guard_host_pid;

// The process's own argument strings, as the kernel laid them out (glibc passes them to
// constructors): the guard writes its title over them, as setproctitle(3) does.
static char *process_arguments;
static size_t process_arguments_length;

// The environment strings follow the arguments; the guard may write over them too (it passes the
// command an environment of its own and reads none), so a title is cut only to the room the host's
// command line and environment leave (a host started with `env -i taskhost serve` has little).
__attribute__((constructor)) static void capture_arguments(int argc, char **argv, char **envp) {
    if (argc < 1 || argv == NULL || argv[0] == NULL) return;
    char *end = argv[0];
    for (int index = 0; index < argc; index++) {
        // Only strings that follow one another: anything else was not laid out by the kernel.
        if (argv[index] != end) break;
        end = argv[index] + strlen(argv[index]) + 1;
    }
    for (int index = 0; envp != NULL && envp[index] != NULL && envp[index] == end; index++) {
        end = envp[index] + strlen(envp[index]) + 1;
    }
    process_arguments = argv[0];
    process_arguments_length = (size_t)(end - argv[0]);
}

// In the guard only (a fork: the host's memory is its own copy). Async-signal-safe.
static void set_guard_title(const char *title) {
    if (title == NULL) return;
    size_t length = strlen(title);
    if (process_arguments != NULL && process_arguments_length > 1) {
        size_t kept = length < process_arguments_length - 1 ? length : process_arguments_length - 1;
        memset(process_arguments, 0, process_arguments_length);
        memcpy(process_arguments, title, kept);
    }
    prctl(PR_SET_NAME, "taskhost-guard", 0, 0, 0);
}
static volatile pid_t guard_command_group;

// The parent-death signal (or any other catchable one once the host is gone): kill the command's
// whole group — SIGKILL also ends members the host froze with SIGSTOP — then the guard.
static void guard_on_signal(int signal) {
    (void)signal;
    if (getppid() == guard_host_pid) return;
    if (guard_command_group > 0) kill(-guard_command_group, SIGKILL);
    _exit(0);
}

static void close_descriptors(int from, int keep) {
#ifdef SYS_close_range
    if (keep < 0 || keep < from) {
        if (syscall(SYS_close_range, from, ~0U, 0) == 0) return;
    } else if ((keep == from || syscall(SYS_close_range, from, keep - 1, 0) == 0) &&
               syscall(SYS_close_range, keep + 1, ~0U, 0) == 0) {
        return;
    }
#endif
    struct rlimit limit;
    long highest = 65536;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < 65536) highest = (long)limit.rlim_cur;
    for (int fd = from; fd < highest; fd++) {
        if (fd != keep) close(fd);
    }
}

static void default_signals(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; signal++) {
        if (signal != SIGKILL && signal != SIGSTOP) sigaction(signal, &action, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void report(int fd, char tag, int value) {
    char record[5];
    record[0] = tag;
    memcpy(record + 1, &value, sizeof value);
    ssize_t written;
    do { written = write(fd, record, sizeof record); } while (written < 0 && errno == EINTR);
}

static void run_command(const char *path, char *const argv[], char *const envp[], const char *cwd, int out, int err, int report_fd,
                        mode_t mask) {
    setpgid(0, 0);  // a group of its own, in the guard's session
    default_signals();
    umask(mask);
    // Out of the way of 0-2 first, so no dup2 below overwrites a descriptor still needed.
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    int high_out = fcntl(out, F_DUPFD_CLOEXEC, 10);
    int high_err = fcntl(err, F_DUPFD_CLOEXEC, 10);
    int high_report = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
    if (null_fd < 0 || high_out < 0 || high_err < 0 || high_report < 0) _exit(126);
    if (dup2(null_fd, 0) < 0 || dup2(high_out, 1) < 0 || dup2(high_err, 2) < 0) _exit(126);
    // Nothing of the host (its database, sockets, other tasks' pipes) reaches the command.
    close_descriptors(3, high_report);
    if (cwd != NULL && chdir(cwd) != 0) {
        report(high_report, 'c', errno);
        _exit(127);
    }
    execve(path, argv, envp);
    report(high_report, 'x', errno);
    _exit(127);
}

int taskhost_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

pid_t taskhost_spawn_guarded(const char *path, char *const argv[], char *const envp[], const char *cwd,
                             int stdout_fd, int stderr_fd, int report_fd, int release_fd, mode_t mask, const char *title) {
    pid_t host = getpid();
    // No host signal handler may run in the child before it resets them (as posix_spawn does).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t guard = fork();
    if (guard != 0) {
        int saved = errno;
        pthread_sigmask(SIG_SETMASK, &previous, NULL);
        return guard > 0 ? guard : -saved;
    }
    // A session of its own: no controlling terminal for the command (a prompt for a password
    // must fail, not stop the task), and outside the command's group, so a pause (SIGSTOP to
    // that group) cannot freeze the guard.
    setsid();
    set_guard_title(title);
    default_signals();
    sigprocmask(SIG_SETMASK, &all, NULL);
    guard_host_pid = host;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = guard_on_signal;
    int handled[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM};
    for (unsigned index = 0; index < sizeof handled / sizeof handled[0]; index++) sigaction(handled[index], &action, NULL);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    // The host may have died before the line above: nobody would tell us.
    if (getppid() != host) _exit(126);

    // Signals stay blocked until the command's group is known, so the host's death in between kills it too.
    pid_t command = fork();
    if (command < 0) {
        report(report_fd, 'x', errno);
        _exit(0);
    }
    if (command == 0) run_command(path, argv, envp, cwd, stdout_fd, stderr_fd, report_fd, mask);
    // Set here too, so the group exists before the host learns its id and signals it.
    setpgid(command, command);
    guard_command_group = command;
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    report(report_fd, 'p', command);

    // Only the report and release pipes stay (as 3 and 4); nothing else of the host.
    int kept_report = fcntl(report_fd, F_DUPFD_CLOEXEC, 10);
    int kept_release = fcntl(release_fd, F_DUPFD_CLOEXEC, 10);
    if (kept_report < 0 || kept_release < 0 || dup2(kept_report, 3) < 0 || dup2(kept_release, 4) < 0) {
        kill(-command, SIGKILL);
        _exit(126);
    }
    close_descriptors(5, -1);
    // Waited for without reaping: the command stays a zombie, so its pid and group id cannot be
    // given to another process while the host may still signal the group.
    siginfo_t info;
    memset(&info, 0, sizeof info);
    int status;
    while (waitid(P_PID, (id_t)command, &info, WEXITED | WNOWAIT) < 0) {
        if (errno != EINTR) {
            info.si_code = CLD_EXITED;
            info.si_status = 126;
            break;
        }
    }
    if (info.si_code == CLD_EXITED) {
        status = (info.si_status & 0xFF) << 8;
    } else {
        status = info.si_status & 0x7F;
    }
    report(3, 's', status);
    // The host says when it is done with the group (it closes its end; so does its death).
    char byte;
    while (read(4, &byte, 1) < 0 && errno == EINTR) {}
    kill(-command, SIGKILL);
    while (waitpid(command, &status, 0) < 0 && errno == EINTR) {}
    _exit(0);
}
