#include "reference.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <limits.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void write_temp_file(char *path, size_t path_len, const void *data, size_t len)
{
    snprintf(path, path_len, "/tmp/mapscan-test-XXXXXX");
    int fd = mkstemp(path);
    cr_assert(fd >= 0, "mkstemp failed");
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        cr_assert(n > 0, "write failed");
        p += n;
        len -= (size_t)n;
    }
    close(fd);
}

ms_acc acc_of_stats(const mapscan_stats *stats)
{
    ms_acc acc;
    ms_acc_init(&acc);
    acc.count = stats->count;
    acc.min = ms_from_int128(stats->min);
    acc.max = ms_from_int128(stats->max);
    acc.sum = ms_from_int128(stats->sum);
    return acc;
}

void assert_acc_equal(const ms_acc *got, const ms_acc *want, const char *what)
{
    char a[41], b[41];
    cr_assert_eq(got->count, want->count, "%s: count %llu, want %llu", what,
                 (unsigned long long)got->count, (unsigned long long)want->count);
    if (want->count == 0)
        return;
    cr_assert(got->min == want->min, "%s: min %s, want %s", what, mapscan_int128_format(ms_to_int128(got->min), a),
              mapscan_int128_format(ms_to_int128(want->min), b));
    cr_assert(got->max == want->max, "%s: max %s, want %s", what, mapscan_int128_format(ms_to_int128(got->max), a),
              mapscan_int128_format(ms_to_int128(want->max), b));
    cr_assert(got->sum == want->sum, "%s: sum %s, want %s", what, mapscan_int128_format(ms_to_int128(got->sum), a),
              mapscan_int128_format(ms_to_int128(want->sum), b));
}

int count_dir_entries(const char *dir)
{
    int n = 0;
    DIR *d = opendir(dir);
    cr_assert_not_null(d, "cannot open %s", dir);
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, ".."))
            n++;
    closedir(d);
    return n;
}

void remove_dir_entries(const char *dir, const char *containing)
{
    DIR *d = opendir(dir);
    struct dirent *ent;
    char path[PATH_MAX];
    while (d && (ent = readdir(d)))
        if (strcmp(ent->d_name, ".") && strcmp(ent->d_name, "..") &&
            (!containing || strstr(ent->d_name, containing))) {
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
}
