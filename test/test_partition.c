#include "reference.h"

#include <criterion/criterion.h>

/* Every element lands in exactly one chunk, in order, and every chunk
 * after the first starts with the first element whose first byte lies
 * past the chunk's page-aligned start. */
static void check_cover(uint64_t offset, uint64_t count, size_t elem, uint64_t chunk, size_t page)
{
    ms_plan plan;
    ms_plan_make(&plan, offset, count, elem, chunk, page);
    cr_assert_eq(plan.base % page, 0);
    cr_assert_eq(plan.chunk_bytes % page, 0);
    uint64_t expect_first = 0;
    for (uint64_t k = 0; k < plan.chunks; k++) {
        uint64_t first, end;
        ms_plan_chunk(&plan, k, &first, &end);
        cr_assert_eq(first, expect_first, "offset %llu chunk %llu starts at %llu, want %llu",
                     (unsigned long long)offset, (unsigned long long)k, (unsigned long long)first,
                     (unsigned long long)expect_first);
        cr_assert(end >= first);
        if (first < end) {
            uint64_t start_byte = offset + first * elem;
            uint64_t chunk_start = plan.base + k * plan.chunk_bytes;
            cr_assert(start_byte >= chunk_start && start_byte < chunk_start + plan.chunk_bytes,
                      "element %llu starts outside its chunk", (unsigned long long)first);
            if (first > 0)
                cr_assert(offset + (first - 1) * elem < chunk_start, "previous element also starts in chunk");
        }
        expect_first = end;
    }
    cr_assert_eq(expect_first, count, "chunks cover %llu of %llu elements", (unsigned long long)expect_first,
                 (unsigned long long)count);
}

Test(partition, covers_every_element_once_for_odd_offsets_and_sizes)
{
    static const size_t sizes[] = { 1, 2, 4, 8 };
    static const uint64_t offsets[] = { 0, 1, 3, 7, 4095, 4096, 4097, 12289 };
    static const uint64_t counts[] = { 0, 1, 2, 511, 512, 513, 4096, 100003 };
    for (size_t s = 0; s < 4; s++)
        for (size_t o = 0; o < 8; o++)
            for (size_t c = 0; c < 8; c++) {
                check_cover(offsets[o], counts[c], sizes[s], 4096, 4096);
                check_cover(offsets[o], counts[c], sizes[s], 3 * 4096, 4096);
            }
}

Test(partition, chunk_size_is_rounded_to_pages_and_last_chunk_is_partial)
{
    ms_plan plan;
    ms_plan_make(&plan, 0, 10000, 4, 5000, 4096);
    cr_assert_eq(plan.chunk_bytes, 4096);
    cr_assert_eq(plan.chunks, 10);      /* 40000 bytes in 4096-byte chunks */
    uint64_t first, end;
    ms_plan_chunk(&plan, 9, &first, &end);
    cr_assert_eq(first, 9216);
    cr_assert_eq(end, 10000);
}

Test(partition, element_crossing_a_boundary_belongs_to_the_earlier_chunk)
{
    ms_plan plan;
    ms_plan_make(&plan, 2, 3000, 8, 4096, 4096);    /* elements at 2, 10, ..., 4090, 4098 */
    uint64_t first, end;
    ms_plan_chunk(&plan, 0, &first, &end);
    cr_assert_eq(end, 512);     /* element 511 starts at 4090 and crosses 4096 */
    ms_plan_chunk(&plan, 1, &first, &end);
    cr_assert_eq(first, 512);
}

Test(partition, chunk_bytes_leave_several_chunks_per_worker)
{
    uint64_t chunk = ms_chunk_bytes_for((uint64_t)1 << 30, 2, 4096);
    cr_assert_eq(chunk % 4096, 0);
    cr_assert(((uint64_t)1 << 30) / chunk >= 16, "only %llu chunks", (unsigned long long)(((uint64_t)1 << 30) / chunk));
    cr_assert_eq(ms_chunk_bytes_for(100, 4, 4096), 4096);
}
