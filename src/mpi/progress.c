/* The job's bytes done, without slowing the scan: each rank adds its own
 * to a non-blocking sum (MPI_Iallreduce on a communicator of its own),
 * started from the library's progress callback, which runs on the thread
 * that scans, and tested there ten times a second; no rank ever waits on
 * it. Every rank must start as many reductions as every other, so each
 * carries, besides the bytes, how many ranks are done: a rank done keeps
 * joining reductions (testing every millisecond, not spinning) until one
 * says all are, and since every rank sees that same sum, all stop after
 * the same one. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD 0.5      /* seconds between reductions: at most two lines a second */

void progress_start(job_progress *p, bool on, uint64_t total, const char *label, MPI_Comm comm)
{
    memset(p, 0, sizeof *p);
    p->on = on;
    p->request = MPI_REQUEST_NULL;
    if (!on)
        return;
    MPI_Comm_rank(comm, &p->rank);
    MPI_Comm_size(comm, &p->ranks);
    if (MPI_Comm_dup(comm, &p->comm) != MPI_SUCCESS) {
        p->on = false;      /* collective, so it fails alike everywhere */
        return;
    }
    p->total = total;
    p->line_mode = !isatty(STDERR_FILENO);
    p->bar = (cli_progress_state){ label, cli_now(), false };
    p->last_start = p->bar.started;
}

static void show(job_progress *p)
{
    if (p->rank != 0)
        return;
    if (!p->line_mode) {
        cli_progress(p->got[0], p->total, &p->bar);
        return;
    }
    double elapsed = cli_now() - p->bar.started;
    if (elapsed < 0.3)
        return;     /* as the bar: short runs show nothing */
    char done[32], all[32], rate[32];
    cli_human_bytes(p->got[0], done, sizeof done);
    cli_human_bytes(p->total, all, sizeof all);
    cli_human_rate((double)p->got[0] / elapsed, rate, sizeof rate);
    fprintf(stderr, "%s: %s of %s (%d%%), %s\n", cli_program, done, all,
            p->total ? (int)(100.0 * (double)p->got[0] / (double)p->total) : 100, rate);
}

/* True when the reduction in flight has completed (or none was). */
static bool settle(job_progress *p)
{
    if (p->request == MPI_REQUEST_NULL)
        return true;
    int flag = 0;
    MPI_Test(&p->request, &flag, MPI_STATUS_IGNORE);
    if (!flag)
        return false;
    if (p->got[1] < (uint64_t)p->ranks)
        show(p);
    return true;
}

static void start(job_progress *p)
{
    p->sent[0] = p->mine;       /* never touched while a reduction is in flight */
    p->sent[1] = p->done;
    p->got[0] = p->got[1] = 0;
    MPI_Iallreduce(p->sent, p->got, 2, MPI_UINT64_T, MPI_SUM, p->comm, &p->request);
    p->last_start = cli_now();
}

void progress_update(job_progress *p, uint64_t mine)
{
    if (!p->on)
        return;
    p->mine = mine;
    if (settle(p) && cli_now() - p->last_start >= PERIOD)
        start(p);
}

void progress_finish(job_progress *p)
{
    if (!p->on)
        return;
    p->done = true;
    const struct timespec ms = { 0, 1000000 };
    for (;;) {
        while (!settle(p))
            nanosleep(&ms, NULL);
        if (p->got[1] == (uint64_t)p->ranks)
            break;
        start(p);
    }
    if (p->rank == 0 && !p->line_mode)
        cli_progress_clear(&p->bar);
    MPI_Comm_free(&p->comm);
}
