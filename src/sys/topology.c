/* What the scan needs to know of the machine, read once through hwloc. */
#include "sys.h"

#include <hwloc.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>

static hwloc_topology_t topology;
static bool topology_ok;
static unsigned cores = 1, pus = 1;
static uint64_t l2_bytes = 512 * 1024;

static void load(void)
{
    if (hwloc_topology_init(&topology) != 0)
        return;
    if (hwloc_topology_load(topology) != 0) {
        hwloc_topology_destroy(topology);
        return;
    }
    topology_ok = true;
    /* hwloc's default flags leave out what a cgroup cpuset forbids, but
     * not what the thread's affinity mask does (taskset, numactl, a
     * scheduler's binding): restrict to that too, so that counts and
     * binding stay inside it. */
    hwloc_bitmap_t mask = hwloc_bitmap_alloc();
    if (mask && hwloc_get_cpubind(topology, mask, HWLOC_CPUBIND_THREAD) == 0 && !hwloc_bitmap_iszero(mask) &&
        !hwloc_bitmap_isincluded(hwloc_topology_get_topology_cpuset(topology), mask))
        hwloc_topology_restrict(topology, mask, 0);
    hwloc_bitmap_free(mask);
    int n = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
    cores = n > 0 ? (unsigned)n : 1;
    n = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
    pus = n > 0 ? (unsigned)n : cores;

    hwloc_obj_t pu = hwloc_get_obj_by_type(topology, HWLOC_OBJ_PU, 0);
    for (hwloc_obj_t o = pu ? pu->parent : NULL; o; o = o->parent) {
        if (o->type == HWLOC_OBJ_L2CACHE && o->attr && o->attr->cache.size) {
            l2_bytes = o->attr->cache.size;
            break;
        }
    }
}

static void ensure_loaded(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, load);
}

unsigned ms_topo_cores(void) { ensure_loaded(); return cores; }
unsigned ms_topo_pus(void) { ensure_loaded(); return pus; }
uint64_t ms_topo_l2_bytes(void) { ensure_loaded(); return l2_bytes; }

unsigned ms_thread_cap(void) { return 4 * ms_topo_pus(); }

unsigned mapscan_default_threads(void) { return ms_topo_cores(); }
unsigned mapscan_processing_units(void) { return ms_topo_pus(); }

bool ms_topo_bind(unsigned index, unsigned n)
{
    ensure_loaded();
    if (!topology_ok || n == 0 || n > pus || index >= n)
        return false;
    const struct hwloc_topology_support *support = hwloc_topology_get_support(topology);
    if (!support->cpubind->set_thisthread_cpubind)
        return false;

    hwloc_bitmap_t *sets = calloc(n, sizeof *sets);
    if (!sets)
        return false;
    /* hwloc_distrib allocates the n cpusets itself. */
    hwloc_obj_t root = hwloc_get_root_obj(topology);
    bool ok = hwloc_distrib(topology, &root, 1, sets, n, INT_MAX, 0) == 0;
    if (ok) {
        hwloc_bitmap_singlify(sets[index]);
        ok = hwloc_set_cpubind(topology, sets[index], HWLOC_CPUBIND_THREAD) == 0;
    }
    for (unsigned i = 0; i < n; i++)
        hwloc_bitmap_free(sets[i]);
    free(sets);
    return ok;
}
