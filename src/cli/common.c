#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

const char *cli_program = "mapscan";
bool cli_silent;

static void put_error(const char *what, const char *message, const char *hint, bool from_library)
{
    if (cli_silent)
        return;
    fputs(cli_program, stderr);
    fputs(": ", stderr);
    cli_put_text(stderr, *what ? what : "''");     /* an empty name is shown as such */
    fputs(": ", stderr);
    if (from_library)
        cli_put_message(stderr, message);
    else
        cli_put_text(stderr, message);     /* option values quoted in it are the user's bytes too */
    fputs(hint, stderr);
    fputc('\n', stderr);
}

void cli_error(const char *what, const char *fmt, ...)
{
    char message[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    put_error(what, message, "", false);
}

int cli_exit_status(mapscan_status status)
{
    if (status == MAPSCAN_OK)
        return EXIT_OK;
    if (status == MAPSCAN_E_CANCELLED)
        return EXIT_INTERRUPTED;
    return mapscan_status_is_input_error(status) ? EXIT_USAGE : EXIT_RUNTIME;
}

void cli_report_failure(const char *file, const mapscan_error *error)
{
    const char *hint = "";
    if (error->status == MAPSCAN_E_TRAILING)
        hint = " (--allow-trailing ignores them)";
    else if (error->status == MAPSCAN_E_EXISTS)
        hint = " (--force replaces it)";
    put_error(file, error->message, hint, true);     /* the library's text, escaped by it */
}

int cli_bad_option(const char *command, char **argv, int optopt_value)
{
    extern int optind;
    char option[3] = { '-', (char)optopt_value, '\0' };
    cli_error(optopt_value && optopt_value < 256 ? option : argv[optind - 1],
              "unknown option or missing value (try '%s %s--help')", cli_program, command);
    return EXIT_USAGE;
}

bool cli_take_type(const char *text, mapscan_type *type, cli_order *order)
{
    order->type_sets = false;   /* a later -t without an order character clears an earlier one */
    if (mapscan_type_parse(text, type, &order->from_type, &order->type_sets))
        return true;
    cli_error("--type", "unknown type '%s' (i8 u8 i16 u16 i32 u32 i64 u64 f16 bf16 f32 f64, or numpy's int32, <i4, >u2, <f8...)", text);
    return false;
}

bool cli_take_endian(const char *text, cli_order *order)
{
    if (mapscan_endian_parse(text, &order->from_option)) {
        order->option_sets = true;
        return true;
    }
    cli_error("--endian", "unknown byte order '%s' (little, big or native)", text);
    return false;
}

bool cli_resolve_order(const cli_order *order, mapscan_endian *endian)
{
    if (order->type_sets && order->option_sets &&
        mapscan_endian_resolve(order->from_type) != mapscan_endian_resolve(order->from_option)) {
        cli_error("--endian", "conflicts with the byte order of --type");
        return false;
    }
    *endian = order->option_sets ? order->from_option : order->type_sets ? order->from_type : MAPSCAN_LITTLE;
    return true;
}

bool cli_parse_size(const char *option, const char *text, uint64_t *value)
{
    if (mapscan_size_parse(text, value))
        return true;
    cli_error(option, "'%s' is not a size (a whole number with K M G T, KB MB GB TB or KiB MiB GiB TiB)", text);
    return false;
}

bool cli_parse_u64(const char *option, const char *text, uint64_t *value)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (!isdigit((unsigned char)text[0]) || *end != '\0' || errno) {   /* strtoull takes " -1" */
        cli_error(option, "'%s' is not a whole number", text);
        return false;
    }
    *value = v;
    return true;
}

bool cli_number(const char *text, size_t len, double *v)
{
    char buf[64];
    if (len == 0 || isspace((unsigned char)text[0]))
        return false;       /* strtod would skip a space */
    if (text[len] != '\0') {      /* a piece of a list: copied, to end where it ends */
        if (len >= sizeof buf)
            return false;
        memcpy(buf, text, len);
        buf[len] = '\0';
        text = buf;
    }
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    return *end == '\0' && errno == 0;
}

bool cli_check_kernel(const char *source, const char *name)
{
    if (mapscan_kernel_available(name))
        return true;
    if (mapscan_kernel_known(name))
        cli_error(source, "the %s kernel is not supported by this CPU (it runs scalar%s)", name,
                  mapscan_kernel_available("avx2") ? " and avx2" : "");
    else
        cli_error(source, "unknown kernel '%s' (scalar, avx2 or avx512)", name ? name : "");
    return false;
}

