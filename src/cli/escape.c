/*
 * How names (any bytes but NUL) are written in each output format, so that
 * every record stays one line and every byte can be told back:
 *  - text (the table, -q, messages, the progress bar): valid UTF-8 as it
 *    is, except a backslash (\\), tab, newline and carriage return (\t \n
 *    \r), every other control character, DEL and C1 control (\xHH for each
 *    byte), and each byte that is not part of valid UTF-8 (\xHH);
 *  - JSON: valid UTF-8 as it is, with '"', '\' and control characters
 *    escaped as JSON requires; a byte that is not part of valid UTF-8
 *    becomes \udcHH (Python's surrogateescape: os.fsencode() of the decoded
 *    string gives the original bytes back);
 *  - CSV: RFC 4180, a field holding a comma, a quote, CR or LF is quoted,
 *    with quotes doubled.
 */
#include "cli.h"

#include <stdint.h>
#include <string.h>

/* Length of the valid UTF-8 sequence at p (1 to 4), or 0 when the byte at
 * p does not start one: overlong forms, surrogates and values past
 * U+10FFFF are not valid. *cp gets the code point. */
static size_t utf8_sequence(const unsigned char *p, uint32_t *cp)
{
    if (p[0] < 0x80) {
        *cp = p[0];
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
    *cp = v;
    return len;
}

static void put_hex_bytes(FILE *out, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(out, "\\x%02x", p[i]);
}

void cli_put_text(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_sequence(p, &cp);
        if (len == 0) {
            put_hex_bytes(out, p, 1);
            p++;
            continue;
        }
        if (cp == '\\')
            fputs("\\\\", out);
        else if (cp == '\t')
            fputs("\\t", out);
        else if (cp == '\n')
            fputs("\\n", out);
        else if (cp == '\r')
            fputs("\\r", out);
        else if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
            put_hex_bytes(out, p, len);
        else
            fwrite(p, 1, len, out);
        p += len;
    }
}

void cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t len = utf8_sequence(p, &cp);
        if (len == 0)
            fprintf(out, "\\udc%02x", *p);
        else if (cp == '"' || cp == '\\')
            fprintf(out, "\\%c", (int)cp);
        else if (cp < 0x20)
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fwrite(p, 1, len, out);
        p += len ? len : 1;
    }
    fputc('"', out);
}

void cli_csv_field(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}
