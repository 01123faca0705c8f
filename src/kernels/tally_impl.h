/*
 * The counting passes' loops (kernels/tally.c), written once per type and
 * compiled per instruction set with the other kernels (included by
 * reduce_impl.h).
 *
 * Digits: each key (keys.c's order-preserving encoding, made here inline)
 * has its digit counted; on the first pass every key, on later ones only
 * those under a slot's prefix, which most are not (a predictable branch).
 *
 * Bins: a block's bins are found first, in a loop the vectorizer can take
 * whole (convert, scale, clamp, two gathers of the edges): the guess from
 * the value's distance to the lowest edge is kept only when the edges on
 * each side confirm it; a value they do not confirm (near an edge, or
 * edges so close together that rounding has made some of them equal) is
 * marked and placed one by one, by exact comparison, in the loop that
 * counts. NaN is marked too, and left out.
 */

#define TALLY_BLOCK 512

/* Keys at a type's width: signed integers with the sign bit flipped,
 * floats with every bit flipped when negative and the sign bit set when
 * not; NaN keys lie beyond the infinities'. */
#define KEY_UNSIGNED(U, raw) ((U)(raw))
#define KEY_SIGNED(U, raw) ((U)((raw) ^ (U)((U)1 << (sizeof(U) * 8 - 1))))
#define KEY_FLOAT(U, raw) ((U)((raw) ^ (U)((U)(0u - (U)((raw) >> (sizeof(U) * 8 - 1))) | (U)((U)1 << (sizeof(U) * 8 - 1)))))

/* A slot's prefix as the raw bits have it (before the key's flips): the
 * later passes look for it in whole blocks at once, and most blocks hold
 * no key of any slot. */
static inline uint64_t raw_prefix(uint64_t key_prefix, unsigned key_bits, unsigned above, int kind)
{
    uint64_t sign = (uint64_t)1 << (key_bits - 1 - above);     /* the key's top bit, in the prefix */
    uint64_t ones = sign | (sign - 1);
    if (kind == 1 || (kind == 2 && (key_prefix & sign)))
        return key_prefix ^ sign;       /* signed, or a positive float: the sign bit flipped */
    if (kind == 2)
        return ~key_prefix & ones;      /* a negative float: every bit flipped */
    return key_prefix;
}

/* The first pass counts every key: a load, a few operations and an
 * increment each. Later passes take a block at a time in two loops: the
 * first finds each key's counter (all ones: NaN, or under no slot's
 * prefix, compared raw: raw_prefix) in the key's own width, which the
 * vectorizer takes whole; the second increments them one by one, and
 * runs only in a block that holds a wanted key. */
