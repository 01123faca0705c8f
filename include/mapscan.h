/*
 * mapscan: exact count, min, max, sum and mean of a binary file of integers
 * or floating-point numbers, scanned in parallel through a memory mapping
 * or through pread().
 *
 * The whole public API is this header. The library never prints, never
 * exits and never installs a handler other than the one SIGBUS handler it
 * needs to turn a truncated mapping into an error (see mapscan_scan_fd).
 * Every call that can fail returns a mapscan_status and fills a
 * mapscan_error with a one-line reason that does not name the file: the
 * caller knows the name and prefixes it.
 */
#ifndef MAPSCAN_H
#define MAPSCAN_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MAPSCAN_API __attribute__((visibility("default")))
#else
#define MAPSCAN_API
#endif

/*
 * Versions and the ABI. MAPSCAN_VERSION is the library's release. The
 * soname, libmapscan.so.MAPSCAN_SONAME_MAJOR, changes only when a program
 * built against an older mapscan.h would be served wrongly by this library
 * (a function removed or changed, a field moved or given another meaning);
 * 1 since 0.4.0, after 0.3.0 grew mapscan_options under soname 0.
 * 0.5.0 added the float types, mapscan_result's floats and
 * mapscan_options' result_size under the same soname; 0.6.0 the statistics
 * beyond the default ones (mapscan_result.extra, asked for through the
 * options' stats, quantiles and histogram) and the sync hook; 0.7.0
 * several columns in one pass (mapscan_options' field list, channels and
 * columns; mapscan_result's columns, freed by mapscan_result_free).
 *
 * Structures grow only at their end. The ones a caller fills
 * (mapscan_options, mapscan_gen_options) start with struct_size, the size
 * the caller's header gave them, stamped by their _init macro: the library
 * reads no more of them than that, takes the defaults for what an older
 * caller lacks, and writes no more of a mapscan_result than that caller's
 * header had (mapscan_options.result_size, stamped by the same macro, says
 * how large the caller's mapscan_result is). A struct_size it does not know (a newer header, or a
 * structure that was never set up by its _init) is refused with
 * MAPSCAN_E_INVALID and a message; nothing is written to the result then.
 * mapscan_stats, mapscan_int128, mapscan_error and mapscan_extent never
 * change: new statistics join the end of mapscan_result.
 */
#define MAPSCAN_VERSION "0.7.0"
#define MAPSCAN_SONAME_MAJOR 1

typedef enum mapscan_type {
    MAPSCAN_I8, MAPSCAN_U8, MAPSCAN_I16, MAPSCAN_U16,
    MAPSCAN_I32, MAPSCAN_U32, MAPSCAN_I64, MAPSCAN_U64,
    /* Added in 0.5: IEEE 754 binary16, bfloat16 (the upper half of a
     * binary32), binary32 and binary64; their statistics are in
     * mapscan_result.floats. */
    MAPSCAN_F16, MAPSCAN_BF16, MAPSCAN_F32, MAPSCAN_F64,
    MAPSCAN_TYPE_COUNT
} mapscan_type;

typedef enum mapscan_endian {
    MAPSCAN_LITTLE, MAPSCAN_BIG, MAPSCAN_NATIVE
} mapscan_endian;

typedef enum mapscan_backend {
    MAPSCAN_BACKEND_AUTO, MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ,
    MAPSCAN_BACKEND_DIRECT      /* O_DIRECT past the page cache; read where refused (tmpfs) */
} mapscan_backend;

typedef enum mapscan_format {
    MAPSCAN_FORMAT_AUTO,    /* .npy when the input starts with numpy's magic string, else raw */
    MAPSCAN_FORMAT_RAW,
    MAPSCAN_FORMAT_NPY
} mapscan_format;

/* Which paths a finished scan actually read through (bits). */
enum { MAPSCAN_USED_MMAP = 1, MAPSCAN_USED_READ = 2, MAPSCAN_USED_MEMORY = 4 /* mapscan_scan_memory */,
       MAPSCAN_USED_DIRECT = 8,         /* O_DIRECT reads kept in flight through io_uring */
       MAPSCAN_USED_DIRECT_PREAD = 16   /* O_DIRECT with blocking preads: io_uring was not available */ };

