/* mapscan-mpi: mapscan's scan across the ranks of an MPI job. The bytes of
 * all files are cut into one range per rank (split.c); each rank scans its
 * range through the library, and the statistics are merged exactly on
 * rank 0, which alone prints. Every rank takes part in every collective
 * whatever happened on it, so a failure is reported, never waited on. */
#include "../cli/cli.h"
#include "exchange.h"
#include "interrupt.h"
#include "mpiio.h"
#include "placement.h"
#include "progress.h"
#include "split.h"
#include "sync.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char mpi_usage[] =
    "Usage: mpirun -np K mapscan-mpi [OPTIONS] FILE...\n"
    "       srun --mpi=pmix mapscan-mpi [OPTIONS] FILE...\n"
    "       ... mapscan-mpi [OPTIONS] [FILE...] --files-from LIST\n"
    "mapscan's exact count, min, max, sum and mean, with the bytes of all FILEs cut into\n"
    "one range per rank; each rank scans its range with its threads, rank 0 prints.\n"
    "\n"
    "Options as mapscan's (mapscan --help): -t -e -j -b --format --field --record\n"
    "--field-offset --offset --length --allow-trailing --io-depth --io-size --json\n"
    "--kernel --files-from -0 -q -h -V, and the extra statistics --stats --ddof\n"
    "--quantiles --median --histogram --range --describe (with --io mpiio, a\n"
    "histogram needs --range and quantiles an 8- or 16-bit type); --field LIST|all,\n"
    "--channels and --columns give a result per column (with --io mpiio, without\n"
    "quantiles or histograms);\n"
    "-j is threads per rank (default: the node's cores shared among its ranks, at\n"
    "most the cores the rank is bound to). --progress: rank 0 shows the bytes done\n"
    "over all ranks (a bar on a terminal, else a line every half second).\n"
    "--files-from LIST (- for standard input): rank 0 alone reads it and shares it.\n"
    "FILE cannot be -. In JSON, a file's seconds are the slowest rank's on it.\n"
    "  --io posix | mpiio    posix (default): each rank reads through the library;\n"
    "                        mpiio: collective MPI_File_read_at_all (-b, --io-depth\n"
    "                        and --io-size then do nothing, and say so)\n"
    "  --io-hint KEY=VALUE   an MPI-IO hint (cb_buffer_size=16777216, striping_factor=8);\n"
    "                        with --io mpiio only\n"
    "  --require-ranks N     fail (status 2) unless the job has N ranks: a task started\n"
    "                        alone, or by srun without the PMI this MPI speaks\n"
    "                        (srun --mpi=pmix), is a job of one rank\n"
    "  --verbose             each rank's time, bytes and host on stderr\n"
    "\n"
    "Every node must see each FILE at the same path; each rank checks that its file\n"
    "is the one rank i mod K found (size, time, 16 sampled pages). Exit status as\n"
    "mapscan's, the same on every rank: 0 success; 1 a failure while running (also\n"
    "a FILE missing or other on some rank); 2 bad usage or input (also another\n"
    "number of ranks than --require-ranks); 128+N interrupted by signal N (130\n"
    "SIGINT, 143 SIGTERM). More: man mapscan-mpi, docs/clusters.md.\n";

typedef struct mpi_cli {
    bool mpiio, verbose, hints;
    MPI_Info info;
    uint64_t require_ranks;     /* 0: any number */
} mpi_cli;

enum { OPT_IO = 512, OPT_IO_HINT, OPT_VERBOSE, OPT_REQUIRE_RANKS };

static bool take_option(scan_cli *cli, int option, const char *value)
{
    mpi_cli *m = cli->extra;
    switch (option) {
    case OPT_IO:
        if (strcmp(value, "posix") == 0 || strcmp(value, "mpiio") == 0) {
            m->mpiio = strcmp(value, "mpiio") == 0;
            return true;
        }
        cli_error("--io", "unknown I/O path '%s' (posix or mpiio)", value);
        return false;
    case OPT_IO_HINT: {
        const char *eq = strchr(value, '=');
        if (!eq || eq == value || !eq[1] || (size_t)(eq - value) >= MPI_MAX_INFO_KEY) {
            cli_error("--io-hint", "'%s' is not KEY=VALUE", value);
            return false;
        }
        char key[MPI_MAX_INFO_KEY + 1];
        memcpy(key, value, (size_t)(eq - value));
        key[eq - value] = '\0';
        if (m->info == MPI_INFO_NULL)
            MPI_Info_create(&m->info);
        MPI_Info_set(m->info, key, eq + 1);
        m->hints = true;
        return true;
    }
    case OPT_VERBOSE: m->verbose = true; return true;
    case OPT_REQUIRE_RANKS:
        if (!cli_parse_u64("--require-ranks", value, &m->require_ranks))
            return false;
        if (m->require_ranks < 1 || m->require_ranks > INT32_MAX) {
            cli_error("--require-ranks", "%s ranks: 1 or more", value);
            return false;
        }
        return true;
    default: return false;
    }
}

/* What a rank did, gathered on rank 0 for the timing summary. */
typedef struct rank_report {
    double seconds;
    uint64_t bytes;
    char host[HOST_MAX];
} rank_report;

typedef struct job {
    scan_cli cli;
    mpi_cli m;
    int rank, ranks;
    char host[HOST_MAX];
    placement place;
    double started;
    char **files;
    size_t nfiles;
    cli_files list;             /* with --files-from: the files, the list's text */
    file_probe *probes;
    file_part *parts;
    mapscan_error *errors;      /* this rank's own, per file */
    job_progress progress;
    bool show_progress;         /* the same on every rank */
    uint64_t bytes_before;      /* this rank's bytes of the pieces already scanned */
    uint64_t piece_bytes;       /* the bytes of the piece being scanned, */
    uint64_t piece_shown;       /* and how many of them progress has shown */
    /* Extra statistics (--stats, --quantiles, --histogram...): every rank
     * takes part in every file's scan, meeting the others through the
     * library's sync hook (sync.c), and ends with the whole file's result,
     * which rank 0 keeps for printing, with its histogram's counters. */
    bool extra;
    mapscan_result *whole;      /* rank 0: per file (with its columns, the library's) */
    uint64_t **file_counts;     /* rank 0: per file, when a histogram is asked for */
    uint64_t *scratch_counts;   /* the other ranks' */
    /* Files of several columns (--field a,b or all, --channels, --columns):
     * the probe's result then has ncolumns and no columns (pointers do not
     * travel). Every rank knows each column's type, byte order and offset
     * (layouts, files end to end, file i's from layout_at[i]), for the scans
     * it takes part in without the file's description; rank 0 gets the
     * descriptions (names, shapes) from the probing ranks and, where the
     * sync hook did not merge the statistics already (no extra statistics,
     * or --io mpiio), every rank's share of them, after the scan. */
    bool any_columns;           /* the same on every rank */
    column_layout *layouts;
    size_t *layout_at;
    mapscan_result **described; /* the probing rank's: file i's columns as the probe found them */
    mapscan_result **shares;    /* this rank's share of file i's columns' statistics */
    column_block *blocks;       /* rank 0: what the gather brought, */
    mapscan_result *gathered;
    mapscan_result **names;     /* and, per file, the columns' descriptions in it */
    mapscan_result **merged;    /* and the merge of every share */
} job;

