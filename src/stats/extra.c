/* The extra statistics' public helpers: a histogram's edges as numpy
 * computes them, and a position as an index into a .npy shape. */
#include "acc.h"
#include "exact_sum.h"

/* numpy.linspace(lo, hi, bins + 1): step = (hi - lo) / bins, edge i =
 * i * step + lo (each operation rounded), the last edge hi itself; when the
 * step underflows to 0, i / bins * (hi - lo) + lo. */
double mapscan_histogram_edge(double lo, double hi, uint64_t bins, uint64_t i)
{
    if (i >= bins)
        return hi;
    ms_fp_saved fp = ms_fp_enter();
    double delta = hi - lo, step = delta / (double)bins, edge;
    if (step == 0)
        edge = (double)i / (double)bins * delta + lo;
    else
        edge = (double)i * step + lo;
    ms_fp_leave(fp);
    return edge;
}

unsigned mapscan_unravel(const mapscan_result *result, uint64_t position, uint64_t index[64])
{
    unsigned ndim = result->ndim;
    if (result->format != MAPSCAN_FORMAT_NPY || !result->extra.origin_whole)
        return 0;
    position += result->extra.origin;
    for (unsigned k = 0; k < ndim; k++) {
        /* C order: the last axis varies fastest; Fortran order: the first. */
        unsigned axis = result->fortran_order ? k : ndim - 1 - k;
        uint64_t extent = result->shape[axis];
        index[axis] = extent ? position % extent : 0;
        position = extent ? position / extent : 0;
    }
    return ndim;
}