typedef enum mapscan_status {
    MAPSCAN_OK = 0,
    /* bad input: the request or the file cannot be scanned as asked */
    MAPSCAN_E_INVALID,      /* an option out of range */
    MAPSCAN_E_OPEN,         /* missing, unreadable, a directory */
    MAPSCAN_E_OFFSET,       /* --offset past the end */
    MAPSCAN_E_TRAILING,     /* size not a multiple of the element size */
    MAPSCAN_E_UNMAPPABLE,   /* mmap asked for an input that cannot be mapped */
    MAPSCAN_E_EXISTS,       /* gen: the target exists and force is off */
    /* failures while running */
    MAPSCAN_E_IO,           /* a read or write failed */
    MAPSCAN_E_CHANGED,      /* the file changed (shrank) during the scan */
    MAPSCAN_E_NOSPACE,      /* gen: the file would not fit */
    MAPSCAN_E_NOMEM,
    MAPSCAN_E_CANCELLED,    /* the cancel flag was raised */
    /* bad input, added in 0.2 */
    MAPSCAN_E_FORMAT        /* a .npy header that does not parse, or data that does not match it */
} mapscan_status;

/* True for the statuses that mean "bad input" rather than "failed while running". */
MAPSCAN_API bool mapscan_status_is_input_error(mapscan_status status);

struct mapscan_error {
    mapscan_status status;
    int sys_errno;          /* errno behind it, or 0 */
    char message[256];      /* one line, no trailing newline, no file name */
};
typedef struct mapscan_error mapscan_error;

/* A 128-bit two's-complement integer, so that no sum can overflow. */
typedef struct mapscan_int128 {
    uint64_t lo;
    int64_t hi;
} mapscan_int128;

/* Writes the decimal form (at most 40 characters and a NUL) into buf. */
MAPSCAN_API char *mapscan_int128_format(mapscan_int128 value, char buf[static 41]);

typedef struct mapscan_stats {
    uint64_t count;
    mapscan_int128 min, max, sum;   /* min and max are meaningless when count is 0 */
} mapscan_stats;

/* sum / count, or 0 when count is 0. */
MAPSCAN_API long double mapscan_stats_mean(const mapscan_stats *stats);
/* Folds b into a; the result is the stats of both inputs together. */
MAPSCAN_API void mapscan_stats_merge(mapscan_stats *a, const mapscan_stats *b);

/* The exact sum of binary floating-point values: every finite value is an
 * integer multiple of 2^-1074 (binary64's smallest step), so their sum is
 * one too, held here as a two's-complement integer of 34 64-bit words,
 * least significant first — room for 2^64 values of binary64's largest
 * magnitude. Infinities are kept apart, as flags. */
#define MAPSCAN_EXACT_SUM_WORDS 34
typedef struct mapscan_exact_sum {
    uint64_t word[MAPSCAN_EXACT_SUM_WORDS];    /* the finite values' sum, in units of 2^-1074 */
    bool pos_inf, neg_inf;                      /* +inf, -inf were among the values */
} mapscan_exact_sum;

/* Folds b into a (exactly). */
MAPSCAN_API void mapscan_exact_sum_add(mapscan_exact_sum *a, const mapscan_exact_sum *b);
/* Adds one binary64 value (NaN is ignored). */
MAPSCAN_API void mapscan_exact_sum_add_double(mapscan_exact_sum *a, double value);
/* The sum rounded once to the nearest binary64, ties to even: +inf and
 * -inf both present give NaN, one of them that infinity; a finite sum past
 * binary64's range rounds to an infinity as IEEE does; zero is +0. */
MAPSCAN_API double mapscan_exact_sum_round(const mapscan_exact_sum *sum);
/* The sum divided by n (> 0), the quotient rounded once as above. */
MAPSCAN_API double mapscan_exact_sum_divide(const mapscan_exact_sum *sum, uint64_t n);

/* The statistics of a floating-point scan. NaN (any payload) is counted
 * apart and left out of the rest; -0 orders below +0. */
typedef struct mapscan_float_stats {
    uint64_t nan;           /* elements that are NaN (mapscan_stats.count counts them too) */
    double min, max;        /* over the values that are not NaN, infinities included; 0 when there is none */
    double sum;             /* the exact sum of the values that are not NaN, rounded once; -0 only when every
                             * one of them is -0 */
    double mean;            /* the exact sum / (count - nan), rounded once; 0 when count == nan */
    mapscan_exact_sum exact;
} mapscan_float_stats;

/* Added in 0.6: the statistics a scan can add to the default ones. */
enum {
    MAPSCAN_STAT_VAR = 1,           /* var and std */
    MAPSCAN_STAT_ARGMIN = 2,
    MAPSCAN_STAT_ARGMAX = 4,
    MAPSCAN_STAT_ALL = 7
};
#define MAPSCAN_MAX_QUANTILES 64
#define MAPSCAN_MAX_BINS ((uint64_t)1 << 20)

/* Added in 0.6: the exact sum of the squares of the values (all but NaN
 * and the infinities), as a non-negative integer of 68 64-bit words,
 * least significant first, in units of 1 for the integer types and of
 * 2^-2148 (the square of binary64's smallest step) for the float types. */