static void fill_failure(rank_failure *f, const job *j, const mapscan_error *error)
{
    f->failed = 1;
    f->rank = j->rank;
    memcpy(f->host, j->host, sizeof f->host);
    f->error = *error;
}

/* n results of the library's (columns), copied to the caller's memory, portable. */
static mapscan_result *copy_columns(const mapscan_result *columns, size_t n)
{
    mapscan_result *copy = malloc((n ? n : 1) * sizeof *copy);
    for (size_t c = 0; copy && c < n; c++) {
        copy[c] = columns[c];
        result_portable(&copy[c]);
    }
    return copy;
}

/* The probe's columns stay on the probing rank (described); its result
 * keeps their number. */
static bool keep_description(job *j, size_t i)
{
    file_probe *p = &j->probes[i];
    size_t n = p->result.ncolumns;
    if (!n)
        return true;
    j->described[i] = copy_columns(p->result.columns, n);
    mapscan_result_free(&p->result);
    p->result.ncolumns = n;
    return j->described[i] != NULL;
}

/* File i is probed by rank i mod K, so that each rank opens a K-th of
 * the files (a thousand small files are a thousand opens). The probe also
 * describes the file (identity.c) for every rank that reads it to check. */
static void probe_files(job *j)
{
    for (size_t i = (size_t)j->rank; i < j->nfiles; i += (size_t)j->ranks) {
        file_probe *p = &j->probes[i];
        double started = MPI_Wtime();
        mapscan_error err = { MAPSCAN_E_NOMEM, 0, "out of memory for the columns' descriptions" };
        if (mapscan_extent_path(j->files[i], &j->cli.options, &p->result, &p->extent, &err) != MAPSCAN_OK ||
            identity_take_path(j->files[i], &p->identity, &err) != MAPSCAN_OK || !keep_description(j, i)) {
            fill_failure(&p->failure, j, &err);
            mapscan_result_free(&p->result);
            p->result.columns = NULL;
            p->result.ncolumns = 0;
            free(j->described[i]);
            j->described[i] = NULL;
        }
        p->result.kernel = NULL;    /* a pointer means nothing on another rank */
        j->parts[i].seconds += MPI_Wtime() - started;
    }
    exchange_probes(j->probes, j->nfiles, MPI_COMM_WORLD);
}

/* What every rank must know of each file's columns: their types, byte
 * orders and offsets, from the probing ranks. Without memory for them,
 * every file of several columns fails alike on every rank. */
static void share_layouts(job *j)
{
    size_t total = 0;
    for (size_t i = 0; i < j->nfiles; i++) {
        j->layout_at[i] = total;
        total += j->probes[i].failure.failed ? 0 : j->probes[i].result.ncolumns;
    }
    j->any_columns = total > 0;
    if (!total)
        return;
    j->layouts = calloc(total, sizeof *j->layouts);
    if (!exchange_any(!j->layouts, MPI_COMM_WORLD)) {
        for (size_t i = 0; i < j->nfiles; i++) {
            const mapscan_result *d = j->described[i];
            for (size_t c = 0; d && c < j->probes[i].result.ncolumns; c++)
                j->layouts[j->layout_at[i] + c] = (column_layout){ (uint32_t)d[c].field_offset, (uint8_t)d[c].type,
                                                                   (uint8_t)d[c].endian, 0 };
        }
        exchange_or(j->layouts, total * sizeof *j->layouts, MPI_COMM_WORLD);
        return;
    }
    free(j->layouts);
    j->layouts = NULL;
    j->any_columns = false;
    mapscan_error e = { MAPSCAN_E_NOMEM, 0, "out of memory for the columns' layouts" };
    for (size_t i = 0; i < j->nfiles; i++)
        if (!j->probes[i].failure.failed && j->probes[i].result.ncolumns)
            fill_failure(&j->probes[i].failure, j, &e);
}

/* A check the probe passed failing now means the file is not what the
 * probing rank saw: changed since, or another file on this node. */
static void as_changed(mapscan_error *err, int prober)
{
    switch (err->status) {
    case MAPSCAN_E_OFFSET: case MAPSCAN_E_TRAILING: case MAPSCAN_E_FORMAT: case MAPSCAN_E_INVALID: {
        char was[sizeof err->message];
        memcpy(was, err->message, sizeof was);
        err->status = MAPSCAN_E_CHANGED;
        snprintf(err->message, sizeof err->message, "the file differs from what rank %d found at the start: %.160s",
                 prober, was);
        break;
    }
    default:
        break;
    }
}

/* The library's progress callback, on the scanning thread. done and
 * total count every pass over the piece (quantiles and a histogram take
 * more than one, and total may grow as the passes are decided): shown as
 * that share of the piece's bytes, never going back. */
static void on_progress(uint64_t done, uint64_t total, void *arg)
{
    job *j = arg;
    uint64_t mine = j->piece_bytes;
    if (total && done < total)
        mine = (uint64_t)((unsigned __int128)j->piece_bytes * done / total);
    if (mine < j->piece_shown)
        mine = j->piece_shown;
    j->piece_shown = mine;
    progress_update(&j->progress, j->bytes_before + mine);
}

static void use_progress(job *j, mapscan_options *o, uint64_t piece_bytes)
{
    j->piece_bytes = piece_bytes;
    j->piece_shown = 0;
    if (j->show_progress) {
        o->progress = on_progress;
        o->progress_arg = j;
    }
}

/* The piece is scanned on the descriptor whose file was checked, and the
 * library checks after the scan that it did not change meanwhile. */
