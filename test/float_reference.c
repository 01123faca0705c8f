/*
 * The float statistics the slow, obvious way, to check the library against.
 *
 * Decoding: one rule for the four formats, from their field widths (sign,
 * exponent bits, fraction bits): a value is mantissa * 2^exponent with the
 * implicit bit made explicit, the subnormals at the fixed exponent.
 *
 * Sum: every finite value is an integer number of units of 2^-1074, added
 * into a two's-complement integer of 72 32-bit limbs, one limb at a time
 * with the carry or borrow run to the top.
 *
 * Rounding: not by extracting bits, as the library does, but by search. An
 * approximation of sum / n in binary64 is moved one binary64 step at a
 * time until the exact quotient lies between the midpoints to its
 * neighbours; each comparison with a midpoint (a + b) / 2 is exact, in
 * integers: 2 * sum against n * (a + b), a and b in units of 2^-1074. A
 * quotient exactly on a midpoint goes to the neighbour whose last mantissa
 * bit is 0; 2^1024 (infinity) counts as even, so that the midpoint between
 * DBL_MAX and 2^1024 rounds to infinity, as IEEE 754 overflow does.
 */
#include "float_reference.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- big integers ---- */

void ref_big_zero(ref_big *x) { memset(x, 0, sizeof *x); }

static bool big_negative(const ref_big *x) { return x->limb[REF_LIMBS - 1] >> 31; }

static bool big_is_zero(const ref_big *x)
{
    for (int i = 0; i < REF_LIMBS; i++)
        if (x->limb[i])
            return false;
    return true;
}

