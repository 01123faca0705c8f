/*
 * One result in each output form of the scan: the text table, -q's line,
 * a JSON object; and the total over several files. mapscan, mapscan-mpi
 * and their totals all print through cli_print_result; a scan of several
 * columns is printed by columns.c.
 */
#include "cli.h"

#include <string.h>

/* "npy, shape (3, 4), field a" or "raw, records of 16 bytes, element at byte 8";
 * a scan of columns: "npy, shape (9, 16), 16 columns", "raw, records of 24
 * bytes, 3 columns". */
void cli_put_layout(const mapscan_options *o, const mapscan_result *r)
{
    fputs(mapscan_format_name(r->format), stdout);
    if (r->format == MAPSCAN_FORMAT_NPY) {
        fputs(", shape (", stdout);
        for (unsigned i = 0; i < r->ndim; i++)
            printf("%s%llu", i ? ", " : "", (unsigned long long)r->shape[i]);
        fputs(r->ndim == 1 ? ",)" : ")", stdout);
        if (r->ncolumns && r->fortran_order)
            fputs(", Fortran order", stdout);
        if (o->field) {
            fputs(", field ", stdout);
            cli_put_text(stdout, o->field);
        }
    } else if (r->record_size && r->ncolumns) {
        printf(", records of %llu bytes", (unsigned long long)r->record_size);
    } else if (r->record_size) {
        printf(", records of %llu bytes, element at byte %llu", (unsigned long long)r->record_size,
               (unsigned long long)r->field_offset);
    }
    if (r->ncolumns)
        printf(", %zu column%s", r->ncolumns, r->ncolumns == 1 ? "" : "s");
    putchar('\n');
}

void cli_text_file(const scan_cli *cli, const char *file, const mapscan_result *r)
{
    printf("%-8s ", "file");
    cli_put_text(stdout, file ? file : "(total)");
    putchar('\n');
    if (file) {
        printf("%-8s ", "format");
        cli_put_layout(&cli->options, r);
    }
}

void cli_text_run(const mapscan_result *r, const char *extra)
{
    char size[32];
    cli_human_bytes(r->bytes, size, sizeof size);
    printf("%-8s %s, %u thread%s, %s kernel\n", "backend", mapscan_backends_name(r->backends), r->threads,
           r->threads == 1 ? "" : "s", r->kernel ? r->kernel : "-");
    if (extra)
        fputs(extra, stdout);
    printf("%-8s %s (%llu bytes)\n", "scanned", size, (unsigned long long)r->bytes);
}

void cli_text_time(const mapscan_result *r)
{
    char rate[32];
    cli_human_rate(r->seconds > 0 ? (double)r->bytes / r->seconds : 0, rate, sizeof rate);
    printf("%-8s %.3f s, %s\n", "time", r->seconds, rate);
}

static void print_table(const char *file, const scan_cli *cli, const mapscan_result *r, const char *extra)
{
    cli_text_file(cli, file, r);
    printf("%-8s %s %s\n", "type", mapscan_type_name(r->type), mapscan_endian_name(r->endian));
    cli_text_run(r, extra);
    cli_text_stats(stdout, r);
    cli_extra_text(stdout, cli, r, !file);
    cli_text_time(r);
}

void cli_quiet_result(const scan_cli *cli, const char *file, const char *column, const mapscan_result *r)
{
    cli_put_text(stdout, file ? file : "total");
    if (column) {
        putchar('\t');
        cli_put_text(stdout, column);
    }
    cli_quiet_stats(stdout, r);
    cli_extra_quiet(stdout, cli, r, !file);
    putchar('\n');
}

void cli_json_result(const scan_cli *cli, const char *file, const char *column, const mapscan_result *r,
                     const char *extra)
{
    const mapscan_options *o = &cli->options;
    fputs("{\"file\":", stdout);
    if (file) {
        cli_json_string(stdout, file);
        if (column) {
            fputs(",\"column\":", stdout);
            cli_json_string(stdout, column);
        }
        printf(",\"format\":\"%s\"", mapscan_format_name(r->format));
        if (r->format == MAPSCAN_FORMAT_NPY) {
            fputs(",\"shape\":[", stdout);
            for (unsigned i = 0; i < r->ndim; i++)
                printf("%s%llu", i ? "," : "", (unsigned long long)r->shape[i]);
            putchar(']');
            if (o->field) {
                fputs(",\"field\":", stdout);
                cli_json_string(stdout, o->field);
            }
        }
        if (r->record_size)
            printf(",\"record\":%llu,\"field_offset\":%llu", (unsigned long long)r->record_size,
                   (unsigned long long)r->field_offset);
    } else {
        fputs("null,\"total\":true", stdout);
        if (column) {
            fputs(",\"column\":", stdout);
            cli_json_string(stdout, column);
        }
    }
    printf(",\"type\":\"%s\",\"endian\":\"%s\",\"backend\":\"%s\",\"kernel\":\"%s\",\"threads\":%u,"
           "\"bytes\":%llu,",
           mapscan_type_name(r->type), mapscan_endian_name(r->endian), mapscan_backends_name(r->backends),
           r->kernel ? r->kernel : "", r->threads, (unsigned long long)r->bytes);
    cli_json_stats(stdout, r);
    cli_extra_json(stdout, cli, r, !file);
    printf(",\"seconds\":%.6f%s%s}\n", r->seconds, extra ? "," : "", extra ? extra : "");
}

void cli_print_result(const scan_cli *cli, const char *file, const mapscan_result *r, bool first,
                      const char *json_extra, const char *text_extra)
{
    const char *none = file ? NULL : cli_total_refused(r);
    if (none)
        cli_error("total", "none: %s", none);
    else if (r->ncolumns)
        cli_columns_print(cli, file, r, first, json_extra, text_extra);
    else if (cli->json)
        cli_json_result(cli, file, NULL, r, json_extra);
    else if (cli->quiet)
        cli_quiet_result(cli, file, NULL, r);
    else {
        if (!first)
            putchar('\n');
        print_table(file, cli, r, text_extra);
    }
    cli_flush_stdout();
}

void cli_total_add(mapscan_result *total, const mapscan_result *r)
{
    if (cli_columns_total_add(total, r))
        return;
    if (total->stats.count == 0 && total->bytes == 0 && total->floats.nan == 0)
        total->type = r->type;      /* the merge reads the type: float statistics or integer ones */
    mapscan_result_merge(total, r);
    total->kernel = r->kernel;
    total->type = r->type;
    total->endian = r->endian;
}
