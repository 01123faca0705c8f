#include "placement.h"

#include "mapscan.h"

#include <hwloc.h>

/* Cores of the whole node, whatever this rank is bound to. */
static unsigned node_cores(void)
{
    hwloc_topology_t topology;
    if (hwloc_topology_init(&topology) != 0)
        return 0;
    int cores = -1;
    if (hwloc_topology_load(topology) == 0)
        cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    hwloc_topology_destroy(topology);
    return cores > 0 ? (unsigned)cores : 0;
}

void placement_choose(placement *p, unsigned requested, MPI_Comm comm)
{
    MPI_Comm node;
    p->local_ranks = 1;
    p->local_rank = 0;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &p->local_ranks);
        MPI_Comm_rank(node, &p->local_rank);
        MPI_Comm_free(&node);
    }
    p->own_cores = mapscan_default_threads();
    p->node_cores = node_cores();
    if (p->node_cores < p->own_cores)
        p->node_cores = p->own_cores;
    unsigned share = p->node_cores / (unsigned)p->local_ranks;
    if (share > p->own_cores)
        share = p->own_cores;
    p->threads = requested ? requested : share ? share : 1;
}

bool placement_leaves_idle(const placement *p)
{
    return p->own_cores * (unsigned)p->local_ranks < p->node_cores;
}
