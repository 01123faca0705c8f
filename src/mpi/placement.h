/* How many worker threads each rank runs. */
#ifndef MAPSCAN_MPI_PLACEMENT_H
#define MAPSCAN_MPI_PLACEMENT_H

#include <mpi.h>
#include <stdbool.h>

typedef struct placement {
    unsigned threads;       /* per rank */
    int local_ranks;        /* ranks on this node */
    int local_rank;
    unsigned node_cores;    /* cores of the node (its cgroup's cpuset) */
    unsigned own_cores;     /* cores this rank may run on (its binding) */
} placement;

/* The node's cores shared among the ranks on it, but never more than the
 * rank is bound to; requested (from -j) wins when not 0. Collective. */
void placement_choose(placement *p, unsigned requested, MPI_Comm comm);
/* Whether the node's ranks, as bound, leave some of its cores idle. */
bool placement_leaves_idle(const placement *p);

#endif