static void big_negate(ref_big *x)
{
    uint64_t carry = 1;
    for (int i = 0; i < REF_LIMBS; i++) {
        uint64_t t = (uint64_t)(uint32_t)~x->limb[i] + carry;
        x->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
}

void ref_big_add_shifted(ref_big *x, uint64_t m, unsigned shift, bool negative)
{
    unsigned first = shift / 32, bit = shift % 32;
    /* m << bit in three limbs (m < 2^64, bit < 32: at most 96 bits) */
    uint32_t part[3];
    uint64_t low = m << bit, high = bit ? m >> (64 - bit) : 0;
    part[0] = (uint32_t)low;
    part[1] = (uint32_t)(low >> 32);
    part[2] = (uint32_t)high;
    if (!negative) {
        uint64_t carry = 0;
        for (unsigned i = first; i < REF_LIMBS; i++) {
            uint64_t add = i - first < 3 ? part[i - first] : 0;
            uint64_t t = (uint64_t)x->limb[i] + add + carry;
            x->limb[i] = (uint32_t)t;
            carry = t >> 32;
            if (i - first >= 2 && !carry)
                break;
        }
    } else {
        uint64_t borrow = 0;
        for (unsigned i = first; i < REF_LIMBS; i++) {
            uint64_t sub = (i - first < 3 ? part[i - first] : 0) + borrow;
            uint64_t have = x->limb[i];
            borrow = have < sub;
            x->limb[i] = (uint32_t)(have + (borrow << 32) - sub);
            if (i - first >= 2 && !borrow)
                break;
        }
    }
}

void ref_big_from_words(ref_big *x, const uint64_t word[MAPSCAN_EXACT_SUM_WORDS])
{
    for (int w = 0; w < MAPSCAN_EXACT_SUM_WORDS; w++) {
        x->limb[2 * w] = (uint32_t)word[w];
        x->limb[2 * w + 1] = (uint32_t)(word[w] >> 32);
    }
    uint32_t fill = word[MAPSCAN_EXACT_SUM_WORDS - 1] >> 63 ? 0xffffffffu : 0;
    for (int i = 2 * MAPSCAN_EXACT_SUM_WORDS; i < REF_LIMBS; i++)
        x->limb[i] = fill;
}

/* -1, 0, 1 as a < b, a == b, a > b (both taken as unsigned) */
static int big_compare(const ref_big *a, const ref_big *b)
{
    for (int i = REF_LIMBS - 1; i >= 0; i--)
        if (a->limb[i] != b->limb[i])
            return a->limb[i] < b->limb[i] ? -1 : 1;
    return 0;
}

static void big_add(ref_big *a, const ref_big *b)
{
    uint64_t carry = 0;
    for (int i = 0; i < REF_LIMBS; i++) {
        uint64_t t = (uint64_t)a->limb[i] + b->limb[i] + carry;
        a->limb[i] = (uint32_t)t;
        carry = t >> 32;
    }
}

/* out = a * n (unsigned; the tests keep it within the limbs) */
static void big_mul_u64(ref_big *out, const ref_big *a, uint64_t n)
{
    uint32_t digit[2] = { (uint32_t)n, (uint32_t)(n >> 32) };
    ref_big_zero(out);
    for (int j = 0; j < 2; j++) {
        uint64_t carry = 0;
        for (int i = 0; i + j < REF_LIMBS; i++) {
            uint64_t t = (uint64_t)a->limb[i] * digit[j] + out->limb[i + j] + carry;
            out->limb[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
    }
}

/* ---- decoding ---- */

ref_value ref_decode(const unsigned char *p, mapscan_type type, bool big_endian)
{
    unsigned exponent_bits, fraction_bits, bytes;
    switch (type) {
    case MAPSCAN_F16: exponent_bits = 5, fraction_bits = 10, bytes = 2; break;
    case MAPSCAN_BF16: exponent_bits = 8, fraction_bits = 7, bytes = 2; break;
    case MAPSCAN_F32: exponent_bits = 8, fraction_bits = 23, bytes = 4; break;
    default: exponent_bits = 11, fraction_bits = 52, bytes = 8; break;
    }
    uint64_t raw = 0;
    for (unsigned i = 0; i < bytes; i++)
        raw = raw << 8 | p[big_endian ? i : bytes - 1 - i];
    int bias = (1 << (exponent_bits - 1)) - 1;
    uint64_t all_ones = ((uint64_t)1 << exponent_bits) - 1;
    uint64_t biased = (raw >> fraction_bits) & all_ones;
    uint64_t fraction = raw & (((uint64_t)1 << fraction_bits) - 1);
    ref_value v = { REF_FINITE, (raw >> (exponent_bits + fraction_bits)) & 1, 0, 0 };
    if (biased == all_ones) {
        v.kind = fraction ? REF_NAN : REF_INF;
    } else if (biased == 0) {
        v.mantissa = fraction;
        v.exponent = 1 - bias - (int)fraction_bits;
    } else {
        v.mantissa = fraction | (uint64_t)1 << fraction_bits;
        v.exponent = (int)biased - bias - (int)fraction_bits;
    }
    return v;
}

double ref_value_double(ref_value v)
{
    double d = v.kind == REF_NAN ? NAN : v.kind == REF_INF ? INFINITY : ldexp((double)v.mantissa, v.exponent);
    return v.negative ? -d : d;
}

/* ---- statistics ---- */

void float_ref_init(float_ref *r)
{
    memset(r, 0, sizeof *r);
}

/* a below b in mapscan's order: -0 below +0 */
static bool below(double a, double b)
{
    return a < b || (a == b && signbit(a) && !signbit(b));
}

static void add_value(float_ref *r, ref_value v)
{
    r->count++;
    if (v.kind == REF_NAN) {
        r->nan++;
        return;
    }
    double d = ref_value_double(v);
    bool first = r->count - r->nan == 1;
    if (first || below(d, r->min))
        r->min = d;
    if (first || below(r->max, d))
        r->max = d;
    if (v.kind == REF_INF) {
        if (v.negative)
            r->neg_inf = true;
        else
            r->pos_inf = true;
        return;
    }
    if (v.mantissa == 0) {
        r->neg_zero += v.negative;
        return;
    }
    ref_big_add_shifted(&r->sum, v.mantissa, (unsigned)(v.exponent + 1074), v.negative);
}

void float_ref_add(float_ref *r, const unsigned char *p, size_t n, mapscan_type type, bool big_endian)
{
    size_t size = mapscan_type_size(type);
    for (size_t i = 0; i < n; i++)
        add_value(r, ref_decode(p + i * size, type, big_endian));
}

void float_ref_add_double(float_ref *r, double v)
{
    unsigned char bytes[8];
    uint64_t bits;
    memcpy(&bits, &v, 8);
    for (int i = 0; i < 8; i++)
        bytes[i] = (unsigned char)(bits >> (56 - 8 * i));
    add_value(r, ref_decode(bytes, MAPSCAN_F64, true));
}

/* x >= 0 (or +inf, as 2^1024) in units of 2^-1074 */
static void units_of(ref_big *out, double x)
{
    ref_big_zero(out);
    if (isinf(x)) {
        ref_big_add_shifted(out, 1, 1024 + 1074, false);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, 8);
    uint64_t biased = bits >> 52, fraction = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0)
        ref_big_add_shifted(out, fraction, 0, false);
    else
        ref_big_add_shifted(out, fraction | (uint64_t)1 << 52, (unsigned)(biased - 1), false);
}

/* twice the quotient against n * (a + b): the quotient against the midpoint of a and b */
static int against_midpoint(const ref_big *twice, uint64_t n, double a, double b)
{
    ref_big ua, ub, product;
    units_of(&ua, a);
    units_of(&ub, b);
    big_add(&ua, &ub);
    big_mul_u64(&product, &ua, n);
    return big_compare(twice, &product);
}

static bool odd(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, 8);
    return !isinf(x) && (bits & 1);
}

double ref_round_quotient(const ref_big *sum, uint64_t n)
{
    if (n == 0)
        abort();
    ref_big m = *sum;
    bool negative = big_negative(&m);
    if (negative)
        big_negate(&m);
    if (big_is_zero(&m))
        return 0.0;
    /* An approximation from the top 64 bits. */
    int top = REF_LIMBS * 32 - 1;
    while (!((m.limb[top / 32] >> (top % 32)) & 1))
        top--;
    uint64_t head = 0;
    for (int b = top; b > top - 64; b--)
        head = head << 1 | (b >= 0 ? (m.limb[b / 32] >> (b % 32)) & 1 : 0);
    double r = ldexp((double)head / (double)n, top - 63 - 1074);
    if (isinf(r))
        r = DBL_MAX;
    ref_big twice = m;
    big_add(&twice, &m);
    int steps = 0;
    /* up while past the midpoint above, down while short of the one below */
    while (!isinf(r) && against_midpoint(&twice, n, r, nextafter(r, INFINITY)) > 0) {
        r = nextafter(r, INFINITY);
        if (++steps > 100000)
            abort();
    }
    while (r > 0 && against_midpoint(&twice, n, nextafter(r, 0), r) < 0) {
        r = nextafter(r, 0);
        if (++steps > 100000)
            abort();
    }
    /* on a midpoint: to the even neighbour */
    if (!isinf(r) && odd(r) && against_midpoint(&twice, n, r, nextafter(r, INFINITY)) == 0)
        r = nextafter(r, INFINITY);
    else if (r > 0 && odd(r) && against_midpoint(&twice, n, nextafter(r, 0), r) == 0)
        r = nextafter(r, 0);
    return negative ? -r : r;
}

static uint64_t counted(const float_ref *r) { return r->count - r->nan; }

double float_ref_sum(const float_ref *r)
{
    if (r->pos_inf && r->neg_inf)
        return NAN;
    if (r->pos_inf || r->neg_inf)
        return r->pos_inf ? INFINITY : -INFINITY;
    if (counted(r) == 0)
        return 0.0;
    if (r->neg_zero == counted(r))
        return -0.0;
    return ref_round_quotient(&r->sum, 1);
}

double float_ref_mean(const float_ref *r)
{
    if (counted(r) == 0)
        return 0.0;
    if (r->pos_inf && r->neg_inf)
        return NAN;
    if (r->pos_inf || r->neg_inf)
        return r->pos_inf ? INFINITY : -INFINITY;
    if (r->neg_zero == counted(r))
        return -0.0;
    return ref_round_quotient(&r->sum, counted(r));
}

bool float_ref_words(const float_ref *r, uint64_t word[MAPSCAN_EXACT_SUM_WORDS])
{
    for (int w = 0; w < MAPSCAN_EXACT_SUM_WORDS; w++)
        word[w] = (uint64_t)r->sum.limb[2 * w] | (uint64_t)r->sum.limb[2 * w + 1] << 32;
    uint32_t fill = word[MAPSCAN_EXACT_SUM_WORDS - 1] >> 63 ? 0xffffffffu : 0;
    for (int i = 2 * MAPSCAN_EXACT_SUM_WORDS; i < REF_LIMBS; i++)
        if (r->sum.limb[i] != fill)
            return false;
    return true;
}

bool ref_same_double(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, sizeof a) == 0;
}