#define MAPSCAN_SQUARE_SUM_WORDS 68
typedef struct mapscan_square_sum {
    uint64_t word[MAPSCAN_SQUARE_SUM_WORDS];
    bool inf;                       /* an infinity was among the values */
} mapscan_square_sum;

/* The statistics a scan computes only when asked (mapscan_options' stats,
 * quantiles, histogram); the values that are not NaN ("counted": count for
 * integers, count - nan for floats), by the definitions of README and
 * mapscan(1). */
typedef struct mapscan_extra_stats {
    unsigned computed;      /* the MAPSCAN_STAT_* bits of what follows that is set */
    /* MAPSCAN_STAT_VAR: sum((x - mean)^2) / (counted - ddof), from the
     * exact sums of x and x^2, rounded once; std = sqrt(var) as IEEE
     * rounds it; both NaN when counted <= ddof, or with an infinity. */
    uint64_t ddof;
    double var, std;
    mapscan_square_sum squares;
    /* MAPSCAN_STAT_ARGMIN, _ARGMAX: the position of the first min and of
     * the first max (NaN left out; -0 below +0, as min and max), in
     * elements or records from the first one scanned (after the offset);
     * 0 when nothing was counted. */
    uint64_t argmin, argmax;
    /* The units the offset skipped (offset / unit): a position plus origin
     * is the element's place in the whole file or array, which is what
     * mapscan_unravel indexes; origin_whole is false when the offset is
     * not a whole number of units (no index then). A merge keeps the
     * smaller origin. */
    uint64_t origin;
    bool origin_whole;
    /* Quantiles: numpy's "linear" method, exactly, rounded once. */
    size_t nquantiles;
    double q[MAPSCAN_MAX_QUANTILES], quantile[MAPSCAN_MAX_QUANTILES];
    /* The histogram: bins equal bins from lo to hi (edges numpy's
     * linspace(lo, hi, bins + 1) in binary64, mapscan_histogram_edge),
     * each half-open but the last; counts is the options' counters; with
     * a range, values outside it are below and above (without one, lo and
     * hi are the data's min and max, widened by 0.5 each way when equal,
     * and nothing is outside). */
    uint64_t bins;
    double lo, hi;
    uint64_t *counts;
    uint64_t below, above;
    bool ranged;
} mapscan_extra_stats;

/* Edge i (0 <= i <= bins) of a histogram from lo to hi, as numpy's
 * linspace computes it in binary64. */
MAPSCAN_API double mapscan_histogram_edge(double lo, double hi, uint64_t bins, uint64_t i);

/* Called on the thread that started the scan or generation, at start
 * (done == 0), about ten times a second, and never after it returns. */
typedef void (*mapscan_progress_fn)(uint64_t done_bytes, uint64_t total_bytes, void *arg);


/* Where a scan split between processes meets the others, in this order and
 * the same on every part: after the first pass (MAPSCAN_SYNC_STATS, when
 * more passes follow: data is this part's mapscan_result, n = 1, to be
 * replaced by the merge of every part's, argmin and argmax counted from
 * the same origin; with several columns, data is the ncolumns column
 * results, n = ncolumns, each replaced by the merge of that column's), and
 * after each counting pass (MAPSCAN_SYNC_COUNTS: data is n uint64_t
 * counters, to be replaced by their sums over every part; with several
 * columns, each column's in turn; a part that failed may bring NULL).
 * status is this part's so far: a part that failed still meets the others
 * once, and then stops. The hook returns MAPSCAN_OK to go on, or a status
 * (with error filled) that ends the scan: another part's failure. */
typedef enum mapscan_sync_point { MAPSCAN_SYNC_STATS, MAPSCAN_SYNC_COUNTS } mapscan_sync_point;
typedef struct mapscan_error mapscan_error;
typedef mapscan_status (*mapscan_sync_fn)(mapscan_sync_point point, void *data, size_t n, mapscan_status status,
                                          mapscan_error *error, void *arg);

