/* Shared pieces of the mapscan command: nothing here is part of the library. */
#ifndef MAPSCAN_CLI_H
#define MAPSCAN_CLI_H

#include "mapscan.h"

#include <stdio.h>

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2, EXIT_INTERRUPTED = 130 };

/* The name messages start with ("mapscan"), and whether they are shown at
 * all (mapscan-mpi's ranks other than 0 keep quiet). */
extern const char *cli_program;
extern bool cli_silent;

struct option;

int cmd_scan(int argc, char **argv);

/* What the extra statistics' options asked for (extra.c). */
enum { CLI_SHOW_VAR = 1, CLI_SHOW_STD = 2, CLI_SHOW_ARGMIN = 4, CLI_SHOW_ARGMAX = 8 };
typedef struct cli_extra {
    unsigned shown;                 /* CLI_SHOW_* */
    size_t nq;
    double q[MAPSCAN_MAX_QUANTILES];
    char text[MAPSCAN_MAX_QUANTILES][32];  /* each quantile as written */
    uint64_t *counts, *total_counts;        /* the histogram's: a file's, the total's */
} cli_extra;

/* The scan command's options, parsed apart from running them (so that the
 * parser can be fuzzed alone). */
typedef struct scan_cli {
    mapscan_options options;
    cli_extra more;             /* the extra statistics (extra.c) */
    bool json, quiet;
    int progress;       /* -1 default, 0 off, 1 on */
    /* A front end's own options beside the scan's (mapscan-mpi's --io):
     * extra_options' values (>= 512) go to take_extra, which returns false
     * after printing an error. usage replaces the scan's --help text. */
    const struct option *extra_options;
    const char *extra_shorts;   /* getopt letters of the front end's own ("r:"), also to take_extra */
    bool (*take_extra)(struct scan_cli *cli, int option, const char *value);
    void *extra;
    const char *usage;
    /* bench: -j and -b take comma-separated lists, kept as written. */
    bool lists;
    const char *threads_list, *backends_list;
    /* --files-from FILE (- for standard input) and -0/--null, taken only
     * when the front end sets file_lists (scan and mapscan-mpi, not bench). */
    bool file_lists;
    const char *files_from;
    bool null_list;
} scan_cli;
void cli_scan_init(scan_cli *cli);
/* -1 to go on and scan argv[optind..]; otherwise the exit status (after
 * --help, --version or a one-line error). */
int cli_scan_parse(int argc, char **argv, scan_cli *cli);
/* One file's result (file NULL: the total) in the format chosen; json_extra
 * ("\"key\":value,..."), when given, is added to the JSON object and
 * text_extra (whole lines) to the table after its backend line. */
void cli_print_result(const scan_cli *cli, const char *file, const mapscan_result *r, bool first,
                      const char *json_extra, const char *text_extra);
/* Adds a file's result to the total line's. With columns, the total owns
 * a copy of the first file's (free it with mapscan_result_free). */
void cli_total_add(mapscan_result *total, const mapscan_result *r);

/* output.c's pieces, for columns.c: the format line's text (no newline);
 * one result as a JSON object (a line) or a -q line, with "column" (or
 * -q's second field) when column is given. */
void cli_put_layout(const mapscan_options *o, const mapscan_result *r);
/* The text form's lines about the scan (output.c): "file" and "format";
 * "backend", the caller's extra lines and "scanned"; "time". */
void cli_text_file(const scan_cli *cli, const char *file, const mapscan_result *r);
void cli_text_run(const mapscan_result *r, const char *extra);
void cli_text_time(const mapscan_result *r);
void cli_json_result(const scan_cli *cli, const char *file, const char *column, const mapscan_result *r,
                     const char *extra);
void cli_quiet_result(const scan_cli *cli, const char *file, const char *column, const mapscan_result *r);

