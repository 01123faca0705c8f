/*
 * The extra statistics the slow, obvious way (see extra_reference.h).
 *
 * Exact sums: each counted value is an integer number of units (1 for the
 * integer types, 2^-1074 for the float types); the positive and the
 * negative ones are added apart into big integers, and their squares into
 * a third, in units squared.
 *
 * Rounding: a ratio num / den * 2^scale goes to binary64 as in
 * float_reference.c, by search: from an approximation, one binary64 step
 * at a time until the exact value lies between the midpoints to its
 * neighbours, each comparison exact in integers (num * 2^(scale + 1075)
 * against den * (a + b) * 2^1074... with a and b in units of 2^-1074); on
 * a midpoint, the neighbour whose last bit is 0; 2^1024 counts as even, so
 * that past DBL_MAX and half its step the value is an infinity.
 *
 * Quantiles: the counted values sorted; q = m * 2^-k exactly, h = q (n - 1)
 * = floor + F / 2^k; the value lo + F (hi - lo) / 2^k as one exact ratio.
 * With an infinity at either rank, IEEE arithmetic on the formula, as the
 * definition says.
 *
 * Histograms: edges by numpy's linspace (step = (hi - lo) / bins, edge i =
 * i * step + lo, the last hi; i / bins * (hi - lo) + lo when the step is
 * 0), each value's bin the last whose edge is at most the value, compared
 * exactly (a 64-bit integer against the edge's floor).
 */
#include "extra_reference.h"
#include "float_reference.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 u128;
typedef __int128 i128;

/* ---- big non-negative integers ---- */

void xb_zero(xb *a) { memset(a, 0, sizeof *a); }

/* limbs in use */
static int xb_len(const xb *a)
{
    int n = XB_LIMBS;
    while (n > 0 && !a->d[n - 1])
        n--;
    return n;
}

bool xb_is_zero(const xb *a) { return xb_len(a) == 0; }

void xb_add_shifted(xb *a, u128 v, unsigned shift)
{
    if (!v)
        return;
    unsigned first = shift / 32, bit = shift % 32;
    uint32_t part[5];
    for (int i = 0; i < 4; i++)
        part[i] = (uint32_t)(v >> (32 * i));
    part[4] = 0;
    if (bit) {
        for (int i = 4; i > 0; i--)
            part[i] = part[i] << bit | part[i - 1] >> (32 - bit);
        part[0] <<= bit;
    }
    uint64_t carry = 0;
    for (unsigned i = first; i < XB_LIMBS; i++) {
        uint64_t t = (uint64_t)a->d[i] + (i - first < 5 ? part[i - first] : 0) + carry;
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
        if (i - first >= 4 && !carry)
            return;
    }
    if (carry)
        abort();    /* past the limbs: never in the tests */
}

void xb_add(xb *a, const xb *b)
{
    uint64_t carry = 0;
    int n = xb_len(b);
    for (int i = 0; i < XB_LIMBS && (i < n || carry); i++) {
        uint64_t t = (uint64_t)a->d[i] + b->d[i] + carry;
        a->d[i] = (uint32_t)t;
        carry = t >> 32;
    }
    if (carry)
        abort();
}

void xb_sub(xb *a, const xb *b)
{
    uint64_t borrow = 0;
    int n = xb_len(b);
    for (int i = 0; i < XB_LIMBS && (i < n || borrow); i++) {
        uint64_t sub = (uint64_t)b->d[i] + borrow;
        borrow = a->d[i] < sub;
        a->d[i] = (uint32_t)((uint64_t)a->d[i] + (borrow << 32) - sub);
    }
    if (borrow)
        abort();    /* b > a */
}

int xb_cmp(const xb *a, const xb *b)
{
    for (int i = XB_LIMBS - 1; i >= 0; i--)
        if (a->d[i] != b->d[i])
            return a->d[i] < b->d[i] ? -1 : 1;
    return 0;
}

