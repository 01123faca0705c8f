/*
 * The statistics beyond the default ones on the command line: --stats,
 * --ddof, --quantiles, --median, --histogram, --range and --describe, and
 * how each output form shows them. The library computes; this file only
 * parses and prints.
 */
#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool cli_take_stats(scan_cli *cli, const char *text)
{
    static const struct { const char *name; unsigned shown, bits; } names[] = {
        { "var", CLI_SHOW_VAR, MAPSCAN_STAT_VAR },
        { "std", CLI_SHOW_STD, MAPSCAN_STAT_VAR },
        { "argmin", CLI_SHOW_ARGMIN, MAPSCAN_STAT_ARGMIN },
        { "argmax", CLI_SHOW_ARGMAX, MAPSCAN_STAT_ARGMAX },
        { "all", CLI_SHOW_VAR | CLI_SHOW_STD | CLI_SHOW_ARGMIN | CLI_SHOW_ARGMAX, MAPSCAN_STAT_ALL },
    };
    const char *p = text;
    do {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < sizeof names / sizeof names[0] && !(strlen(names[i].name) == len && !strncmp(p, names[i].name, len)))
            i++;
        if (i == sizeof names / sizeof names[0]) {
            cli_error("--stats", "unknown statistic '%.*s' (var, std, argmin, argmax or all)", (int)len, p);
            return false;
        }
        cli->more.shown |= names[i].shown;
        cli->options.stats |= names[i].bits;
        p += len;
    } while (*p++ == ',');
    return true;
}

bool cli_take_quantiles(scan_cli *cli, const char *text, const char *option)
{
    cli_extra *x = &cli->more;
    const char *p = text;
    do {
        size_t len = strcspn(p, ",");
        double q;
        if (!cli_number(p, len, &q) || !(q >= 0 && q <= 1)) {
            cli_error(option, "'%.*s' is not a quantile (a number from 0 to 1)", (int)len, p);
            return false;
        }
        if (x->nq == MAPSCAN_MAX_QUANTILES) {
            cli_error(option, "more than %d quantiles", MAPSCAN_MAX_QUANTILES);
            return false;
        }
        snprintf(x->text[x->nq], sizeof x->text[x->nq], "%.*s", (int)len, p);
        x->q[x->nq++] = q;
        p += len;
    } while (*p++ == ',');
    cli->options.quantiles = x->q;
    cli->options.nquantiles = x->nq;
    return true;
}

bool cli_take_range(scan_cli *cli, const char *text)
{
    const char *colon = strchr(text, ':');
    double lo, hi;
    if (!colon || !cli_number(text, (size_t)(colon - text), &lo) || !cli_number(colon + 1, strlen(colon + 1), &hi)) {
        cli_error("--range", "'%s' is not LO:HI (two numbers)", text);
        return false;
    }
    if (!(isfinite(lo) && isfinite(hi) && lo < hi)) {
        cli_error("--range", "'%s': LO and HI must be finite, LO below HI", text);
        return false;
    }
    cli->options.histogram_range = true;
    cli->options.range_lo = lo;
    cli->options.range_hi = hi;
    return true;
}

bool cli_extra_ready(scan_cli *cli)
{
    mapscan_options *o = &cli->options;
    if (o->histogram_range && !o->histogram_bins) {
        cli_error("--range", "needs --histogram");
        return false;
    }
    if (o->histogram_bins) {
        cli->more.counts = calloc(o->histogram_bins, sizeof(uint64_t));
        cli->more.total_counts = calloc(o->histogram_bins, sizeof(uint64_t));
        if (!cli->more.counts || !cli->more.total_counts) {
            cli_error("--histogram", "out of memory for %llu bins", (unsigned long long)o->histogram_bins);
            return false;
        }
        o->histogram_counts = cli->more.counts;
    }
    return true;
}

void cli_extra_free(scan_cli *cli)
{
    free(cli->more.counts);
    free(cli->more.total_counts);
    cli->more.counts = cli->more.total_counts = NULL;
}

/* ---- output ---- */

static uint64_t counted_of(const mapscan_result *r)
{
    return r->stats.count - (mapscan_type_is_float(r->type) ? r->floats.nan : 0);
}

static bool var_defined(const mapscan_result *r)
{
    return counted_of(r) > r->extra.ddof;
}

/* An N-d index of a .npy position, "(3, 4)", into buf. */
static void index_text(const mapscan_result *r, uint64_t position, char *buf, size_t len)
{
    uint64_t index[64];
    unsigned ndim = mapscan_unravel(r, position, index);
    size_t used = (size_t)snprintf(buf, len, "(");
    for (unsigned k = 0; k < ndim && used < len; k++)
        used += (size_t)snprintf(buf + used, len - used, "%s%llu", k ? ", " : "", (unsigned long long)index[k]);
    if (used < len)
        snprintf(buf + used, len - used, ndim == 1 ? ",)" : ")");
}