/* columns.c: a scan of several columns (r->ncolumns > 0), as
 * cli_print_result prints it (same arguments); and its part of
 * cli_total_add: true when it took r, that is when r or the total has
 * columns. A total over files whose columns differ (names, types, their
 * number, or columns in some files only) has none: cli_total_refused
 * says why, and cli_print_result prints that on stderr instead. */
void cli_columns_print(const scan_cli *cli, const char *file, const mapscan_result *r, bool first,
                       const char *json_extra, const char *text_extra);
bool cli_columns_total_add(mapscan_result *total, const mapscan_result *r);
const char *cli_total_refused(const mapscan_result *total);

/* The files to scan: those on the command line, then --files-from's. */
typedef struct cli_files {
    char **paths;
    size_t n;
    char *text;     /* the list's bytes, which its paths point into */
} cli_files;
/* Reads a --files-from list (a path, or - for standard input) whole into
 * *text (malloc'd, NUL-terminated past len); false after a message. */
bool cli_list_read(const char *name, char **text, size_t *len);
/* given[0..ngiven) then text's entries, one a line (nul: each ended by a
 * NUL byte; the last terminator may be missing), split in place; files
 * owns text afterwards, whatever the outcome. -1, or the exit status after
 * a message naming the list: an empty entry (its number), a NUL byte in a
 * line, no entry, - in a list read from standard input. */
int cli_files_join(char **given, size_t ngiven, const char *name, char *text, size_t len, bool nul,
                   cli_files *files);
/* Both for one process: argv[optind..] and cli->files_from's list. -1 or the exit status. */
int cli_files_take(const scan_cli *cli, int argc, char **argv, cli_files *files);
void cli_files_free(cli_files *files);

int cmd_gen(int argc, char **argv);

/* The gen command's options, parsed apart from running them. */
typedef struct gen_cli {
    mapscan_gen_options options;
    const char *file;
    bool json, quiet;
    int progress;       /* -1 default, 0 off, 1 on */
} gen_cli;
void cli_gen_init(gen_cli *cli);
/* -1 to go on and write cli->file; otherwise the exit status. */
int cli_gen_parse(int argc, char **argv, gen_cli *cli);
int cmd_bench(int argc, char **argv);