void xb_mul(xb *out, const xb *a, const xb *b)
{
    xb_zero(out);
    int na = xb_len(a), nb = xb_len(b);
    if (na + nb > XB_LIMBS + 1)
        abort();
    for (int i = 0; i < na; i++) {
        uint64_t carry = 0;
        for (int j = 0; j < nb; j++) {
            uint64_t t = (uint64_t)a->d[i] * b->d[j] + out->d[i + j] + carry;
            out->d[i + j] = (uint32_t)t;
            carry = t >> 32;
        }
        for (int k = i + nb; carry; k++) {
            if (k >= XB_LIMBS)
                abort();
            uint64_t t = (uint64_t)out->d[k] + carry;
            out->d[k] = (uint32_t)t;
            carry = t >> 32;
        }
    }
}

void xb_shl(xb *a, unsigned bits)
{
    unsigned limbs = bits / 32, bit = bits % 32;
    int n = xb_len(a);
    if (n == 0)
        return;
    if ((unsigned)n + limbs + 1 > XB_LIMBS)
        abort();
    for (int i = n + (int)limbs; i >= 0; i--) {
        int from = i - (int)limbs;
        uint32_t hi = from >= 0 && from < XB_LIMBS ? a->d[from] : 0;
        uint32_t lo = from - 1 >= 0 ? a->d[from - 1] : 0;
        a->d[i] = bit ? hi << bit | lo >> (32 - bit) : hi;
    }
}

bool xb_words(const xb *a, uint64_t *word, size_t words)
{
    for (size_t w = 0; w < words; w++)
        word[w] = 2 * w + 1 < XB_LIMBS ? (uint64_t)a->d[2 * w] | (uint64_t)a->d[2 * w + 1] << 32 : 0;
    return (size_t)xb_len(a) <= 2 * words;
}

static int xb_top_bit(const xb *a)
{
    int n = xb_len(a);
    if (!n)
        return -1;
    return 32 * (n - 1) + 31 - __builtin_clz(a->d[n - 1]);
}

/* The top 64 bits of a (a != 0) and the power of two they stand at: a ~ head * 2^*at. */
static uint64_t xb_head(const xb *a, int *at)
{
    int top = xb_top_bit(a);
    uint64_t head = 0;
    for (int b = top; b > top - 64; b--)
        head = head << 1 | (b >= 0 ? (a->d[b / 32] >> (b % 32)) & 1 : 0);
    *at = top - 63;
    return head;
}

/* ---- rounding by search ---- */

/* x >= 0 (or +inf, as 2^1024) in units of 2^-1074 */
static void units_of(xb *out, double x)
{
    xb_zero(out);
    if (isinf(x)) {
        xb_add_shifted(out, 1, 1024 + 1074);
        return;
    }
    uint64_t bits;
    memcpy(&bits, &x, 8);
    uint64_t biased = bits >> 52, fraction = bits & (((uint64_t)1 << 52) - 1);
    if (biased == 0)
        xb_add_shifted(out, fraction, 0);
    else
        xb_add_shifted(out, fraction | (uint64_t)1 << 52, (unsigned)(biased - 1));
}

/* num / den * 2^scale against the midpoint of a and b (0 <= a < b) */
static int against_midpoint(const xb *num, const xb *den, int scale, double a, double b)
{
    xb ua, ub, left = *num, right;
    units_of(&ua, a);
    units_of(&ub, b);
    xb_add(&ua, &ub);
    xb_mul(&right, den, &ua);
    int s = scale + 1075;
    if (s >= 0)
        xb_shl(&left, (unsigned)s);
    else
        xb_shl(&right, (unsigned)-s);
    return xb_cmp(&left, &right);
}

static bool odd(double x)
{
    uint64_t bits;
    memcpy(&bits, &x, 8);
    return !isinf(x) && (bits & 1);
}

double xb_round(const xb *num, bool negative, const xb *den, int scale)
{
    if (xb_is_zero(den))
        abort();
    if (xb_is_zero(num))
        return 0.0;
    int en, ed;
    uint64_t hn = xb_head(num, &en), hd = xb_head(den, &ed);
    long e = (long)en - ed + scale;
    double r;
    if (e > 2000)
        r = DBL_MAX;
    else if (e < -2300)
        r = 0;
    else
        r = (double)ldexpl((long double)hn / (long double)hd, (int)e);
    if (isinf(r))
        r = DBL_MAX;
    long steps = 0;
    while (!isinf(r) && against_midpoint(num, den, scale, r, nextafter(r, INFINITY)) > 0) {
        r = nextafter(r, INFINITY);
        if (++steps > 1000000)
            abort();
    }
    while (r > 0 && against_midpoint(num, den, scale, nextafter(r, 0), r) < 0) {
        r = nextafter(r, 0);
        if (++steps > 1000000)
            abort();
    }
    if (!isinf(r) && odd(r) && against_midpoint(num, den, scale, r, nextafter(r, INFINITY)) == 0)
        r = nextafter(r, INFINITY);
    else if (r > 0 && odd(r) && against_midpoint(num, den, scale, nextafter(r, 0), r) == 0)
        r = nextafter(r, 0);
    return negative ? -r : r;
}

