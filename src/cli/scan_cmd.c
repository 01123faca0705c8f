/* mapscan [scan]: scan each FILE and print its statistics. */
#include "cli.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

static const char scan_usage[] =
    "Usage: mapscan [scan] [OPTIONS] FILE...     (FILE may be - for standard input)\n"
    "       mapscan [scan] [OPTIONS] [FILE...] --files-from LIST\n"
    "Exact count, min, max, sum and mean of a binary file of integers or floats, on\n"
    "all cores.\n"
    "\n"
    "  -t, --type TYPE       i8 u8 i16 u16 i32 u32 i64 u64 f16 bf16 f32 f64, or numpy's\n"
    "                        int32, float32, <i4, >u2, |i1, <f8, e f d, bfloat16 (default\n"
    "                        i32; a byte-order character sets the byte order)\n"
    "  -e, --endian ORDER    little | big | native (default little)\n"
    "  -j, --threads N       worker threads (default: one per core)\n"
    "  -b, --backend NAME    auto | mmap | read | direct (default auto: pread for\n"
    "                        chunks not in the page cache; for cached ones whichever\n"
    "                        each worker measures faster; direct: O_DIRECT, past the\n"
    "                        page cache)\n"
    "      --io-depth N      direct: reads in flight per thread (default 8, at most 64)\n"
    "      --io-size SIZE    direct: bytes per read (default 1M, 4K to 64M; the defaults\n"
    "                        shrink to keep all threads' buffers within 48 MiB)\n"
    "      --format F        auto | raw | npy (default auto: numpy's .npy when the file\n"
    "                        starts with its magic string, raw otherwise)\n"
    "      --field LIST      .npy with a structured dtype: the numeric field to scan\n"
    "                        (outer.inner for a nested one); a,b,c or all: a column\n"
    "                        each (a sub-array's elements: name[i]) in one pass\n"
    "      --channels C|auto .npy of 2 or more dimensions: its last axis is C columns\n"
    "                        ch0... (auto: all it holds; C or Fortran order); raw:\n"
    "                        rows of C elements of type -t (C from 1 to 4096)\n"
    "      --columns SPEC    raw records: columns NAME:TYPE[@OFFSET],... (TYPE as -t\n"
    "                        takes it; each after the one before unless @OFFSET)\n"
    "      --record SIZE     raw records of SIZE bytes: scan one element of each, the\n"
    "      --field-offset SIZE   one of type -t at this offset in the record (default 0)\n"
    "                        (with --columns or --channels, --record is the record's\n"
    "                        size: the bytes after the last column are padding)\n"
    "      --offset SIZE     skip SIZE bytes at the start (a header; for .npy, of the data)\n"
    "      --length SIZE     scan at most SIZE bytes after the offset\n"
    "      --allow-trailing  ignore a final partial element instead of failing\n"
    "      --stats LIST      more from the same pass: var, std, argmin, argmax, all\n"
    "      --ddof N          var and std divide by (values - N) (default 0, as numpy)\n"
    "      --quantiles Q,... exact quantiles (each 0 to 1; numpy's linear method), one\n"
    "                        more pass per 16 bits of the type after the first\n"
    "      --median          the quantile 0.5\n"
    "      --histogram N     N equal bins from the data's min to max (one more pass)\n"
    "      --range LO:HI     the histogram's bins from LO to HI instead (no more pass;\n"
    "                        values outside are counted below and above)\n"
    "      --describe        --stats all --quantiles 0.25,0.5,0.75\n"
    "      --json            one JSON object per line for each file (and a total)\n"
    "      --progress | --no-progress   (default: a bar on stderr when it is a terminal)\n"
    "      --kernel NAME     scalar | avx2 | avx512 (default: the best this CPU runs;\n"
    "                        also settable with MAPSCAN_KERNEL)\n"
    "      --files-from LIST the files named in LIST too, one a line (- reads the list\n"
    "                        from standard input), after those given as arguments\n"
    "  -0, --null            LIST's paths each end with a NUL byte (find -print0)\n"
    "  -q, --quiet           results only: one tab-separated line per file (file,\n"
    "                        count, min, max, sum, mean; floats: then nan; then var,\n"
    "                        std, argmin, argmax as asked, each quantile, below and\n"
    "                        above with --range, each bin's count); with columns, one\n"
    "                        per column: file, column, then the same\n"
    "  -h, --help            -V, --version\n"
    "\n"
    "SIZE takes K M G T (powers of 1024), KB MB GB TB (powers of 1000), KiB MiB GiB TiB.\n"
    "Columns: a table of one column each (wrapped to the terminal's width, or 80),\n"
    "then each column's histogram; JSON and -q: an object or line per column.\n"
    "Floats: count includes NaN, nan counts them; min and max leave NaN out (-0 < +0);\n"
    "sum is the exact sum of the values that are not NaN, rounded once to binary64;\n"
    "mean is the exact sum over their number, rounded once. Printed in the shortest\n"
    "form that reads back the same (JSON: \"inf\", \"-inf\", \"nan\" as strings).\n"
    "Exit status: 0 success; 1 a failure while running (I/O error, file changed,\n"
    "results not written: write error); 2 bad usage or bad input (unknown option or\n"
    "type, unopenable file, trailing bytes, offset past the end). Names are written\n"
    "with \\t \\n \\\\ \\xHH escapes (JSON: \\udcHH for bytes not UTF-8); see the man page.\n"
    "Other commands: mapscan gen --help, mapscan bench --help.\n";

