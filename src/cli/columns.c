/*
 * A scan of several columns (mapscan_result.columns) in each output form,
 * and its total over several files.
 *
 * Text: the scan's lines (file, format, backend, scanned, time), then a
 * table as pandas' describe() prints one: a header of column names, a row
 * per statistic with the labels and texts of the one-column output (its
 * rows come from the same functions), cells right-aligned. A statistic a
 * column does not have (nan, for an integer column) is "-", as a value
 * that is none. A table wider than the terminal (COLUMNS, else the
 * terminal's width when stdout is one, else 80) is cut into several, each
 * of as many columns as fit (at least one), a blank line between them;
 * then each column's histogram. JSON and -q: each column as one file's
 * object or line, its name beside ("column", or -q's second field).
 */
#include "cli.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* ---- the total ---- */

/* A total's column is "" (no scan's top-level result has a name), so a
 * name there is the reason it has none. */
const char *cli_total_refused(const mapscan_result *total)
{
    return !total->ncolumns && total->column[0] ? total->column : NULL;
}

static void refuse(mapscan_result *total, const char *why)
{
    mapscan_result_free(total);
    snprintf(total->column, sizeof total->column, "%s", why);
}

static bool same_columns(const mapscan_result *a, const mapscan_result *b)
{
    if (a->ncolumns != b->ncolumns)
        return false;
    for (size_t c = 0; c < a->ncolumns; c++)
        if (strcmp(a->columns[c].column, b->columns[c].column) != 0 || a->columns[c].type != b->columns[c].type)
            return false;
    return true;
}

bool cli_columns_total_add(mapscan_result *total, const mapscan_result *r)
{
    if (!r->ncolumns && !total->ncolumns && !cli_total_refused(total))
        return false;
    if (cli_total_refused(total))
        return true;
    if (!total->kernel && !total->ncolumns) {      /* nothing added yet: every scan names its kernel */
        mapscan_error error;
        if (mapscan_result_copy(total, r, &error) != MAPSCAN_OK) {
            refuse(total, "out of memory for the total of each column");
            return true;
        }
        /* as the one-column total: a histogram only over fixed edges */
        for (size_t c = 0; c < total->ncolumns; c++)
            if (!total->columns[c].extra.ranged)
                total->columns[c].extra.bins = 0;
        return true;
    }
    if (!total->ncolumns || !r->ncolumns || !same_columns(total, r)) {
        refuse(total, "the files' columns differ (names, types or number)");
        return true;
    }
    mapscan_result_merge(total, r);
    total->kernel = r->kernel;
    for (size_t c = 0; c < total->ncolumns; c++)
        total->columns[c].kernel = r->kernel;
    return true;
}

/* ---- the table ---- */

/* One column's rows: labels and texts, as the one-column output has them. */
typedef struct rows {
    size_t n, room;
    char **label, **text;
    bool failed;
} rows;

static void add_row(void *arg, const char *label, const char *text)
{
    rows *t = arg;
    if (t->failed)
        return;
    if (t->n == t->room) {
        size_t more = t->room ? 2 * t->room : 16;
        char **l = realloc(t->label, more * sizeof *l);
        if (l)
            t->label = l;
        char **x = l ? realloc(t->text, more * sizeof *x) : NULL;
        if (!x) {
            t->failed = true;
            return;
        }
        t->text = x;
        t->room = more;
    }
    t->label[t->n] = strdup(label);
    t->text[t->n] = strdup(text);
    if (!t->label[t->n] || !t->text[t->n]) {
        free(t->label[t->n]);
        free(t->text[t->n]);
        t->failed = true;
        return;
    }
    t->n++;
}

static void free_rows(rows *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->label[i]);
        free(t->text[i]);
    }
    free(t->label);
    free(t->text);
}

/* Characters on screen: UTF-8 continuation bytes take no place (and wide
 * characters are taken as one). */
static size_t text_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        w += ((unsigned char)*s & 0xc0) != 0x80;
    return w;
}

static void put_padded(const char *s, size_t width)
{
    for (size_t w = text_width(s); w < width; w++)
        putchar(' ');
    fputs(s, stdout);
}

