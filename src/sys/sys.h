/* The machine: its topology (hwloc), the thread pool, the SIGBUS guard and
 * the memory a scan may fill. */
#ifndef MAPSCAN_SYS_H
#define MAPSCAN_SYS_H

#include "../common/common.h"

/* ---- memory.c ---- */

/* Bytes this process may fill: MemAvailable or its memory cgroup's limit. */
uint64_t ms_memory_budget(void);
/* When non-zero, the budget instead: the tests lower it to drive the
 * drop-behind path on small files. */
extern uint64_t ms_memory_budget_override;

/* ---- topology.c (hwloc) ---- */

unsigned ms_topo_cores(void);
/* At most this many threads for a scan or a generation: more only contend. */
unsigned ms_thread_cap(void);
unsigned ms_topo_pus(void);
uint64_t ms_topo_l2_bytes(void);
/* Binds the calling thread to the index-th of n spread places; false when
 * binding is unsupported or failed (never fatal). */
bool ms_topo_bind(unsigned index, unsigned n);

/* ---- pool.c: the only file that touches pthreads ---- */

typedef void (*ms_work_fn)(unsigned worker, void *arg);
typedef void (*ms_poll_fn)(void *arg);

/* Runs work(i, arg) for i in [0, n) on n threads (bound to cores when bind
 * is set) and calls poll(arg) on the calling thread about every 100 ms
 * until all have returned. Fewer started threads still run all indices;
 * with none, the calling thread runs them. Returns how many threads ran
 * (1 for the calling thread), or 0 with errno set when its own bookkeeping
 * cannot be allocated. */
unsigned ms_pool_run(unsigned n, bool bind, ms_work_fn work, ms_poll_fn poll, void *arg);

/* ---- sigbus.c ---- */

typedef struct ms_sigbus_info {
    int code;           /* si_code: BUS_ADRERR past the end, BUS_OBJERR an I/O error */
    void *addr;         /* the faulting address */
} ms_sigbus_info;

/* Runs fn(arg) so that a SIGBUS raised on this thread inside it returns
 * false, with its cause in *info, instead of killing the process. */
bool ms_sigbus_guard(void (*fn)(void *arg), void *arg, ms_sigbus_info *info);

#endif
