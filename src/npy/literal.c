/*
 * The Python literals of a .npy header, read as numpy reads them: numpy
 * decodes the dict's bytes (latin-1 in versions 1.0 and 2.0, UTF-8 in 3.0)
 * and hands the text to ast.literal_eval. Its field names are written with
 * repr(), so a name may hold any escape Python's repr() makes (\t, \x00,
 * \u20ac, \U0001f600, \\, \') and, as themselves, the printable characters
 * the header's encoding can hold (é is the byte 0xE9 in a 1.0 header, C3 A9
 * in a 3.0 one). Strings are decoded to UTF-8, so that a name compares
 * equal to what a UTF-8 command line or Python passes.
 *
 * Forms numpy never writes (bytes and raw strings, triple quotes, hex or
 * underscored integers) are refused by name rather than half-read.
 */
#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t ms_npy_utf8_at(const char *p, const char *end, uint32_t *cp)
{
    char copy[5] = { 0 };
    size_t left = (size_t)(end - p);
    memcpy(copy, p, left < 4 ? left : 4);
    size_t len = mapscan_utf8_sequence(copy, cp);
    return len <= left ? len : 0;
}

bool ms_npy_fail(ms_npy_text *t, const char *what)
{
    if (!t->failed)
        ms_fail(t->error, MAPSCAN_E_FORMAT, 0, ".npy header: %s at byte %zu of the dict", what,
                (size_t)(t->p - t->start));
    t->failed = true;
    return false;
}

void ms_npy_skip_space(ms_npy_text *t)
{
    while (t->p < t->end && (*t->p == ' ' || *t->p == '\t' || *t->p == '\n' || *t->p == '\r'))
        t->p++;
}

bool ms_npy_take(ms_npy_text *t, char c)
{
    ms_npy_skip_space(t);
    if (t->p < t->end && *t->p == c) {
        t->p++;
        return true;
    }
    return false;
}

bool ms_npy_peek(ms_npy_text *t, char c)
{
    ms_npy_skip_space(t);
    return t->p < t->end && *t->p == c;
}

static bool is_quote(char c)
{
    return c == '\'' || c == '"';
}

bool ms_npy_at_string(ms_npy_text *t)
{
    ms_npy_skip_space(t);
    const char *p = t->p;
    if (p < t->end && (*p == 'u' || *p == 'U'))
        p++;
    return p < t->end && is_quote(*p);
}

static size_t put_utf8(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | cp >> 6);
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {     /* surrogates too, as Python's surrogatepass writes them */
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* digits hex digits at p (exactly), into *cp. */
static bool take_hex(const char *p, const char *end, int digits, uint32_t *cp)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        if (p + i >= end || !isxdigit((unsigned char)p[i]))
            return false;
        int c = tolower((unsigned char)p[i]);
        v = v << 4 | (uint32_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
    }
    *cp = v;
    return true;
}

/* The escape after a backslash at t->p; *cp gets its code point, or
 * *none is set for a backslash-newline (nothing) and *keep for an escape
 * Python leaves as written (the backslash stays). */
static bool take_escape(ms_npy_text *t, uint32_t *cp, bool *none, bool *keep)
{
    static const char simple[] = "\\'\"abfnrtv";
    static const char value[] = "\\'\"\a\b\f\n\r\t\v";
    *none = *keep = false;
    char c = *t->p;
    const char *hit = strchr(simple, c);
    if (c && hit) {
        *cp = (unsigned char)value[hit - simple];
        t->p++;
        return true;
    }
    if (c == '\n') {
        *none = true;
        t->p++;
        return true;
    }
    if (c >= '0' && c <= '7') {         /* up to three octal digits */
        uint32_t v = 0;
        for (int i = 0; i < 3 && t->p < t->end && *t->p >= '0' && *t->p <= '7'; i++)
            v = v * 8 + (uint32_t)(*t->p++ - '0');
        *cp = v;
        return true;
    }
    int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0;
    if (digits) {
        if (!take_hex(t->p + 1, t->end, digits, cp))
            return ms_npy_fail(t, "a truncated \\x, \\u or \\U escape");
        if (*cp > 0x10ffff)
            return ms_npy_fail(t, "a \\U escape past U+10FFFF");
        t->p += 1 + digits;
        return true;
    }
    if (c == 'N')
        return ms_npy_fail(t, "a \\N{...} escape (numpy never writes one)");
    *keep = true;                        /* '\q' is a backslash and a q */
    return true;
}

