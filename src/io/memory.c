/*
 * The memory reader: mapscan_scan_memory's buffer, already in the process.
 * The kernel runs on it directly; no hint is given (MADV_DONTNEED would
 * zero the caller's private memory), and a SIGBUS (a buffer that is itself
 * a mapping of a file that shrank) is caught and reported.
 */
#include "reader.h"

static mapscan_status open_memory(ms_job *job, void **state, mapscan_error *error)
{
    (void)error;
    *state = (void *)job->req->memory;
    return MAPSCAN_OK;
}

static bool scan_chunk(ms_job *job, ms_slot *slot, ms_worker *w, uint64_t chunk, uint64_t first, uint64_t end)
{
    (void)chunk;
    const ms_plan *plan = &job->req->plan;
    const unsigned char *base = slot->state;
    w->used |= MAPSCAN_USED_MEMORY;
    return ms_reduce_guarded(job, w, base + plan->offset + first * plan->elem_size + job->req->field_offset,
                             (size_t)(end - first), first, base, 0);
}

const ms_reader ms_reader_memory = {
    .name = "memory",
    .open = open_memory,
    .scan_chunk = scan_chunk,
};