typedef struct mapscan_options {
    size_t struct_size;             /* sizeof as the caller's header has it: set by mapscan_options_init */
    mapscan_type type;              /* default MAPSCAN_I32 */
    mapscan_endian endian;          /* default MAPSCAN_LITTLE */
    mapscan_backend backend;        /* default MAPSCAN_BACKEND_AUTO */
    unsigned threads;               /* 0: one per core */
    uint64_t offset;                /* bytes skipped at the start */
    uint64_t length;                /* at most this many bytes; UINT64_MAX: to the end */
    bool allow_trailing;            /* ignore a final partial element */
    const char *kernel;             /* NULL: best for this CPU; or "scalar", "avx2", "avx512" */
    mapscan_progress_fn progress;
    void *progress_arg;
    /* When non-NULL and raised, stop with MAPSCAN_E_CANCELLED. Read only on
     * the calling thread (workers block asynchronous signals, so a signal
     * handler that raises it runs there too). */
    volatile sig_atomic_t *cancel;
    /* Added in 0.2: layouts. */
    mapscan_format format;          /* default MAPSCAN_FORMAT_AUTO */
    bool type_set, endian_set;      /* type/endian were chosen: a .npy header must agree with them */
    const char *field;              /* .npy with a structured dtype: the integer field ("outer.inner") */
    uint64_t record_size;           /* raw: 0, or records of this many bytes, of which */
    uint64_t field_offset;          /* the element at this offset in each is scanned */
    /* Added in 0.3: the direct backend's reads in flight per worker (0: 8,
     * at most MAPSCAN_MAX_IO_DEPTH) and bytes per read (0: 1 MiB, else
     * MAPSCAN_MIN_IO_SIZE to MAPSCAN_MAX_IO_SIZE); defaults shrink so that
     * all workers' buffers stay within 48 MiB. */
    unsigned io_depth;
    uint64_t io_size;
    /* Added in 0.5: sizeof(mapscan_result) as the caller's header has it,
     * stamped by mapscan_options_init. */
    size_t result_size;
    /* Added in 0.6: more statistics (see mapscan_extra_stats): stats
     * (MAPSCAN_STAT_* bits) from the same pass; quantiles and a histogram
     * from more passes over the same data (a stream is read once: they are
     * refused there, MAPSCAN_E_UNMAPPABLE, unless one pass answers them:
     * 8- and 16-bit types' quantiles, a histogram with a range). */
    unsigned stats;
    uint64_t ddof;                  /* var's divisor is counted values - ddof (numpy's ddof; default 0) */
    size_t nquantiles;              /* at most MAPSCAN_MAX_QUANTILES */
    const double *quantiles;        /* each in [0, 1] */
    uint64_t histogram_bins;        /* 0: no histogram; at most MAPSCAN_MAX_BINS */
    uint64_t *histogram_counts;     /* histogram_bins counters, filled by the scan */
    bool histogram_range;           /* edges from range_lo to range_hi, not from the data's min to max */
    double range_lo, range_hi;      /* finite, range_lo < range_hi */
    /* A scan split between processes (mapscan-mpi): see mapscan_sync_fn. */
    mapscan_sync_fn sync;
    void *sync_arg;
    /* Added in 0.7: several columns in one pass, each with its own
     * statistics (mapscan_result.columns). field may also name several
     * fields of a structured .npy, "a,b,c" (a name that is itself a field
     * is that field alone), or be "all": every numeric field, a sub-array
     * field as one column per element, "name[i]". channels: the last axis
     * of a .npy array of 2 or more dimensions is that many columns ("ch0"
     * ...; MAPSCAN_CHANNELS_AUTO: whatever it holds), C order or Fortran;
     * for raw data, rows of that many elements of type. columns: raw
     * records of mixed types, "NAME:TYPE[@OFFSET],..." (TYPE as
     * mapscan_type_parse reads it, byte order per column; each column
     * after the one before unless it gives its offset); record_size, when
     * set, is the record's size (padding after the last column). With
     * columns, a .npy's offset must fall between rows (a Fortran-order
     * array's offset and length select elements in the file's order), a
     * raw file's offset may skip a header of any size, bytes past the last
     * whole record are trailing as for one column, and a histogram's
     * counts are the library's (histogram_counts unused). */
    unsigned channels;
    const char *columns;
} mapscan_options;

#define MAPSCAN_CHANNELS_AUTO UINT32_MAX
#define MAPSCAN_MAX_COLUMNS 4096
#define MAPSCAN_COLUMN_NAME_SIZE 256     /* a column's name, with its NUL */

#define MAPSCAN_MAX_IO_DEPTH 64u
#define MAPSCAN_MIN_IO_SIZE ((uint64_t)4096)
#define MAPSCAN_MAX_IO_SIZE ((uint64_t)64 << 20)

/* The defaults, and struct_size: call it through the macro, which passes
 * the size this header gives the structure. */
MAPSCAN_API void mapscan_options_init_sized(mapscan_options *options, size_t struct_size);
#define mapscan_options_init(options) \
    (mapscan_options_init_sized((options), sizeof *(options)), (void)((options)->result_size = sizeof(mapscan_result)))

