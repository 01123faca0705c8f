/* The accumulator: what a kernel fills and a merge combines (see acc.c). */
#ifndef MAPSCAN_ACC_H
#define MAPSCAN_ACC_H

#include "../common/common.h"

/* Running statistics of one worker or one call; min and max are only
 * meaningful when count > 0. */
typedef struct ms_acc {
    uint64_t count;
    ms_i128 min, max, sum;
} ms_acc;

void ms_acc_init(ms_acc *acc);
void ms_acc_merge(ms_acc *into, const ms_acc *from);
void ms_acc_to_stats(const ms_acc *acc, mapscan_stats *stats);

#endif
