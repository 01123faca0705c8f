/* The library's scan of real files, through every backend, thread count and
 * edge case, checked against the reference. */
#include "fault.h"
#include "reference.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- pread fault injection (the test binary links with --wrap=pread) ---- */

ssize_t __real_pread(int fd, void *buf, size_t n, off_t off);
ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off);

typedef enum fault { FAULT_NONE, FAULT_EINTR_AND_SHORT, FAULT_EIO_LATER } fault;
static _Atomic int fault_mode = FAULT_NONE;
static _Atomic unsigned fault_calls;

ssize_t __wrap_pread(int fd, void *buf, size_t n, off_t off)
{
    unsigned call = atomic_fetch_add(&fault_calls, 1);
    switch (atomic_load(&fault_mode)) {
    case FAULT_EINTR_AND_SHORT:
        if (call % 3 == 0) {
            errno = EINTR;
            return -1;
        }
        return __real_pread(fd, buf, n > 7 ? n / 2 - 3 : n, off);   /* odd, element-splitting lengths */
    case FAULT_EIO_LATER:
        if (call >= 3) {
            errno = EIO;
            return -1;
        }
        break;
    default:
        break;
    }
    return __real_pread(fd, buf, n, off);
}

/* ---- helpers ---- */

typedef struct sample {
    char path[64];
    unsigned char *data;
    size_t bytes;
} sample;

static void make_sample(sample *s, mapscan_type type, size_t count, size_t extra_bytes, uint64_t seed)
{
    size_t size = mapscan_type_size(type);
    s->bytes = count * size + extra_bytes;
    s->data = malloc(s->bytes + 1);
    uint64_t state = seed;
    for (size_t i = 0; i < s->bytes; i++)
        s->data[i] = (unsigned char)test_random(&state);
    write_temp_file(s->path, sizeof s->path, s->data, s->bytes);
}

static void drop_sample(sample *s)
{
    unlink(s->path);
    free(s->data);
}

static void expect_scan(const sample *s, const mapscan_options *o, const char *what)
{
    mapscan_result r;
    mapscan_error e;
    mapscan_status status = mapscan_scan_path(s->path, o, &r, &e);
    cr_assert_eq(status, MAPSCAN_OK, "%s: %s", what, e.message);
    size_t size = mapscan_type_size(o->type);
    uint64_t avail = s->bytes - o->offset;
    if (avail > o->length)
        avail = o->length;
    ms_acc want, got = acc_of_stats(&r.stats);
    ms_acc_init(&want);
    reference_reduce(s->data + o->offset, avail / size, o->type, mapscan_endian_resolve(o->endian) == MAPSCAN_BIG,
                     &want);
    assert_acc_equal(&got, &want, what);
    cr_assert_eq(r.bytes, avail / size * size);
}

/* ---- tests ---- */

Test(scan, every_backend_and_thread_count_matches_the_reference)
{
    static const mapscan_backend backends[] = { MAPSCAN_BACKEND_AUTO, MAPSCAN_BACKEND_MMAP, MAPSCAN_BACKEND_READ,
                                                MAPSCAN_BACKEND_DIRECT };
    static const unsigned threads[] = { 1, 2, 3, 64 };
    for (int t = 0; t < INTEGER_TYPE_COUNT; t++) {
        sample s;
        make_sample(&s, (mapscan_type)t, 300001, 0, 100 + (uint64_t)t);
        for (int big = 0; big < 2; big++)
            for (size_t b = 0; b < 4; b++)
                for (size_t j = 0; j < 4; j++) {
                    mapscan_options o;
                    mapscan_options_init(&o);
                    o.type = (mapscan_type)t;
                    o.endian = big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                    o.backend = backends[b];
                    o.threads = threads[j];
                    char what[96];
                    snprintf(what, sizeof what, "%s %s backend %zu threads %u", mapscan_type_name(o.type),
                             big ? "big" : "little", b, threads[j]);
                    expect_scan(&s, &o, what);
                }
        drop_sample(&s);
    }
}