static void scan_posix(job *j, const split_piece *piece)
{
    const file_probe *p = &j->probes[piece->file];
    file_part *part = &j->parts[piece->file];
    int prober = (int)(piece->file % (size_t)j->ranks);
    double started = MPI_Wtime();
    mapscan_options o = j->cli.options;
    o.offset += piece->first * p->extent.unit;
    o.length = piece->count * p->extent.unit;
    o.threads = j->place.threads;
    o.cancel = &interrupted;
    use_progress(j, &o, piece->count * p->extent.unit);
    mapscan_result r;
    mapscan_error *err = &j->errors[piece->file];
    int fd;
    mapscan_status s = identity_check_path(j->files[piece->file], &p->identity, prober, &fd, err);
    if (s == MAPSCAN_OK) {
        s = mapscan_scan_fd(fd, &o, &r, err);
        close(fd);
    }
    part->seconds += MPI_Wtime() - started;
    if (s != MAPSCAN_OK) {
        as_changed(err, prober);
        part->failed_rank = j->rank;
        part->status = err->status;
        return;
    }
    j->bytes_before += r.bytes;
    progress_update(&j->progress, j->bytes_before);
    part_merge(part, &r);
    if (r.ncolumns) {
        /* for the gather; no positions: no extra statistics here */
        j->shares[piece->file] = copy_columns(r.columns, r.ncolumns);
        mapscan_result_free(&r);
        if (!j->shares[piece->file]) {
            *err = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory for the columns' results" };
            part->failed_rank = j->rank;
            part->status = err->status;
        }
    }
}

/* The counters a file's histogram is counted into: rank 0 keeps one
 * array per file for printing, the others share one. NULL when there is
 * no histogram, or no memory for it (*failed). */
static uint64_t *counts_for(job *j, size_t i, bool *failed)
{
    uint64_t bins = j->cli.options.histogram_bins;
    *failed = false;
    if (!bins)
        return NULL;
    uint64_t **slot = j->rank == 0 ? &j->file_counts[i] : &j->scratch_counts;
    if (!*slot)
        *slot = calloc(bins, sizeof **slot);
    *failed = !*slot;
    return *slot;
}

/* The scan of nothing, with the file's type and layout: the library's own
 * answer for a file, or a part of one, with no data (count 0, var NaN, the
 * quantiles NaN, a histogram of zeros over the range or 0 to 1). With
 * o->sync set, a rank without a piece of the file takes part this way.
 * A file of several columns is scanned as raw columns of the same types,
 * one after the other (a Fortran-order array's runs would overlap as
 * records): their results meet the others' alike, in number, type and
 * passes; their names and shapes are not the file's (rank 0 prints the
 * probe's). */
static mapscan_status scan_nothing(const job *j, size_t i, const mapscan_options *given, mapscan_result *r,
                                   mapscan_error *err)
{
    static const unsigned char none[1];
    const file_probe *p = &j->probes[i];
    mapscan_options o = *given;
    o.format = MAPSCAN_FORMAT_RAW;
    o.field = NULL;
    o.channels = 0;
    o.columns = NULL;
    o.type = p->result.type;
    o.endian = p->result.endian;
    o.record_size = p->result.record_size;
    o.field_offset = p->result.field_offset;
    o.offset = 0;
    o.length = UINT64_MAX;
    o.allow_trailing = false;
    o.backend = MAPSCAN_BACKEND_AUTO;
    o.progress = NULL;
    char *spec = NULL;
    if (p->result.ncolumns) {
        spec = columns_spec(j->layouts + j->layout_at[i], p->result.ncolumns, false);
        if (!spec) {
            *err = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory for the columns' layout" };
            if (o.sync)
                sync_fail(o.sync_arg, err->status);
            return err->status;
        }
        o.columns = spec;
        o.record_size = 0;
        o.field_offset = 0;
    }
    mapscan_status s = mapscan_scan_memory(none, 0, &o, r, err);
    free(spec);
    return s;
}

/* A share of file i's columns with nothing in it yet, for --io mpiio to
 * merge its rounds into: the library's results for no data (the
 * statistics asked for, of each column's type), so that a column this
 * rank's piece never reaches (a Fortran-order array's) merges as nothing
 * rather than as a result that computed nothing. NULL without memory. */
static mapscan_result *empty_share(const job *j, size_t i)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.stats = j->cli.options.stats;
    o.ddof = j->cli.options.ddof;
    o.threads = 1;
    mapscan_result r;
    mapscan_error ignored;
    mapscan_result *share = NULL;
    char *spec = columns_spec(j->layouts + j->layout_at[i], j->probes[i].result.ncolumns, false);
    if (spec) {
        static const unsigned char none[1];
        o.columns = spec;
        if (mapscan_scan_memory(none, 0, &o, &r, &ignored) == MAPSCAN_OK) {
            if (r.ncolumns == j->probes[i].result.ncolumns)
                share = copy_columns(r.columns, r.ncolumns);
            mapscan_result_free(&r);
        }
    }
    free(spec);
    return share;
}

/* A failure this rank must report: its own, not another rank's that the
 * sync hook brought back (that rank reports it). */
static void own_failure(job *j, size_t i, const scan_sync *sync, mapscan_error *err)
{
    file_part *part = &j->parts[i];
    if (sync && sync->others_failure && !sync->own_failure)
        return;
    if (!sync || !sync->merged)     /* after the merge: the later passes' own words (a range not finite) */
        as_changed(err, (int)(i % (size_t)j->ranks));
    part->failed_rank = j->rank;
    part->status = err->status;
}

/* File i's scan with extra statistics: every rank calls this for every
 * file that has data, in file order, with its piece or none (it then scans
 * nothing, to meet the others). Positions count from the file's first
 * unit: the hook moves this rank's by its piece's first unit. */
static void scan_posix_extra(job *j, size_t i, const split_piece *piece)
{
    const file_probe *p = &j->probes[i];
    file_part *part = &j->parts[i];
    mapscan_error *err = &j->errors[i];
    double started = MPI_Wtime();
    mapscan_options o = j->cli.options;
    o.threads = j->place.threads;
    o.cancel = &interrupted;
    scan_sync sync;
    sync_begin(&sync, MPI_COMM_WORLD);
    o.sync = sync_hook;
    o.sync_arg = &sync;
    bool no_memory = false;
    if (!p->result.ncolumns)    /* columns' histograms count into the library's own counters */
        o.histogram_counts = counts_for(j, i, &no_memory);
    mapscan_result r;
    mapscan_status s;
    if (no_memory) {
        *err = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory for the histogram's counters" };
        s = sync_fail(&sync, err->status);
    } else if (piece) {
        sync.shift = piece->first;
        o.offset += piece->first * p->extent.unit;
        o.length = piece->count * p->extent.unit;
        use_progress(j, &o, o.length);
        int fd;
        s = identity_check_path(j->files[i], &p->identity, (int)(i % (size_t)j->ranks), &fd, err);
        if (s == MAPSCAN_OK) {
            s = mapscan_scan_fd(fd, &o, &r, err);
            close(fd);
        } else {
            sync_fail(&sync, s);
        }
    } else {
        s = scan_nothing(j, i, &o, &r, err);
    }
    sync_end(&sync);
    part->seconds += MPI_Wtime() - started;
    if (s != MAPSCAN_OK) {
        own_failure(j, i, &sync, err);
        return;
    }
    if (piece) {
        j->bytes_before += piece->count * p->extent.unit;
        progress_update(&j->progress, j->bytes_before);
        part->bytes += piece->count * p->extent.unit;
        part->backends |= r.backends;
        if (r.threads > part->threads)
            part->threads = r.threads;
    }
    if (j->whole)
        j->whole[i] = r;
    else
        mapscan_result_free(&r);
}

