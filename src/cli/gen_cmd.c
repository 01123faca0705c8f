/* mapscan gen: write a reproducible test file and report its statistics. */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static const char gen_usage[] =
    "Usage: mapscan gen [OPTIONS] FILE\n"
    "Writes a reproducible file of numbers and prints its statistics, computed as it\n"
    "was written, so that any scan of it can be checked.\n"
    "\n"
    "  -t, --type TYPE        as for scan: i8 ... u64, f16 bf16 f32 f64 (numpy spellings\n"
    "                         too; default i32)\n"
    "  -e, --endian ORDER     little | big | native (default little)\n"
    "  -n, --count N          number of elements (suffixes as SIZE: 10G is 10*2^30)\n"
    "  -s, --size SIZE        or: file size in bytes (a multiple of the element size)\n"
    "  -p, --pattern P        random (default): uniform over the whole type (float\n"
    "                         types: every finite bit pattern alike)\n"
    "                         range:LO:HI   uniform integers in [LO, HI]\n"
    "                         uniform:LO:HI float types (range:LO:HI too): uniform in\n"
    "                                       [LO, HI], both finite\n"
    "                         mod:M         element i is i mod M\n"
    "                         seq           element i is i, wrapped into the type\n"
    "                         const:V       every element is V (float types: a number,\n"
    "                                       inf, -inf, nan or -0)\n"
    "                         Float types get each value rounded to nearest, ties to even.\n"
    "      --nan RATE         float types: each element is NaN with chance RATE (0 to 1),\n"
    "      --inf RATE         else +inf or -inf (alike) with chance RATE (default 0 each)\n"
    "      --seed N           seed for random, range, uniform, --nan, --inf (default 0)\n"
    "      --format F         raw (default) | npy: numpy's .npy file, which numpy.load reads\n"
    "                         (not for bf16, which numpy has no dtype for)\n"
    "  -j, --threads N        writer threads (default: one per core)\n"
    "  -f, --force            replace FILE if it exists\n"
    "      --json             print what was written as JSON (scan's keys, plus pattern and seed;\n"
    "                         for float types nan_rate and inf_rate too)\n"
    "      --progress | --no-progress   (default: a bar on stderr when it is a terminal)\n"
    "  -q, --quiet            no progress bar, no table\n"
    "\n"
    "The same options give the same bytes whatever --threads is. FILE appears only when\n"
    "complete: it is written as a temporary beside it and renamed. Exit status: 0 written;\n"
    "1 a failure while writing (I/O error, no space); 2 bad usage, bad pattern, or FILE\n"
    "exists without --force or is not a regular file; 128+N interrupted by signal N\n"
    "(130 for Ctrl-C, 141 for a closed pipe): nothing is left behind.\n";

/* The signal that interrupted the run, or 0: the library's cancel flag. */
static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
    interrupted = sig;
}

/* Every signal whose default action ends the process, and that can be
 * caught, cancels the run instead, so that the temporary is removed: only
 * SIGKILL (or a crash of the machine) can leave one behind. */
static void catch_signals(void)
{
    static const int terminating[] = { SIGHUP, SIGINT, SIGQUIT, SIGPIPE, SIGALRM, SIGTERM, SIGUSR1, SIGUSR2,
                                       SIGXCPU, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSTKFLT };
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof terminating / sizeof terminating[0]; i++)
        sigaction(terminating[i], &sa, NULL);
    for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
        sigaction(sig, &sa, NULL);
    /* Past a file size limit, write() should fail with EFBIG, not kill us
     * before the temporary is removed. */
    signal(SIGXFSZ, SIG_IGN);
}

/* The pattern as -p takes it back (a float type's numbers as given, before
 * rounding to the type). */
static void pattern_text(const mapscan_gen_options *o, char *buf, size_t len)
{
    char a[41], b[41];
    bool is_float = mapscan_type_is_float(o->type);
    if (is_float) {
        cli_format_double(o->float_lo, a);
        cli_format_double(o->float_hi, b);
    }
    switch (o->pattern) {
    case MAPSCAN_PATTERN_RANGE:
        if (is_float)
            snprintf(buf, len, "uniform:%s:%s", a, b);
        else
            snprintf(buf, len, "range:%s:%s", mapscan_int128_format(o->lo, a), mapscan_int128_format(o->hi, b));
        break;
    case MAPSCAN_PATTERN_MOD:
        snprintf(buf, len, "mod:%llu", (unsigned long long)o->modulus);
        break;
    case MAPSCAN_PATTERN_CONST:
        snprintf(buf, len, "const:%s", is_float ? a : mapscan_int128_format(o->lo, a));
        break;
    default:
        snprintf(buf, len, "%s", mapscan_pattern_name(o->pattern));
    }
}

