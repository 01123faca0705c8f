/*
 * mapscan bench: time the scan of one file over backends and thread counts.
 *
 * Every run, warm-up included, is a forked child that scans once and sends
 * its result back through a pipe; the parent reads the child's peak
 * resident set from wait4(), so each row's memory figure is that
 * configuration's alone. Every run must give the same statistics (a scan
 * of several columns sends a digest of its columns' along: their memory
 * stays in the child).
 */
#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char bench_usage[] =
    "Usage: mapscan bench [OPTIONS] FILE\n"
    "Times the scan of FILE for each backend and thread count, and recommends one.\n"
    "\n"
    "  every scan option but -q and --progress, as for scan: -t, -e, --format, --field,\n"
    "  --channels, --columns, --record, --field-offset, --offset, --length,\n"
    "  --allow-trailing, --kernel, --io-depth, --io-size\n"
    "  -j, --threads LIST     thread counts, e.g. 1,2,4 (default 1,2,4,... up to the\n"
    "                         processing units, plus the default)\n"
    "  -b, --backend LIST     from auto,mmap,read,direct (default auto,mmap,read)\n"
    "  -r, --repeat N         timed runs per configuration after one warm-up (default 3)\n"
    "      --cold             evict FILE from the page cache before every run\n"
    "      --json | --csv     one machine-readable row per configuration\n"
    "\n"
    "Columns: the threads that ran (a small file runs fewer than asked; a configuration\n"
    "that ran as an earlier one did is shown once), best and median seconds of the\n"
    "scan itself (process start-up excluded),\n"
    "GB/s of the best run, speed-up over 1 thread of the same backend, parallel\n"
    "efficiency (speed-up / threads), and the peak resident set of the run's process.\n"
    "Exit status: 0 done; 1 a run failed or runs disagreed; 2 bad usage or bad input.\n";

#define MAX_CONFIGS 64
#define MAX_REPEAT 1000

typedef struct config {
    mapscan_backend backend;
    unsigned threads;
    double best, median;
    long peak_rss_kib;
    unsigned used_backends;
    unsigned used_threads;
} config;

typedef struct bench {
    const char *file;
    mapscan_options scan;
    config configs[MAX_CONFIGS];
    int nconfigs;
    unsigned repeat;
    bool cold, json, csv;
    mapscan_result reference;
    uint64_t reference_digest;
    bool have_reference;
} bench;

static const char *backend_name(mapscan_backend b)
{
    static const char *names[] = { "auto", "mmap", "read", "direct" };
    return names[b];
}

static bool evict(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    int err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    close(fd);
    return err == 0;
}

/* Fraction of FILE's pages in the page cache, or -1 when it cannot be told. */
static double resident_fraction(const char *file)
{
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || st.st_size == 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    size_t page = (size_t)sysconf(_SC_PAGESIZE), window = (size_t)1 << 30;
    uint64_t resident = 0, pages = 0;
    unsigned char *vec = malloc(window / page);
    for (uint64_t at = 0; vec && at < (uint64_t)st.st_size; at += window) {
        size_t len = (uint64_t)st.st_size - at < window ? (size_t)((uint64_t)st.st_size - at) : window;
        void *p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, (off_t)at);
        if (p == MAP_FAILED)
            break;
        size_t n = (len + page - 1) / page;
        if (mincore(p, len, vec) == 0)
            for (size_t i = 0; i < n; i++)
                resident += vec[i] & 1;
        pages += n;
        munmap(p, len);
    }
    free(vec);
    close(fd);
    return pages ? (double)resident / (double)pages : -1;
}

/* FNV-1a of a scan's columns' statistics (0 without columns). */
static uint64_t columns_digest(const mapscan_result *r)
{
    uint64_t h = 0;
    for (size_t c = 0; c < r->ncolumns; c++) {
        const mapscan_result *col = &r->columns[c];
        const mapscan_float_stats *f = &col->floats;
        const struct { const void *p; size_t n; } parts[] = {
            { &col->stats, sizeof col->stats }, { &f->nan, sizeof f->nan }, { &f->min, sizeof f->min },
            { &f->max, sizeof f->max }, { f->exact.word, sizeof f->exact.word },
            { &f->exact.pos_inf, 1 }, { &f->exact.neg_inf, 1 },
        };
        h = h ? h : 14695981039346656037u;
        for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
            for (size_t k = 0; k < parts[i].n; k++)
                h = (h ^ ((const unsigned char *)parts[i].p)[k]) * 1099511628211u;
    }
    return h;
}

