/* mapscan-mpi's split of many files between ranks (src/mpi/split.c). */
#include "../src/mpi/split.h"

#include <criterion/criterion.h>
#include <stdlib.h>

#define MAX_FILES 64

/* Every unit of every file goes to exactly one rank, in order; each cut
 * sits on a unit boundary; ranges are within one file's largest unit (or
 * one small whole file) of an equal share. */
static void check_split(const split_file *files, size_t n, unsigned ranks)
{
    uint64_t next[MAX_FILES] = { 0 };
    unsigned __int128 total = 0;
    uint64_t slack = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bytes = files[i].unit * files[i].units;
        total += bytes;
        uint64_t s = bytes < SPLIT_WHOLE_BELOW ? bytes : files[i].unit;
        if (s > slack)
            slack = s;
    }
    split_piece pieces[MAX_FILES];
    for (unsigned r = 0; r < ranks; r++) {
        size_t k = split_pieces(files, n, r, ranks, pieces);
        unsigned __int128 mine = 0;
        for (size_t p = 0; p < k; p++) {
            const split_piece *x = &pieces[p];
            cr_assert(x->file < n);
            cr_assert(p == 0 || x->file > pieces[p - 1].file, "pieces out of file order");
            cr_assert_gt(x->count, 0, "an empty piece");
            cr_assert_eq(x->first, next[x->file], "rank %u file %zu starts at unit %llu, want %llu", r, x->file,
                         (unsigned long long)x->first, (unsigned long long)next[x->file]);
            next[x->file] += x->count;
            cr_assert_leq(next[x->file], files[x->file].units);
            mine += (unsigned __int128)x->count * files[x->file].unit;
        }
        unsigned __int128 share = total / ranks;
        unsigned __int128 lo = share > 2 * (unsigned __int128)slack ? share - 2 * slack : 0;
        cr_assert(mine <= share + 2 * (unsigned __int128)slack + 1 && mine >= lo,
                  "rank %u of %u has %llu bytes, an equal share is %llu (slack %llu)", r, ranks,
                  (unsigned long long)mine, (unsigned long long)share, (unsigned long long)slack);
    }
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(next[i], files[i].units, "file %zu: %llu of %llu units scanned", i,
                     (unsigned long long)next[i], (unsigned long long)files[i].units);
}

static const unsigned rank_counts[] = { 1, 2, 3, 5, 8, 13, 64 };

Test(split, one_large_file_is_cut_in_k_on_unit_boundaries)
{
    for (size_t r = 0; r < sizeof rank_counts / sizeof rank_counts[0]; r++) {
        split_file one[] = { { 4, 100000003 } };
        check_split(one, 1, rank_counts[r]);
        split_file records[] = { { 24, 7000001 } };
        check_split(records, 1, rank_counts[r]);
    }
}

Test(split, small_files_go_whole_to_one_rank)
{
    split_file many[40];
    for (size_t i = 0; i < 40; i++)
        many[i] = (split_file){ 2, 1000 + 37 * i };
    for (size_t r = 0; r < sizeof rank_counts / sizeof rank_counts[0]; r++) {
        check_split(many, 40, rank_counts[r]);
        split_piece pieces[40];
        for (unsigned k = 0; k < rank_counts[r]; k++) {
            size_t n = split_pieces(many, 40, k, rank_counts[r], pieces);
            for (size_t p = 0; p < n; p++)
                cr_assert(pieces[p].first == 0 && pieces[p].count == many[pieces[p].file].units,
                          "a small file was cut");
        }
    }
}

Test(split, fewer_units_than_ranks_empty_and_failed_files)
{
    split_file mixed[] = { { 8, 3 }, { 4, 0 }, { 1, 1 }, { 2, 50000000 }, { 8, 0 }, { 16, 2000000 } };
    for (size_t r = 0; r < sizeof rank_counts / sizeof rank_counts[0]; r++)
        check_split(mixed, 6, rank_counts[r]);
    split_file none[] = { { 4, 0 }, { 1, 0 } };
    split_piece pieces[2];
    cr_assert_eq(split_pieces(none, 2, 0, 3, pieces), 0);
    cr_assert_eq(split_pieces(none, 0, 0, 1, pieces), 0);
}

Test(split, the_same_arguments_give_the_same_pieces)
{
    split_file files[] = { { 4, 12345678 }, { 2, 99 }, { 8, 4000000 } };
    split_piece a[3], b[3];
    for (unsigned r = 0; r < 5; r++) {
        size_t n = split_pieces(files, 3, r, 5, a);
        cr_assert_eq(split_pieces(files, 3, r, 5, b), n);
        cr_assert_arr_eq(a, b, n * sizeof a[0]);
    }
}

Test(split, sizes_past_two_to_the_64_do_not_wrap)
{
    split_file huge[] = { { 8, UINT64_MAX / 8 }, { 8, UINT64_MAX / 8 }, { 4, 1000 } };
    for (size_t r = 0; r < sizeof rank_counts / sizeof rank_counts[0]; r++)
        check_split(huge, 3, rank_counts[r]);
}