static bool has_index(const mapscan_result *r)
{
    uint64_t index[64];
    return mapscan_unravel(r, 0, index) > 0;
}

/* A position as the text forms show it: "3", or "3 (1, 2)" for a .npy, or "-". */
static void position_text(const mapscan_result *r, uint64_t position, char *buf, size_t len)
{
    if (!counted_of(r)) {
        snprintf(buf, len, "-");
        return;
    }
    size_t used = (size_t)snprintf(buf, len, "%llu", (unsigned long long)position);
    if (has_index(r) && used + 1 < len) {
        buf[used++] = ' ';
        index_text(r, position, buf + used, len - used);
    }
}

/* The text of a value that may be none ("-"). */
static void value_text(double v, bool present, char buf[static 32])
{
    if (present)
        cli_format_double(v, buf);
    else
        snprintf(buf, 32, "-");
}

/* A bar per bin, its edges and count beside it, within 80 columns. */
void cli_histogram_text(FILE *out, const mapscan_extra_stats *x, const char *name)
{
    char lo[32], hi[32];
    cli_format_double(x->lo, lo);
    cli_format_double(x->hi, hi);
    if (name) {
        fputs("histogram of ", out);
        cli_put_text(out, name);
        fprintf(out, ": %llu bins from %s to %s\n", (unsigned long long)x->bins, lo, hi);
    } else {
        fprintf(out, "%-8s %llu bins from %s to %s\n", "histogram", (unsigned long long)x->bins, lo, hi);
    }
    uint64_t most = 0;
    int label_width = 0, count_width = 1;
    for (uint64_t i = 0; i < x->bins; i++) {
        most = x->counts[i] > most ? x->counts[i] : most;
        char a[32], b[32];
        cli_format_double(mapscan_histogram_edge(x->lo, x->hi, x->bins, i), a);
        cli_format_double(mapscan_histogram_edge(x->lo, x->hi, x->bins, i + 1), b);
        int w = (int)(strlen(a) + strlen(b) + 4);
        label_width = w > label_width ? w : label_width;
    }
    count_width = snprintf(NULL, 0, "%llu", (unsigned long long)most);
    int room = 80 - 2 - label_width - 1 - count_width - 1;
    if (room < 10)
        room = 10;
    for (uint64_t i = 0; i < x->bins; i++) {
        char a[32], b[32], label[80];
        cli_format_double(mapscan_histogram_edge(x->lo, x->hi, x->bins, i), a);
        cli_format_double(mapscan_histogram_edge(x->lo, x->hi, x->bins, i + 1), b);
        snprintf(label, sizeof label, "[%s, %s%c", a, b, i + 1 == x->bins ? ']' : ')');
        int bar = most ? (int)((double)x->counts[i] / (double)most * room + 0.5) : 0;
        if (bar == 0 && x->counts[i])
            bar = 1;    /* a bin with something in it never looks empty */
        fprintf(out, "  %-*s %*llu%s", label_width, label, count_width, (unsigned long long)x->counts[i],
                bar ? " " : "");
        for (int k = 0; k < bar; k++)
            fputc('#', out);
        fputc('\n', out);
    }
    if (x->ranged)
        fprintf(out, "  below %llu, above %llu\n", (unsigned long long)x->below, (unsigned long long)x->above);
}

void cli_extra_rows(const scan_cli *cli, const mapscan_result *r, bool total, cli_row_fn row, void *arg)
{
    const cli_extra *c = &cli->more;
    const mapscan_extra_stats *x = &r->extra;
    char v[1600];     /* a position and its index: up to 65 numbers of 20 digits */
    if (c->shown & CLI_SHOW_VAR)
        value_text(x->var, var_defined(r), v), row(arg, "var", v);
    if (c->shown & CLI_SHOW_STD)
        value_text(x->std, var_defined(r), v), row(arg, "std", v);
    if ((c->shown & CLI_SHOW_ARGMIN) && !total)
        position_text(r, x->argmin, v, sizeof v), row(arg, "argmin", v);
    if ((c->shown & CLI_SHOW_ARGMAX) && !total)
        position_text(r, x->argmax, v, sizeof v), row(arg, "argmax", v);
    for (size_t i = 0; !total && i < x->nquantiles && i < c->nq; i++) {
        char label[40];
        snprintf(label, sizeof label, "q%s", c->text[i]);
        value_text(x->quantile[i], counted_of(r) > 0, v);
        row(arg, label, v);
    }
}

void cli_extra_text(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total)
{
    cli_extra_rows(cli, r, total, cli_print_row, out);
    if (r->extra.bins && r->extra.counts)
        cli_histogram_text(out, &r->extra, NULL);
}