typedef struct mapscan_result {
    mapscan_stats stats;
    uint64_t bytes;         /* bytes of whole elements scanned */
    double seconds;         /* wall time of the scan itself */
    unsigned threads;       /* worker threads actually used */
    unsigned backends;      /* MAPSCAN_USED_* bits */
    const char *kernel;     /* name of the reduction kernel used */
    /* Added in 0.2: what was scanned. */
    mapscan_format format;  /* RAW or NPY */
    mapscan_type type;      /* the element type and byte order (a .npy header's) */
    mapscan_endian endian;
    uint64_t record_size;   /* bytes per record, 0 when elements are contiguous */
    uint64_t field_offset;  /* of the element in each record */
    unsigned ndim;          /* .npy: the shape */
    uint64_t shape[64];
    /* Added in 0.5: a float type's statistics; stats then holds only the
     * count (NaN included), its min, max and sum are 0. A program built
     * against an older header is refused float data (MAPSCAN_E_FORMAT). */
    mapscan_float_stats floats;
    /* Added in 0.6: what more the options asked for, and the layout's
     * order (a .npy in Fortran order: positions run down its first axis). */
    mapscan_extra_stats extra;
    bool fortran_order;
    /* Added in 0.7: a scan of several columns (see mapscan_options.columns)
     * gives each column's result in columns[0 .. ncolumns - 1], in the
     * order asked for ("all", channels: the file's), each with its name in
     * column and its type, byte order, field_offset and statistics; this
     * result then describes the scan (layout, bytes, seconds, threads,
     * backends) and has no statistics of its own (count 0). The array is
     * the library's: free it with mapscan_result_free. A scan of one
     * element per unit has ncolumns 0 and column "". */
    char column[MAPSCAN_COLUMN_NAME_SIZE];
    size_t ncolumns;
    struct mapscan_result *columns;
} mapscan_result;

/* Frees what a scan allocated for a result (its columns and their
 * histograms' counts) and sets columns to NULL; a result without any is
 * left as it is. Safe on a zeroed result. */
MAPSCAN_API void mapscan_result_free(mapscan_result *result);
/* dst becomes a copy of src that owns its own columns (free it with
 * mapscan_result_free); MAPSCAN_E_NOMEM leaves dst without columns. For
 * totals of several column scans: copy the first, merge the others. */
MAPSCAN_API mapscan_status mapscan_result_copy(mapscan_result *dst, const mapscan_result *src, mapscan_error *error);

/* Added in 0.6: a position (argmin, argmax; counted from the first unit
 * scanned) as an index into the result's .npy shape, in the file's order
 * (C or Fortran), the offset's units (extra.origin) added; returns ndim,
 * or 0 when there is no such index (not a .npy file, or an offset that is
 * not a whole number of elements). */
MAPSCAN_API unsigned mapscan_unravel(const mapscan_result *result, uint64_t position, uint64_t index[64]);

/* Folds b into a, as if one scan had read both: the statistics merged
 * exactly, bytes and seconds added, backends joined, threads the larger;
 * a's description of what was scanned (type, layout) is kept, except that
 * an a with nothing in it (a zeroed total) takes b's type. a's type says
 * which statistics are merged: integers', or floats' (then b must be a
 * float result too). The CLI's totals and mapscan-mpi's reductions are
 * this merge. Of the extra statistics, a keeps what both computed: var
 * and std (recomputed from the merged exact sums, with a's ddof),
 * argmin and argmax (the smaller value's; on a tie the smaller position:
 * both must count from the same origin); a histogram only when a has its
 * own counts array and both have the same edges (b's counts are added to
 * a's); quantiles never (they are not the quantiles of both). A b that
 * counted nothing (a zeroed result, an empty part) leaves a's extra
 * statistics, origin included, as they are. A zeroed a
 * takes b's choice of extra statistics and its ddof, but no histogram:
 * for a total histogram, give a its counts array, bins and edges first.
 * Columns (0.7): when a and b have the same number of columns, each of
 * b's is merged into a's by these rules (names and types are the
 * caller's to compare); otherwise a's columns are left as they are. */
MAPSCAN_API void mapscan_result_merge(mapscan_result *a, const mapscan_result *b);

/* Scans the file at path ("-" is standard input), opened read-only and
 * without blocking first, so that a FIFO with no writer is refused at once
 * for MAPSCAN_BACKEND_MMAP (and waited on only when it will be read).
 * open() failures the request caused (missing, forbidden, a directory) are
 * MAPSCAN_E_OPEN; those of the machine's state (no descriptors, no memory)
 * MAPSCAN_E_IO. */
MAPSCAN_API mapscan_status mapscan_scan_path(const char *path, const mapscan_options *options,
                                             mapscan_result *result, mapscan_error *error);

