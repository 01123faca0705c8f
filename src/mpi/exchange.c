#include "exchange.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes filled on one rank and zero on all others come out whole from a
 * bitwise OR (MPI_BOR is defined on MPI_BYTE). */
static int or_bytes(void *data, size_t bytes, MPI_Comm comm)
{
    unsigned char *p = data;
    while (bytes) {
        int n = bytes > (1u << 30) ? 1 << 30 : (int)bytes;     /* MPI counts are int */
        int rc = MPI_Allreduce(MPI_IN_PLACE, p, n, MPI_BYTE, MPI_BOR, comm);
        if (rc != MPI_SUCCESS)
            return rc;
        p += n;
        bytes -= (size_t)n;
    }
    return MPI_SUCCESS;
}

int exchange_or(void *data, size_t bytes, MPI_Comm comm)
{
    return or_bytes(data, bytes, comm);
}

void result_portable(mapscan_result *r)
{
    r->kernel = NULL;
    r->extra.counts = NULL;
    r->columns = NULL;
    r->ncolumns = 0;
}

/* numpy's codes, which mapscan_type_parse reads with a byte order first
 * (bfloat16 has none: its name) */
static const char *const type_codes[MAPSCAN_TYPE_COUNT] = {
    [MAPSCAN_I8] = "i1", [MAPSCAN_U8] = "u1", [MAPSCAN_I16] = "i2", [MAPSCAN_U16] = "u2",
    [MAPSCAN_I32] = "i4", [MAPSCAN_U32] = "u4", [MAPSCAN_I64] = "i8", [MAPSCAN_U64] = "u8",
    [MAPSCAN_F16] = "f2", [MAPSCAN_BF16] = "bfloat16", [MAPSCAN_F32] = "f4", [MAPSCAN_F64] = "f8",
};

char *columns_spec(const column_layout *columns, size_t n, bool offsets)
{
    size_t room = n * 40 + 1;     /* "c4095:<bfloat16@4294967295," is 28 */
    char *spec = malloc(room), *at = spec;
    if (!spec)
        return NULL;
    *at = '\0';
    for (size_t c = 0; c < n; c++) {
        mapscan_type type = (mapscan_type)columns[c].type;
        if ((unsigned)type >= MAPSCAN_TYPE_COUNT)
            type = MAPSCAN_U8;      /* never: the probe's own types */
        char order = mapscan_type_size(type) == 1 ? '|'
                     : mapscan_endian_resolve((mapscan_endian)columns[c].endian) == MAPSCAN_BIG ? '>' : '<';
        int len = offsets ? snprintf(at, room, "%sc%zu:%c%s@%u", c ? "," : "", c, order, type_codes[type],
                                     (unsigned)columns[c].offset)
                          : snprintf(at, room, "%sc%zu:%c%s", c ? "," : "", c, order, type_codes[type]);
        at += len;
        room -= (size_t)len;
    }
    return spec;
}

int exchange_probes(file_probe *probes, size_t n, MPI_Comm comm)
{
    return or_bytes(probes, n * sizeof *probes, comm);
}

int exchange_failures(rank_failure *failures, size_t n, MPI_Comm comm)
{
    return or_bytes(failures, n * sizeof *failures, comm);
}

static void part_to_result(const file_part *part, mapscan_result *r)
{
    memset(r, 0, sizeof *r);
    r->type = (mapscan_type)part->type;     /* first: the merge reads it (float statistics or integer ones) */
    r->stats = part->stats;
    r->floats = part->floats;
    r->bytes = part->bytes;
    r->backends = part->backends;
    r->threads = part->threads;
}

void part_merge(file_part *part, const mapscan_result *r)
{
    mapscan_result merged;
    part_to_result(part, &merged);
    mapscan_result_merge(&merged, r);
    part->stats = merged.stats;
    part->floats = merged.floats;
    part->bytes = merged.bytes;
    part->backends = merged.backends;
    part->threads = merged.threads;
}

/* The merge is exact (128-bit sums, count-weighted; a float file's exact
 * sums, NaN counts and extremes ordered with -0 below +0, its rounded sum
 * and mean made again from the exact total) and commutative, so any order
 * MPI reduces in gives the same bits; a file's seconds are the slowest
 * rank's (MPI_MAX's work, done here in the same pass). */
static void merge_parts(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const file_part *a = in;
    file_part *b = inout;
    for (int i = 0; i < *len; i++) {
        mapscan_result r;
        part_to_result(&a[i], &r);
        part_merge(&b[i], &r);
        if (a[i].seconds > b[i].seconds)
            b[i].seconds = a[i].seconds;
        if (a[i].failed_rank < b[i].failed_rank) {
            b[i].failed_rank = a[i].failed_rank;
            b[i].status = a[i].status;
        }
    }
}