/* A file with no data (empty, or an offset at its end): every rank finds
 * the library's answer for nothing alike, without meeting. */
static void scan_empty_extra(job *j, size_t i)
{
    mapscan_options o = j->cli.options;
    bool no_memory = false;
    if (!j->probes[i].result.ncolumns)
        o.histogram_counts = counts_for(j, i, &no_memory);
    mapscan_result r;
    mapscan_status s = no_memory ? MAPSCAN_E_NOMEM : scan_nothing(j, i, &o, &r, &j->errors[i]);
    if (no_memory)
        j->errors[i] = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory for the histogram's counters" };
    if (s != MAPSCAN_OK)
        own_failure(j, i, NULL, &j->errors[i]);
    else if (j->whole)
        j->whole[i] = r;
    else
        mapscan_result_free(&r);
}

/* This rank's pieces; with MPI-IO every rank also joins the collective
 * reads of the files it has no piece of. */
static void scan_pieces(job *j)
{
    split_file *sizes = calloc(j->nfiles ? j->nfiles : 1, sizeof *sizes);
    split_piece *pieces = calloc(j->nfiles ? j->nfiles : 1, sizeof *pieces);
    bool ok = sizes && pieces;
    if (!exchange_any(!ok, MPI_COMM_WORLD)) {
        for (size_t i = 0; i < j->nfiles; i++) {
            sizes[i].unit = j->probes[i].extent.unit ? j->probes[i].extent.unit : 1;
            sizes[i].units = j->probes[i].failure.failed ? 0 : j->probes[i].extent.units;
        }
        size_t n = split_pieces(sizes, j->nfiles, (unsigned)j->rank, (unsigned)j->ranks, pieces);
        uint64_t total = 0;
        for (size_t i = 0; i < j->nfiles; i++)
            total += sizes[i].units * sizes[i].unit;
        char label[32];
        snprintf(label, sizeof label, "%zu files", j->nfiles);
        progress_start(&j->progress, j->show_progress, total, j->nfiles == 1 ? j->files[0] : label,
                       MPI_COMM_WORLD);
        if (!j->m.mpiio && !j->extra) {
            for (size_t k = 0; k < n; k++)
                scan_posix(j, &pieces[k]);
        } else if (!j->m.mpiio) {
            for (size_t i = 0, k = 0; i < j->nfiles; i++) {
                const split_piece *mine = k < n && pieces[k].file == i ? &pieces[k++] : NULL;
                if (j->probes[i].failure.failed)
                    continue;
                if (sizes[i].units == 0)
                    scan_empty_extra(j, i);
                else
                    scan_posix_extra(j, i, mine);
            }
        } else {
            size_t k = 0;
            for (size_t i = 0; i < j->nfiles; i++) {
                if (sizes[i].units == 0 && j->extra && !j->probes[i].failure.failed)
                    scan_empty_extra(j, i);
                if (sizes[i].units == 0)
                    continue;
                const split_piece *mine = k < n && pieces[k].file == i ? &pieces[k++] : NULL;
                double started = MPI_Wtime();
                const file_probe *p = &j->probes[i];
                mpiio_extra x = { NULL, j->whole ? &j->whole[i] : NULL, false };
                bool no_memory = false;
                if (j->extra && !p->result.ncolumns)
                    x.counts = counts_for(j, i, &no_memory);
                x.no_memory = no_memory;
                mpiio_columns cx = { NULL, NULL, NULL, false };
                if (p->result.ncolumns) {
                    cx.layout = j->layouts + j->layout_at[i];
                    if (mine) {
                        cx.share = empty_share(j, i);
                        if (p->result.record_size)
                            cx.spec = columns_spec(cx.layout, p->result.ncolumns, true);
                        cx.no_memory = !cx.share || (p->result.record_size && !cx.spec);
                    }
                }
                mpiio_scan(j->files[i], p, (int)(i % (size_t)j->ranks), mine, &j->cli.options,
                           j->extra && !p->result.ncolumns ? &x : NULL, p->result.ncolumns ? &cx : NULL, j->m.info,
                           MPI_COMM_WORLD, &j->progress, j->bytes_before, &j->parts[i], &j->errors[i]);
                j->parts[i].seconds += MPI_Wtime() - started;
                if (j->parts[i].failed_rank != NO_FAILURE)
                    j->parts[i].failed_rank = j->rank;
                j->bytes_before += j->parts[i].bytes;
                free((char *)cx.spec);
                if (j->parts[i].failed_rank == NO_FAILURE)
                    j->shares[i] = cx.share;    /* for the gather */
                else
                    free(cx.share);
            }
        }
        progress_finish(&j->progress);
    } else {
        /* Nothing was read anywhere: every file fails alike. */
        for (size_t i = 0; i < j->nfiles; i++) {
            j->parts[i].failed_rank = j->rank;
            j->parts[i].status = MAPSCAN_E_NOMEM;
            j->errors[i] = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory" };
        }
    }
    free(sizes);
    free(pieces);
}

/* A file of several columns whose results go to rank 0: scanned, by every
 * rank's account (after exchange_parts). */
static bool columns_to_gather(const job *j, size_t i)
{
    return j->probes[i].result.ncolumns && !j->probes[i].failure.failed && j->parts[i].failed_rank == NO_FAILURE;
}

/* Rank 0 gets the descriptions of each file's columns from the probing
 * rank, and every rank's share of their statistics where the sync hook
 * did not merge them (no extra statistics, or --io mpiio), and merges the
 * shares column by column: positions already count from the file's first
 * row (or a run's start), so the merge's ties are the whole file's. When
 * they cannot come, those files fail alike on every rank. */