static void print_json(const char *file, const mapscan_gen_options *o, const mapscan_result *r)
{
    char pattern[100];
    pattern_text(o, pattern, sizeof pattern);
    fputs("{\"file\":", stdout);
    cli_json_string(stdout, file);
    printf(",\"format\":\"%s\",\"type\":\"%s\",\"endian\":\"%s\",\"pattern\":\"%s\",\"seed\":%llu,\"threads\":%u,"
           "\"bytes\":%llu,",
           o->format == MAPSCAN_FORMAT_NPY ? "npy" : "raw", mapscan_type_name(o->type), mapscan_endian_name(o->endian),
           pattern, (unsigned long long)o->seed,
           r->threads, (unsigned long long)r->bytes);
    if (mapscan_type_is_float(o->type)) {
        char nan[32], inf[32];
        cli_format_double(o->nan_rate, nan);
        cli_format_double(o->inf_rate, inf);
        printf("\"nan_rate\":%s,\"inf_rate\":%s,", nan, inf);
    }
    cli_json_stats(stdout, r);
    printf(",\"seconds\":%.6f}\n", r->seconds);
}

static void print_table(const char *file, const mapscan_gen_options *o, const mapscan_result *r)
{
    char pattern[100], size[32], rate[32];
    pattern_text(o, pattern, sizeof pattern);
    cli_human_bytes(r->bytes, size, sizeof size);
    cli_human_rate(r->seconds > 0 ? (double)r->bytes / r->seconds : 0, rate, sizeof rate);
    printf("%-8s ", "wrote");
    cli_put_text(stdout, file);
    putchar('\n');
    printf("%-8s %s %s, %s, seed %llu", "type", mapscan_type_name(o->type), mapscan_endian_name(o->endian),
           pattern, (unsigned long long)o->seed);
    if (o->nan_rate > 0 || o->inf_rate > 0) {
        char nan[32], inf[32];
        cli_format_double(o->nan_rate, nan);
        cli_format_double(o->inf_rate, inf);
        printf(", --nan %s --inf %s", nan, inf);
    }
    putchar('\n');
    printf("%-8s %s (%llu bytes)\n", "size", size, (unsigned long long)r->bytes);
    cli_text_stats(stdout, r);
    printf("%-8s %.3f s, %s with %u thread%s (synced)\n", "time", r->seconds, rate, r->threads,
           r->threads == 1 ? "" : "s");
}

/* A chance from 0 to 1, as a decimal number. */
static bool parse_rate(const char *option, const char *text, double *rate)
{
    double v;
    if (!cli_number(text, strlen(text), &v) || !(v >= 0 && v <= 1)) {
        cli_error(option, "'%s' is not a rate from 0 to 1", text);
        return false;
    }
    *rate = v;
    return true;
}

void cli_gen_init(gen_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->progress = -1;
    mapscan_gen_options_init(&cli->options);
}