/* One character of the literal's body at t->p into out: a byte of the
 * header's encoding, or an escape. */
static bool take_char(ms_npy_text *t, char *out, size_t *n)
{
    unsigned char c = (unsigned char)*t->p;
    if (c == '\\') {
        t->p++;
        if (t->p >= t->end)
            return ms_npy_fail(t, "an unterminated string");
        uint32_t cp = 0;
        bool none, keep;
        if (!take_escape(t, &cp, &none, &keep))
            return false;
        if (keep)
            out[(*n)++] = '\\';
        else if (!none)
            *n += put_utf8(out + *n, cp);
        return true;
    }
    if (c == '\n' || c == '\r')
        return ms_npy_fail(t, "a line break inside a string");
    if (c == '\0')
        return ms_npy_fail(t, "a NUL byte");
    if (c < 0x80 || t->major < 3) {     /* latin-1: the byte is the code point */
        *n += put_utf8(out + *n, c);
        t->p++;
        return true;
    }
    uint32_t cp;
    size_t len = ms_npy_utf8_at(t->p, t->end, &cp);
    if (len == 0)
        return ms_npy_fail(t, "a byte that is not UTF-8 (a version 3.0 header is UTF-8)");
    memcpy(out + *n, t->p, len);
    *n += len;
    t->p += len;
    return true;
}

bool ms_npy_string(ms_npy_text *t, char **out, size_t *len)
{
    *out = NULL;
    ms_npy_skip_space(t);
    if (t->p < t->end && strchr("bBrRfF", *t->p) && *t->p)
        return ms_npy_fail(t, "a bytes, raw or formatted string (numpy writes plain strings)");
    if (t->p < t->end && (*t->p == 'u' || *t->p == 'U'))
        t->p++;
    if (t->p >= t->end || !is_quote(*t->p))
        return ms_npy_fail(t, "a string expected");
    char quote = *t->p;
    if (t->end - t->p >= 3 && t->p[1] == quote && t->p[2] == quote)
        return ms_npy_fail(t, "a triple-quoted string (numpy never writes one)");
    t->p++;
    /* Each byte of the body gives at most 2 bytes of UTF-8 (a latin-1
     * byte; \xHH and octal escapes give at most 2 from 4 bytes, \u and \U
     * at most 4 from 6 and 10). */
    char *buf = malloc(2 * (size_t)(t->end - t->p) + 1);
    if (!buf)
        return ms_npy_fail(t, "out of memory");
    size_t n = 0;
    while (t->p < t->end && *t->p != quote)
        if (!take_char(t, buf, &n)) {
            free(buf);
            return false;
        }
    if (t->p >= t->end) {
        free(buf);
        return ms_npy_fail(t, "an unterminated string");
    }
    t->p++;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return true;
}

bool ms_npy_uint(ms_npy_text *t, uint64_t *v)
{
    ms_npy_skip_space(t);
    if (t->p < t->end && *t->p == '-')
        return ms_npy_fail(t, "a negative dimension");
    if (t->p >= t->end || !isdigit((unsigned char)*t->p))
        return ms_npy_fail(t, "a whole number expected");
    const char *first = t->p;
    uint64_t x = 0;
    for (; t->p < t->end && isdigit((unsigned char)*t->p); t->p++) {
        unsigned d = (unsigned)(*t->p - '0');
        if (x > (UINT64_MAX - d) / 10)
            return ms_npy_fail(t, "a number too large");
        x = x * 10 + d;
    }
    if (*first == '0' && x != 0)
        return ms_npy_fail(t, "a number with a leading zero (Python refuses it)");
    if (t->p < t->end && (*t->p == 'L' || *t->p == 'l') && t->major < 3)   /* Python 2's long */
        t->p++;
    else if (t->p < t->end && (isalnum((unsigned char)*t->p) || *t->p == '_' || *t->p == '.'))
        return ms_npy_fail(t, "a number in a form numpy never writes (only decimal whole numbers)");
    *v = x;
    return true;
}