/* One scan in a child process. */
static mapscan_status run_once(bench *b, const config *c, mapscan_result *r, uint64_t *digest, mapscan_error *e,
                               long *rss_kib)
{
    if (b->cold && !evict(b->file))
        return *e = (mapscan_error){ MAPSCAN_E_IO, errno, "cannot evict it from the page cache" }, MAPSCAN_E_IO;
    int fds[2];
    if (pipe(fds) != 0)
        return *e = (mapscan_error){ MAPSCAN_E_IO, errno, "pipe failed" }, MAPSCAN_E_IO;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return *e = (mapscan_error){ MAPSCAN_E_NOMEM, errno, "fork failed" }, MAPSCAN_E_NOMEM;
    }
    if (pid == 0) {
        close(fds[0]);
        mapscan_options o = b->scan;
        o.backend = c->backend;
        o.threads = c->threads;
        struct { mapscan_status s; mapscan_result r; uint64_t digest; mapscan_error e; } out;
        out.s = mapscan_scan_path(b->file, &o, &out.r, &out.e);
        out.digest = out.s == MAPSCAN_OK ? columns_digest(&out.r) : 0;
        if (out.s == MAPSCAN_OK)
            mapscan_result_free(&out.r);
        ssize_t ignored = write(fds[1], &out, sizeof out);
        (void)ignored;
        _exit(0);
    }
    close(fds[1]);
    struct { mapscan_status s; mapscan_result r; uint64_t digest; mapscan_error e; } in;
    size_t got = 0;
    while (got < sizeof in) {
        ssize_t n = read(fds[0], (char *)&in + got, sizeof in - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fds[0]);
    int wstatus;
    struct rusage usage;
    while (wait4(pid, &wstatus, 0, &usage) < 0 && errno == EINTR)
        ;
    if (got != sizeof in || !WIFEXITED(wstatus)) {
        *e = (mapscan_error){ MAPSCAN_E_IO, 0, "" };
        snprintf(e->message, sizeof e->message, "the run died (%s %d)",
                 WIFSIGNALED(wstatus) ? "signal" : "status",
                 WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : WEXITSTATUS(wstatus));
        return MAPSCAN_E_IO;
    }
    *r = in.r;
    *digest = in.digest;
    *e = in.e;
    *rss_kib = usage.ru_maxrss;
    return in.s;
}

static bool same_stats(const mapscan_stats *a, const mapscan_stats *b)
{
    return a->count == b->count && memcmp(&a->min, &b->min, sizeof a->min) == 0 &&
           memcmp(&a->max, &b->max, sizeof a->max) == 0 && memcmp(&a->sum, &b->sum, sizeof a->sum) == 0;
}

