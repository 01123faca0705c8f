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

/* One character at a time through the library's rule, so that messages,
 * names and field spellings are written alike, without a buffer to size. */
static void put_escaped(FILE *out, const char *s, const char *also)
{
    while (*s) {
        uint32_t cp;
        size_t len = mapscan_utf8_sequence(s, &cp);
        char buf[18];
        mapscan_text_escape(buf, sizeof buf, s, len ? len : 1, also);
        fputs(buf, out);
        s += len ? len : 1;
    }
}

void cli_put_text(FILE *out, const char *s)
{
    put_escaped(out, s, "\\");
}

void cli_put_message(FILE *out, const char *s)
{
    put_escaped(out, s, NULL);
}

void cli_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        uint32_t cp;
        size_t len = mapscan_utf8_sequence((const char *)p, &cp);
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