/* --channels: auto, or 1 to MAPSCAN_MAX_COLUMNS. */
static bool take_channels(const char *text, unsigned *channels)
{
    if (strcmp(text, "auto") == 0) {
        *channels = MAPSCAN_CHANNELS_AUTO;
        return true;
    }
    size_t digits = strspn(text, "0123456789");
    unsigned long n = digits && digits == strlen(text) && digits <= 5 ? strtoul(text, NULL, 10) : 0;
    if (n < 1 || n > MAPSCAN_MAX_COLUMNS) {
        cli_error("--channels", "'%s' is not a number of channels (1 to %d, or auto)", text, MAPSCAN_MAX_COLUMNS);
        return false;
    }
    *channels = (unsigned)n;
    return true;
}

/* The ways to ask for columns exclude each other (and --field-offset, as
 * each column says where it is): said here, before any file is opened. */
static bool columns_agree(const mapscan_options *o)
{
    if (o->channels && o->columns) {
        cli_error("--channels", "and --columns both given: choose one");
        return false;
    }
    if ((o->channels || o->columns) && o->field) {
        cli_error(o->channels ? "--channels" : "--columns", "and --field both given: choose one");
        return false;
    }
    if ((o->channels || o->columns) && o->field_offset) {
        cli_error("--field-offset", "with %s: each column says where it is (NAME:TYPE@OFFSET)",
                  o->channels ? "--channels" : "--columns");
        return false;
    }
    return true;
}

