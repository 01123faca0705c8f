#include "split.h"

typedef unsigned __int128 u128;

static u128 file_bytes(const split_file *f)
{
    return (u128)f->unit * f->units;
}

/* Where the cut before rank r falls, in bytes from the start of the first
 * file: r/ranks of the whole, moved to a boundary a scan can start at. */
static u128 cut(const split_file *files, size_t nfiles, unsigned r, unsigned ranks)
{
    u128 total = 0;
    for (size_t i = 0; i < nfiles; i++)
        total += file_bytes(&files[i]);
    if (r >= ranks)
        return total;
    u128 at = total * r / ranks, begin = 0;
    for (size_t i = 0; i < nfiles; i++) {
        u128 size = file_bytes(&files[i]);
        if (at < begin + size) {
            u128 into = at - begin;
            if (size < SPLIT_WHOLE_BELOW)
                return into * 2 <= size ? begin : begin + size;
            return begin + into / files[i].unit * files[i].unit;
        }
        begin += size;
    }
    return total;
}

size_t split_pieces(const split_file *files, size_t nfiles, unsigned rank, unsigned ranks, split_piece *out)
{
    u128 from = cut(files, nfiles, rank, ranks), to = cut(files, nfiles, rank + 1, ranks), begin = 0;
    size_t n = 0;
    for (size_t i = 0; i < nfiles && begin < to; i++) {
        u128 size = file_bytes(&files[i]), end = begin + size;
        u128 lo = from > begin ? from : begin, hi = to < end ? to : end;
        if (lo < hi) {
            out[n].file = i;
            out[n].first = (uint64_t)((lo - begin) / files[i].unit);
            out[n].count = (uint64_t)((hi - lo) / files[i].unit);
            n++;
        }
        begin = end;
    }
    return n;
}
