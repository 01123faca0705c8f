/* Text as the library writes it into messages and field names: UTF-8, with
 * what a terminal or a log would misread escaped as README's text rule
 * says (\t \n \r, \xHH for each byte of another control character, DEL, a
 * C1 control, or a byte that is not part of valid UTF-8). Backslashes are
 * left as they are: messages are prose, not a format to decode. */
#include "common.h"

#include <string.h>

size_t mapscan_utf8_sequence(const char *s, uint32_t *code_point)
{
    const unsigned char *p = (const unsigned char *)s;
    if (p[0] < 0x80) {
        *code_point = p[0];
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if ((p[0] & 0xe0) == 0xc0) {
        len = 2, v = p[0] & 0x1f, min = 0x80;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3, v = p[0] & 0x0f, min = 0x800;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4, v = p[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)      /* also stops at the terminating NUL */
            return 0;
        v = (v << 6) | (p[i] & 0x3f);
    }
    if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *code_point = v;
    return len;
}

/* The escape for the code point of a len-byte sequence at p ("" when it
 * stands as it is); for \xHH, one per byte. */
static size_t escape_of(const unsigned char *p, size_t len, uint32_t cp, const char *also, char out[static 17])
{
    static const char hex[] = "0123456789abcdef";
    if (also && cp && cp < 0x80 && strchr(also, (int)cp)) {
        out[0] = '\\';
        out[1] = (char)cp;
        return 2;
    }
    if (cp == '\t' || cp == '\n' || cp == '\r') {
        out[0] = '\\';
        out[1] = cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r';
        return 2;
    }
    if (len && cp >= 0x20 && !(cp >= 0x7f && cp <= 0x9f))
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < (len ? len : 1); i++) {
        out[n++] = '\\';
        out[n++] = 'x';
        out[n++] = hex[p[i] >> 4];
        out[n++] = hex[p[i] & 15];
    }
    return n;
}

size_t mapscan_text_escape(char *out, size_t room, const char *in, size_t in_len, const char *also)
{
    const unsigned char *p = (const unsigned char *)in, *end = p + in_len;
    size_t n = 0;
    while (p < end) {
        uint32_t cp = 0;
        size_t len = *p ? mapscan_utf8_sequence((const char *)p, &cp) : 1;
        if (len > (size_t)(end - p))
            len = 0;
        char esc[17];
        size_t esc_len = escape_of(p, len, cp, also, esc);
        const char *put = esc_len ? esc : (const char *)p;
        size_t put_len = esc_len ? esc_len : len;
        if (n + put_len + 1 > room)     /* never cut an escape or a character in two */
            break;
        memcpy(out + n, put, put_len);
        n += put_len;
        p += len ? len : 1;
    }
    if (room)
        out[n] = '\0';
    return n;
}