Test(scan, offsets_that_split_elements_and_lengths)
{
    sample s;
    make_sample(&s, MAPSCAN_I64, 200000, 8, 5);
    static const uint64_t offsets[] = { 1, 3, 4095, 4097, 8 * 199999 };
    for (size_t i = 0; i < 5; i++)
        for (int b = MAPSCAN_BACKEND_AUTO; b <= MAPSCAN_BACKEND_DIRECT; b++) {
            mapscan_options o;
            mapscan_options_init(&o);
            o.type = MAPSCAN_I64;
            o.backend = (mapscan_backend)b;
            o.threads = 3;
            o.offset = offsets[i];
            o.allow_trailing = true;
            expect_scan(&s, &o, "offset");
            o.length = 8 * 7777;
            o.allow_trailing = false;
            if (offsets[i] + o.length <= s.bytes)
                expect_scan(&s, &o, "offset and length");
        }
    drop_sample(&s);
}

Test(scan, each_kernel_gives_the_same_answer)
{
    sample s;
    make_sample(&s, MAPSCAN_U32, 123457, 0, 9);
    static const char *kernels[] = { "scalar", "avx2", "avx512" };
    for (size_t k = 0; k < 3; k++) {
        if (!mapscan_kernel_available(kernels[k]))
            continue;
        mapscan_options o;
        mapscan_options_init(&o);
        o.type = MAPSCAN_U32;
        o.endian = MAPSCAN_BIG;
        o.kernel = kernels[k];
        expect_scan(&s, &o, kernels[k]);
    }
    drop_sample(&s);
}

Test(scan, empty_file_and_empty_range_give_count_zero)
{
    sample s;
    make_sample(&s, MAPSCAN_I32, 0, 0, 1);
    mapscan_options o;
    mapscan_options_init(&o);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_OK);
    cr_assert_eq(r.stats.count, 0);
    cr_assert(ms_from_int128(r.stats.sum) == 0);
    drop_sample(&s);

    make_sample(&s, MAPSCAN_I32, 10, 0, 1);
    o.offset = 40;      /* exactly at the end */
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_OK);
    cr_assert_eq(r.stats.count, 0);
    drop_sample(&s);
}

Test(scan, one_element)
{
    sample s;
    make_sample(&s, MAPSCAN_I16, 1, 0, 3);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_I16;
    expect_scan(&s, &o, "one element");
    drop_sample(&s);
}

Test(scan, trailing_bytes_fail_unless_allowed)
{
    sample s;
    make_sample(&s, MAPSCAN_I32, 1000, 3, 4);
    mapscan_options o;
    mapscan_options_init(&o);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_E_TRAILING);
    cr_assert(strstr(e.message, "3 trailing bytes"), "message: %s", e.message);
    cr_assert(mapscan_status_is_input_error(e.status));
    o.allow_trailing = true;
    expect_scan(&s, &o, "trailing allowed");
    drop_sample(&s);
}

Test(scan, offset_past_the_end_is_bad_input)
{
    sample s;
    make_sample(&s, MAPSCAN_I32, 10, 0, 4);
    mapscan_options o;
    mapscan_options_init(&o);
    o.offset = 41;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_E_OFFSET);
    cr_assert(strstr(e.message, "past the end"), "message: %s", e.message);
    drop_sample(&s);
}

Test(scan, missing_files_and_directories_cannot_be_opened)
{
    mapscan_options o;
    mapscan_options_init(&o);
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path("/nonexistent/mapscan", &o, &r, &e), MAPSCAN_E_OPEN);
    cr_assert(strstr(e.message, "No such file"), "message: %s", e.message);
    cr_assert_eq(mapscan_scan_path("/tmp", &o, &r, &e), MAPSCAN_E_OPEN);
    cr_assert(strstr(e.message, "directory"), "message: %s", e.message);
}

typedef struct feeder {
    int fd;
    const unsigned char *data;
    size_t len;
} feeder;

static void *feed(void *arg)
{
    feeder *f = arg;
    /* Odd-sized writes, so reads end inside elements. */
    for (size_t at = 0; at < f->len;) {
        size_t n = f->len - at < 4093 ? f->len - at : 4093;
        ssize_t w = write(f->fd, f->data + at, n);
        if (w <= 0)
            break;
        at += (size_t)w;
    }
    close(f->fd);
    return NULL;
}

