/* The direct backend's io_uring pipeline: depths and read sizes, units
 * larger than a read, completions that come short, -EAGAIN or -EIO, a
 * kernel without io_uring, a scan stopped early; and auto choosing direct
 * for a range larger than the memory budget. */
#include "fault.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef struct file {
    char path[64];
    unsigned char *data;
    size_t bytes;
} file;

static void make_file(file *f, size_t bytes, uint64_t seed)
{
    f->bytes = bytes;
    f->data = malloc(bytes + 1);
    uint64_t state = seed;
    for (size_t i = 0; i < bytes; i++)
        f->data[i] = (unsigned char)test_random(&state);
    write_temp_file(f->path, sizeof f->path, f->data, bytes);
}

static void drop_file(file *f)
{
    unlink(f->path);
    free(f->data);
}

/* What a direct scan reports here: io_uring can be missing (an old kernel,
 * kernel.io_uring_disabled, a container's seccomp profile), and the same
 * scans then run with blocking preads. */
static unsigned direct_bit(void)
{
    ms_ring *ring;
    if (ms_ring_init(&ring, 1) != 0)
        return MAPSCAN_USED_DIRECT_PREAD;
    ms_ring_exit(ring);
    return MAPSCAN_USED_DIRECT;
}

/* Completions can only be injected where there is a ring to complete them. */
static void need_io_uring(void)
{
    if (direct_bit() != MAPSCAN_USED_DIRECT)
        cr_skip_test("io_uring is not available here: the blocking path is tested instead");
}

static mapscan_options direct_options(mapscan_type type, unsigned threads, unsigned depth, uint64_t io_size)
{
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = type;
    o.backend = MAPSCAN_BACKEND_DIRECT;
    o.threads = threads;
    o.io_depth = depth;
    o.io_size = io_size;
    o.allow_trailing = true;
    return o;
}

/* The scan's answer against the byte-by-byte reference, record layouts too. */
static void expect_reference(const file *f, const mapscan_options *o, unsigned used, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(f->path, o, &r, &e), MAPSCAN_OK, "%s: %s", what, e.message);
    cr_assert_eq(r.backends, used, "%s: backends %s", what, mapscan_backends_name(r.backends));
    size_t elem = mapscan_type_size(o->type), unit = o->record_size ? o->record_size : elem;
    uint64_t avail = f->bytes - o->offset;
    if (avail > o->length)
        avail = o->length;
    ms_acc want, got = acc_of_stats(&r.stats);
    ms_acc_init(&want);
    bool big = mapscan_endian_resolve(o->endian) == MAPSCAN_BIG;
    for (uint64_t at = o->offset; at + unit <= o->offset + avail; at += unit)
        reference_reduce(f->data + at + o->field_offset, 1, o->type, big, &want);
    assert_acc_equal(&got, &want, what);
    cr_assert_eq(fault_ring_in_flight(), 0, "%s: %ld reads left in flight", what, fault_ring_in_flight());
}

Test(direct, depths_read_sizes_offsets_and_records_match_the_reference)
{
    file f;
    make_file(&f, (3 << 20) + 4093, 11);
    static const unsigned depths[] = { 1, 3, 64 };
    static const uint64_t sizes[] = { 4096, 12288, 1 << 20 };
    static const uint64_t offsets[] = { 0, 1, 4095, 4097 };
    for (int t = 0; t < INTEGER_TYPE_COUNT; t++)
        for (size_t d = 0; d < 3; d++)
            for (size_t s = 0; s < 3; s++) {
                mapscan_options o = direct_options((mapscan_type)t, 1 + (unsigned)(t + d) % 3, depths[d], sizes[s]);
                o.offset = offsets[(t + d + s) % 4];
                o.endian = (t + s) % 2 ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                expect_reference(&f, &o, direct_bit(), "direct");
            }
    /* Records larger than a read: each read one whole record. */
    mapscan_options o = direct_options(MAPSCAN_I64, 2, 4, 4096);
    o.record_size = 12 * 1024 + 5;
    o.field_offset = 9000;
    expect_reference(&f, &o, direct_bit(), "records of 12 KiB + 5 bytes, reads of 4 KiB");
    o.length = 100000;
    o.offset = 3;
    expect_reference(&f, &o, direct_bit(), "records, offset 3, length 100000");
    drop_file(&f);
}