bool cli_parse_threads(const char *text, unsigned *threads)
{
    uint64_t v;
    if (!cli_parse_u64("--threads", text, &v))
        return false;
    if (v < 1 || v > 65536) {
        cli_error("--threads", "'%s' is out of range (1 to 65536)", text);
        return false;
    }
    *threads = (unsigned)v;
    return true;
}

void cli_human_bytes(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024 && u < 6) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(buf, len, "%llu B", (unsigned long long)bytes);
    else
        snprintf(buf, len, "%.2f %s", v, units[u]);
}

void cli_human_rate(double bytes_per_second, char *buf, size_t len)
{
    if (bytes_per_second >= 1e9)
        snprintf(buf, len, "%.2f GB/s", bytes_per_second / 1e9);
    else
        snprintf(buf, len, "%.1f MB/s", bytes_per_second / 1e6);
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool cli_progress_wanted(int choice, bool quiet)
{
    if (choice >= 0)
        return choice == 1;
    return !quiet && isatty(STDERR_FILENO);
}

void cli_progress(uint64_t done, uint64_t total, void *arg)
{
    cli_progress_state *s = arg;
    double elapsed = cli_now() - s->started;
    if (elapsed < 0.3)
        return;     /* short runs show no bar at all */
    char have[32], rate[32];
    cli_human_bytes(done, have, sizeof have);
    cli_human_rate((double)done / elapsed, rate, sizeof rate);
    if (total) {
        int pct = (int)(100.0 * (double)done / (double)total);
        char all[32];
        cli_human_bytes(total, all, sizeof all);
        int filled = pct * 30 / 100;
        fputc('\r', stderr);
        cli_put_text(stderr, s->label);
        fprintf(stderr, " [%-30.*s] %3d%%  %s / %s  %s\033[K", filled, "##############################", pct, have,
                all, rate);
    } else {
        fputc('\r', stderr);
        cli_put_text(stderr, s->label);
        fprintf(stderr, " %s  %s\033[K", have, rate);
    }
    s->shown = true;
}

void cli_progress_clear(cli_progress_state *s)
{
    if (s->shown)
        fprintf(stderr, "\r\033[K");
    s->shown = false;
}

void cli_format_double(double v, char buf[static 32])
{
    if (isnan(v)) {
        snprintf(buf, 32, "nan");       /* whatever its sign and payload */
        return;
    }
    if (isinf(v)) {
        snprintf(buf, 32, "%s", v < 0 ? "-inf" : "inf");
        return;
    }
    /* The fewest digits that read back as the same binary64 (17 always do),
     * written as Python's repr writes them: positional for exponents from
     * -4 to 15 (2000, 0.25), scientific otherwise (1e+300, 1e-05). */
    for (int digits = 1; digits <= 17; digits++) {
        snprintf(buf, 32, "%.*e", digits - 1, v);
        if (strtod(buf, NULL) != v || signbit(strtod(buf, NULL)) != signbit(v))
            continue;
        int exponent = atoi(strchr(buf, 'e') + 1);
        if (exponent >= -4 && exponent < 16)
            snprintf(buf, 32, "%.*f", digits - 1 - exponent > 0 ? digits - 1 - exponent : 0, v);
        else
            snprintf(buf, 32, "%.*g", digits, v);
        return;
    }
}

/* Number or null; the non-finite ones as strings, so the line stays JSON.
 * A number always has a point or an exponent ("1.0", "-0.0"), so that
 * readers that make integers of "1" (Python's json) keep it a float and
 * keep the sign of -0. */
void cli_json_double(FILE *out, double v, bool present)
{
    char text[32];
    if (!present) {
        fputs("null", out);
        return;
    }
    cli_format_double(v, text);
    if (!isfinite(v))
        fprintf(out, "\"%s\"", text);
    else
        fprintf(out, "%s%s", text, strpbrk(text, ".e") ? "" : ".0");
}

/* The statistics as the text forms: min, max, sum, mean ("-" for none). */
typedef struct stat_texts {
    char min[41], max[41], sum[41], mean[48];
} stat_texts;

static void stat_texts_of(const mapscan_result *r, stat_texts *t)
{
    const mapscan_stats *st = &r->stats;
    bool is_float = mapscan_type_is_float(r->type);
    snprintf(t->min, sizeof t->min, "-");           /* none: every element NaN, or no element */
    snprintf(t->max, sizeof t->max, "-");
    snprintf(t->mean, sizeof t->mean, "-");
    if (is_float)
        cli_format_double(r->floats.sum, t->sum);
    else
        mapscan_int128_format(st->sum, t->sum);
    if (st->count == (is_float ? r->floats.nan : 0))
        return;
    if (is_float) {
        cli_format_double(r->floats.min, t->min);
        cli_format_double(r->floats.max, t->max);
        cli_format_double(r->floats.mean, t->mean);
    } else {
        mapscan_int128_format(st->min, t->min);
        mapscan_int128_format(st->max, t->max);
        snprintf(t->mean, sizeof t->mean, "%.6Lf", mapscan_stats_mean(st));
    }
}

void cli_stats_rows(const mapscan_result *r, cli_row_fn row, void *arg)
{
    stat_texts t;
    stat_texts_of(r, &t);
    char n[24];
    snprintf(n, sizeof n, "%llu", (unsigned long long)r->stats.count);
    row(arg, "count", n);
    if (mapscan_type_is_float(r->type)) {
        snprintf(n, sizeof n, "%llu", (unsigned long long)r->floats.nan);
        row(arg, "nan", n);
    }
    row(arg, "min", t.min);
    row(arg, "max", t.max);
    row(arg, "sum", t.sum);
    row(arg, "mean", t.mean);
}

void cli_print_row(void *out, const char *label, const char *text)
{
    fprintf(out, "%-8s %s\n", label, text);
}

void cli_text_stats(FILE *out, const mapscan_result *r)
{
    cli_stats_rows(r, cli_print_row, out);
}

void cli_quiet_stats(FILE *out, const mapscan_result *r)
{
    stat_texts t;
    stat_texts_of(r, &t);
    fprintf(out, "\t%llu\t%s\t%s\t%s\t%s", (unsigned long long)r->stats.count, t.min, t.max, t.sum, t.mean);
    if (mapscan_type_is_float(r->type))
        fprintf(out, "\t%llu", (unsigned long long)r->floats.nan);
}

void cli_json_stats(FILE *out, const mapscan_result *r)
{
    const mapscan_stats *st = &r->stats;
    fprintf(out, "\"count\":%llu,", (unsigned long long)st->count);
    if (mapscan_type_is_float(r->type)) {
        const mapscan_float_stats *f = &r->floats;
        bool any = st->count > f->nan;
        fprintf(out, "\"nan\":%llu,\"min\":", (unsigned long long)f->nan);
        cli_json_double(out, f->min, any);
        fputs(",\"max\":", out);
        cli_json_double(out, f->max, any);
        fputs(",\"sum\":", out);
        cli_json_double(out, f->sum, true);
        fputs(",\"mean\":", out);
        cli_json_double(out, f->mean, any);
        return;
    }
    char a[41], b[41], c[41];
    if (st->count == 0) {
        fprintf(out, "\"min\":null,\"max\":null,\"sum\":0,\"mean\":null");
        return;
    }
    fprintf(out, "\"min\":%s,\"max\":%s,\"sum\":%s,\"mean\":%.19Lg", mapscan_int128_format(st->min, a),
            mapscan_int128_format(st->max, b), mapscan_int128_format(st->sum, c),
            mapscan_stats_mean(st));
}

/* A closed descriptor 0, 1 or 2 would be handed to the next file opened
 * (gen's temporary, say), and output meant for the terminal would land in
 * it. Each closed one gets /dev/null, opened in the direction that makes
 * its own use fail as a closed descriptor would (EBADF): reading "-" still
 * fails, and so does writing results, which cli_finish_stdout reports. */
void cli_guard_std_descriptors(void)
{
    for (int fd = 0; fd <= 2; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int got = open("/dev/null", (fd == 0 ? O_WRONLY : O_RDONLY) | O_NOCTTY);
        if (got != fd)
            _exit(EXIT_RUNTIME);    /* no /dev/null: nothing safe to do, and nowhere to say it */
    }
}

static int stdout_errno;

void cli_flush_stdout(void)
{
    if (fflush(stdout) != 0 && !stdout_errno)
        stdout_errno = errno;
}

int cli_finish_stdout(int status)
{
    cli_flush_stdout();
    bool failed = ferror(stdout) || stdout_errno;
    errno = 0;
    if (fclose(stdout) != 0) {
        failed = true;
        if (!stdout_errno)
            stdout_errno = errno;
    }
    if (!failed)
        return status;
    if (stdout_errno)
        cli_error("write error", "%s", strerror(stdout_errno));
    else
        cli_error("write error", "standard output could not be written");
    return status > EXIT_RUNTIME ? status : EXIT_RUNTIME;
}