/* Prints "mapscan: <what>: <message>" on stderr. */
void cli_error(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For getopt's '?': one line naming the option; returns EXIT_USAGE. */
int cli_bad_option(const char *command, char **argv, int optopt_value);
/* Exit status for a library failure. */
int cli_exit_status(mapscan_status status);
/* A library error as one line, naming the file, with a hint for the CLI option that applies. */
void cli_report_failure(const char *file, const mapscan_error *error);

/* -t and -e together: a numpy type such as ">u2" carries a byte order,
 * which -e may repeat but not contradict. */
typedef struct cli_order {
    mapscan_endian from_type, from_option;
    bool type_sets, option_sets;
} cli_order;

/* Option values; each prints its own error and returns false when bad. */
bool cli_take_type(const char *text, mapscan_type *type, cli_order *order);
bool cli_take_endian(const char *text, cli_order *order);
/* The byte order to use (little by default); false, with a message, on a conflict. */
bool cli_resolve_order(const cli_order *order, mapscan_endian *endian);
bool cli_parse_size(const char *option, const char *text, uint64_t *value);
bool cli_parse_threads(const char *text, unsigned *threads);
bool cli_parse_u64(const char *option, const char *text, uint64_t *value);
/* Whether the first len bytes of text are a number, whole (strtod's
 * forms, no leading space, in binary64's range): *v. Prints nothing. */
bool cli_number(const char *text, size_t len, double *v);
/* A kernel name from --kernel or MAPSCAN_KERNEL: unknown and unsupported told apart. */
bool cli_check_kernel(const char *source, const char *name);

/* "4.00 GiB", "3.21 GB/s" */
void cli_human_bytes(uint64_t bytes, char *buf, size_t len);
void cli_human_rate(double bytes_per_second, char *buf, size_t len);

/* Progress bar on stderr; cli_progress is a mapscan_progress_fn whose arg
 * is a cli_progress_state. */
typedef struct cli_progress_state {
    const char *label;
    double started;
    bool shown;
} cli_progress_state;
void cli_progress(uint64_t done, uint64_t total, void *arg);
void cli_progress_clear(cli_progress_state *state);
/* --progress / --no-progress / default: a terminal on stderr. */
bool cli_progress_wanted(int choice, bool quiet);

/* Names in each output format, by the rules at the top of escape.c. */
void cli_put_text(FILE *out, const char *s);
/* The library's messages and field spellings: already text by that rule,
 * their backslashes meant as written (\t, a field's \.); only what is
 * not valid UTF-8 or a control is escaped. */
void cli_put_message(FILE *out, const char *s);
void cli_json_string(FILE *out, const char *s);
void cli_csv_field(FILE *out, const char *s);

/* Start-up: descriptors 0-2 made valid (see common.c). */
void cli_guard_std_descriptors(void);
/* Flushes stdout, remembering the first error. */
void cli_flush_stdout(void);
/* At exit: flushes and closes stdout; on any write error says so in one
 * line and returns at least EXIT_RUNTIME, else status. */
int cli_finish_stdout(int status);

/* JSON output pieces. */
/* A result's statistics: JSON members ("count":...,"mean":...), the text
 * table's rows (count to mean), the tab-separated columns of -q (count,
 * min, max, sum, mean, and for floats nan; no newline). Floats are
 * written as cli_format_double has them; in JSON the non-finite ones are
 * the strings "inf", "-inf", "nan". */
void cli_json_stats(FILE *out, const mapscan_result *r);
void cli_text_stats(FILE *out, const mapscan_result *r);
void cli_quiet_stats(FILE *out, const mapscan_result *r);
/* The text forms' rows, each a label and its value's text, given to a
 * function one by one: so that a table of columns shows each statistic
 * exactly as the one-column output does. cli_print_row (out a FILE *)
 * prints one as the one-column table does ("%-8s %s"). */
typedef void (*cli_row_fn)(void *arg, const char *label, const char *text);
void cli_print_row(void *out, const char *label, const char *text);
/* count, nan (float types), min, max, sum, mean */
void cli_stats_rows(const mapscan_result *r, cli_row_fn row, void *arg);
/* The shortest decimal that reads back as the same binary64 ("0.1",
 * "1e+300", "-0", "inf", "-inf", "nan"). */
void cli_format_double(double v, char buf[static 32]);
/* A JSON number (with a point or an exponent), a string for the
 * non-finite ones, or null when not present. */
void cli_json_double(FILE *out, double v, bool present);

/* extra.c: the options of the extra statistics (each prints its own
 * error and returns false when bad), their set-up once parsed (the
 * histogram's counters), and their output in each form (total: the
 * total line's, which has no positions or quantiles). */
bool cli_take_stats(scan_cli *cli, const char *text);
bool cli_take_quantiles(scan_cli *cli, const char *text, const char *option);
bool cli_take_range(scan_cli *cli, const char *text);
bool cli_extra_ready(scan_cli *cli);
void cli_extra_free(scan_cli *cli);
void cli_extra_text(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total);
/* cli_extra_text's rows, without the histogram: var, std, argmin, argmax,
 * each quantile (as asked; a total has no positions or quantiles). */
void cli_extra_rows(const scan_cli *cli, const mapscan_result *r, bool total, cli_row_fn row, void *arg);
/* A histogram's text form (x->counts set): a heading line, "histogram of
 * NAME: ..." when a column's name is given, then a bar per bin. */
void cli_histogram_text(FILE *out, const mapscan_extra_stats *x, const char *name);
void cli_extra_json(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total);
void cli_extra_quiet(FILE *out, const scan_cli *cli, const mapscan_result *r, bool total);
/* An empty total that merges the extra statistics the options ask for. */
void cli_extra_total_begin(const scan_cli *cli, mapscan_result *total);
double cli_now(void);

#endif
