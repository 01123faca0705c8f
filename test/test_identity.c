/* mapscan-mpi's check that a rank reads the file the probing rank
 * described (src/mpi/identity.c): what it catches, and what it cannot. */
#include "../src/mpi/identity.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SIZE ((uint64_t)10 << 20)

static char dir[] = "/tmp/mapscan-identity-XXXXXX";

static void make_dir(void)
{
    cr_assert(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[64];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* A file of SIZE bytes, each 8 bytes its offset; one byte flipped at `flip`
 * (UINT64_MAX: none); its mtime set to `when` seconds. */
typedef struct name {
    char path[256];
} name;

static name write_file(const char *base, uint64_t size, uint64_t flip, time_t when)
{
    name out;
    char *p = out.path;
    snprintf(p, sizeof out.path, "%s/%s", dir, base);
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    cr_assert(fd >= 0);
    uint64_t buf[4096];
    for (uint64_t at = 0; at < size; at += sizeof buf) {
        for (size_t i = 0; i < 4096; i++)
            buf[i] = at + i * 8;
        if (flip >= at && flip < at + sizeof buf)
            ((unsigned char *)buf)[flip - at] ^= 0x40;
        size_t n = size - at < sizeof buf ? (size_t)(size - at) : sizeof buf;
        cr_assert_eq(write(fd, buf, n), (ssize_t)n);
    }
    struct timespec times[2] = { { when, 0 }, { when, 123456789 } };
    cr_assert_eq(futimens(fd, times), 0);
    close(fd);
    return out;
}

static mapscan_status check(name want_file, name got_file, mapscan_error *e)
{
    file_identity want;
    cr_assert_eq(identity_take_path(want_file.path, &want, e), MAPSCAN_OK, "%s", e->message);
    int fd = -1;
    mapscan_status s = identity_check_path(got_file.path, &want, 3, &fd, e);
    cr_assert_eq(fd >= 0, s == MAPSCAN_OK, "a descriptor exactly when it is the same file");
    if (fd >= 0)
        close(fd);
    return s;
}

TestSuite(identity, .init = make_dir, .fini = remove_dir);

Test(identity, samples_are_the_first_the_last_and_evenly_spaced)
{
    uint64_t off, len, prev = 0;
    for (uint32_t i = 0; i < IDENTITY_SAMPLES; i++) {
        identity_sample_range(SIZE + 5, i, &off, &len);
        cr_assert_eq(len, IDENTITY_SAMPLE_BYTES);
        cr_assert(i == 0 ? off == 0 : off > prev + IDENTITY_SAMPLE_BYTES, "sample %u at %llu", i,
                  (unsigned long long)off);
        prev = off;
    }
    cr_assert_eq(off + len, SIZE + 5, "the last sample ends the file");
    /* A small file is read whole, the last sample short. */
    uint64_t covered = 0;
    for (uint32_t i = 0; i < IDENTITY_SAMPLES; i++) {
        identity_sample_range(10000, i, &off, &len);
        cr_assert_eq(off, covered < 10000 ? covered : 10000);
        covered += len;
    }
    cr_assert_eq(covered, 10000);
}

Test(identity, a_copy_with_size_and_time_kept_is_the_same_file)
{
    mapscan_error e;
    name a = write_file("a", SIZE, UINT64_MAX, 1700000000);
    name b = write_file("b", SIZE, UINT64_MAX, 1700000000);
    cr_assert_eq(check(a, b, &e), MAPSCAN_OK, "%s", e.message);
    name small = write_file("small", 100, UINT64_MAX, 1700000000);
    cr_assert_eq(check(small, small, &e), MAPSCAN_OK, "%s", e.message);
    name empty = write_file("empty", 0, UINT64_MAX, 1700000000);
    cr_assert_eq(check(empty, empty, &e), MAPSCAN_OK, "%s", e.message);
}

Test(identity, size_time_and_a_sampled_byte_are_caught)
{
    mapscan_error e;
    name a = write_file("a", SIZE, UINT64_MAX, 1700000000);
    cr_assert_eq(check(a, write_file("short", SIZE - 8, UINT64_MAX, 1700000000), &e), MAPSCAN_E_CHANGED);
    cr_assert(strstr(e.message, "not the file rank 3 found at this path: 10485752 bytes here, 10485760 there"),
              "%s", e.message);
    cr_assert_eq(check(a, write_file("later", SIZE, UINT64_MAX, 1700000001), &e), MAPSCAN_E_CHANGED);
    cr_assert(strstr(e.message, "modified 2023-11-14 22:13:21.123456789 UTC here"), "%s", e.message);
    uint64_t off, len;
    for (uint32_t i = 0; i < IDENTITY_SAMPLES; i++) {
        identity_sample_range(SIZE, i, &off, &len);
        for (uint64_t at = off; at < off + len; at += len - 1) {      /* its first and last byte */
            cr_assert_eq(check(a, write_file("flipped", SIZE, at, 1700000000), &e), MAPSCAN_E_CHANGED,
                         "byte %llu", (unsigned long long)at);
            char want[96];
            snprintf(want, sizeof want, "same size and time, but bytes %llu-%llu differ", (unsigned long long)off,
                     (unsigned long long)(off + len - 1));
            cr_assert(strstr(e.message, want), "%s", e.message);
        }
    }
}

/* The limit the check documents: a byte between the samples, with the
 * size and time kept, passes. */
Test(identity, a_byte_between_the_samples_is_not_caught)
{
    mapscan_error e;
    uint64_t off, len;
    identity_sample_range(SIZE, 1, &off, &len);
    name a = write_file("a", SIZE, UINT64_MAX, 1700000000);
    cr_assert_eq(check(a, write_file("between", SIZE, off + len, 1700000000), &e), MAPSCAN_OK);
}

Test(identity, missing_a_directory_or_a_fifo_in_its_place)
{
    mapscan_error e;
    name a = write_file("a", SIZE, UINT64_MAX, 1700000000);
    name other;
    snprintf(other.path, sizeof other.path, "%s/none", dir);
    cr_assert_eq(check(a, other, &e), MAPSCAN_E_CHANGED);
    cr_assert_str_eq(e.message, "cannot open: No such file or directory, though rank 3 opened it");
    snprintf(other.path, sizeof other.path, "%s", dir);
    cr_assert_eq(check(a, other, &e), MAPSCAN_E_CHANGED);
    cr_assert_str_eq(e.message, "not a regular file here, though rank 3 found one");
    snprintf(other.path, sizeof other.path, "%s/fifo", dir);
    cr_assert_eq(mkfifo(other.path, 0600), 0);
    cr_assert_eq(check(a, other, &e), MAPSCAN_E_CHANGED, "a FIFO without a writer, refused at once");
    cr_assert_str_eq(e.message, "not a regular file here, though rank 3 found one");
}

Test(identity, a_recheck_sees_a_change_and_another_file_at_the_path)
{
    mapscan_error e;
    name a = write_file("a", SIZE, UINT64_MAX, 1700000000);
    file_identity want;
    int fd = -1;
    cr_assert_eq(identity_take_path(a.path, &want, &e), MAPSCAN_OK);
    cr_assert_eq(identity_check_path(a.path, &want, 0, &fd, &e), MAPSCAN_OK);
    cr_assert_eq(identity_recheck(a.path, fd, &want, &e), MAPSCAN_OK, "%s", e.message);
    write_file("a", SIZE, UINT64_MAX, 1700000000);    /* O_TRUNC: the same inode, its time put back */
    cr_assert_eq(identity_recheck(a.path, fd, &want, &e), MAPSCAN_OK, "the same size and time: not seen here");
    name b = write_file("b", SIZE, UINT64_MAX, 1700000000);
    cr_assert_eq(rename(b.path, a.path), 0);
    cr_assert_eq(identity_recheck(a.path, fd, &want, &e), MAPSCAN_E_CHANGED);
    cr_assert_str_eq(e.message, "the file changed during the scan: another file took its path");
    cr_assert_eq(ftruncate(fd, 8), -1, "read-only");
    close(fd);
}