/* ---- signed big integers, for the few signed steps ---- */

typedef struct sxb {
    xb m;
    bool neg;
} sxb;

static void s_add(sxb *a, const xb *b, bool bneg)
{
    if (a->neg == bneg) {
        xb_add(&a->m, b);
    } else if (xb_cmp(&a->m, b) >= 0) {
        xb_sub(&a->m, b);
    } else {
        xb t = *b;
        xb_sub(&t, &a->m);
        a->m = t;
        a->neg = bneg;
    }
    if (xb_is_zero(&a->m))
        a->neg = false;
}

/* ---- elements ---- */

static bool is_float_type(mapscan_type t) { return t >= MAPSCAN_F16 && t <= MAPSCAN_F64; }

static size_t width_of(mapscan_type t)
{
    static const size_t w[] = { 1, 1, 2, 2, 4, 4, 8, 8, 2, 2, 4, 8 };
    return w[t];
}

xv xv_decode(const unsigned char *p, mapscan_type type, bool big_endian)
{
    xv v = { false, 0, 0 };
    if (is_float_type(type)) {
        v.is_float = true;
        v.d = ref_value_double(ref_decode(p, type, big_endian));
        return v;
    }
    size_t size = width_of(type);
    uint64_t raw = 0;
    for (size_t b = 0; b < size; b++)
        raw = raw << 8 | p[big_endian ? b : size - 1 - b];
    bool is_signed = type == MAPSCAN_I8 || type == MAPSCAN_I16 || type == MAPSCAN_I32 || type == MAPSCAN_I64;
    v.i = (i128)raw;
    if (is_signed && (raw >> (8 * size - 1)) & 1)
        v.i -= (i128)1 << (8 * size);
    return v;
}

bool xv_is_nan(const xv *v) { return v->is_float && isnan(v->d); }

int xv_cmp(const xv *a, const xv *b)
{
    if (!a->is_float)
        return a->i < b->i ? -1 : a->i > b->i;
    if (a->d < b->d)
        return -1;
    if (a->d > b->d)
        return 1;
    if (a->d == 0 && signbit(a->d) != signbit(b->d))
        return signbit(a->d) ? -1 : 1;
    return 0;
}

/* A finite value's magnitude in units: mantissa * 2^shift. */
static void magnitude_of(const xv *v, u128 *mantissa, unsigned *shift, bool *negative)
{
    if (!v->is_float) {
        *negative = v->i < 0;
        *mantissa = v->i < 0 ? (u128)0 - (u128)v->i : (u128)v->i;
        *shift = 0;
        return;
    }
    uint64_t bits;
    memcpy(&bits, &v->d, 8);
    *negative = bits >> 63;
    uint64_t biased = (bits >> 52) & 0x7ff, fraction = bits & (((uint64_t)1 << 52) - 1);
    *mantissa = biased ? fraction | (uint64_t)1 << 52 : fraction;
    *shift = biased ? (unsigned)(biased - 1) : 0;
}

static void units_signed(sxb *out, const xv *v)
{
    u128 m;
    unsigned shift;
    bool negative;
    magnitude_of(v, &m, &shift, &negative);
    xb_zero(&out->m);
    xb_add_shifted(&out->m, m, shift);
    out->neg = negative && m;
}

/* ---- histograms ---- */

double xr_edge(double lo, double hi, uint64_t bins, uint64_t i)
{
    if (i == bins)
        return hi;
    double delta = hi - lo;
    double step = delta / (double)bins;
    if (step == 0)
        return (double)i / (double)bins * delta + lo;
    return (double)i * step + lo;
}