Test(scan, pipes_are_streamed_and_cannot_be_mapped)
{
    sample s;
    make_sample(&s, MAPSCAN_U64, 100001, 0, 6);
    signal(SIGPIPE, SIG_IGN);   /* the mmap case refuses the pipe before the writer is done */
    for (int backend = MAPSCAN_BACKEND_AUTO; backend <= MAPSCAN_BACKEND_READ; backend++) {
        int fds[2];
        cr_assert_eq(pipe(fds), 0);
        feeder f = { fds[1], s.data, s.bytes };
        pthread_t writer;
        pthread_create(&writer, NULL, feed, &f);
        mapscan_options o;
        mapscan_options_init(&o);
        o.type = MAPSCAN_U64;
        o.backend = (mapscan_backend)backend;
        o.offset = 16;
        mapscan_result r;
        mapscan_error e;
        mapscan_status st = mapscan_scan_fd(fds[0], &o, &r, &e);
        close(fds[0]);
        pthread_join(writer, NULL);
        if (backend == MAPSCAN_BACKEND_MMAP) {
            cr_assert_eq(st, MAPSCAN_E_UNMAPPABLE);
            continue;
        }
        cr_assert_eq(st, MAPSCAN_OK, "%s", e.message);
        ms_acc want, got = acc_of_stats(&r.stats);
        ms_acc_init(&want);
        reference_reduce(s.data + 16, 100001 - 2, MAPSCAN_U64, false, &want);
        assert_acc_equal(&got, &want, "pipe");
        cr_assert_eq(r.backends, MAPSCAN_USED_READ);
    }
    drop_sample(&s);
}

static void truncate_at_start(uint64_t done, uint64_t total, void *arg)
{
    if (done == 0)
        cr_assert_eq(truncate(arg, (off_t)(total / 2)), 0);
}

/* Every backend, with hook(0, total, path) changing the file as the scan
 * starts: MAPSCAN_E_CHANGED (a failure while running) with a message
 * holding one of the two fragments. */
static void expect_change_reported(mapscan_progress_fn hook, size_t elements, uint64_t seed, const char *fragment,
                                   const char *or_fragment)
{
    for (int backend = MAPSCAN_BACKEND_AUTO; backend <= MAPSCAN_BACKEND_DIRECT; backend++) {
        sample s;
        make_sample(&s, MAPSCAN_I32, elements, 0, seed);
        mapscan_options o;
        mapscan_options_init(&o);
        o.backend = (mapscan_backend)backend;
        o.threads = 2;
        o.progress = hook;
        o.progress_arg = s.path;
        mapscan_result r;
        mapscan_error e;
        cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_E_CHANGED, "backend %d: %s", backend, e.message);
        cr_assert(strstr(e.message, fragment) || strstr(e.message, or_fragment), "message: %s", e.message);
        cr_assert_not(mapscan_status_is_input_error(e.status));
        drop_sample(&s);
    }
}

Test(scan, a_file_truncated_during_the_scan_is_an_error_not_a_crash)
{
    expect_change_reported(truncate_at_start, 4 << 20, 8, "shrank", "changed");
}

Test(scan, read_retries_eintr_and_short_reads)
{
    sample s;
    make_sample(&s, MAPSCAN_I64, 500000, 0, 10);
    atomic_store(&fault_mode, FAULT_EINTR_AND_SHORT);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_I64;
    o.endian = MAPSCAN_BIG;
    o.backend = MAPSCAN_BACKEND_READ;
    o.threads = 2;
    o.offset = 5;
    o.allow_trailing = true;
    expect_scan(&s, &o, "eintr and short reads");
    cr_assert(atomic_load(&fault_calls) > 10);
    drop_sample(&s);
}

Test(scan, read_reports_eio)
{
    sample s;
    make_sample(&s, MAPSCAN_I32, 2 << 20, 0, 11);
    atomic_store(&fault_mode, FAULT_EIO_LATER);
    mapscan_options o;
    mapscan_options_init(&o);
    o.backend = MAPSCAN_BACKEND_READ;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_E_IO);
    cr_assert_eq(e.sys_errno, EIO);
    cr_assert(strstr(e.message, "Input/output error"), "message: %s", e.message);
    drop_sample(&s);
}

Test(scan, threads_are_capped_and_never_exceed_chunks)
{
    sample s;
    make_sample(&s, MAPSCAN_U8, 5000, 0, 12);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_U8;
    o.threads = 1000;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_OK);
    cr_assert(r.threads >= 1 && r.threads <= 4 * mapscan_processing_units(), "threads %u", r.threads);
    cr_assert(r.threads <= 2, "5000 bytes are two pages at most, got %u threads", r.threads);
    drop_sample(&s);
}

/* Overwrites one element in the middle and puts the mtime back, as
 * touch -r, rsync -t and cp -p do: only the ctime tells. */
