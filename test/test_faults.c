/* Every system call on the scan and gen paths, made to fail in turn: each
 * failure gives its documented status and a one-line message, or (for
 * hints and retried calls) still the exact answer; gen leaves nothing on
 * disk. Under check-asan, LeakSanitizer checks that no path leaks. */
#include "fault.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef enum action { SCAN_AUTO, SCAN_MMAP, SCAN_READ, SCAN_STREAM, SCAN_DIRECT, GEN, GEN_FORCE } action;
static const char *action_names[] = { "scan auto", "scan mmap", "scan read", "scan stream", "scan direct", "gen",
                                      "gen --force" };

#define OK_ALLOWED (1u << MAPSCAN_OK)
#define ALLOW(status) (1u << (status))

typedef struct fault_case {
    const char *call;
    int err;
    action what;
    unsigned allowed;       /* ALLOW() bits of the statuses a failure of this call may give */
    const char *second_call;    /* a call failing at the same time, every time (or NULL) */
    int second_err;
} fault_case;

#define SAMPLE_ELEMENTS (1u << 20)     /* 4 MiB of i32: several chunks for two workers */

static char sample_path[64];
static unsigned char *sample_data;
static char dir[64];

static void setup(void)
{
    size_t bytes = SAMPLE_ELEMENTS * 4;
    sample_data = malloc(bytes);
    uint64_t state = 42;
    for (size_t i = 0; i < bytes; i++)
        sample_data[i] = (unsigned char)test_random(&state);
    write_temp_file(sample_path, sizeof sample_path, sample_data, bytes);
    snprintf(dir, sizeof dir, "/tmp/mapscan-faults-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    signal(SIGPIPE, SIG_IGN);
}

static void teardown(void)
{
    fault_disarm();
    unlink(sample_path);
    free(sample_data);
    remove_dir_entries(dir, NULL);
    rmdir(dir);
}

TestSuite(faults, .init = setup, .fini = teardown, .timeout = 120);

typedef struct feeder {
    int fd;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    size_t len = SAMPLE_ELEMENTS * 4;
    for (size_t at = 0; at < len;) {
        ssize_t w = write(f->fd, sample_data + at, len - at);
        if (w <= 0)
            break;
        at += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

static mapscan_status run_action(action what, mapscan_result *r, mapscan_error *e, const char *target)
{
    if (what == GEN || what == GEN_FORCE) {
        mapscan_gen_options g;
        mapscan_gen_options_init(&g);
        g.count = 3 << 20;      /* three blocks */
        g.threads = 2;
        g.force = what == GEN_FORCE;
        return mapscan_generate(target, &g, r, e);
    }
    mapscan_options o;
    mapscan_options_init(&o);
    o.threads = 2;
    o.backend = what == SCAN_MMAP     ? MAPSCAN_BACKEND_MMAP
                : what == SCAN_AUTO   ? MAPSCAN_BACKEND_AUTO
                : what == SCAN_DIRECT ? MAPSCAN_BACKEND_DIRECT
                                      : MAPSCAN_BACKEND_READ;
    if (what != SCAN_STREAM)
        return mapscan_scan_path(sample_path, &o, r, e);
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    feeder f = { fds[1] };
    pthread_t writer;       /* the real pthread_create: the feeder is not under test */
    cr_assert_eq(__real_pthread_create(&writer, NULL, feed, &f), 0);
    mapscan_status s = mapscan_scan_fd(fds[0], &o, r, e);
    close(fds[0]);
    pthread_join(writer, NULL);
    return s;
}

/* A run in which the fault did not fire must give the whole answer. */
static void check_outcome(const fault_case *c, unsigned n, bool fired, mapscan_status s, const mapscan_result *r,
                          const mapscan_error *e, const char *target)
{
    const char *what = action_names[c->what];
    bool gen = c->what == GEN || c->what == GEN_FORCE;
    unsigned allowed = fired ? c->allowed : OK_ALLOWED;
    cr_assert(s == MAPSCAN_OK || (allowed & ALLOW(s)), "%s with %s call %u failing (%s): status %d: %s", what,
              c->call, n, strerror(c->err), s, e->message);
    if (s != MAPSCAN_OK) {
        cr_assert(e->message[0] && !strchr(e->message, '\n'), "%s, %s: message '%s'", what, c->call, e->message);
        if (gen && !(c->second_call && strcmp(c->second_call, "unlink") == 0))
            cr_assert_eq(count_dir_entries(dir), c->what == GEN_FORCE, "%s, %s call %u: something left behind", what,
                         c->call, n);
        return;
    }
    cr_assert(allowed & OK_ALLOWED, "%s with %s call %u failing: succeeded where it must fail", what, c->call, n);
    if (gen) {
        struct stat st;
        cr_assert_eq(stat(target, &st), 0);
        cr_assert_eq(st.st_size, (off_t)(3u << 22));
        cr_assert_eq(r->stats.count, 3u << 20);
        return;
    }
    ms_acc want, got = acc_of_stats(&r->stats);
    ms_acc_init(&want);
    reference_reduce(sample_data, SAMPLE_ELEMENTS, MAPSCAN_I32, false, &want);
    assert_acc_equal(&got, &want, what);
}

/* Fails call number 0, 1, 2, ... of c->call (one at a time) until a run
 * makes fewer calls than that. */
static void each_call_fails_in_turn(const fault_case *c, unsigned times)
{
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s/out.bin", dir);
    for (unsigned n = 0;; n++) {
        cr_assert(n < 2000, "%s: more than 2000 calls of %s", action_names[c->what], c->call);
        if (c->what == GEN_FORCE) {
            FILE *f = fopen(target, "w");      /* something to replace */
            cr_assert_not_null(f);
            fclose(f);
        }
        fault_arm(c->call, n, times, c->err);
        if (c->second_call)
            fault_arm(c->second_call, 0, UINT_MAX, c->second_err);
        mapscan_result r;
        mapscan_error e;
        memset(&e, 0, sizeof e);
        mapscan_status s = run_action(c->what, &r, &e, target);
        bool fired = fault_fired(c->call);
        fault_disarm();
        check_outcome(c, n, fired, s, &r, &e, target);
        if (c->second_call && strcmp(c->second_call, "unlink") == 0 && s != MAPSCAN_OK) {
            cr_assert(strstr(e.message, "could not be removed"), "message: %s", e.message);
            remove_dir_entries(dir, ".mapscan-tmp.");
        }
        unlink(target);
        if (!fired) {
            cr_assert(n > 0, "%s: %s was never called, so this case tests nothing", action_names[c->what], c->call);
            return;
        }
    }
}

static const fault_case cases[] = {
    /* open: what the request got wrong is bad input; the machine's state is a failure while running */
    { "open", EACCES, SCAN_AUTO, ALLOW(MAPSCAN_E_OPEN), NULL, 0 },
    { "open", EMFILE, SCAN_READ, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "open", ENOMEM, SCAN_MMAP, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    /* fstat: before the scan, after it (the change check), in the FIFO check of open */
    { "fstat", EIO, SCAN_AUTO, OK_ALLOWED | ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "fstat", EIO, SCAN_STREAM, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    /* direct: O_DIRECT refused (EINVAL, as on a file system without it): read serves */
    { "open", EINVAL, SCAN_DIRECT, OK_ALLOWED | ALLOW(MAPSCAN_E_OPEN), NULL, 0 },
    /* mmap: auto reads instead; mmap says why it cannot map */
    { "mmap", ENOMEM, SCAN_AUTO, OK_ALLOWED, NULL, 0 },
    { "mmap", ENOMEM, SCAN_MMAP, ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    { "mmap", ENODEV, SCAN_MMAP, ALLOW(MAPSCAN_E_UNMAPPABLE), NULL, 0 },
    /* hints: a failed hint changes nothing in the answer */
    { "madvise", EINVAL, SCAN_AUTO, OK_ALLOWED, NULL, 0 },
    { "madvise", ENOMEM, SCAN_MMAP, OK_ALLOWED, NULL, 0 },
    { "mincore", ENOMEM, SCAN_AUTO, OK_ALLOWED, NULL, 0 },
    /* a stream's read: EIO is reported, EINTR retried */
    { "read", EIO, SCAN_STREAM, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "read", EINTR, SCAN_STREAM, OK_ALLOWED, NULL, 0 },
    /* threads: fewer, or none (the calling thread scans) */
    { "pthread_create", EAGAIN, SCAN_AUTO, OK_ALLOWED, NULL, 0 },
    { "pthread_create", EAGAIN, SCAN_MMAP, OK_ALLOWED, NULL, 0 },
    { "pthread_create", EAGAIN, SCAN_READ, OK_ALLOWED, NULL, 0 },
    { "pthread_create", EAGAIN, GEN, OK_ALLOWED, NULL, 0 },
    /* memory: out of memory, never a crash or a leak */
    { "malloc", ENOMEM, SCAN_AUTO, OK_ALLOWED | ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    { "malloc", ENOMEM, SCAN_MMAP, OK_ALLOWED | ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    { "malloc", ENOMEM, SCAN_READ, OK_ALLOWED | ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    { "malloc", ENOMEM, SCAN_STREAM, OK_ALLOWED | ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    { "malloc", ENOMEM, GEN, OK_ALLOWED | ALLOW(MAPSCAN_E_NOMEM), NULL, 0 },
    /* gen's writes, sync and placing */
    { "pwrite", EIO, GEN, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "pwrite", ENOSPC, GEN, ALLOW(MAPSCAN_E_NOSPACE), NULL, 0 },
    { "pwrite", EINTR, GEN, OK_ALLOWED, NULL, 0 },
    { "pwrite-short", 0, GEN, OK_ALLOWED, NULL, 0 },
    { "fsync", EIO, GEN, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "renameat2", EIO, GEN, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "renameat2", EINVAL, GEN, OK_ALLOWED, NULL, 0 },       /* no RENAME_NOREPLACE: link, then unlink */
    { "link", EIO, GEN, ALLOW(MAPSCAN_E_IO), "renameat2", EINVAL },
    { "link", EEXIST, GEN, ALLOW(MAPSCAN_E_EXISTS), "renameat2", EINVAL },
    { "rename", EIO, GEN_FORCE, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    { "mkostemp", EACCES, GEN, ALLOW(MAPSCAN_E_OPEN), NULL, 0 },
    { "mkostemp", EMFILE, GEN, ALLOW(MAPSCAN_E_IO), NULL, 0 },
    /* a failure whose clean-up fails too says what is left behind */
    { "pwrite", EIO, GEN, ALLOW(MAPSCAN_E_IO), "unlink", EACCES },
};

Test(faults, every_listed_call_failing_in_turn_gives_its_documented_outcome)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        each_call_fails_in_turn(&cases[i], 1);
}

/* From call n on, every call fails (EINTR for ever would be retried for
 * ever, as it should). */
Test(faults, errors_that_last_give_their_status_too)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (!cases[i].second_call && cases[i].err != EINTR)
            each_call_fails_in_turn(&cases[i], UINT_MAX);
}

Test(faults, drop_behind_hints_failing_change_nothing)
{
    ms_memory_budget_override = 1;      /* every range is "larger than memory" */
    static const fault_case c[] = {
        { "posix_fadvise", EINVAL, SCAN_READ, OK_ALLOWED, NULL, 0 },
        { "posix_fadvise", EBADF, SCAN_MMAP, OK_ALLOWED, NULL, 0 },
        { "posix_fadvise", EINVAL, SCAN_AUTO, OK_ALLOWED, NULL, 0 },
    };
    for (size_t i = 0; i < 3; i++)
        each_call_fails_in_turn(&c[i], 1);
    ms_memory_budget_override = 0;
}

static volatile sig_atomic_t cancel_flag;

static void raise_cancel(void)
{
    cancel_flag = 1;
}

Test(faults, an_interrupt_during_the_final_sync_wins)
{
    char target[PATH_MAX];
    snprintf(target, sizeof target, "%s/synced.bin", dir);
    mapscan_gen_options g;
    mapscan_gen_options_init(&g);
    g.count = 1 << 20;
    g.cancel = &cancel_flag;
    fault_arm_hook("fsync", 0, raise_cancel);
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = mapscan_generate(target, &g, &r, &e);
    cr_assert(fault_fired("fsync"));
    fault_disarm();
    cr_assert_eq(s, MAPSCAN_E_CANCELLED, "status %d: %s", s, e.message);
    cr_assert_eq(count_dir_entries(dir), 0);
}

/* Every O_DIRECT reopen refused (EINVAL, as a file system without O_DIRECT
 * answers): the header probe and the scan read through the page cache, the
 * answer is whole, and the result says read. */
Test(faults, direct_refused_falls_back_to_read_and_says_so)
{
    fault_arm("open", 1, UINT_MAX, EINVAL);     /* open 0 is the file itself */
    mapscan_result r;
    mapscan_error e;
    mapscan_status s = run_action(SCAN_DIRECT, &r, &e, NULL);
    bool fired = fault_fired("open");
    fault_disarm();
    cr_assert(fired);
    cr_assert_eq(s, MAPSCAN_OK, "%s", e.message);
    cr_assert_eq(r.backends, MAPSCAN_USED_READ, "backends %u", r.backends);
    static const fault_case c = { "open", EINVAL, SCAN_DIRECT, OK_ALLOWED, NULL, 0 };
    check_outcome(&c, 1, false, s, &r, &e, NULL);
}