/* -1, 0, 1 as v is below, at, above the edge e (not NaN), exactly */
static int against_edge(const xv *v, double e)
{
    if (v->is_float)
        return v->d < e ? -1 : v->d > e;
    if (e >= 0x1p126)
        return -1;
    if (e <= -0x1p126)
        return 1;
    double f = floor(e);
    i128 fi = (i128)f;
    if (v->i != fi)
        return v->i < fi ? -1 : 1;
    return e > f ? -1 : 0;
}

/* ---- the answers ---- */

static double value_double(const xv *v) { return v->is_float ? v->d : (double)v->i; }

static int sort_cmp(const void *a, const void *b) { return xv_cmp(a, b); }

/* units per value as a power of two */
static int unit_scale(const extra_want *w) { return is_float_type(w->type) ? -1074 : 0; }

static void variance(extra_want *w, const xb *pos, const xb *neg, const xb *squares)
{
    w->var = w->std = NAN;
    uint64_t n = w->counted;
    if (n <= w->ddof || w->inf)
        return;
    sxb s1 = { *pos, false };
    s_add(&s1, neg, true);
    xb square, num, count, den;
    xb_mul(&square, &s1.m, &s1.m);
    xb_zero(&count);
    xb_add_shifted(&count, n, 0);
    xb_mul(&num, squares, &count);
    if (xb_cmp(&num, &square) < 0)
        abort();    /* n * s2 >= s1^2 */
    xb_sub(&num, &square);
    xb_zero(&den);
    xb_add_shifted(&den, (u128)n * (n - w->ddof), 0);
    w->var = xb_round(&num, false, &den, 2 * unit_scale(w));
    w->std = sqrt(w->var);
}

/* The quantile q of n sorted values. */
static double quantile_of(const extra_want *w, const xv *sorted, uint64_t n, double q)
{
    uint64_t bits;
    memcpy(&bits, &q, 8);
    unsigned field = (unsigned)(bits >> 52) & 0x7ff;
    uint64_t m = (bits & (((uint64_t)1 << 52) - 1)) | (field ? (uint64_t)1 << 52 : 0);
    int k = field ? 1075 - (int)field : 1074;
    while (m && !(m & 1) && k > 0)
        m >>= 1, k--;
    u128 product = (u128)m * (n - 1), frac;
    uint64_t floor_h;
    if (k <= 0) {                   /* q = 1 */
        floor_h = (uint64_t)(product << -k);
        frac = 0;
    } else if (k >= 128) {
        floor_h = 0;
        frac = product;
    } else {
        floor_h = (uint64_t)(product >> k);
        frac = product & (((u128)1 << k) - 1);
    }
    const xv *lo = &sorted[floor_h], *hi = frac ? &sorted[floor_h + 1] : lo;
    if (lo->is_float && (isinf(lo->d) || isinf(hi->d))) {
        double h = q * (double)(n - 1), f = h - floor(h);
        return xv_cmp(lo, hi) == 0 || f == 0 ? lo->d : lo->d + f * (hi->d - lo->d);
    }
    sxb a, b;
    units_signed(&a, lo);
    xb one;
    xb_zero(&one);
    xb_add_shifted(&one, 1, 0);
    if (!frac)
        return xb_round(&a.m, a.neg, &one, unit_scale(w));
    units_signed(&b, hi);
    s_add(&b, &a.m, !a.neg);        /* hi - lo >= 0 */
    xb f, step;
    xb_zero(&f);
    xb_add_shifted(&f, frac, 0);
    xb_mul(&step, &b.m, &f);
    xb_shl(&a.m, (unsigned)k);
    s_add(&a, &step, false);
    return xb_round(&a.m, a.neg, &one, unit_scale(w) - k);
}