int cli_scan_parse(int argc, char **argv, scan_cli *cli)
{
    enum { OPT_OFFSET = 256, OPT_LENGTH, OPT_TRAILING, OPT_JSON, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_KERNEL,
           OPT_FORMAT, OPT_FIELD, OPT_RECORD, OPT_FIELD_OFFSET, OPT_IO_DEPTH, OPT_IO_SIZE, OPT_FILES_FROM,
           OPT_STATS, OPT_DDOF, OPT_QUANTILES, OPT_MEDIAN, OPT_HISTOGRAM, OPT_RANGE, OPT_DESCRIBE, OPT_CHANNELS,
           OPT_COLUMNS };
    static const struct option scan_longs[] = {
        { "type", required_argument, NULL, 't' },
        { "endian", required_argument, NULL, 'e' },
        { "threads", required_argument, NULL, 'j' },
        { "backend", required_argument, NULL, 'b' },
        { "offset", required_argument, NULL, OPT_OFFSET },
        { "length", required_argument, NULL, OPT_LENGTH },
        { "allow-trailing", no_argument, NULL, OPT_TRAILING },
        { "json", no_argument, NULL, OPT_JSON },
        { "progress", no_argument, NULL, OPT_PROGRESS },
        { "no-progress", no_argument, NULL, OPT_NO_PROGRESS },
        { "kernel", required_argument, NULL, OPT_KERNEL },
        { "format", required_argument, NULL, OPT_FORMAT },
        { "field", required_argument, NULL, OPT_FIELD },
        { "record", required_argument, NULL, OPT_RECORD },
        { "field-offset", required_argument, NULL, OPT_FIELD_OFFSET },
        { "channels", required_argument, NULL, OPT_CHANNELS },
        { "columns", required_argument, NULL, OPT_COLUMNS },
        { "io-depth", required_argument, NULL, OPT_IO_DEPTH },
        { "io-size", required_argument, NULL, OPT_IO_SIZE },
        { "stats", required_argument, NULL, OPT_STATS },
        { "ddof", required_argument, NULL, OPT_DDOF },
        { "quantiles", required_argument, NULL, OPT_QUANTILES },
        { "median", no_argument, NULL, OPT_MEDIAN },
        { "histogram", required_argument, NULL, OPT_HISTOGRAM },
        { "range", required_argument, NULL, OPT_RANGE },
        { "describe", no_argument, NULL, OPT_DESCRIBE },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
    };
    enum { ROOM = sizeof scan_longs / sizeof scan_longs[0] + 16 };
    struct option longs[ROOM];
    size_t n = 0;
    for (size_t i = 0; i < sizeof scan_longs / sizeof scan_longs[0]; i++)
        longs[n++] = scan_longs[i];
    if (cli->file_lists) {
        longs[n++] = (struct option){ "files-from", required_argument, NULL, OPT_FILES_FROM };
        longs[n++] = (struct option){ "null", no_argument, NULL, '0' };
    }
    for (const struct option *x = cli->extra_options; x && x->name && n + 1 < ROOM; x++)
        longs[n++] = *x;
    longs[n] = (struct option){ NULL, 0, NULL, 0 };
    mapscan_options *o = &cli->options;
    cli_order order = { 0 };
    char shorts[32] = "t:e:j:b:qhV";
    if (cli->file_lists)
        strcat(shorts, "0");
    if (cli->extra_shorts)
        strncat(shorts, cli->extra_shorts, sizeof shorts - strlen(shorts) - 1);
    int c;
    opterr = 0;
    optind = 0;     /* a full restart of getopt, so that the parser can run more than once */
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        switch (c) {
        case 't':
            if (!cli_take_type(optarg, &o->type, &order))
                return EXIT_USAGE;
            o->type_set = true;
            break;
        case OPT_FORMAT:
            if (!mapscan_format_parse(optarg, &o->format)) {
                cli_error("--format", "unknown format '%s' (auto, raw or npy)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_FIELD: o->field = optarg; break;
        case OPT_RECORD:
            if (!cli_parse_size("--record", optarg, &o->record_size))
                return EXIT_USAGE;
            if (o->record_size == 0) {
                cli_error("--record", "a record of 0 bytes");
                return EXIT_USAGE;
            }
            break;
        case OPT_FIELD_OFFSET:
            if (!cli_parse_size("--field-offset", optarg, &o->field_offset))
                return EXIT_USAGE;
            break;
        case OPT_CHANNELS:
            if (!take_channels(optarg, &o->channels))
                return EXIT_USAGE;
            break;
        case OPT_COLUMNS:
            if (!*optarg) {
                cli_error("--columns", "an empty list (NAME:TYPE[@OFFSET],...)");
                return EXIT_USAGE;
            }
            o->columns = optarg;
            break;
        case OPT_IO_DEPTH: {
            uint64_t depth;
            if (!cli_parse_u64("--io-depth", optarg, &depth))
                return EXIT_USAGE;
            if (depth < 1 || depth > MAPSCAN_MAX_IO_DEPTH) {
                cli_error("--io-depth", "%s reads in flight: 1 to %u", optarg, MAPSCAN_MAX_IO_DEPTH);
                return EXIT_USAGE;
            }
            o->io_depth = (unsigned)depth;
            break;
        }
        case OPT_IO_SIZE:
            if (!cli_parse_size("--io-size", optarg, &o->io_size))
                return EXIT_USAGE;
            if (o->io_size < MAPSCAN_MIN_IO_SIZE || o->io_size > MAPSCAN_MAX_IO_SIZE) {
                cli_error("--io-size", "reads of %s bytes: %lluK to %lluM", optarg,
                          (unsigned long long)MAPSCAN_MIN_IO_SIZE >> 10, (unsigned long long)MAPSCAN_MAX_IO_SIZE >> 20);
                return EXIT_USAGE;
            }
            break;
        case 'e':
            if (!cli_take_endian(optarg, &order))
                return EXIT_USAGE;
            break;
        case 'j':
            if (cli->lists) {
                cli->threads_list = optarg;
                break;
            }
            if (!cli_parse_threads(optarg, &o->threads))
                return EXIT_USAGE;
            break;
        case 'b':
            if (cli->lists) {
                cli->backends_list = optarg;
                break;
            }
            if (!mapscan_backend_parse(optarg, &o->backend)) {
                cli_error("--backend", "unknown backend '%s' (auto, mmap, read or direct)", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_OFFSET:
            if (!cli_parse_size("--offset", optarg, &o->offset))
                return EXIT_USAGE;
            break;
        case OPT_LENGTH:
            if (!cli_parse_size("--length", optarg, &o->length))
                return EXIT_USAGE;
            break;
        case OPT_TRAILING: o->allow_trailing = true; break;
        case OPT_STATS:
            if (!cli_take_stats(cli, optarg))
                return EXIT_USAGE;
            break;
        case OPT_DDOF:
            if (!cli_parse_u64("--ddof", optarg, &o->ddof))
                return EXIT_USAGE;
            break;
        case OPT_QUANTILES:
            if (!cli_take_quantiles(cli, optarg, "--quantiles"))
                return EXIT_USAGE;
            break;
        case OPT_MEDIAN:
            if (!cli_take_quantiles(cli, "0.5", "--median"))
                return EXIT_USAGE;
            break;
        case OPT_HISTOGRAM:
            if (!cli_parse_u64("--histogram", optarg, &o->histogram_bins))
                return EXIT_USAGE;
            if (o->histogram_bins < 1 || o->histogram_bins > MAPSCAN_MAX_BINS) {
                cli_error("--histogram", "%s bins: 1 to %llu", optarg, (unsigned long long)MAPSCAN_MAX_BINS);
                return EXIT_USAGE;
            }
            break;
        case OPT_RANGE:
            if (!cli_take_range(cli, optarg))
                return EXIT_USAGE;
            break;
        case OPT_DESCRIBE:
            if (!cli_take_stats(cli, "all") || !cli_take_quantiles(cli, "0.25,0.5,0.75", "--describe"))
                return EXIT_USAGE;
            break;
        case OPT_FILES_FROM: cli->files_from = optarg; break;
        case '0': cli->null_list = true; break;
        case OPT_JSON: cli->json = true; break;
        case OPT_PROGRESS: cli->progress = 1; break;
        case OPT_NO_PROGRESS: cli->progress = 0; break;
        case OPT_KERNEL:
            if (!cli_check_kernel("--kernel", optarg))
                return EXIT_USAGE;
            o->kernel = optarg;
            break;
        case 'q': cli->quiet = true; break;
        case 'h':
            if (!cli_silent)
                fputs(cli->usage ? cli->usage : scan_usage, stdout);
            return EXIT_OK;
        case 'V':
            if (!cli_silent)
                printf("%s %s\n", cli_program, MAPSCAN_VERSION);
            return EXIT_OK;
        default:
            if ((c >= 512 || (c > 0 && c < 256 && c != '?' && c != ':' && cli->extra_shorts &&
                              strchr(cli->extra_shorts, c))) && cli->take_extra) {
                if (!cli->take_extra(cli, c, optarg))
                    return EXIT_USAGE;
                break;
            }
            return cli_bad_option("", argv, optopt);
        }
    }
    if (!cli_resolve_order(&order, &o->endian))
        return EXIT_USAGE;
    o->endian_set = order.type_sets || order.option_sets;
    if (o->field_offset && !o->record_size) {
        cli_error("--field-offset", "needs --record");
        return EXIT_USAGE;
    }
    if (!columns_agree(o))
        return EXIT_USAGE;
    if (!cli_extra_ready(cli))
        return EXIT_USAGE;
    if (cli->null_list && !cli->files_from) {
        cli_error("--null", "needs --files-from");
        return EXIT_USAGE;
    }
    if (optind >= argc && !cli->files_from) {
        cli_error("scan", "no FILE given (try '%s --help')", cli_program);
        return EXIT_USAGE;
    }
    /* --kernel wins over the environment, which then does not matter. */
    if (!o->kernel && !mapscan_kernel_default() && !cli_check_kernel("MAPSCAN_KERNEL", getenv("MAPSCAN_KERNEL")))
        return EXIT_USAGE;
    return -1;
}

void cli_scan_init(scan_cli *cli)
{
    memset(cli, 0, sizeof *cli);
    cli->progress = -1;
    mapscan_options_init(&cli->options);
}

int cmd_scan(int argc, char **argv)
{
    scan_cli cli;
    cli_scan_init(&cli);
    cli.file_lists = true;
    int early = cli_scan_parse(argc, argv, &cli);
    if (early >= 0) {
        cli_extra_free(&cli);
        return early;
    }
    cli_files files;
    early = cli_files_take(&cli, argc, argv, &files);
    if (early >= 0) {
        cli_extra_free(&cli);
        return early;
    }

    bool show_progress = cli_progress_wanted(cli.progress, cli.quiet);
    int status = EXIT_OK;
    mapscan_result total;
    cli_extra_total_begin(&cli, &total);
    size_t scanned = 0;
    bool mixed = false;
    for (size_t i = 0; i < files.n; i++) {
        const char *file = files.paths[i];
        cli_progress_state bar = { file, cli_now(), false };
        cli.options.progress = show_progress ? cli_progress : NULL;
        cli.options.progress_arg = &bar;
        mapscan_result r;
        mapscan_error err;
        mapscan_status s = mapscan_scan_path(file, &cli.options, &r, &err);
        cli_progress_clear(&bar);
        if (s != MAPSCAN_OK) {
            cli_report_failure(file, &err);
            int code = cli_exit_status(s);
            if (code > status)
                status = code;
            continue;
        }
        cli_print_result(&cli, file, &r, scanned == 0, NULL, NULL);
        /* columns are totalled column by column (cli_total_add says when they cannot be) */
        if (scanned && !r.ncolumns && !total.ncolumns && !cli_total_refused(&total) &&
            mapscan_type_is_float(r.type) != mapscan_type_is_float(total.type))
            mixed = true;
        cli_total_add(&total, &r);
        mapscan_result_free(&r);
        scanned++;
    }
    /* A total over only some of the files would pass for the whole; one of
     * integers and floats together would be neither. */
    if (files.n >= 2 && scanned == files.n && mixed)
        cli_error("total", "none: the files mix integer and floating-point data");
    else if (files.n >= 2 && scanned == files.n)
        cli_print_result(&cli, NULL, &total, false, NULL, NULL);
    mapscan_result_free(&total);
    cli_files_free(&files);
    cli_extra_free(&cli);
    return status;
}