Test(direct, without_io_uring_blocking_preads_serve_and_the_result_says_so)
{
    file f;
    make_file(&f, (1 << 20) + 7, 12);
    fault_arm("ms_ring_init", 0, 1000, ENOSYS);
    mapscan_options o = direct_options(MAPSCAN_U16, 3, 0, 0);
    expect_reference(&f, &o, MAPSCAN_USED_DIRECT_PREAD, "no io_uring");
    cr_assert(fault_fired("ms_ring_init"));
    cr_assert_str_eq(mapscan_backends_name(MAPSCAN_USED_DIRECT_PREAD), "direct-pread");
    fault_disarm();
    /* One worker's ring refused after another's was set up: all fall back. */
    fault_arm("ms_ring_init", 1, 1, EPERM);
    expect_reference(&f, &o, MAPSCAN_USED_DIRECT_PREAD, "the second ring refused");
    drop_file(&f);
}

Test(direct, short_and_eagain_completions_read_on)
{
    need_io_uring();
    file f;
    make_file(&f, (4 << 20) + 1234, 13);
    fault_arm("ms_ring_complete-short", 0, 100000, 0);
    mapscan_options o = direct_options(MAPSCAN_I32, 2, 4, 256 * 1024);
    o.offset = 2;
    expect_reference(&f, &o, direct_bit(), "short completions");
    cr_assert(fault_fired("ms_ring_complete-short"));
    fault_disarm();
    fault_arm("ms_ring_complete", 1, 7, EAGAIN);
    expect_reference(&f, &o, direct_bit(), "-EAGAIN completions");
    cr_assert(fault_fired("ms_ring_complete"));
    drop_file(&f);
}

Test(direct, eio_in_a_completion_names_the_offset_and_leaves_nothing_in_flight)
{
    need_io_uring();
    file f;
    make_file(&f, 6 << 20, 14);
    for (unsigned threads = 1; threads <= 3; threads++) {
        fault_disarm();
        fault_arm("ms_ring_complete", 5, 1, EIO);
        mapscan_options o = direct_options(MAPSCAN_U8, threads, 8, 64 * 1024);
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_path(f.path, &o, &r, &e), MAPSCAN_E_IO);
        cr_assert(strstr(e.message, "read failed at byte ") && strstr(e.message, "Input/output error"),
                  "message: %s", e.message);
        cr_assert_eq(fault_ring_in_flight(), 0, "%ld reads left in flight after EIO", fault_ring_in_flight());
    }
    drop_file(&f);
}

static volatile sig_atomic_t cancel_flag;

static void cancel_on_progress(uint64_t done, uint64_t total, void *arg)
{
    (void)total;
    (void)arg;
    if (done > 0)
        cancel_flag = 1;
}

Test(direct, a_cancelled_scan_waits_for_its_reads)
{
    need_io_uring();
    file f;
    make_file(&f, 8 << 20, 15);
    fault_arm("ms_ring_complete-slow", 0, 100000, 20);     /* 20 ms per completion: 128 of them */
    mapscan_options o = direct_options(MAPSCAN_I16, 2, 8, 64 * 1024);
    cancel_flag = 0;
    o.cancel = &cancel_flag;
    o.progress = cancel_on_progress;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(f.path, &o, &r, &e), MAPSCAN_E_CANCELLED, "%s", e.message);
    cr_assert_eq(fault_ring_in_flight(), 0, "%ld reads left in flight after cancel", fault_ring_in_flight());
    drop_file(&f);
}

