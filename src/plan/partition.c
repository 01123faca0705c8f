/*
 * Chunks are cut at page boundaries of the file (counted from the page that
 * holds the first element), so that each worker maps, advises and releases
 * whole pages. An element belongs to the chunk that holds its first byte;
 * when --offset is not a multiple of the element size, the element that
 * crosses a boundary is read whole by the chunk before it.
 */
#include "plan.h"
#include "../sys/sys.h"

void ms_plan_make(ms_plan *plan, uint64_t offset, uint64_t count, size_t elem_size,
                  uint64_t chunk_bytes, size_t page_size)
{
    plan->offset = offset;
    plan->count = count;
    plan->elem_size = elem_size;
    plan->base = offset - offset % page_size;
    if (chunk_bytes < page_size)
        chunk_bytes = page_size;
    plan->chunk_bytes = chunk_bytes - chunk_bytes % page_size;
    uint64_t span = offset - plan->base + count * elem_size;
    plan->chunks = count == 0 ? 0 : (span + plan->chunk_bytes - 1) / plan->chunk_bytes;
}

/* Index of the first element that starts at or after file offset `at`. */
static uint64_t first_element_from(const ms_plan *plan, uint64_t at)
{
    if (at <= plan->offset)
        return 0;
    uint64_t index = (at - plan->offset + plan->elem_size - 1) / plan->elem_size;
    return index < plan->count ? index : plan->count;
}

void ms_plan_chunk(const ms_plan *plan, uint64_t k, uint64_t *first, uint64_t *end)
{
    *first = first_element_from(plan, plan->base + k * plan->chunk_bytes);
    *end = k + 1 >= plan->chunks ? plan->count
                                 : first_element_from(plan, plan->base + (k + 1) * plan->chunk_bytes);
}

/* Large enough that madvise and queue traffic are noise (several times the
 * per-core L2, and a whole number of 2 MiB huge pages), small enough that
 * every worker gets several chunks to balance a slow core. */
uint64_t ms_chunk_bytes_for(uint64_t range_bytes, unsigned threads, size_t page_size)
{
    const uint64_t huge = 2u << 20;
    uint64_t chunk = 8 * ms_topo_l2_bytes();
    chunk = (chunk + huge - 1) / huge * huge;
    if (chunk < huge)
        chunk = huge;
    if (chunk > 16 * huge)
        chunk = 16 * huge;
    uint64_t balanced = range_bytes / ((uint64_t)threads * 8);
    if (balanced < chunk) {
        chunk = balanced < page_size ? page_size : balanced;
        chunk = (chunk + page_size - 1) / page_size * page_size;
    }
    return chunk;
}
