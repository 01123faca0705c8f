/*
 * The worker pool: the only file that calls pthreads.
 *
 * Ownership: the caller owns `arg` and everything it points to; each worker
 * writes only the slot its index names, so the pool itself shares nothing
 * but a count of finished workers under one mutex.
 * Hand-out: the pool only starts threads; how they take work (the scan's
 * atomic chunk counter) is the caller's business.
 * When not even one thread can be started, the calling thread runs every
 * index itself, in order, and poll is not called.
 * Stop: each worker returns when its work function does; the caller stops
 * early by making the work function return (a flag it polls).
 * Merge: after ms_pool_run returns every worker has been joined, so the
 * caller reads the per-worker slots in index order, without locks.
 * Signals: workers block every asynchronous signal, so a handler (Ctrl-C)
 * runs on the calling thread, which polls for it; faults such as SIGBUS
 * still reach the worker that caused them.
 */
#include "sys.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

typedef struct pool {
    pthread_mutex_t lock;
    pthread_cond_t done_changed;
    unsigned done;
    unsigned started;
    unsigned total;
    bool bind;
    ms_work_fn work;
    void *arg;
} pool;

typedef struct slot {
    pool *owner;
    unsigned first;     /* this thread runs indices first, first + started, ... */
} slot;

static void *worker_main(void *p)
{
    slot *s = p;
    pool *pl = s->owner;
    pthread_mutex_lock(&pl->lock);      /* released once all are started */
    unsigned stride = pl->started;
    pthread_mutex_unlock(&pl->lock);
    if (pl->bind)
        ms_topo_bind(s->first, pl->total);
    for (unsigned i = s->first; i < pl->total; i += stride)
        pl->work(i, pl->arg);
    pthread_mutex_lock(&pl->lock);
    pl->done++;
    pthread_cond_signal(&pl->done_changed);
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* Starts up to n workers with every asynchronous signal blocked (they
 * inherit the mask), so that signals reach the caller's thread only.
 * Called with the lock held, so that no worker reads `started` before it
 * is final. */
static void start_workers(pool *pl, pthread_t *threads, slot *slots, unsigned n)
{
    sigset_t async_only, caller_mask;
    sigfillset(&async_only);
    sigdelset(&async_only, SIGBUS);
    sigdelset(&async_only, SIGSEGV);
    sigdelset(&async_only, SIGFPE);
    sigdelset(&async_only, SIGILL);
    pthread_sigmask(SIG_BLOCK, &async_only, &caller_mask);
    for (unsigned i = 0; i < n; i++) {
        slots[i] = (slot){ pl, i };
        if (pthread_create(&threads[i], NULL, worker_main, &slots[i]) != 0)
            break;
        pl->started++;
    }
    pthread_sigmask(SIG_SETMASK, &caller_mask, NULL);
}

/* Until every started worker is done: poll about every 100 ms, without
 * the lock. Called and returns with the lock held. */
static void wait_for_workers(pool *pl, ms_poll_fn poll, void *arg)
{
    while (pl->done < pl->started) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&pl->done_changed, &pl->lock, &until);
        if (poll && pl->done < pl->started) {
            pthread_mutex_unlock(&pl->lock);
            poll(arg);
            pthread_mutex_lock(&pl->lock);
        }
    }
}

unsigned ms_pool_run(unsigned n, bool bind, ms_work_fn work, ms_poll_fn poll, void *arg)
{
    pool pl = { .total = n, .bind = bind, .work = work, .arg = arg };
    pthread_t *threads = calloc(n, sizeof *threads);
    slot *slots = calloc(n, sizeof *slots);
    if (!threads || !slots) {
        free(threads);
        free(slots);
        errno = ENOMEM;
        return 0;
    }
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.done_changed, NULL);
    pthread_mutex_lock(&pl.lock);
    start_workers(&pl, threads, slots, n);
    if (pl.started == 0) {
        /* No thread at all (ulimit -u, a container's pids limit): the
         * calling thread does the work, unbound and without polls. */
        pthread_mutex_unlock(&pl.lock);
        for (unsigned i = 0; i < n; i++)
            work(i, arg);
    } else {
        wait_for_workers(&pl, poll, arg);
        pthread_mutex_unlock(&pl.lock);
        for (unsigned i = 0; i < pl.started; i++)
            pthread_join(threads[i], NULL);
    }
    pthread_cond_destroy(&pl.done_changed);
    pthread_mutex_destroy(&pl.lock);
    free(threads);
    free(slots);
    return pl.started ? pl.started : 1;
}