static int compare_doubles(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static int measure(bench *b, config *c)
{
    double times[MAX_REPEAT];
    c->peak_rss_kib = 0;
    for (unsigned i = 0; i <= b->repeat; i++) {     /* run 0 is the warm-up */
        mapscan_result r;
        uint64_t digest;
        mapscan_error e;
        long rss;
        mapscan_status s = run_once(b, c, &r, &digest, &e, &rss);
        if (s != MAPSCAN_OK) {
            cli_report_failure(b->file, &e);
            return cli_exit_status(s);
        }
        if (!b->have_reference) {
            b->reference = r;
            b->reference_digest = digest;
            b->have_reference = true;
        } else if (!same_stats(&r.stats, &b->reference.stats) || digest != b->reference_digest) {
            cli_error(b->file, "results differ between runs (%s backend, %u threads)", backend_name(c->backend),
                      c->threads);
            return EXIT_RUNTIME;
        }
        if (i == 0)
            continue;
        times[i - 1] = r.seconds;
        c->used_backends |= r.backends;
        c->used_threads = r.threads;
        if (rss > c->peak_rss_kib)
            c->peak_rss_kib = rss;
    }
    qsort(times, b->repeat, sizeof times[0], compare_doubles);
    c->best = times[0];
    c->median = b->repeat % 2 ? times[b->repeat / 2] : (times[b->repeat / 2 - 1] + times[b->repeat / 2]) / 2;
    return EXIT_OK;
}

static const config *one_thread_of(const bench *b, mapscan_backend backend)
{
    for (int i = 0; i < b->nconfigs; i++)
        if (b->configs[i].backend == backend && b->configs[i].used_threads == 1)
            return &b->configs[i];
    return NULL;
}

/* A small file runs fewer threads than asked: a configuration that ran
 * exactly as an earlier one did is the same measurement, and is dropped,
 * so that no row is labelled with a thread count that never ran. */
static bool ran_as_before(const bench *b, int index)
{
    const config *c = &b->configs[index];
    for (int i = 0; i < index; i++)
        if (b->configs[i].backend == c->backend && b->configs[i].used_threads == c->used_threads)
            return true;
    return false;
}

static void print_rows(const bench *b)
{
    uint64_t bytes = b->reference.bytes;
    if (b->csv)
        printf("file,state,backend,used,threads,best_s,median_s,gb_per_s,speedup,efficiency,peak_rss_bytes\n");
    else if (!b->json)
        printf("%-7s %-9s %7s %9s %9s %8s %8s %10s %10s\n", "backend", "used", "threads", "best s", "median s",
               "GB/s", "speedup", "efficiency", "peak RSS");
    for (int i = 0; i < b->nconfigs; i++) {
        const config *c = &b->configs[i];
        const config *base = one_thread_of(b, c->backend);
        /* An empty range takes no time: no rate, no speed-up. */
        bool timed = bytes > 0 && c->best > 0 && c->median > 0 && base && base->median > 0;
        double gbps = bytes > 0 && c->best > 0 ? (double)bytes / c->best / 1e9 : 0;
        double speedup = timed ? base->median / c->median : 0;
        double efficiency = timed ? speedup / c->used_threads : 0;
        if (!timed)
            base = NULL;
        const char *state = b->cold ? "cold" : "cached";
        unsigned long long rss = (unsigned long long)c->peak_rss_kib * 1024;
        if (b->json) {
            printf("{\"file\":");
            cli_json_string(stdout, b->file);
            printf(",\"state\":\"%s\",\"backend\":\"%s\",\"used\":\"%s\",\"threads\":%u,\"bytes\":%llu,"
                   "\"best\":%.6f,\"median\":%.6f,",
                   state, backend_name(c->backend), mapscan_backends_name(c->used_backends), c->used_threads,
                   (unsigned long long)bytes, c->best, c->median);
            if (gbps > 0)
                printf("\"gb_per_s\":%.3f,", gbps);
            else
                printf("\"gb_per_s\":null,");
            if (base)
                printf("\"speedup\":%.3f,\"efficiency\":%.3f,", speedup, efficiency);
            else
                printf("\"speedup\":null,\"efficiency\":null,");
            printf("\"peak_rss_bytes\":%llu}\n", rss);
        } else if (b->csv) {
            cli_csv_field(stdout, b->file);
            printf(",%s,%s,%s,%u,%.6f,%.6f,", state, backend_name(c->backend),
                   mapscan_backends_name(c->used_backends), c->used_threads, c->best, c->median);
            if (gbps > 0)
                printf("%.3f,", gbps);
            else
                printf(",");
            if (base)
                printf("%.3f,%.3f,%llu\n", speedup, efficiency, rss);
            else
                printf(",,%llu\n", rss);
        } else {
            char mem[32], rate[16] = "-", sp[16] = "-", ef[16] = "-";
            cli_human_bytes(rss, mem, sizeof mem);
            if (gbps > 0)
                snprintf(rate, sizeof rate, "%.2f", gbps);
            if (base) {
                snprintf(sp, sizeof sp, "%.2f", speedup);
                snprintf(ef, sizeof ef, "%.2f", efficiency);
            }
            printf("%-7s %-9s %7u %9.4f %9.4f %8s %8s %10s %10s\n", backend_name(c->backend),
                   mapscan_backends_name(c->used_backends), c->used_threads, c->best, c->median, rate, sp, ef, mem);
        }
    }
}

static void print_recommendation(const bench *b)
{
    const config *best = &b->configs[0];
    for (int i = 1; i < b->nconfigs; i++)
        if (b->configs[i].median < best->median)
            best = &b->configs[i];
    printf("recommendation (%s): --backend %s --threads %u", b->cold ? "cold" : "cached",
           backend_name(best->backend), best->used_threads);
    if (b->reference.bytes > 0 && best->median > 0)
        printf("  (%.2f GB/s median)\n", (double)b->reference.bytes / best->median / 1e9);
    else
        printf("  (an empty range: nothing to time)\n");
}

static bool add_config(bench *b, mapscan_backend backend, unsigned threads)
{
    for (int i = 0; i < b->nconfigs; i++)
        if (b->configs[i].backend == backend && b->configs[i].threads == threads)
            return true;
    if (b->nconfigs == MAX_CONFIGS) {
        cli_error("bench", "more than %d configurations", MAX_CONFIGS);
        return false;
    }
    b->configs[b->nconfigs++] = (config){ .backend = backend, .threads = threads };
    return true;
}

static bool build_configs(bench *b, const char *backends, const char *threads)
{
    unsigned counts[MAX_CONFIGS];
    int ncounts = 0;
    if (threads) {
        char *copy = strdup(threads), *save = NULL;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
            if (ncounts == MAX_CONFIGS || !cli_parse_threads(t, &counts[ncounts])) {
                free(copy);
                return false;
            }
            ncounts++;
        }
        free(copy);
        if (ncounts == 0)
            return cli_parse_threads("", &counts[0]);
    } else {
        for (unsigned n = 1; n <= mapscan_processing_units() && ncounts < MAX_CONFIGS - 1; n *= 2)
            counts[ncounts++] = n;
        counts[ncounts++] = mapscan_default_threads();
    }
    char *copy = strdup(backends ? backends : "auto,mmap,read"), *save = NULL;
    bool ok = true;
    for (char *name = strtok_r(copy, ",", &save); ok && name; name = strtok_r(NULL, ",", &save)) {
        mapscan_backend backend;
        if (!mapscan_backend_parse(name, &backend)) {
            cli_error("--backend", "unknown backend '%s' (auto, mmap, read or direct)", name);
            ok = false;
        }
        for (int i = 0; ok && i < ncounts; i++)
            ok = add_config(b, backend, counts[i]);
    }
    free(copy);
    if (ok && b->nconfigs == 0) {
        cli_error("--backend", "no backend given");
        ok = false;
    }
    return ok;
}