static void overwrite_keeping_mtime(uint64_t done, uint64_t total, void *arg)
{
    if (done != 0)
        return;
    const char *path = arg;
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    int fd = open(path, O_RDWR);
    cr_assert(fd >= 0);
    unsigned char element[4];
    cr_assert_eq(pread(fd, element, 4, (off_t)(total / 2)), 4);
    element[3] ^= 0x40;
    cr_assert_eq(pwrite(fd, element, 4, (off_t)(total / 2)), 4);
    struct timespec times[2] = { st.st_atim, st.st_mtim };
    cr_assert_eq(futimens(fd, times), 0);
    close(fd);
}

Test(scan, a_file_rewritten_in_place_with_its_mtime_put_back_is_reported)
{
    expect_change_reported(overwrite_keeping_mtime, 1 << 20, 13, "changed", "changed");
}

static size_t resident_pages(int fd, size_t bytes)
{
    unsigned char *map = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
    size_t pages = (bytes + 4095) / 4096, resident = 0;
    unsigned char *vec = malloc(pages);
    cr_assert_eq(mincore(map, bytes, vec), 0);
    for (size_t i = 0; i < pages; i++)
        resident += vec[i] & 1;
    free(vec);
    munmap(map, bytes);
    return resident;
}

/* Direct I/O: sizes and offsets that are not multiples of 512 or 4096, one
 * element, records, every thread count; EIO reported; the page cache left
 * as it was. */
Test(scan, direct_reads_any_size_and_offset_and_leaves_the_page_cache_alone)
{
    static const size_t counts[] = { 1, 7, 511, 1025, 4095, 4097, 8193, 1 << 20 };
    static const uint64_t offsets[] = { 0, 1, 3, 511, 4095, 4097 };
    for (int t = 0; t < INTEGER_TYPE_COUNT; t += 3)
        for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
            sample s;
            make_sample(&s, (mapscan_type)t, counts[c], 5, 40 + c);
            for (size_t k = 0; k < sizeof offsets / sizeof offsets[0]; k++)
                for (unsigned threads = 1; threads <= 3; threads++) {
                    mapscan_options o;
                    mapscan_options_init(&o);
                    o.type = (mapscan_type)t;
                    o.endian = threads == 2 ? MAPSCAN_BIG : MAPSCAN_LITTLE;
                    o.backend = MAPSCAN_BACKEND_DIRECT;
                    o.threads = threads;
                    o.offset = offsets[k] < s.bytes ? offsets[k] : 0;
                    o.allow_trailing = true;
                    expect_scan(&s, &o, "direct");
                }
            drop_sample(&s);
        }
    sample s;
    make_sample(&s, MAPSCAN_U8, 3 << 20, 0, 77);
    int fd = open(s.path, O_RDONLY);
    cr_assert_eq(fsync(fd), 0);     /* dirty pages cannot be evicted */
    cr_assert_eq(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED), 0);
    size_t before = resident_pages(fd, s.bytes);
    mapscan_options o;
    mapscan_options_init(&o);
    o.type = MAPSCAN_U8;
    o.backend = MAPSCAN_BACKEND_DIRECT;
    o.record_size = 13;
    o.field_offset = 5;
    o.allow_trailing = true;
    mapscan_result r;
    mapscan_error e;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_OK, "%s", e.message);
    cr_assert(r.backends == MAPSCAN_USED_DIRECT || r.backends == MAPSCAN_USED_DIRECT_PREAD, "backends %s",
              mapscan_backends_name(r.backends));
    size_t after = resident_pages(fd, s.bytes);
    cr_assert(after <= before, "%zu pages in the page cache before the direct scan, %zu after", before, after);
    close(fd);
    ms_acc want, got = acc_of_stats(&r.stats);
    ms_acc_init(&want);
    for (size_t i = 0; i + 13 <= s.bytes; i += 13)
        reference_reduce(s.data + i + 5, 1, MAPSCAN_U8, false, &want);
    assert_acc_equal(&got, &want, "direct records");
    /* Blocking preads where io_uring is missing: EIO reported (test_direct.c has the ring's). */
    fault_arm("ms_ring_init", 0, 1000, ENOSYS);
    atomic_store(&fault_mode, FAULT_EIO_LATER);
    o.record_size = 0;
    o.field_offset = 0;
    cr_assert_eq(mapscan_scan_path(s.path, &o, &r, &e), MAPSCAN_E_IO);
    fault_disarm();
    cr_assert(strstr(e.message, "Input/output error"), "message: %s", e.message);
    drop_sample(&s);
}