#define DEFINE_DIGITS(FN, U, SWAP, KEY, INF, KIND)                             \
    static void FN(const ms_tally_plan *plan, uint32_t *counts, const unsigned char *p, size_t n) \
    {                                                                          \
        const ms_digit_pass *d = &plan->digits;                                \
        const U top = (U)((U)1 << (sizeof(U) * 8 - 1));                        \
        const U inf_key = (U)((INF) | top), nan_below = (U)~inf_key;           \
        const bool is_float = (INF) != 0;                                      \
        const unsigned shift = d->shift, above = d->shift + d->digit_bits;     \
        const unsigned digit_bits = d->digit_bits;                             \
        const bool first = above >= d->key_bits;                               \
        (void)top;                                                             \
        const U mask = (U)((((uint64_t)1 << digit_bits) - 1));                 \
        U want[MS_SELECT_MAX_SLOTS];                                           \
        for (unsigned s = 0; s < MS_SELECT_MAX_SLOTS; s++)                     \
            want[s] = !first && s < d->nslots ? (U)raw_prefix(d->prefix[s], d->key_bits, above, KIND) \
                                              : (U)~(U)0;                      \
        if (first) {            /* every key: a load, a few operations, an increment */ \
            for (size_t i = 0; i < n; i++) {                                   \
                U raw;                                                         \
                memcpy(&raw, p + i * sizeof(U), sizeof(U));                    \
                U key = KEY(U, (U)SWAP(raw));                                  \
                if (is_float && (key > inf_key || key < nan_below))            \
                    continue;                                                  \
                counts[key >> shift]++;                                        \
            }                                                                  \
            return;                                                            \
        }                                                                      \
        U at[TALLY_BLOCK];      /* a counter's index, or all ones */          \
        const U none = (U)~(U)0;                                               \
        for (size_t start = 0; start < n; start += TALLY_BLOCK) {              \
            size_t m = n - start < TALLY_BLOCK ? n - start : TALLY_BLOCK;      \
            U any = 0;                                                         \
            for (size_t i = 0; i < m; i++) {    /* in the key's own width: vectorized */ \
                U raw;                                                         \
                memcpy(&raw, p + (start + i) * sizeof(U), sizeof(U));          \
                raw = (U)SWAP(raw);                                            \
                U key = KEY(U, raw);                                           \
                U t = (U)(raw >> above);                                       \
                U hit = (U)((U)(t == want[0]) | (U)(t == want[1]) | (U)(t == want[2]) | (U)(t == want[3])); \
                U slot = (U)((U)(t == want[1]) + (U)(t == want[2]) * 2u + (U)(t == want[3]) * 3u); \
                if (is_float)                                                  \
                    hit &= (U)!((key > inf_key) | (key < nan_below));          \
                U index = (U)((U)(slot << digit_bits) | (U)((key >> shift) & mask)); \
                at[i] = hit ? index : none;                                    \
                any |= hit;                                                    \
            }                                                                  \
            for (size_t i = 0; any && i < m; i++)                              \
                if (at[i] != none)                                             \
                    counts[at[i]]++;                                           \
        }                                                                      \
    }

DEFINE_DIGITS(d_i8, uint8_t, NOSWAP, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u8, uint8_t, NOSWAP, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i16, uint16_t, NOSWAP, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u16, uint16_t, NOSWAP, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i16s, uint16_t, BSWAP16, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u16s, uint16_t, BSWAP16, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i32, uint32_t, NOSWAP, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u32, uint32_t, NOSWAP, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i32s, uint32_t, BSWAP32, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u32s, uint32_t, BSWAP32, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i64, uint64_t, NOSWAP, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u64, uint64_t, NOSWAP, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_i64s, uint64_t, BSWAP64, KEY_SIGNED, 0, 1)
DEFINE_DIGITS(d_u64s, uint64_t, BSWAP64, KEY_UNSIGNED, 0, 0)
DEFINE_DIGITS(d_f16, uint16_t, NOSWAP, KEY_FLOAT, 0x7c00u, 2)
DEFINE_DIGITS(d_f16s, uint16_t, BSWAP16, KEY_FLOAT, 0x7c00u, 2)
DEFINE_DIGITS(d_bf16, uint16_t, NOSWAP, KEY_FLOAT, 0x7f80u, 2)
DEFINE_DIGITS(d_bf16s, uint16_t, BSWAP16, KEY_FLOAT, 0x7f80u, 2)
DEFINE_DIGITS(d_f32, uint32_t, NOSWAP, KEY_FLOAT, 0x7f800000u, 2)
DEFINE_DIGITS(d_f32s, uint32_t, BSWAP32, KEY_FLOAT, 0x7f800000u, 2)
DEFINE_DIGITS(d_f64, uint64_t, NOSWAP, KEY_FLOAT, 0x7ff0000000000000u, 2)
DEFINE_DIGITS(d_f64s, uint64_t, BSWAP64, KEY_FLOAT, 0x7ff0000000000000u, 2)

/* Bins of a type whose every value binary64 holds (all but the 64-bit
 * integers): marks are bins (above), bins + 1 (below), bins + 2 (NaN) and
 * bins + 3 (to be placed exactly). */
