/*
 * Field names as --field (and Python's field=) spells them. A nested field
 * is its path joined by dots, so a dot inside a name must be told apart:
 * each name in the path is written with a backslash before a dot or a
 * backslash, and control bytes and bytes that are not UTF-8 as README's
 * text rule writes them (\t \n \r \xHH). That spelling is what messages
 * list and what mapscan_npy_field.name holds.
 *
 * A name given without any backslash is matched against the plain path
 * (names joined by dots, nothing escaped), the way people type it: 'a.b'
 * finds a field 'b' inside 'a' or a top-level field named 'a.b'. When it
 * could mean both, the lookup says so instead of choosing. A name with a
 * backslash anywhere is exact: it is decoded (a backslash before any other
 * character stands for that character, as in a shell) and compared by
 * spelling, so '\a.b' is 'b' inside 'a' and 'a\.b' the field named 'a.b'.
 */
#include "parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ms_npy_spell(const char *name, size_t len)
{
    size_t room = 4 * len + 1;          /* \xHH is the longest escape of a byte */
    char *out = malloc(room);
    if (out)
        mapscan_text_escape(out, room, name, len, "\\.");
    return out;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                                                          : -1;
}

/* The escape at s (just past a backslash) into *byte; its length (0 at
 * the end of the name: a last backslash stands for itself). */
static size_t unescape(const char *s, char *byte)
{
    switch (s[0]) {
    case '\0': return 0;
    case 't': *byte = '\t'; return 1;
    case 'n': *byte = '\n'; return 1;
    case 'r': *byte = '\r'; return 1;
    case 'x':
        if (hex_value(s[1]) >= 0 && hex_value(s[2]) >= 0) {
            *byte = (char)(hex_value(s[1]) << 4 | hex_value(s[2]));
            return 3;
        }
        *byte = 'x';
        return 1;
    default:
        *byte = s[0];
        return 1;
    }
}

/* The spelling s with every escape undone and the dots between names
 * kept: the plain path, *len bytes (NULs possible). */
static char *plain_path(const char *s, size_t *len)
{
    char *out = malloc(strlen(s) + 1);
    size_t n = 0;
    if (!out)
        return NULL;
    while (*s) {
        size_t used = *s == '\\' ? unescape(s + 1, &out[n]) : 0;
        if (used) {
            s += 1 + used;
            n++;
        } else {
            out[n++] = *s++;
        }
    }
    out[n] = '\0';
    *len = n;
    return out;
}

/* A name as typed with escapes, brought to the one spelling a field has:
 * each name of the path decoded, then spelled again. */
static char *canonical(const char *s)
{
    size_t room = 4 * strlen(s) + 1;
    char *out = malloc(room), *name = malloc(strlen(s) + 1);
    size_t n = 0, used = 0;
    if (!out || !name) {
        free(out);
        free(name);
        return NULL;
    }
    for (;; s++) {
        size_t taken = *s == '\\' ? unescape(s + 1, &name[n]) : 0;
        if (taken) {
            n++;
            s += taken;
            continue;
        }
        if (*s != '.' && *s != '\0') {
            name[n++] = *s;
            continue;
        }
        name[n] = '\0';
        used += mapscan_text_escape(out + used, room - used, name, n, "\\.");
        n = 0;
        if (*s == '\0')
            break;
        out[used++] = '.';
    }
    free(name);
    return out;
}

void ms_npy_lookup(const mapscan_npy_header *h, const char *name, const mapscan_npy_field **found,
                   const mapscan_npy_field **second, size_t *others)
{
    *found = *second = NULL;
    *others = 0;
    bool escaped = strchr(name, '\\') != NULL;
    char *want = escaped ? canonical(name) : NULL;
    size_t name_len = strlen(name);
    if (escaped && !want)
        return;
    for (size_t i = 0; i < h->nfields; i++) {
        const mapscan_npy_field *f = &h->fields[i];
        bool match;
        if (escaped) {
            match = strcmp(f->name, want) == 0;
        } else {
            size_t len = 0;
            char *plain = plain_path(f->name, &len);
            match = plain && len == name_len && memcmp(plain, name, len) == 0;
            free(plain);
        }
        if (!match)
            continue;
        if (!*found)
            *found = f;
        else if (!(*others)++)
            *second = f;
    }
    free(want);
}

char *ms_npy_exact_spelling(const char *spelled)
{
    char *out = malloc(strlen(spelled) + 5);
    if (!out)
        return NULL;
    if (strchr(spelled, '\\') || !spelled[0])
        return strcpy(out, spelled);
    if (strchr("tnrx", spelled[0]))         /* escapes of their own: the byte in hex */
        snprintf(out, strlen(spelled) + 5, "\\x%02x%s", (unsigned char)spelled[0], spelled + 1);
    else
        snprintf(out, strlen(spelled) + 5, "\\%s", spelled);
    return out;
}