int cli_gen_parse(int argc, char **argv, gen_cli *cli)
{
    enum { OPT_SEED = 256, OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_FORMAT, OPT_NAN, OPT_INF };
    static const struct option longs[] = {
        { "type", required_argument, NULL, 't' },
        { "endian", required_argument, NULL, 'e' },
        { "count", required_argument, NULL, 'n' },
        { "size", required_argument, NULL, 's' },
        { "pattern", required_argument, NULL, 'p' },
        { "seed", required_argument, NULL, OPT_SEED },
        { "nan", required_argument, NULL, OPT_NAN },
        { "inf", required_argument, NULL, OPT_INF },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "threads", required_argument, NULL, 'j' },
        { "force", no_argument, NULL, 'f' },
        { "json", no_argument, NULL, OPT_JSON },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    mapscan_gen_options *o = &cli->options;
    const char *pattern = "random";
    uint64_t count = 0, size = 0;
    bool have_count = false, have_size = false;
    const char *rate_option = NULL;     /* the first of --nan, --inf given */
    cli_order order = { 0 };
    int c;
    opterr = 0;
    optind = 0;     /* a full restart of getopt, so that the parser can run more than once */
    while ((c = getopt_long(argc, argv, "t:e:n:s:p:j:fqh", longs, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!cli_take_type(optarg, &o->type, &order))
                return EXIT_USAGE;
            break;
        case 'e':
            if (!cli_take_endian(optarg, &order))
                return EXIT_USAGE;
            break;
        case 'n':
            if (!cli_parse_size("--count", optarg, &count))
                return EXIT_USAGE;
            have_count = true;
            break;
        case 's':
            if (!cli_parse_size("--size", optarg, &size))
                return EXIT_USAGE;
            have_size = true;
            break;
        case 'p': pattern = optarg; break;
        case OPT_FORMAT:
            if (!mapscan_format_parse(optarg, &o->format) || o->format == MAPSCAN_FORMAT_AUTO) {
                cli_error("--format", "unknown format '%s' (raw or npy)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_NAN:
        case OPT_INF:
            if (!parse_rate(c == OPT_NAN ? "--nan" : "--inf", optarg, c == OPT_NAN ? &o->nan_rate : &o->inf_rate))
                return EXIT_USAGE;
            if (!rate_option)
                rate_option = c == OPT_NAN ? "--nan" : "--inf";
            break;
        case OPT_SEED:
            if (!cli_parse_u64("--seed", optarg, &o->seed))
                return EXIT_USAGE;
            break;
        case 'j':
            if (!cli_parse_threads(optarg, &o->threads))
                return EXIT_USAGE;
            break;
        case 'f': o->force = true; break;
        case OPT_JSON: cli->json = true; break;
        case OPT_PROGRESS: cli->progress = 1; break;
        case OPT_NO_PROGRESS: cli->progress = 0; break;
        case 'q': cli->quiet = true; break;
        case 'h': fputs(gen_usage, stdout); return EXIT_OK;
        default:
            return cli_bad_option("gen ", argv, optopt);
        }
    }
    if (!cli_resolve_order(&order, &o->endian))
        return EXIT_USAGE;
    if (optind != argc - 1) {
        cli_error("gen", optind >= argc ? "no FILE given" : "give exactly one FILE");
        return EXIT_USAGE;
    }
    cli->file = argv[optind];
    if (rate_option && !mapscan_type_is_float(o->type)) {
        cli_error(rate_option, "only for the float types (f16, bf16, f32, f64), not %s", mapscan_type_name(o->type));
        return EXIT_USAGE;
    }
    size_t elem = mapscan_type_size(o->type);
    if (have_count == have_size) {
        cli_error("gen", "give either --count or --size");
        return EXIT_USAGE;
    }
    if (have_size && size % elem) {
        cli_error("--size", "%llu is not a multiple of the %zu-byte %s", (unsigned long long)size, elem,
                  mapscan_type_name(o->type));
        return EXIT_USAGE;
    }
    o->count = have_size ? size / elem : count;
    mapscan_error err;
    if (mapscan_pattern_parse(pattern, o, &err) != MAPSCAN_OK) {
        cli_report_failure("--pattern", &err);
        return EXIT_USAGE;
    }
    return -1;
}

int cmd_gen(int argc, char **argv)
{
    gen_cli cli;
    cli_gen_init(&cli);
    int early = cli_gen_parse(argc, argv, &cli);
    if (early >= 0)
        return early;
    mapscan_gen_options *o = &cli.options;

    catch_signals();
    cli_progress_state bar = { cli.file, cli_now(), false };
    if (cli_progress_wanted(cli.progress, cli.quiet)) {
        o->progress = cli_progress;
        o->progress_arg = &bar;
    }
    o->cancel = &interrupted;
    mapscan_result r;
    mapscan_error err;
    mapscan_status s = mapscan_generate(cli.file, o, &r, &err);
    cli_progress_clear(&bar);
    if (s == MAPSCAN_E_CANCELLED && interrupted) {
        int sig = interrupted;
        cli_error(cli.file, "interrupted by SIG%s; nothing was written", sigabbrev_np(sig));
        return 128 + sig;       /* what a shell shows for a process killed by sig */
    }
    if (s != MAPSCAN_OK) {
        cli_report_failure(cli.file, &err);
        return cli_exit_status(s);
    }
    if (cli.json)
        print_json(cli.file, o, &r);
    else if (!cli.quiet)
        print_table(cli.file, o, &r);
    return EXIT_OK;
}