#define DEFINE_BINS(FN, U, SWAP, VALUE)                                        \
    static void FN(const ms_tally_plan *plan, ms_tally *c, const unsigned char *p, size_t n) \
    {                                                                          \
        const double *e = plan->edges;                                         \
        const int64_t bins = (int64_t)plan->bins, last = bins - 1;             \
        const double lo = e[0], hi = e[bins], scale = plan->scale, top = (double)last; \
        U raw[TALLY_BLOCK];     /* a typed copy: the vectorizer then sees   \
                                   that the loads alias nothing it writes */ \
        double value[TALLY_BLOCK];                                             \
        int64_t mark[TALLY_BLOCK];      /* as wide as a double: one vector    \
                                           length for the whole loop */        \
        for (size_t start = 0; start < n; start += TALLY_BLOCK) {              \
            size_t m = n - start < TALLY_BLOCK ? n - start : TALLY_BLOCK;      \
            memcpy(raw, p + start * sizeof(U), m * sizeof(U));                 \
            for (size_t i = 0; i < m; i++)                                     \
                value[i] = VALUE((U)SWAP(raw[i]));                             \
            for (size_t i = 0; i < m; i++) {                                   \
                double v = value[i];                                           \
                double f = (v - lo) * scale;                                   \
                f = f > 0 ? f : 0;                                             \
                f = f < top ? f : top;                                         \
                int64_t g = (int64_t)f;                                        \
                int64_t confirmed = (v >= e[g]) & ((v < e[g + 1]) | (g == last)); \
                int64_t b = confirmed ? g : bins + 3;                          \
                b = v < lo ? bins + 1 : b;                                     \
                b = v > hi ? bins : b;                                         \
                b = v != v ? bins + 2 : b;                                     \
                mark[i] = b;                                                   \
            }                                                                  \
            ms_bins_count(plan, c, mark, value, m);                            \
        }                                                                      \
    }

static inline double i8_value(uint8_t b) { return (int8_t)b; }
static inline double u8_value(uint8_t b) { return b; }
static inline double i16_value(uint16_t b) { return (int16_t)b; }
static inline double u16_value(uint16_t b) { return b; }
static inline double i32_value(uint32_t b) { return (int32_t)b; }
static inline double u32_value(uint32_t b) { return b; }

DEFINE_BINS(b_i8, uint8_t, NOSWAP, i8_value)
DEFINE_BINS(b_u8, uint8_t, NOSWAP, u8_value)
DEFINE_BINS(b_i16, uint16_t, NOSWAP, i16_value)
DEFINE_BINS(b_u16, uint16_t, NOSWAP, u16_value)
DEFINE_BINS(b_i16s, uint16_t, BSWAP16, i16_value)
DEFINE_BINS(b_u16s, uint16_t, BSWAP16, u16_value)
DEFINE_BINS(b_i32, uint32_t, NOSWAP, i32_value)
DEFINE_BINS(b_u32, uint32_t, NOSWAP, u32_value)
DEFINE_BINS(b_i32s, uint32_t, BSWAP32, i32_value)
DEFINE_BINS(b_u32s, uint32_t, BSWAP32, u32_value)
DEFINE_BINS(b_f16, uint16_t, NOSWAP, f16_value)
DEFINE_BINS(b_f16s, uint16_t, BSWAP16, f16_value)
DEFINE_BINS(b_bf16, uint16_t, NOSWAP, bf16_value)
DEFINE_BINS(b_bf16s, uint16_t, BSWAP16, bf16_value)
DEFINE_BINS(b_f32, uint32_t, NOSWAP, f32_value)
DEFINE_BINS(b_f32s, uint32_t, BSWAP32, f32_value)
DEFINE_BINS(b_f64, uint64_t, NOSWAP, f64_value)
DEFINE_BINS(b_f64s, uint64_t, BSWAP64, f64_value)