/* Scans an open descriptor. Regular files are scanned in parallel from the
 * descriptor's current offset (plus options->offset; the offset is not
 * moved), and files with holes are read, never mapped. Pipes, devices and
 * files whose size is not their content (size 0, procfs, sysfs) are read
 * in order on one thread to their end. With the mmap path, a file
 * truncated during the scan raises SIGBUS inside the scan: a handler
 * installed on first use turns it into MAPSCAN_E_CHANGED (MAPSCAN_E_IO when
 * the file is still whole: the page could not be read) and passes any other
 * SIGBUS on to the handler that was there before. A file whose size, mtime,
 * ctime or inode differs after the scan is MAPSCAN_E_CHANGED. */
MAPSCAN_API mapscan_status mapscan_scan_fd(int fd, const mapscan_options *options,
                                           mapscan_result *result, mapscan_error *error);

/* Where the data a scan would read lies, found without reading it: for
 * splitting one file's scan between processes (mapscan-mpi). */
typedef struct mapscan_extent {
    uint64_t start;         /* byte offset in the file of the first unit (options->offset included) */
    uint64_t unit;          /* bytes per unit: an element, or a record */
    uint64_t units;         /* whole units the scan would read */
} mapscan_extent;

/* Makes every check mapscan_scan_path makes before it reads data (the
 * .npy header, offset, length, trailing bytes) and fills result's layout
 * fields and bytes, and extent. A scan of units [a, b) of it is the scan
 * with offset options->offset + a * unit and length (b - a) * unit. Only
 * regular files can be split: anything else (standard input, a pipe, a
 * device, procfs) is MAPSCAN_E_UNMAPPABLE. */
MAPSCAN_API mapscan_status mapscan_extent_path(const char *path, const mapscan_options *options,
                                               mapscan_result *result, mapscan_extent *extent,
                                               mapscan_error *error);
MAPSCAN_API mapscan_status mapscan_extent_fd(int fd, const mapscan_options *options, mapscan_result *result,
                                             mapscan_extent *extent, mapscan_error *error);

/* Scans len bytes of memory already in the process (an array, a buffer)
 * with the same parallel kernels: options give the type, byte order,
 * threads, offset, length and record layout; format, backend and field do
 * not apply. result->backends is MAPSCAN_USED_MEMORY. */
MAPSCAN_API mapscan_status mapscan_scan_memory(const void *data, size_t len, const mapscan_options *options,
                                               mapscan_result *result, mapscan_error *error);

/* The library's version (MAPSCAN_VERSION when it was built). */
MAPSCAN_API const char *mapscan_version(void);
/* sizeof the named public structure ("options", "result", "gen_options",
 * "error"), or 0: lets a binding built apart (Python's ctypes) check that
 * it lays them out as this library does. */
MAPSCAN_API size_t mapscan_struct_size(const char *name);

/* The length of the valid UTF-8 sequence that starts at s (1 to 4 bytes;
 * 1 for the terminating NUL), or 0 when s does not start one (overlong
 * forms, surrogates and values past U+10FFFF are not valid); *code_point
 * gets its value. Messages escape what is not valid UTF-8 by it; front
 * ends that escape names can use the same rule. */
MAPSCAN_API size_t mapscan_utf8_sequence(const char *s, uint32_t *code_point);
/* The text rule messages and names are written by: in_len bytes of in
 * (in[in_len] readable; NULs inside are bytes like others) into out as one
 * line of valid UTF-8 — \t \n \r, \xHH for each byte of another control
 * character, DEL, C1 control or byte that is not valid UTF-8, and a
 * backslash before each ASCII character in also (may be NULL; "\\" doubles
 * backslashes) — cut between characters to fit room with its NUL. Returns
 * the bytes written. One character never needs more than 17 bytes. */
MAPSCAN_API size_t mapscan_text_escape(char *out, size_t room, const char *in, size_t in_len, const char *also);

/* ---- types ---- */

MAPSCAN_API size_t mapscan_type_size(mapscan_type type);
MAPSCAN_API bool mapscan_type_is_signed(mapscan_type type);   /* true for the float types too */
MAPSCAN_API bool mapscan_type_is_float(mapscan_type type);
MAPSCAN_API const char *mapscan_type_name(mapscan_type type);   /* "i32", "f32", "bf16" */
/* An integer type's range (0 for the float types). */
MAPSCAN_API mapscan_int128 mapscan_type_min(mapscan_type type);
MAPSCAN_API mapscan_int128 mapscan_type_max(mapscan_type type);
/* Parses "i32", "int32", "<i4", ">u2", "|i1", "=u8", "f32", "float32",
 * "<f4", "e", "bfloat16"... A leading byte-order
 * character sets *endian and *endian_given for types wider than a byte;
 * otherwise they are untouched.
 * Bare "i8"/"u8" are mapscan's 8-bit names (numpy's 8-byte codes need a
 * byte-order character: "<i8"), and bare "f16" is binary16 ("<f16" is
 * numpy's 16-byte long double, which mapscan does not scan). Returns false
 * for an unknown name. */
