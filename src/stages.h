/* The stages of a scan, from an input to a result, each in its own file:
 * probe.c, header.c, range.c, then io/schedule.c; scan.c runs them. */
#ifndef MAPSCAN_STAGES_H
#define MAPSCAN_STAGES_H

#include "io/io.h"

#include <sys/stat.h>

/* ---- probe.c ---- */

/* Opened read-only without blocking, so that a FIFO with no writer is seen
 * as a FIFO first: refused at once for mmap, waited on only when it will be
 * read. -1 with *open_errno. */
int ms_probe_open(const char *path, mapscan_backend backend, int *open_errno);
/* The input's state before anything is read; a directory is refused. */
mapscan_status ms_probe_stat(int fd, struct stat *st, mapscan_error *error);
/* procfs, sysfs and the like: st_size is not the content. */
bool ms_probe_pseudo_fs(int fd);
/* Whether a regular file is as it was (size, inode, device, mtime, ctime). */
bool ms_probe_same_state(const struct stat *a, const struct stat *b);

/* ---- header.c ---- */

/* The layout of a regular file whose data (or .npy header) starts at base. */
mapscan_status ms_layout_of_file(int fd, uint64_t base, uint64_t size, const mapscan_options *o, ms_layout *l,
                                 mapscan_error *error);
/* The layout of a stream; bytes read that are not a header are left in
 * in->prefix (head is their room). */
mapscan_status ms_layout_of_stream(ms_stream *in, unsigned char head[static 12], const mapscan_options *o,
                                   ms_layout *l, mapscan_error *error);

/* ---- range.c ---- */

/* Units [*start, *start + *count) of a regular file, every check of the
 * request against the file made. */
mapscan_status ms_plan_file_range(int fd, const struct stat *st, const mapscan_options *o, ms_layout *l,
                                  uint64_t *start, uint64_t *count, mapscan_error *error);
/* The reducer of the layout (kernel, byte order, stride) into req; for
 * several columns, *columns is their reducers' array (the caller frees it
 * when the scan is over), else NULL. */
mapscan_status ms_plan_reducer(ms_scan_request *req, const ms_layout *l, ms_reducer **columns, mapscan_error *error);
/* Chunks and workers for count units from start; result's threads and bytes. */
void ms_plan_range(ms_scan_request *req, uint64_t start, uint64_t count, mapscan_result *result);

/* ---- passes.c: quantiles and histograms, after the first pass ---- */

typedef struct ms_passes {
    const mapscan_options *o;
    unsigned key_bits;
    ms_tally_plan digits, histogram;    /* their totals: NULL until allocated */
    double *edges;
    ms_scan_request req;        /* the first pass's, for the passes after it */
    bool can_rescan;            /* not a stream */
    unsigned passes_done;
    uint64_t progress_done;     /* bytes of the passes so far (progress) */
    double seconds;             /* of the passes after the first */
    struct ms_select *select;   /* the quantiles' refinement, once the count is known */
    bool ended;
    uint64_t *counts;           /* the histogram's counts: the options' (set by begin), or a column's */
    ms_reducer *columns;        /* a scan of several columns: their reducers (freed with the passes) */
    struct ms_passes *sub;      /* and each one's passes, when the first pass counts for them */
    size_t nsub;
    ms_layout layout;           /* the scan's layout (its columns freed with the passes) */
} ms_passes;

/* The options' quantiles, histogram and statistics, checked. */
mapscan_status ms_passes_check(const mapscan_options *o, mapscan_error *error);
/* Before the first pass: its tallies into req's reducer; for a stream,
 * what one pass cannot answer is refused. */
typedef enum ms_reread {
    MS_REREAD_YES,          /* a regular file, or memory: passes after the first may run */
    MS_REREAD_NEVER,        /* a pipe or device: what needs them is refused before reading */
    MS_REREAD_IF_EMPTY      /* a file whose size is not known (procfs, or empty): refused only if it had data */
} ms_reread;
mapscan_status ms_passes_begin(ms_passes *ps, ms_scan_request *req, ms_reread reread, mapscan_error *error);
/* After the first pass ended with s (whatever it was, and once): the
 * sync, the passes after it, their answers in result. A scan of several
 * columns meets once with every column's result, then takes each
 * column's passes in turn, with its own counters, so that memory does not
 * grow with the columns. */
mapscan_status ms_passes_end(ms_passes *ps, mapscan_status s, mapscan_result *result, mapscan_error *error);
void ms_passes_free(ms_passes *ps);

/* ---- gen.c: the float types' encodings (exposed for the tests) ---- */

/* value rounded to the nearest value of a float type, ties to even (an
 * infinity past its largest finite value by half a step or more; NaN its
 * quiet NaN): the type's bits. */
uint64_t ms_gen_float_bits(mapscan_type type, double value);
/* The value of a float type's bits, exactly, as binary64. */
double ms_gen_float_value(mapscan_type type, uint64_t bits);

/* ---- abi.c: callers built against older headers ---- */

/* A call in this library's own structures. */
typedef struct ms_abi_call {
    mapscan_options options;    /* the caller's over the defaults */
    mapscan_result result;
    size_t result_size;         /* what the caller's header has of a result */
} ms_abi_call;

/* False (error set) for a struct_size of no known header. */
bool ms_abi_enter(const mapscan_options *caller, ms_abi_call *call, mapscan_error *error);
/* Copies the result out, as much as the caller has; returns status. */
mapscan_status ms_abi_leave(ms_abi_call *call, mapscan_status status, mapscan_result *caller, mapscan_error *error);
bool ms_abi_gen_options(const mapscan_gen_options *caller, mapscan_gen_options *full, size_t *result_size,
                        mapscan_error *error);
/* full back into the caller's structure, as much as it has. */
void ms_abi_gen_options_back(mapscan_gen_options *caller, const mapscan_gen_options *full);

#endif