static void gather_columns(job *j)
{
    if (!j->any_columns)
        return;
    size_t nblocks = 0, nresults = 0;
    for (size_t i = 0; i < j->nfiles; i++) {
        if (!columns_to_gather(j, i))
            continue;
        size_t n = j->probes[i].result.ncolumns;
        nblocks += (j->described[i] != NULL) + (j->shares[i] != NULL);
        nresults += n * (j->described[i] != NULL) + n * (j->shares[i] != NULL);
    }
    column_block *blocks = malloc((nblocks ? nblocks : 1) * sizeof *blocks);
    mapscan_result *results = malloc((nresults ? nresults : 1) * sizeof *results);
    bool ok = blocks && results;
    if (j->rank == 0) {
        j->names = calloc(j->nfiles, sizeof *j->names);
        j->merged = calloc(j->nfiles, sizeof *j->merged);
        ok = ok && j->names && j->merged;
    }
    for (size_t i = 0, b = 0, at = 0; ok && i < j->nfiles; i++) {
        if (!columns_to_gather(j, i))
            continue;
        uint32_t n = (uint32_t)j->probes[i].result.ncolumns;
        const mapscan_result *both[2] = { j->described[i], j->shares[i] };
        for (uint32_t kind = BLOCK_DESCRIPTION; kind <= BLOCK_STATISTICS; kind++) {
            if (!both[kind])
                continue;
            blocks[b++] = (column_block){ i, n, kind };
            memcpy(results + at, both[kind], n * sizeof *results);
            at += n;
        }
    }
    size_t got = 0;
    bool sent = !exchange_any(!ok, MPI_COMM_WORLD) &&
                exchange_gather_columns(blocks, nblocks, results, nresults, 0, &j->blocks, &got, &j->gathered,
                                        MPI_COMM_WORLD);
    free(blocks);
    free(results);
    if (!sent) {
        for (size_t i = 0; i < j->nfiles; i++) {
            if (!columns_to_gather(j, i))
                continue;
            j->parts[i].failed_rank = 0;
            j->parts[i].status = MAPSCAN_E_NOMEM;
            j->errors[i] = (mapscan_error){ MAPSCAN_E_NOMEM, 0, "out of memory to gather the columns' results" };
        }
        return;
    }
    if (j->rank != 0)
        return;
    mapscan_result *next = j->gathered;
    for (size_t b = 0; b < got; b++) {
        const column_block *k = &j->blocks[b];
        mapscan_result *these = next;
        next += k->ncolumns;
        if (k->file >= j->nfiles || k->ncolumns != j->probes[k->file].result.ncolumns)
            continue;       /* never: each rank sent what every rank agreed on */
        if (k->kind == BLOCK_DESCRIPTION)
            j->names[k->file] = these;
        else if (!j->merged[k->file])
            j->merged[k->file] = these;
        else
            for (uint32_t c = 0; c < k->ncolumns; c++)
                mapscan_result_merge(&j->merged[k->file][c], &these[c]);
    }
}

/* The scan failures' messages, from the lowest failing rank of each file;
 * they land in the probes' failure slots, which are free for them. */
static void collect_failures(job *j)
{
    size_t n = 0;
    for (size_t i = 0; i < j->nfiles; i++)
        n += !j->probes[i].failure.failed && j->parts[i].failed_rank != NO_FAILURE;
    if (n == 0)
        return;
    rank_failure *f = calloc(n, sizeof *f);
    bool ok = f != NULL;
    if (exchange_any(!ok, MPI_COMM_WORLD)) {
        free(f);
        return;     /* statuses are known everywhere; only the words are lost */
    }
    for (size_t i = 0, k = 0; i < j->nfiles; i++) {
        if (j->probes[i].failure.failed || j->parts[i].failed_rank == NO_FAILURE)
            continue;
        if (j->parts[i].failed_rank == j->rank)
            fill_failure(&f[k], j, &j->errors[i]);
        k++;
    }
    exchange_failures(f, n, MPI_COMM_WORLD);
    for (size_t i = 0, k = 0; i < j->nfiles; i++) {
        if (j->probes[i].failure.failed || j->parts[i].failed_rank == NO_FAILURE)
            continue;
        j->probes[i].failure = f[k++];
    }
    free(f);
}

static int compare_seconds(const void *a, const void *b)
{
    double x = ((const rank_report *)a)->seconds, y = ((const rank_report *)b)->seconds;
    return (x > y) - (x < y);
}

typedef struct timing {
    double min, median, max;
    int slowest;
    char host[HOST_MAX];
} timing;