MAPSCAN_API bool mapscan_type_parse(const char *text, mapscan_type *type,
                                    mapscan_endian *endian, bool *endian_given);
MAPSCAN_API bool mapscan_endian_parse(const char *text, mapscan_endian *endian);
/* MAPSCAN_NATIVE resolved to little or big for this machine. */
MAPSCAN_API mapscan_endian mapscan_endian_resolve(mapscan_endian endian);
MAPSCAN_API const char *mapscan_endian_name(mapscan_endian endian);
MAPSCAN_API bool mapscan_backend_parse(const char *text, mapscan_backend *backend);
/* "mmap", "read", "direct", "direct-pread", or several joined by "+", for
 * MAPSCAN_USED_* bits; "memory"; "none" for 0. */
MAPSCAN_API const char *mapscan_backends_name(unsigned used_bits);

MAPSCAN_API bool mapscan_format_parse(const char *text, mapscan_format *format);
MAPSCAN_API const char *mapscan_format_name(mapscan_format format);

/* Parses a byte count: digits with an optional suffix K M G T (powers of
 * 1024), KB MB GB TB (powers of 1000) or KiB MiB GiB TiB. */
MAPSCAN_API bool mapscan_size_parse(const char *text, uint64_t *bytes);

/* ---- machine ---- */

/* The kernel the scan uses by default (best the CPU supports, unless the
 * environment variable MAPSCAN_KERNEL names another), and whether a named
 * kernel is compiled in and supported here. */
MAPSCAN_API const char *mapscan_kernel_default(void);
MAPSCAN_API bool mapscan_kernel_available(const char *name);
/* Whether name is a kernel this build has, supported here or not. */
MAPSCAN_API bool mapscan_kernel_known(const char *name);
/* Default worker count: one per core in the allowed cpuset. */
MAPSCAN_API unsigned mapscan_default_threads(void);
/* Processing units in the allowed cpuset. */
MAPSCAN_API unsigned mapscan_processing_units(void);

/* ---- generator ---- */

typedef enum mapscan_pattern {
    MAPSCAN_PATTERN_RANDOM,     /* uniform over the type */
    MAPSCAN_PATTERN_RANGE,      /* uniform in [lo, hi] */
    MAPSCAN_PATTERN_MOD,        /* element i is i mod m */
    MAPSCAN_PATTERN_SEQ,        /* element i is i, wrapped into the type */
    MAPSCAN_PATTERN_CONST       /* every element is value */
} mapscan_pattern;

typedef struct mapscan_gen_options {
    size_t struct_size;         /* sizeof as the caller's header has it: set by mapscan_gen_options_init */
    mapscan_type type;
    mapscan_endian endian;
    uint64_t count;             /* elements */
    mapscan_pattern pattern;
    mapscan_int128 lo, hi;      /* range; lo doubles as the const value */
    uint64_t modulus;           /* mod */
    uint64_t seed;
    unsigned threads;           /* 0: one per core */
    bool force;                 /* replace an existing file */
    mapscan_progress_fn progress;
    void *progress_arg;
    volatile sig_atomic_t *cancel;
    /* Added in 0.2. */
    mapscan_format format;      /* RAW (default; AUTO means raw too) or NPY: a .npy header first */
    /* Added in 0.5, for the float types: RANGE is uniform in [float_lo,
     * float_hi] (finite; each bound rounded to the type first), CONST is
     * float_lo (any value, infinities and NaN too), RANDOM is every finite
     * bit pattern alike, MOD and SEQ are i mod m and i as binary64; every
     * value is rounded to the nearest of the type, ties to even. Then each
     * element is NaN with chance nan_rate, else an infinity (either sign
     * alike) with chance inf_rate: 0 to 1 each, and both 0 for the integer
     * types, which refuse them. docs/generator.md has the details. */
    double float_lo, float_hi;
    double nan_rate, inf_rate;
} mapscan_gen_options;

MAPSCAN_API void mapscan_gen_options_init_sized(mapscan_gen_options *options, size_t struct_size);
#define mapscan_gen_options_init(options) mapscan_gen_options_init_sized((options), sizeof *(options))

/* Parses "random", "range:LO:HI", "mod:M", "seq", "const:V" for the type
 * in options, checking that every value fits it. For a float type, LO, HI
 * and V are numbers as strtod reads them in the C locale ("uniform:LO:HI"
 * is range's other name; V may be inf, -inf, nan, -0) and go into
 * float_lo and float_hi; a finite one that rounds past the type's largest
 * finite value is refused. */