static void histogram(extra_want *w, const xv *values, uint64_t n, const xv *min, const xv *max)
{
    w->counts = calloc(w->bins ? w->bins : 1, sizeof *w->counts);
    if (!w->counts)
        abort();
    double lo = 0, hi = 1;
    if (w->ranged) {
        lo = w->range_lo, hi = w->range_hi;
    } else if (n) {
        lo = value_double(min), hi = value_double(max);
        if (!isfinite(lo) || !isfinite(hi)) {
            w->histogram_refused = true;
            return;
        }
        if (lo == hi)
            lo -= 0.5, hi += 0.5;
    }
    double *edge = malloc((w->bins + 1) * sizeof *edge);
    if (!edge)
        abort();
    bool monotone = true;
    for (uint64_t i = 0; i <= w->bins; i++) {
        edge[i] = xr_edge(lo, hi, w->bins, i);
        monotone &= i == 0 || edge[i] >= edge[i - 1];
    }
    w->lo = edge[0];
    w->hi = edge[w->bins];
    for (uint64_t j = 0; j < n; j++) {
        const xv *v = &values[j];
        uint64_t bin;
        if (against_edge(v, edge[0]) < 0) {
            if (w->ranged) {
                w->below++;
                continue;
            }
            bin = 0;
        } else if (against_edge(v, edge[w->bins]) > 0) {
            if (w->ranged) {
                w->above++;
                continue;
            }
            bin = w->bins - 1;
        } else if (monotone) {
            /* the last bin whose lower edge is at most v */
            uint64_t a = 0, b = w->bins - 1;
            while (a < b) {
                uint64_t mid = a + (b - a + 1) / 2;
                if (against_edge(v, edge[mid]) >= 0)
                    a = mid;
                else
                    b = mid - 1;
            }
            bin = a;
        } else {
            bin = 0;
            for (uint64_t i = 1; i < w->bins; i++)
                if (against_edge(v, edge[i]) >= 0)
                    bin = i;
        }
        w->counts[bin]++;
    }
    free(edge);
}

void extra_want_compute(extra_want *w, const unsigned char *p, size_t n, size_t stride)
{
    w->count = n;
    w->counted = 0;
    w->inf = false;
    w->argmin = w->argmax = 0;
    w->histogram_refused = false;
    w->counts = NULL;
    w->below = w->above = 0;
    w->lo = w->hi = 0;
    bool keep = w->nq || w->bins;     /* the values themselves: only for quantiles and histograms */
    xv *values = malloc((keep && n ? n : 1) * sizeof *values);
    xb *pos = malloc(sizeof *pos), *neg = malloc(sizeof *neg), *squares = malloc(sizeof *squares);
    if (!values || !pos || !neg || !squares)
        abort();
    xb_zero(pos), xb_zero(neg), xb_zero(squares);
    xv min = { 0 }, max = { 0 };
    for (size_t i = 0; i < n; i++) {
        xv v = xv_decode(p + i * stride, w->type, w->big);
        if (xv_is_nan(&v))
            continue;
        if (w->counted == 0 || xv_cmp(&v, &min) < 0)
            min = v, w->argmin = i;
        if (w->counted == 0 || xv_cmp(&v, &max) > 0)
            max = v, w->argmax = i;
        if (keep)
            values[w->counted] = v;
        w->counted++;
        if (v.is_float && isinf(v.d)) {
            w->inf = true;
            continue;
        }
        u128 m;
        unsigned shift;
        bool negative;
        magnitude_of(&v, &m, &shift, &negative);
        xb_add_shifted(negative ? neg : pos, m, shift);
        /* m < 2^64: its square fits 128 bits */
        xb_add_shifted(squares, m * m, 2 * shift);
    }
    if (!xb_words(squares, w->squares, MAPSCAN_SQUARE_SUM_WORDS))
        abort();
    variance(w, pos, neg, squares);
    if (w->bins)
        histogram(w, values, w->counted, &min, &max);
    if (w->nq) {
        qsort(values, w->counted, sizeof *values, sort_cmp);
        for (size_t i = 0; i < w->nq; i++)
            w->quantile[i] = w->counted ? quantile_of(w, values, w->counted, w->q[i]) : NAN;
    }
    free(values), free(pos), free(neg), free(squares);
}

void extra_want_free(extra_want *w)
{
    free(w->counts);
    w->counts = NULL;
}

static bool same(double a, double b)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    return memcmp(&a, &b, 8) == 0;
}

#define DIFFER(...) (snprintf(why, sizeof why, __VA_ARGS__), why)