Test(direct, bad_depths_and_sizes_are_refused)
{
    mapscan_options o = direct_options(MAPSCAN_I32, 1, 65, 0);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path("/dev/null", &o, &r, &e), MAPSCAN_E_INVALID);
    o = direct_options(MAPSCAN_I32, 1, 0, (64 << 20) + 1);
    cr_assert_eq(mapscan_scan_path("/dev/null", &o, &r, &e), MAPSCAN_E_INVALID);
}

static void evict(const char *path)
{
    int fd = open(path, O_RDONLY);
    cr_assert(fd >= 0);
    cr_assert_eq(fsync(fd), 0);     /* dirty pages cannot be evicted */
    cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    close(fd);
}

static void expect_not_direct(const file *f, const mapscan_options *o, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(f->path, o, &r, &e), MAPSCAN_OK, "%s: %s", what, e.message);
    cr_assert(!(r.backends & (MAPSCAN_USED_DIRECT | MAPSCAN_USED_DIRECT_PREAD)), "%s: went direct (%s)", what,
              mapscan_backends_name(r.backends));
}

/* auto reads direct a range that is larger than the memory budget and not
 * cached; not one that is cached, nor one that fits the budget. */
Test(direct, auto_goes_direct_for_an_uncached_range_larger_than_memory)
{
    file f;
    make_file(&f, 16 << 20, 16);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_I32;
    o.threads = 2;
    evict(f.path);
    ms_memory_budget_override = 1 << 20;
    expect_reference(&f, &o, direct_bit(), "auto, uncached, over the budget");
    ms_memory_budget_override = 0;
    expect_not_direct(&f, &o, "auto, uncached, within the budget");     /* and now it is cached */
    ms_memory_budget_override = 1 << 20;
    expect_not_direct(&f, &o, "auto, cached, over the budget");
    ms_memory_budget_override = 0;
    drop_file(&f);
}

/* A file system that asks for more than 4 KiB (statx STATX_DIOALIGN): every
 * span, buffer and short-read check follows the alignment it gives. */
Test(direct, a_larger_alignment_reads_the_same)
{
    file f;
    make_file(&f, (2 << 20) + 12345, 17);
    static const uint64_t offsets[] = { 0, 1, 4096, 65537 };
    ms_direct_align_override = 65536;
    for (size_t k = 0; k < 4; k++) {
        mapscan_options o = direct_options(MAPSCAN_I32, 2, 3, 12288);
        o.offset = offsets[k];
        expect_reference(&f, &o, direct_bit(), "64 KiB alignment, 12 KiB reads");
    }
    fault_arm("ms_ring_init", 0, 1000, ENOSYS);
    mapscan_options o = direct_options(MAPSCAN_U64, 3, 0, 0);
    o.offset = 5;
    expect_reference(&f, &o, MAPSCAN_USED_DIRECT_PREAD, "64 KiB alignment, blocking preads");
    ms_direct_align_override = 0;
    drop_file(&f);
}

Test(direct, the_file_systems_alignment_is_a_power_of_two_of_at_least_4k)
{
    file f;
    make_file(&f, 8192, 18);
    int fd = open(f.path, O_RDONLY);
    uint32_t offset_align = 0, memory_align = 0;
    int known = ms_dio_alignment(fd, &offset_align, &memory_align);
    cr_assert_geq(known, 0);
    if (known == 1 && offset_align)
        cr_assert(!(offset_align & (offset_align - 1)) && !(memory_align & (memory_align - 1)), "%u %u",
                  offset_align, memory_align);
    size_t align = 0;
    int direct = ms_direct_open(fd, &align);
    if (direct >= 0) {
        cr_assert(align >= 4096 && !(align & (align - 1)) && align >= offset_align && align >= memory_align,
                  "alignment %zu (statx: %u, %u)", align, offset_align, memory_align);
        close(direct);
    }
    close(fd);
    drop_file(&f);
}