MAPSCAN_API mapscan_status mapscan_pattern_parse(const char *text, mapscan_gen_options *options,
                                                 mapscan_error *error);
MAPSCAN_API const char *mapscan_pattern_name(mapscan_pattern pattern);

/* Writes the file through a temporary in the same directory (path's name
 * with ".mapscan-tmp.XXXXXX", cut to fit NAME_MAX), renamed into place only
 * once complete and synced; on any failure, or a cancel raised before the
 * rename (also during the final sync), the temporary is removed and nothing
 * exists under path. With force, only a regular file is replaced. Writers
 * are capped at 4 per processing unit. result->stats are computed from the
 * generated values, not by the scanner. */
MAPSCAN_API mapscan_status mapscan_generate(const char *path, const mapscan_gen_options *options,
                                            mapscan_result *result, mapscan_error *error);

/* ---- numpy's .npy files ---- */

#define MAPSCAN_NPY_MAX_DIMS 64
#define MAPSCAN_NPY_MAX_HEADER 10000    /* numpy's default max_header_size, in bytes of header text */

/* One scalar or sub-array field of a structured dtype; nested fields are
 * flattened into dotted names, padding is left out. The name is spelled as
 * --field takes it: the names of the path joined by dots, each with a
 * backslash before a dot or a backslash in it and control bytes written
 * \t \n \r \xHH ("outer.inner", "a\.b" for a field named "a.b"), UTF-8
 * whatever the header's version. */
typedef struct mapscan_npy_field {
    char *name;
    uint64_t offset;            /* bytes from the start of the record (of its first element) */
    uint64_t size;              /* bytes (all of a sub-array) */
    uint64_t count;             /* elements per record: 1 for a scalar; a sub-array's, times those of the
                                 * sub-arrays of structs it lies in */
    char descr[24];             /* numpy's type string, "<i4" (cut to fit) */
    bool is_integer;            /* an i1..u8 field with one element per record */
    mapscan_type type;          /* of one element, when it is a type mapscan scans (i1..u8, f2 f4 f8; since
                                 * 0.5 floats too), else MAPSCAN_TYPE_COUNT */
    mapscan_endian endian;
} mapscan_npy_field;

typedef struct mapscan_npy_header {
    unsigned major, minor;      /* 1.0, 2.0 or 3.0 */
    uint64_t data_offset;       /* the data starts this many bytes into the file */
    bool fortran_order;
    unsigned ndim;
    uint64_t shape[MAPSCAN_NPY_MAX_DIMS];
    uint64_t count;             /* elements (records): the product of the shape, 1 for () */
    uint64_t itemsize;          /* bytes per element or record */
    bool structured;            /* descr is a list of fields */
    char descr[24];             /* a plain dtype's type string */
    bool is_integer;            /* a plain i1..u8 dtype */
    mapscan_type type;          /* a plain dtype's type when mapscan scans it (i1..u8, and since 0.5 f2 f4
                                 * f8), else MAPSCAN_TYPE_COUNT; and its byte order */
    mapscan_endian endian;
    size_t nfields;             /* a structured dtype's fields */
    mapscan_npy_field *fields;
} mapscan_npy_header;

/* Whether buf starts with numpy's magic string "\x93NUMPY". */
MAPSCAN_API bool mapscan_npy_is_magic(const void *buf, size_t len);
/* From the first 12 bytes (10 are enough for version 1.0): the bytes the
 * whole header takes, magic to newline; MAPSCAN_E_FORMAT for a bad magic,
 * version or a header past MAPSCAN_NPY_MAX_HEADER. */
MAPSCAN_API mapscan_status mapscan_npy_header_size(const void *buf, size_t len, uint64_t *size,
                                                   mapscan_error *error);
/* Parses the header at the start of buf (len bytes, at least the header
 * size); MAPSCAN_E_FORMAT with a one-line reason when it does not parse.
 * On success, free it with mapscan_npy_free. */
MAPSCAN_API mapscan_status mapscan_npy_parse(const void *buf, size_t len, mapscan_npy_header *header,
                                             mapscan_error *error);
MAPSCAN_API void mapscan_npy_free(mapscan_npy_header *header);
/* The field that name names (its spelling; or, with no backslash in name,
 * its plain dotted path), or NULL when none does or when it could name two
 * fields ("a.b": 'b' inside 'a' and a field named 'a.b'). */
MAPSCAN_API const mapscan_npy_field *mapscan_npy_find_field(const mapscan_npy_header *header, const char *name);

#ifdef __cplusplus
}
#endif
#endif