const char *extra_want_check(const extra_want *w, const mapscan_result *r)
{
    static char why[512];
    const mapscan_extra_stats *x = &r->extra;
    if (x->computed != (w->stats & MAPSCAN_STAT_ALL))
        return DIFFER("computed 0x%x, want 0x%x", x->computed, w->stats & MAPSCAN_STAT_ALL);
    if (w->stats & MAPSCAN_STAT_VAR) {
        if (x->ddof != w->ddof)
            return DIFFER("ddof %llu, want %llu", (unsigned long long)x->ddof, (unsigned long long)w->ddof);
        for (int i = 0; i < MAPSCAN_SQUARE_SUM_WORDS; i++)
            if (x->squares.word[i] != w->squares[i])
                return DIFFER("squares word %d 0x%016llx, want 0x%016llx", i,
                              (unsigned long long)x->squares.word[i], (unsigned long long)w->squares[i]);
        if (x->squares.inf != w->inf)
            return DIFFER("squares.inf %d, want %d", x->squares.inf, w->inf);
        if (!same(x->var, w->var))
            return DIFFER("var %a (%.17g), want %a (%.17g)", x->var, x->var, w->var, w->var);
        if (!same(x->std, w->std))
            return DIFFER("std %a (%.17g), want %a (%.17g)", x->std, x->std, w->std, w->std);
    }
    if ((w->stats & MAPSCAN_STAT_ARGMIN) && x->argmin != w->argmin)
        return DIFFER("argmin %llu, want %llu", (unsigned long long)x->argmin, (unsigned long long)w->argmin);
    if ((w->stats & MAPSCAN_STAT_ARGMAX) && x->argmax != w->argmax)
        return DIFFER("argmax %llu, want %llu", (unsigned long long)x->argmax, (unsigned long long)w->argmax);
    if (x->nquantiles != w->nq)
        return DIFFER("%zu quantiles, want %zu", x->nquantiles, w->nq);
    for (size_t i = 0; i < w->nq; i++) {
        if (!same(x->q[i], w->q[i]))
            return DIFFER("q[%zu] %a, want %a", i, x->q[i], w->q[i]);
        if (!same(x->quantile[i], w->quantile[i]))
            return DIFFER("quantile %zu (q %a = %.17g of %llu values) %a (%.17g), want %a (%.17g)", i, w->q[i],
                          w->q[i], (unsigned long long)w->counted, x->quantile[i], x->quantile[i], w->quantile[i],
                          w->quantile[i]);
    }
    if (x->bins != w->bins)
        return DIFFER("%llu bins, want %llu", (unsigned long long)x->bins, (unsigned long long)w->bins);
    if (w->bins) {
        if (x->ranged != w->ranged)
            return DIFFER("ranged %d, want %d", x->ranged, w->ranged);
        if (!same(x->lo, w->lo) || !same(x->hi, w->hi))
            return DIFFER("histogram from %a to %a, want %a to %a", x->lo, x->hi, w->lo, w->hi);
        if (!x->counts)
            return DIFFER("no counts");
        for (uint64_t i = 0; i < w->bins; i++)
            if (x->counts[i] != w->counts[i])
                return DIFFER("bin %llu of %llu (from %a to %a): %llu, want %llu", (unsigned long long)i,
                              (unsigned long long)w->bins, xr_edge(w->lo, w->hi, w->bins, i),
                              xr_edge(w->lo, w->hi, w->bins, i + 1), (unsigned long long)x->counts[i],
                              (unsigned long long)w->counts[i]);
        if (x->below != w->below || x->above != w->above)
            return DIFFER("below %llu above %llu, want %llu and %llu", (unsigned long long)x->below,
                          (unsigned long long)x->above, (unsigned long long)w->below, (unsigned long long)w->above);
    }
    return NULL;
}

void extra_want_options(const extra_want *w, mapscan_options *o)
{
    o->type = w->type;
    o->endian = w->big ? MAPSCAN_BIG : MAPSCAN_LITTLE;
    o->stats = w->stats;
    o->ddof = w->ddof;
    o->nquantiles = w->nq;
    o->quantiles = w->nq ? w->q : NULL;
    o->histogram_bins = w->bins;
    o->histogram_range = w->ranged;
    o->range_lo = w->range_lo;
    o->range_hi = w->range_hi;
}