int exchange_parts(file_part *parts, size_t n, MPI_Comm comm)
{
    MPI_Datatype type;
    MPI_Op op;
    int rc = MPI_Type_contiguous((int)sizeof *parts, MPI_BYTE, &type);
    if (rc != MPI_SUCCESS)
        return rc;
    MPI_Type_commit(&type);
    MPI_Op_create(merge_parts, 1, &op);
    for (size_t done = 0; done < n && rc == MPI_SUCCESS;) {
        int count = n - done > (1u << 20) ? 1 << 20 : (int)(n - done);
        rc = MPI_Allreduce(MPI_IN_PLACE, parts + done, count, type, op, comm);
        done += (size_t)count;
    }
    MPI_Op_free(&op);
    MPI_Type_free(&type);
    return rc;
}

int exchange_broadcast(void *data, size_t bytes, int root, MPI_Comm comm)
{
    unsigned char *p = data;
    while (bytes) {
        int n = bytes > (1u << 30) ? 1 << 30 : (int)bytes;
        int rc = MPI_Bcast(p, n, MPI_BYTE, root, comm);
        if (rc != MPI_SUCCESS)
            return rc;
        p += n;
        bytes -= (size_t)n;
    }
    return MPI_SUCCESS;
}

bool exchange_gather_columns(const column_block *blocks, size_t nblocks, const mapscan_result *results,
                             size_t nresults, int root, column_block **all_blocks, size_t *all_nblocks,
                             mapscan_result **all_results, MPI_Comm comm)
{
    int rank, ranks;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &ranks);
    *all_blocks = NULL;
    *all_results = NULL;
    *all_nblocks = 0;
    /* Counts and displacements are ints in MPI: a rank past them says so by a count of -1. */
    int mine[2] = { nblocks <= INT_MAX ? (int)nblocks : -1, nresults <= INT_MAX ? (int)nresults : -1 };
    int *counts = rank == root ? calloc((size_t)ranks * 4, sizeof *counts) : NULL;
    bool ok = rank != root || counts;
    if (exchange_any(!ok, comm)) {
        free(counts);
        return false;
    }
    MPI_Gather(mine, 2, MPI_INT, counts, 2, MPI_INT, root, comm);
    int *block_counts = NULL, *block_at = NULL, *result_counts = NULL, *result_at = NULL;
    if (rank == root) {
        block_counts = counts + 2 * ranks, block_at = block_counts + ranks;
        /* counts holds (blocks, results) per rank: split them, with their running sums */
        result_counts = malloc((size_t)ranks * 2 * sizeof *result_counts);
        long long blocks_total = 0, results_total = 0;
        for (int r = 0; r < ranks && result_counts; r++) {
            int b = counts[2 * r], n = counts[2 * r + 1];
            if (b < 0 || n < 0 || blocks_total + b > INT_MAX || results_total + n > INT_MAX) {
                ok = false;
                break;
            }
            block_counts[r] = b, block_at[r] = (int)blocks_total;
            result_counts[r] = n, result_counts[ranks + r] = (int)results_total;
            blocks_total += b, results_total += n;
        }
        result_at = result_counts ? result_counts + ranks : NULL;
        ok = ok && result_counts;
        if (ok) {
            *all_blocks = malloc((size_t)(blocks_total ? blocks_total : 1) * sizeof **all_blocks);
            *all_results = malloc((size_t)(results_total ? results_total : 1) * sizeof **all_results);
            *all_nblocks = (size_t)blocks_total;
            ok = *all_blocks && *all_results;
        }
    }
    if (exchange_any(!ok, comm)) {
        free(counts);
        free(result_counts);
        free(*all_blocks);
        free(*all_results);
        *all_blocks = NULL;
        *all_results = NULL;
        *all_nblocks = 0;
        return false;
    }
    MPI_Datatype block_type, result_type;
    MPI_Type_contiguous((int)sizeof *blocks, MPI_BYTE, &block_type);
    MPI_Type_commit(&block_type);
    MPI_Type_contiguous((int)sizeof *results, MPI_BYTE, &result_type);
    MPI_Type_commit(&result_type);
    MPI_Gatherv(blocks, mine[0], block_type, *all_blocks, block_counts, block_at, block_type, root, comm);
    MPI_Gatherv(results, mine[1], result_type, *all_results, result_counts, result_at, result_type, root, comm);
    MPI_Type_free(&block_type);
    MPI_Type_free(&result_type);
    free(counts);
    free(result_counts);
    return true;
}

bool exchange_any(bool mine, MPI_Comm comm)
{
    int flag = mine, any = 0;
    if (MPI_Allreduce(&flag, &any, 1, MPI_INT, MPI_LOR, comm) != MPI_SUCCESS)
        return true;
    return any != 0;
}