/* bench's own options beside scan's: --repeat, --cold, --csv. */
enum { OPT_REPEAT = 'r', OPT_COLD = 600, OPT_CSV };

static bool take_bench_option(scan_cli *cli, int option, const char *value)
{
    bench *b = cli->extra;
    uint64_t repeat;
    switch (option) {
    case OPT_REPEAT:
        if (!cli_parse_u64("--repeat", value, &repeat))
            return false;
        if (repeat < 1 || repeat > MAX_REPEAT) {
            cli_error("--repeat", "'%s' is out of range (1 to %d)", value, MAX_REPEAT);
            return false;
        }
        b->repeat = (unsigned)repeat;
        return true;
    case OPT_COLD: b->cold = true; return true;
    case OPT_CSV: b->csv = true; return true;
    default: return false;
    }
}

/* The scan's options through the scan's own parser (so that every scan
 * option, and every limit the library sets, is bench's too), with -j and -b
 * as lists; -1 to go on, or the exit status. */
static int parse_bench(int argc, char **argv, bench *b, scan_cli *cli)
{
    static const struct option bench_longs[] = {
        { "repeat", required_argument, NULL, OPT_REPEAT },
        { "cold", no_argument, NULL, OPT_COLD },
        { "csv", no_argument, NULL, OPT_CSV },
        { NULL, 0, NULL, 0 },
    };
    cli_scan_init(cli);
    cli->extra_options = bench_longs;
    cli->extra_shorts = "r:";
    cli->take_extra = take_bench_option;
    cli->extra = b;
    cli->usage = bench_usage;
    cli->lists = true;
    int early = cli_scan_parse(argc, argv, cli);
    if (early >= 0)
        return early;
    if (cli->quiet || cli->progress != -1) {
        cli_error("bench", "-q and --progress are the scan's: bench prints its own table");
        return EXIT_USAGE;
    }
    if (optind != argc - 1) {
        cli_error("bench", "give exactly one FILE");
        return EXIT_USAGE;
    }
    b->json = cli->json;
    if (b->json && b->csv) {
        cli_error("bench", "--json and --csv exclude each other");
        return EXIT_USAGE;
    }
    b->scan = cli->options;
    return -1;
}