static void json_position(FILE *out, const char *key, const mapscan_result *r, uint64_t position)
{
    if (!counted_of(r)) {
        fprintf(out, ",\"%s\":null", key);
        return;
    }
    fprintf(out, ",\"%s\":%llu", key, (unsigned long long)position);
    if (!has_index(r))
        return;
    uint64_t index[64];
    unsigned ndim = mapscan_unravel(r, position, index);
    fprintf(out, ",\"%s_index\":[", key);
    for (unsigned k = 0; k < ndim; k++)
        fprintf(out, "%s%llu", k ? "," : "", (unsigned long long)index[k]);
    fputc(']', out);
}

static void json_histogram(FILE *out, const mapscan_extra_stats *x)
{
    fputs(",\"histogram\":{\"edges\":[", out);
    for (uint64_t i = 0; i <= x->bins; i++) {
        fputs(i ? "," : "", out);
        cli_json_double(out, mapscan_histogram_edge(x->lo, x->hi, x->bins, i), true);
    }
    fputs("],\"counts\":[", out);
    for (uint64_t i = 0; i < x->bins; i++)
        fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)x->counts[i]);
    fputc(']', out);
    if (x->ranged)
        fprintf(out, ",\"below\":%llu,\"above\":%llu", (unsigned long long)x->below, (unsigned long long)x->above);
    fputc('}', out);
}

void cli_extra_json(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total)
{
    const cli_extra *c = &cli->more;
    const mapscan_extra_stats *x = &r->extra;
    if (c->shown & CLI_SHOW_VAR)
        fputs(",\"var\":", out), cli_json_double(out, x->var, var_defined(r));
    if (c->shown & CLI_SHOW_STD)
        fputs(",\"std\":", out), cli_json_double(out, x->std, var_defined(r));
    if (c->shown & (CLI_SHOW_VAR | CLI_SHOW_STD))
        fprintf(out, ",\"ddof\":%llu", (unsigned long long)x->ddof);
    if ((c->shown & CLI_SHOW_ARGMIN) && !total)
        json_position(out, "argmin", r, x->argmin);
    if ((c->shown & CLI_SHOW_ARGMAX) && !total)
        json_position(out, "argmax", r, x->argmax);
    if (c->nq && !total) {
        fputs(",\"quantiles\":{", out);
        for (size_t i = 0; i < x->nquantiles && i < c->nq; i++) {
            fputs(i ? "," : "", out);
            cli_json_string(out, c->text[i]);
            fputc(':', out);
            cli_json_double(out, x->quantile[i], counted_of(r) > 0);
        }
        fputc('}', out);
    }
    if (x->bins && x->counts)
        json_histogram(out, x);
}

/* -q's extra columns, in this order: var, std, argmin, argmax (those
 * asked for), each quantile as asked, then the histogram's counts (below
 * and above first, with a range). The total's positions and quantiles
 * are "-". */
void cli_extra_quiet(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total)
{
    const cli_extra *c = &cli->more;
    const mapscan_extra_stats *x = &r->extra;
    char v[32];
    if (c->shown & CLI_SHOW_VAR)
        value_text(x->var, var_defined(r), v), fprintf(out, "\t%s", v);
    if (c->shown & CLI_SHOW_STD)
        value_text(x->std, var_defined(r), v), fprintf(out, "\t%s", v);
    if (c->shown & CLI_SHOW_ARGMIN) {
        if (total || !counted_of(r))
            fputs("\t-", out);
        else
            fprintf(out, "\t%llu", (unsigned long long)x->argmin);
    }
    if (c->shown & CLI_SHOW_ARGMAX) {
        if (total || !counted_of(r))
            fputs("\t-", out);
        else
            fprintf(out, "\t%llu", (unsigned long long)x->argmax);
    }
    for (size_t i = 0; i < c->nq; i++) {
        value_text(i < x->nquantiles ? x->quantile[i] : 0, !total && i < x->nquantiles && counted_of(r) > 0, v);
        fprintf(out, "\t%s", v);
    }
    if (cli->options.histogram_bins && x->bins && x->counts) {
        if (x->ranged)
            fprintf(out, "\t%llu\t%llu", (unsigned long long)x->below, (unsigned long long)x->above);
        for (uint64_t i = 0; i < x->bins; i++)
            fprintf(out, "\t%llu", (unsigned long long)x->counts[i]);
    }
}

/* The total's histogram: only over fixed edges (each file's own min and
 * max give each its own edges otherwise), in counts of the CLI's own. */
void cli_extra_total_begin(const scan_cli *cli, mapscan_result *total)
{
    const mapscan_options *o = &cli->options;
    memset(total, 0, sizeof *total);
    total->extra.computed = o->stats;
    total->extra.ddof = o->ddof;
    if (o->histogram_bins && o->histogram_range) {
        total->extra.bins = o->histogram_bins;
        total->extra.counts = cli->more.total_counts;
        total->extra.ranged = true;
        total->extra.lo = o->range_lo;
        total->extra.hi = o->range_hi;
    }
}
