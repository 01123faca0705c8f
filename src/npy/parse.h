/* The pieces of numpy's header text that npy.c builds a header from:
 * Python literals (npy_literal.c), type strings (npy_dtype.c) and field
 * names as --field spells them (npy_name.c). */
#ifndef MAPSCAN_NPY_PARSE_H
#define MAPSCAN_NPY_PARSE_H

#include "npy.h"

/* The dict's text: latin-1 in versions 1.0 and 2.0, UTF-8 in 3.0, as
 * numpy decodes it. */
typedef struct ms_npy_text {
    const char *start, *p, *end;
    unsigned major;
    mapscan_error *error;
    bool failed;            /* the first failure's message is kept */
} ms_npy_text;

/* The valid UTF-8 sequence at p that ends by end (mapscan_utf8_sequence,
 * never reading past end). */
size_t ms_npy_utf8_at(const char *p, const char *end, uint32_t *cp);
/* Records "<what> at byte N of the dict" (the first time only); false. */
bool ms_npy_fail(ms_npy_text *t, const char *what);
void ms_npy_skip_space(ms_npy_text *t);
/* Takes c after white space; false (and no failure) when it is not next. */
bool ms_npy_take(ms_npy_text *t, char c);
bool ms_npy_peek(ms_npy_text *t, char c);
/* Whether a string literal comes next (a quote, or u/U and a quote). */
bool ms_npy_at_string(ms_npy_text *t);

/* A Python string literal, decoded as Python decodes it, into a malloc'd
 * UTF-8 buffer (*out, *len bytes, NUL after them; NULs inside are
 * possible: '\x00'). Lone surrogates ('\ud800') are kept as their 3-byte
 * form. */
bool ms_npy_string(ms_npy_text *t, char **out, size_t *len);
/* A non-negative Python integer literal as numpy writes them (decimal; the
 * 'L' of Python 2 in versions 1.0 and 2.0); other spellings are refused by
 * name. */
bool ms_npy_uint(ms_npy_text *t, uint64_t *v);

/* ---- npy_dtype.c ---- */

typedef struct ms_npy_dtype {
    uint64_t size;          /* bytes */
    char kind;              /* numpy's kind: b i u f c S U V M m */
    bool is_integer;        /* i1..u8 */
    mapscan_type type;      /* i1..u8, f2 f4 f8; else MAPSCAN_TYPE_COUNT */
    mapscan_endian endian;
} ms_npy_dtype;

/* A type string as numpy.dtype() reads it ('<i4', 'b', 'int32', '|V7',
 * '<M8[ns]', 'float64'); on failure *why says what is wrong with it. */
bool ms_npy_dtype_parse(const char *s, ms_npy_dtype *d, const char **why);

/* ---- npy_name.c ---- */

/* One field name (len bytes of UTF-8, NULs possible) as --field spells
 * it: a dot, a backslash and control bytes escaped (\. \\ \t \n \r \xHH).
 * The result is malloc'd; NULL without memory. */
char *ms_npy_spell(const char *name, size_t len);

#endif