int cmd_bench(int argc, char **argv)
{
    bench *b = calloc(1, sizeof *b);
    scan_cli *cli = calloc(1, sizeof *cli);
    int status = EXIT_USAGE;
    if (!b || !cli) {
        free(b);
        free(cli);
        return EXIT_RUNTIME;
    }
    b->repeat = 3;
    int early = parse_bench(argc, argv, b, cli);
    if (early >= 0) {
        status = early;
        goto out;
    }
    const char *backends = cli->backends_list, *threads = cli->threads_list;
    b->file = argv[optind];
    if (!build_configs(b, backends, threads))
        goto out;
    /* Opened here first, so that an unreadable file is reported as such
     * (before --cold tries to evict it). */
    struct stat st;
    int fd = open(b->file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0) {
        int err = errno;
        cli_error(b->file, "cannot open: %s", strerror(err));
        if (fd >= 0)
            close(fd);
        status = err == EMFILE || err == ENFILE || err == ENOMEM || err == EIO ? EXIT_RUNTIME : EXIT_USAGE;
        goto out;
    }
    close(fd);
    if (!S_ISREG(st.st_mode)) {
        cli_error(b->file, "not a regular file (bench times regular files only)");
        goto out;
    }
    /* Every check of the options against the file (its header, layout,
     * offset), before a line is printed or a run is timed. */
    mapscan_result described;
    mapscan_extent extent;
    mapscan_error error;
    if (mapscan_extent_path(b->file, &b->scan, &described, &extent, &error) != MAPSCAN_OK) {
        cli_report_failure(b->file, &error);
        status = cli_exit_status(error.status);
        goto out;
    }

    if (!b->json && !b->csv) {
        char size[32];
        cli_human_bytes((uint64_t)st.st_size, size, sizeof size);
        double resident = b->cold ? -1 : resident_fraction(b->file);
        printf("file ");
        cli_put_text(stdout, b->file);
        printf(": %s, %s %s, %s kernel, %u cores, %u PUs, %u timed runs after a warm-up\n", size,
               mapscan_type_name(described.type), mapscan_endian_name(described.endian), described.kernel,
               mapscan_default_threads(), mapscan_processing_units(), b->repeat);
        if (b->cold)
            printf("state: cold (evicted with posix_fadvise before every run)\n");
        else if (resident >= 0)
            printf("state: cached (%.0f%% of its pages in the page cache before the warm-up)\n", 100 * resident);
        cli_flush_stdout();
    }
    mapscan_result_free(&described);
    status = EXIT_OK;
    for (int i = 0; i < b->nconfigs && status == EXIT_OK; i++) {
        status = measure(b, &b->configs[i]);
        if (status == EXIT_OK && ran_as_before(b, i)) {
            memmove(&b->configs[i], &b->configs[i + 1], sizeof b->configs[0] * (size_t)(b->nconfigs - i - 1));
            b->nconfigs--;
            i--;
        }
    }
    if (status == EXIT_OK) {
        print_rows(b);
        if (!b->json && !b->csv)
            print_recommendation(b);
    }
out:
    free(b);
    free(cli);
    return status;
}
