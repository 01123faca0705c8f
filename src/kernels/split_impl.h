/*
 * The halves of records (reduce.c's transpose): a run of pairs of units,
 * "e0 o0 e1 o1 ...", split into the run of first halves and the run of
 * second halves, for units of 1 to 8 bytes; and records of 4 or 8 words
 * into a run per word. Each is a plain de-interleave that the compiler
 * vectorizes with two-source permutes (reduce_avx512.c, reduce_avx2.c; in
 * reduce_scalar.c it stays scalar).
 * Included by reduce_impl.h, which puts them in the kernel's table.
 */

#define DEFINE_SPLIT(FN, T, PER_UNIT)                                                                     \
    typedef T FN##_word __attribute__((aligned(1), may_alias));                                          \
    static void FN(const unsigned char *restrict in, size_t pairs, unsigned char *restrict even,         \
                   unsigned char *restrict odd)                                                          \
    {                                                                                                    \
        const FN##_word *s = (const FN##_word *)(const void *)in;                                        \
        FN##_word *e = (FN##_word *)(void *)even, *o = (FN##_word *)(void *)odd;                         \
        for (size_t i = 0; i < pairs; i++)                                                               \
            for (size_t w = 0; w < (PER_UNIT); w++) {                                                    \
                e[i * (PER_UNIT) + w] = s[2 * i * (PER_UNIT) + w];                                       \
                o[i * (PER_UNIT) + w] = s[(2 * i + 1) * (PER_UNIT) + w];                                 \
            }                                                                                            \
    }

DEFINE_SPLIT(split1, uint8_t, 1)
DEFINE_SPLIT(split2, uint16_t, 1)
DEFINE_SPLIT(split4, uint32_t, 1)
DEFINE_SPLIT(split8, uint64_t, 1)

/* Records of K 8-byte words into K runs, one per word: a record of 32 or
 * 64 bytes reaches runs of 8-byte units in one pass rather than two or
 * three of halves (whose first ones only copied whole 16- and 32-byte
 * units: 16 x int16 14.5 -> 15.9 GB/s on one core with this). */
#define DEFINE_WORDS(FN, K)                                                                              \
    static void FN(const unsigned char *restrict in, size_t n, unsigned char *const *out)               \
    {                                                                                                    \
        const split8_word *s = (const split8_word *)(const void *)in;                                   \
        split8_word *o[K];                                                                               \
        for (size_t k = 0; k < (K); k++)                                                                 \
            o[k] = (split8_word *)(void *)out[k];                                                        \
        for (size_t i = 0; i < n; i++)                                                                   \
            for (size_t k = 0; k < (K); k++)                                                             \
                o[k][i] = s[i * (K) + k];                                                                \
    }

DEFINE_WORDS(words4, 4)
DEFINE_WORDS(words8, 8)