/* Rank 0 gets every rank's report; the others only send theirs. */
static void gather_timing(const job *j, double seconds, uint64_t bytes, timing *t)
{
    rank_report mine = { seconds, bytes, { 0 } };
    memcpy(mine.host, j->host, sizeof mine.host);
    rank_report *all = j->rank == 0 ? calloc((size_t)j->ranks, sizeof *all) : NULL;
    memset(t, 0, sizeof *t);
    /* One all-or-nothing byte gather: rank 0 lacking memory still has its own. */
    bool ok = j->rank != 0 || all;
    if (exchange_any(!ok, MPI_COMM_WORLD)) {
        t->min = t->median = t->max = seconds;
        memcpy(t->host, j->host, sizeof t->host);
        free(all);
        return;
    }
    MPI_Gather(&mine, (int)sizeof mine, MPI_BYTE, all, (int)sizeof mine, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (j->rank != 0)
        return;
    if (j->m.verbose)
        for (int r = 0; r < j->ranks; r++)
            fprintf(stderr, "%s: rank %d on %s: %.3f s, %llu bytes\n", cli_program, r, all[r].host,
                    all[r].seconds, (unsigned long long)all[r].bytes);
    t->slowest = 0;
    for (int r = 1; r < j->ranks; r++)
        if (all[r].seconds > all[t->slowest].seconds)
            t->slowest = r;
    memcpy(t->host, all[t->slowest].host, sizeof t->host);
    qsort(all, (size_t)j->ranks, sizeof *all, compare_seconds);
    t->min = all[0].seconds;
    t->max = all[j->ranks - 1].seconds;
    t->median = j->ranks % 2 ? all[j->ranks / 2].seconds
                             : (all[j->ranks / 2 - 1].seconds + all[j->ranks / 2].seconds) / 2;
    free(all);
}

static void report_failure(const char *file, const rank_failure *f)
{
    mapscan_error e = f->error;
    size_t len = strlen(e.message);
    snprintf(e.message + len, sizeof e.message - len, " (rank %d on %s)", (int)f->rank, f->host);
    cli_report_failure(file, &e);
}

/* File i's columns as rank 0 prints them, in memory of their own (NULL
 * when there is none): the probe's descriptions, the statistics of the
 * whole file (the sync hook's, or the merge of the gathered shares; none
 * for a file without data, whose descriptions are the library's answer
 * for nothing), positions' origin the probe's (a rank's scan of nothing
 * has its own), and the file's facts (bytes, time, threads, backends and
 * kernel) as the library gives each column the scan's. */
static mapscan_result *printed_columns(const job *j, size_t i, const mapscan_result *top)
{
    size_t n = j->probes[i].result.ncolumns;
    const mapscan_result *names = j->names ? j->names[i] : NULL;
    const mapscan_result *stats = j->merged ? j->merged[i] : NULL;
    if (j->whole && j->whole[i].ncolumns == n && j->whole[i].columns)
        stats = j->whole[i].columns;
    mapscan_result *out = names ? malloc(n * sizeof *out) : NULL;
    for (size_t c = 0; out && c < n; c++) {
        out[c] = names[c];
        if (stats) {
            out[c].stats = stats[c].stats;
            out[c].floats = stats[c].floats;
            out[c].extra = stats[c].extra;
            out[c].extra.origin = names[c].extra.origin;
            out[c].extra.origin_whole = names[c].extra.origin_whole;
        }
        out[c].bytes = top->bytes;
        out[c].seconds = top->seconds;
        out[c].threads = top->threads;
        out[c].backends = top->backends;
        out[c].kernel = top->kernel;
    }
    return out;
}

/* File i's columns could not be held on rank 0 (out of memory): said
 * once, status raised. */
static void columns_out_of_memory(const job *j, size_t i, int *status)
{
    rank_failure f = { 1, 0, "", { MAPSCAN_E_NOMEM, 0, "out of memory for the columns' results" } };
    memcpy(f.host, j->host, sizeof f.host);
    report_failure(j->files[i], &f);
    int code = cli_exit_status(MAPSCAN_E_NOMEM);
    *status = code > *status ? code : *status;
}

/* Rank 0's output, in file order as mapscan's; returns the exit status,
 * which every rank computes alike from what the reductions gave it. */
static int print_results(const job *j, const timing *t, double elapsed)
{
    char json[512], text[512];
    char host[HOST_MAX * 2];
    size_t hl = 0;
    for (const char *c = t->host; *c && hl + 2 < sizeof host; c++) {     /* host names are plain, but quote safely */
        if (*c == '"' || *c == '\\')
            host[hl++] = '\\';
        host[hl++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
    }
    host[hl] = '\0';
    snprintf(json, sizeof json,
             "\"ranks\":%d,\"io\":\"%s\",\"rank_seconds\":{\"min\":%.6f,\"median\":%.6f,\"max\":%.6f},"
             "\"slowest_rank\":%d,\"slowest_host\":\"%s\",\"job_seconds\":%.6f",
             j->ranks, j->m.mpiio ? "mpiio" : "posix", t->min, t->median, t->max, t->slowest, host, elapsed);
    snprintf(text, sizeof text,
             "%-8s %d x %u thread%s, io %s; per rank %.3f-%.3f s (median %.3f), slowest %d on %s; job %.3f s\n",
             "ranks", j->ranks, j->place.threads, j->place.threads == 1 ? "" : "s", j->m.mpiio ? "mpiio" : "posix",
             t->min, t->max, t->median, t->slowest, host, elapsed);
    int status = EXIT_OK;
    size_t scanned = 0;
    bool mixed = false;
    mapscan_result total;
    cli_extra_total_begin(&j->cli, &total);
    /* what the printed results' columns point to, until the total is printed */
    mapscan_result **columns = j->rank == 0 && j->any_columns ? calloc(j->nfiles, sizeof *columns) : NULL;
    for (size_t i = 0; i < j->nfiles; i++) {
        const file_probe *p = &j->probes[i];
        const file_part *part = &j->parts[i];
        if (j->rank == 0 && p->result.ncolumns && !p->failure.failed && part->failed_rank == NO_FAILURE &&
            (!columns || !j->names || !j->names[i])) {
            /* never but out of memory: the columns' descriptions came to rank 0 (gather_columns) */
            columns_out_of_memory(j, i, &status);
            continue;
        }
        if (p->failure.failed || part->failed_rank != NO_FAILURE) {
            rank_failure f = p->failure;
            if (!f.failed) {    /* the words were lost (collect_failures), never the status */
                f.rank = part->failed_rank;
                snprintf(f.host, sizeof f.host, "?");
                f.error = (mapscan_error){ (mapscan_status)part->status, 0, "failed (the reason was lost: out of memory)" };
            }
            if (j->rank == 0)
                report_failure(j->files[i], &f);
            int code = cli_exit_status(part->failed_rank != NO_FAILURE ? (mapscan_status)part->status
                                                                       : p->failure.error.status);
            status = code > status ? code : status;
            continue;
        }
        mapscan_result r = p->result;
        r.stats = part->stats;
        r.floats = part->floats;
        if (j->whole && !p->result.ncolumns) {  /* the extra statistics: the whole file's, as every rank ended with */
            r.stats = j->whole[i].stats;
            r.floats = j->whole[i].floats;
            r.extra = j->whole[i].extra;
            r.extra.origin = p->result.extra.origin;    /* the merge's is the smallest: a scan of nothing's 0 */
            r.extra.origin_whole = p->result.extra.origin_whole;
        }
        if (p->result.ncolumns)     /* no statistics of its own, as the library's */
            r.extra.computed = 0;
        r.bytes = part->bytes;
        r.backends = part->backends;
        r.threads = part->threads ? part->threads : j->place.threads;
        r.kernel = mapscan_kernel_default();
        if (j->cli.options.kernel)
            r.kernel = j->cli.options.kernel;
        r.seconds = part->seconds;      /* the slowest rank's on this file, as mapscan's is the file's */
        r.columns = NULL;
        if (columns && p->result.ncolumns) {
            r.columns = columns[i] = printed_columns(j, i, &r);
            if (!r.columns) {       /* rank 0 alone: its status is every rank's */
                columns_out_of_memory(j, i, &status);
                continue;
            }
        }
        if (!r.columns)
            r.ncolumns = 0;         /* the other ranks: their total is not printed */
        if (j->rank == 0)
            cli_print_result(&j->cli, j->files[i], &r, scanned == 0, json, text);
        /* as mapscan's: columns are totalled column by column (cli_total_add says when they cannot be) */
        if (scanned && !r.ncolumns && !total.ncolumns && !cli_total_refused(&total) &&
            mapscan_type_is_float(r.type) != mapscan_type_is_float(total.type))
            mixed = true;
        cli_total_add(&total, &r);
        scanned++;
    }
    total.seconds = elapsed;
    for (size_t c = 0; c < total.ncolumns; c++)
        total.columns[c].seconds = elapsed;
    /* As mapscan's: no total over only some of the files, nor over integers
     * and floats together. */
    if (j->rank == 0 && j->nfiles >= 2 && scanned == j->nfiles && mixed)
        cli_error("total", "none: the files mix integer and floating-point data");
    else if (j->rank == 0 && j->nfiles >= 2 && scanned == j->nfiles)
        cli_print_result(&j->cli, NULL, &total, false, json, text);
    mapscan_result_free(&total);    /* a total of columns owns a copy of them */
    for (size_t i = 0; columns && i < j->nfiles; i++)
        free(columns[i]);
    free(columns);
    return status;
}

/* Every result's columns, the library's and this program's. */
static void free_columns(job *j)
{
    for (size_t i = 0; i < j->nfiles; i++) {
        if (j->described)
            free(j->described[i]);
        if (j->shares)
            free(j->shares[i]);
        if (j->whole)
            mapscan_result_free(&j->whole[i]);
    }
    free(j->described);
    free(j->shares);
    free(j->layouts);
    free(j->layout_at);
    free(j->blocks);
    free(j->gathered);
    free(j->names);
    free(j->merged);
}

/* The launcher's variable that says the job has more than one task, or
 * NULL: srun started with a PMI this MPI does not speak makes every task
 * a job of one rank, which would scan everything and print. */
static const char *launcher_size(const char **value)
{
    static const char *const names[] = { "SLURM_NTASKS", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = getenv(names[i]);
        if (v && atol(v) > 1) {
            *value = v;
            return names[i];
        }
    }
    return NULL;
}

static void warn_if_alone(const job *j)
{
    const char *value, *name = j->ranks == 1 ? launcher_size(&value) : NULL;
    if (name)
        fprintf(stderr, "%s: warning: one rank, but %s=%s: the launcher and this MPI library do not talk "
                "(srun --mpi=pmix, or mpirun), so each task scans alone (--require-ranks makes it an error)\n",
                cli_program, name, value);
}

/* --require-ranks N: any other number of ranks is bad usage, said in one
 * line by rank 0 (each task's rank 0, when the tasks are jobs of one). */
static int check_ranks(const job *j)
{
    uint64_t want = j->m.require_ranks;
    if (want == 0 || (uint64_t)j->ranks == want)
        return -1;
    const char *value, *name = j->ranks == 1 ? launcher_size(&value) : NULL;
    if (name)
        cli_error("--require-ranks", "the job has 1 rank, not %llu: %s=%s says a launcher started more, but it and "
                  "this MPI library do not talk, so each task is a job of its own (check srun --mpi=pmix; "
                  "srun --mpi=list shows what the site offers)", (unsigned long long)want, name, value);
    else if (j->ranks == 1)
        cli_error("--require-ranks", "the job has 1 rank, not %llu: started without a launcher (run it under "
                  "srun --mpi=pmix, or mpirun -np %llu)", (unsigned long long)want, (unsigned long long)want);
    else
        cli_error("--require-ranks", "the job has %d ranks, not %llu (check srun -n/--ntasks or mpirun -np; under "
                  "srun, --mpi=pmix)", j->ranks, (unsigned long long)want);
    return EXIT_USAGE;
}

/* Options that do nothing in this combination: said once, by rank 0. */
static void warn_if_idle_options(const job *j)
{
    const mapscan_options *o = &j->cli.options;
    if (j->rank != 0)
        return;
    if (j->m.hints && !j->m.mpiio)
        fprintf(stderr, "%s: warning: --io-hint does nothing without --io mpiio (MPI-IO's hints; the default "
                "--io posix reads through mapscan's library)\n", cli_program);
    if (j->m.mpiio && (o->backend == MAPSCAN_BACKEND_MMAP || o->backend == MAPSCAN_BACKEND_DIRECT))
        fprintf(stderr, "%s: warning: -b %s does nothing with --io mpiio (MPI-IO reads the bytes; -b is for "
                "--io posix)\n", cli_program, o->backend == MAPSCAN_BACKEND_MMAP ? "mmap" : "direct");
    if (j->m.mpiio && (o->io_depth || o->io_size))
        fprintf(stderr, "%s: warning: --io-depth and --io-size do nothing with --io mpiio (they size -b direct's "
                "reads)\n", cli_program);
}

/* --files-from is read by rank 0 alone (the others never touch standard
 * input): its bytes go to every rank, and all split them alike, so that
 * every rank has the same files, or the same status after rank 0's word. */
static int take_files(job *j, int argc, char **argv)
{
    char **given = argv + optind;
    size_t ngiven = (size_t)(argc - optind), len = 0;
    if (!j->cli.files_from) {
        j->files = given;
        j->nfiles = ngiven;
        return -1;
    }
    char *text = NULL;
    int ok = j->rank != 0 || cli_list_read(j->cli.files_from, &text, &len);
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok)
        return EXIT_USAGE;
    unsigned long long shared = len;
    MPI_Bcast(&shared, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
    len = (size_t)shared;
    if (j->rank != 0)
        text = malloc(len + 1);
    if (exchange_any(!text, MPI_COMM_WORLD)) {
        cli_error("--files-from", "out of memory for a list of %zu bytes", len);
        free(text);
        return EXIT_RUNTIME;
    }
    exchange_broadcast(text, len, 0, MPI_COMM_WORLD);
    text[len] = '\0';
    int status = cli_files_join(given, ngiven, j->cli.files_from, text, len, j->cli.null_list, &j->list);
    j->files = j->list.paths;
    j->nfiles = j->list.n;
    return status;
}

static void warn_if_idle(const job *j, bool threads_given)
{
    if (threads_given || j->place.local_rank != 0 || !placement_leaves_idle(&j->place))
        return;
    unsigned used = j->place.own_cores * (unsigned)j->place.local_ranks;
    fprintf(stderr, "%s: warning: %s: %d rank%s bound to %u core%s each leave%s %u of its %u cores idle "
            "(mpirun binds by default: --bind-to none, or -j)\n", cli_program, j->host, j->place.local_ranks,
            j->place.local_ranks == 1 ? "" : "s", j->place.own_cores, j->place.own_cores == 1 ? "" : "s",
            j->place.local_ranks == 1 ? "s" : "", j->place.node_cores - used, j->place.node_cores);
}

/* With --io mpiio a rank's part is reduced in rounds as it is read, and
 * never read again: what needs a second pass over the data is refused.
 * Quantiles of 8- and 16-bit types take one pass; wider ones take more.
 * Several columns count their quantiles and histograms in passes of their
 * own after the first (the library's way), whatever their types. */
static void refuse_more_passes(job *j)
{
    const mapscan_options *o = &j->cli.options;
    if (!j->m.mpiio || (!o->nquantiles && !o->histogram_bins))
        return;
    for (size_t i = 0; i < j->nfiles; i++) {
        file_probe *p = &j->probes[i];
        if (p->failure.failed || p->extent.units == 0)
            continue;
        mapscan_error e = { MAPSCAN_E_UNMAPPABLE, 0, "" };
        if (p->result.ncolumns)
            snprintf(e.message, sizeof e.message, "quantiles and histograms of several columns take a pass over the "
                     "data for each column, and --io mpiio reads it once (use --io posix)");
        else if (o->nquantiles && mapscan_type_size(p->result.type) > 2)
            snprintf(e.message, sizeof e.message, "quantiles of %s need more than one pass over the data, and --io "
                     "mpiio reads it once (use --io posix)", mapscan_type_name(p->result.type));
        else
            continue;
        fill_failure(&p->failure, j, &e);
    }
}

static int run(job *j)
{
    j->probes = calloc(j->nfiles, sizeof *j->probes);
    j->parts = calloc(j->nfiles, sizeof *j->parts);
    j->errors = calloc(j->nfiles, sizeof *j->errors);
    j->layout_at = calloc(j->nfiles ? j->nfiles : 1, sizeof *j->layout_at);
    j->described = calloc(j->nfiles ? j->nfiles : 1, sizeof *j->described);
    j->shares = calloc(j->nfiles ? j->nfiles : 1, sizeof *j->shares);
    const mapscan_options *o = &j->cli.options;
    j->extra = o->stats || o->nquantiles || o->histogram_bins;
    bool ok = j->probes && j->parts && j->errors && j->layout_at && j->described && j->shares;
    if (j->extra && j->rank == 0) {
        j->whole = calloc(j->nfiles, sizeof *j->whole);
        ok = ok && j->whole;
        if (o->histogram_bins) {
            j->file_counts = calloc(j->nfiles, sizeof *j->file_counts);
            ok = ok && j->file_counts;
        }
    }
    if (exchange_any(!ok, MPI_COMM_WORLD)) {
        cli_error("mapscan-mpi", "out of memory for %zu files", j->nfiles);
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < j->nfiles; i++)
        j->parts[i].failed_rank = NO_FAILURE;
    /* Rank 0's stderr decides (a terminal: a bar), and every rank must know. */
    int show = j->rank == 0 && cli_progress_wanted(j->cli.progress, j->cli.quiet);
    MPI_Bcast(&show, 1, MPI_INT, 0, MPI_COMM_WORLD);
    j->show_progress = show != 0;
    probe_files(j);
    share_layouts(j);
    refuse_more_passes(j);
    for (size_t i = 0; i < j->nfiles; i++)
        j->parts[i].type = (int32_t)j->probes[i].result.type;      /* before any merge into the part */
    scan_pieces(j);
    double mine = MPI_Wtime() - j->started;
    uint64_t my_bytes = 0;
    for (size_t i = 0; i < j->nfiles; i++)
        my_bytes += j->parts[i].bytes;
    exchange_parts(j->parts, j->nfiles, MPI_COMM_WORLD);
    gather_columns(j);
    collect_failures(j);
    timing t;
    gather_timing(j, mine, my_bytes, &t);
    /* Results are shown only when no rank was interrupted before this
     * point; the interrupt is said once, for the whole job, and every rank
     * exits 128 + its number (mapscan's 130 for SIGINT, 143 for SIGTERM). */
    int sig = interrupt_agree(MPI_COMM_WORLD);
    if (sig) {
        if (j->rank == 0)
            fprintf(stderr, "%s: interrupted by SIG%s; no results\n", cli_program, sigabbrev_np(sig));
        return 128 + sig;
    }
    double elapsed = MPI_Wtime() - j->started;
    return print_results(j, &t, elapsed);
}

int main(int argc, char **argv)
{
    int provided;
    cli_guard_std_descriptors();
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    static job j;
    /* One start for every rank's clock, so that per-rank times compare. */
    MPI_Barrier(MPI_COMM_WORLD);
    j.started = MPI_Wtime();
    interrupt_catch();
    MPI_Comm_rank(MPI_COMM_WORLD, &j.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &j.ranks);
    int len = 0;
    char name[MPI_MAX_PROCESSOR_NAME];
    MPI_Get_processor_name(name, &len);
    snprintf(j.host, sizeof j.host, "%.63s", name);
    cli_program = "mapscan-mpi";
    cli_silent = j.rank != 0;

    /* Every rank parses alike, so every rank knows the status of bad usage;
     * only rank 0 says it. */
    static const struct option extra[] = {
        { "io", required_argument, NULL, OPT_IO },
        { "io-hint", required_argument, NULL, OPT_IO_HINT },
        { "verbose", no_argument, NULL, OPT_VERBOSE },
        { "require-ranks", required_argument, NULL, OPT_REQUIRE_RANKS },
        { NULL, 0, NULL, 0 },
    };
    cli_scan_init(&j.cli);
    j.m.info = MPI_INFO_NULL;
    j.cli.extra_options = extra;
    j.cli.take_extra = take_option;
    j.cli.extra = &j.m;
    j.cli.usage = mpi_usage;
    j.cli.file_lists = true;
    int status = cli_scan_parse(argc, argv, &j.cli);
    if (status < 0)
        status = check_ranks(&j);
    if (status < 0 && j.m.mpiio && j.cli.options.histogram_bins && !j.cli.options.histogram_range) {
        cli_error("--histogram", "without --range its edges come from the data's min and max, so it needs a second "
                  "pass over the data, and --io mpiio reads it once (give --range LO:HI, or use --io posix)");
        status = EXIT_USAGE;
    }
    if (status < 0)
        status = take_files(&j, argc, argv);
    for (size_t i = 0; status < 0 && i < j.nfiles; i++)
        if (strcmp(j.files[i], "-") == 0) {
            cli_error("-", "standard input cannot be split across ranks (give a file)");
            status = EXIT_USAGE;
        }
    if (status < 0) {
        bool threads_given = j.cli.options.threads != 0;
        placement_choose(&j.place, j.cli.options.threads, MPI_COMM_WORLD);
        if (j.rank == 0)
            warn_if_alone(&j);
        warn_if_idle(&j, threads_given);
        warn_if_idle_options(&j);
        status = run(&j);
    }
    cli_files_free(&j.list);
    free_columns(&j);
    if (j.file_counts)
        for (size_t i = 0; i < j.nfiles; i++)
            free(j.file_counts[i]);
    free(j.file_counts);
    free(j.scratch_counts);
    free(j.whole);
    cli_extra_free(&j.cli);
    /* Rank 0 alone writes: a failed write there is everyone's status. */
    if (j.rank == 0)
        status = cli_finish_stdout(status);
    MPI_Bcast(&status, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (j.m.info != MPI_INFO_NULL)
        MPI_Info_free(&j.m.info);
    if (status > 128)
        interrupt_exit_within(0.3, status);
    MPI_Finalize();
    return status;
}