/* COLUMNS when it is a number, else the terminal's width, else 80. */
static size_t screen_width(void)
{
    const char *env = getenv("COLUMNS");
    if (env && *env && strspn(env, "0123456789") == strlen(env) && strlen(env) <= 6 && atoi(env) > 0)
        return (size_t)atoi(env);
    struct winsize ws;
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

typedef struct table {
    size_t ncols, nrows;
    rows *cells;            /* each column's own rows */
    char **name;            /* each column's name, escaped */
    const char **grid;      /* [row * ncols + col]: the text shown */
    const rows *labels;     /* the column with the most rows gives the labels */
    size_t *width, label_width;
} table;

static void table_free(table *t)
{
    for (size_t c = 0; t->cells && c < t->ncols; c++)
        free_rows(&t->cells[c]);
    for (size_t c = 0; t->name && c < t->ncols; c++)
        free(t->name[c]);
    free(t->cells);
    free(t->name);
    free(t->grid);
    free(t->width);
}

/* Each column's rows, lined up under the labels: a column lacks a row
 * (integers: nan) where its next own row has another label. */
static bool table_fill(table *t, const scan_cli *cli, const mapscan_result *r, bool total)
{
    t->ncols = r->ncolumns;
    t->cells = calloc(t->ncols, sizeof *t->cells);
    t->name = calloc(t->ncols, sizeof *t->name);
    t->width = calloc(t->ncols, sizeof *t->width);
    if (!t->cells || !t->name || !t->width)
        return false;
    for (size_t c = 0; c < t->ncols; c++) {
        const mapscan_result *col = &r->columns[c];
        char type[48];
        snprintf(type, sizeof type, "%s %s", mapscan_type_name(col->type), mapscan_endian_name(col->endian));
        add_row(&t->cells[c], "type", type);
        cli_stats_rows(col, add_row, &t->cells[c]);
        cli_extra_rows(cli, col, total, add_row, &t->cells[c]);
        size_t len = strlen(col->column), room = 4 * len + 1;     /* \xHH at most per byte */
        t->name[c] = malloc(room);
        if (t->cells[c].failed || !t->name[c])
            return false;
        mapscan_text_escape(t->name[c], room, col->column, len, "\\");
        if (!t->labels || t->cells[c].n > t->labels->n)
            t->labels = &t->cells[c];
    }
    t->nrows = t->labels->n;
    t->grid = calloc(t->nrows * t->ncols, sizeof *t->grid);
    if (!t->grid)
        return false;
    for (size_t c = 0; c < t->ncols; c++) {
        const rows *own = &t->cells[c];
        size_t next = 0;
        t->width[c] = text_width(t->name[c]);
        for (size_t i = 0; i < t->nrows; i++) {
            const char *text = "-";
            if (next < own->n && strcmp(own->label[next], t->labels->label[i]) == 0)
                text = own->text[next++];
            t->grid[i * t->ncols + c] = text;
            size_t w = text_width(text);
            t->width[c] = w > t->width[c] ? w : t->width[c];
        }
    }
    for (size_t i = 0; i < t->nrows; i++) {
        size_t w = strlen(t->labels->label[i]);
        t->label_width = w > t->label_width ? w : t->label_width;
    }
    return true;
}

/* Columns [from, to) as one table. */
static void table_print(const table *t, size_t from, size_t to)
{
    printf("%*s", (int)t->label_width, "");
    for (size_t c = from; c < to; c++) {
        fputs("  ", stdout);
        put_padded(t->name[c], t->width[c]);
    }
    putchar('\n');
    for (size_t i = 0; i < t->nrows; i++) {
        printf("%-*s", (int)t->label_width, t->labels->label[i]);
        for (size_t c = from; c < to; c++) {
            fputs("  ", stdout);
            put_padded(t->grid[i * t->ncols + c], t->width[c]);
        }
        putchar('\n');
    }
}

static void print_tables(const scan_cli *cli, const mapscan_result *r, bool total)
{
    table t = { 0 };
    if (!table_fill(&t, cli, r, total)) {
        table_free(&t);
        cli_error("table", "out of memory for a table of %zu columns", r->ncolumns);
        return;
    }
    size_t screen = screen_width();
    for (size_t from = 0, to; from < t.ncols; from = to) {
        size_t line = t.label_width + 2 + t.width[from];
        for (to = from + 1; to < t.ncols && line + 2 + t.width[to] <= screen; to++)
            line += 2 + t.width[to];
        if (from)
            putchar('\n');
        table_print(&t, from, to);
    }
    table_free(&t);
}

static void print_text(const scan_cli *cli, const char *file, const mapscan_result *r, const char *extra)
{
    cli_text_file(cli, file, r);
    cli_text_run(r, extra);
    cli_text_time(r);
    print_tables(cli, r, !file);
    for (size_t c = 0; c < r->ncolumns; c++) {
        const mapscan_extra_stats *x = &r->columns[c].extra;
        if (x->bins && x->counts) {
            putchar('\n');
            cli_histogram_text(stdout, x, r->columns[c].column);
        }
    }
}

/* A column's result with the scan's facts: mapscan-mpi and the total set
 * the scan's time and threads on the top-level result only. */
static void with_scan_facts(mapscan_result *col, const mapscan_result *r)
{
    col->bytes = r->bytes;
    col->seconds = r->seconds;
    col->threads = r->threads;
    col->backends = r->backends;
    col->kernel = r->kernel;
}

void cli_columns_print(const scan_cli *cli, const char *file, const mapscan_result *r, bool first,
                       const char *json_extra, const char *text_extra)
{
    if (!cli->json && !cli->quiet) {
        if (!first)
            putchar('\n');
        print_text(cli, file, r, text_extra);
        return;
    }
    for (size_t c = 0; c < r->ncolumns; c++) {
        mapscan_result col = r->columns[c];
        with_scan_facts(&col, r);
        if (cli->json)
            cli_json_result(cli, file, col.column, &col, json_extra);
        else
            cli_quiet_result(cli, file, col.column, &col);
    }
}