const char *float_ref_check(const float_ref *r, const mapscan_result *got)
{
    static char why[512];
    const mapscan_float_stats *f = &got->floats;
    if (got->stats.count != r->count) {
        snprintf(why, sizeof why, "count %llu, want %llu", (unsigned long long)got->stats.count,
                 (unsigned long long)r->count);
        return why;
    }
    const mapscan_int128 *ints[] = { &got->stats.min, &got->stats.max, &got->stats.sum };
    for (int i = 0; i < 3; i++)
        if (ints[i]->lo || ints[i]->hi) {
            snprintf(why, sizeof why, "integer statistic %d is not 0 for a float scan", i);
            return why;
        }
    if (f->nan != r->nan) {
        snprintf(why, sizeof why, "nan %llu, want %llu", (unsigned long long)f->nan, (unsigned long long)r->nan);
        return why;
    }
    uint64_t word[MAPSCAN_EXACT_SUM_WORDS];
    if (!float_ref_words(r, word)) {
        snprintf(why, sizeof why, "the reference's sum does not fit 34 words");
        return why;
    }
    for (int w = 0; w < MAPSCAN_EXACT_SUM_WORDS; w++)
        if (f->exact.word[w] != word[w]) {
            snprintf(why, sizeof why, "exact word %d 0x%016llx, want 0x%016llx", w,
                     (unsigned long long)f->exact.word[w], (unsigned long long)word[w]);
            return why;
        }
    if (f->exact.pos_inf != r->pos_inf || f->exact.neg_inf != r->neg_inf) {
        snprintf(why, sizeof why, "infinity flags +%d -%d, want +%d -%d", f->exact.pos_inf, f->exact.neg_inf,
                 r->pos_inf, r->neg_inf);
        return why;
    }
    const struct { const char *name; double have, want; } d[] = {
        { "min", f->min, r->count > r->nan ? r->min : 0.0 },
        { "max", f->max, r->count > r->nan ? r->max : 0.0 },
        { "sum", f->sum, float_ref_sum(r) },
        { "mean", f->mean, float_ref_mean(r) },
    };
    for (int i = 0; i < 4; i++)
        if (!ref_same_double(d[i].have, d[i].want)) {
            snprintf(why, sizeof why, "%s %a (%.17g), want %a (%.17g)", d[i].name, d[i].have, d[i].have, d[i].want,
                     d[i].want);
            return why;
        }
    return NULL;
}
