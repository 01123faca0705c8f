/* --files-from: a list of files, read whole, split in place. Shared by
 * mapscan and mapscan-mpi: mapscan reads and joins in one step; in
 * mapscan-mpi rank 0 reads (cli_list_read), the bytes go to every rank, and
 * every rank joins them alike (cli_files_join), so that each knows the same
 * files and the same error, which only rank 0 says (cli_silent). */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "--files-from NAME", the subject of every message about the list. */
static void list_error(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void list_error(const char *name, const char *fmt, ...)
{
    size_t len = strlen(name) + sizeof "--files-from ";
    char *what = malloc(len);
    char message[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (what)
        snprintf(what, len, "--files-from %s", name);
    cli_error(what ? what : "--files-from", "%s", message);
    free(what);
}

bool cli_list_read(const char *name, char **text, size_t *len)
{
    bool is_stdin = strcmp(name, "-") == 0;
    int fd = is_stdin ? STDIN_FILENO : open(name, O_RDONLY | O_CLOEXEC);
    size_t cap = 1 << 16, n = 0;
    char *buf = fd >= 0 ? malloc(cap) : NULL;
    int err = fd < 0 ? errno : buf ? 0 : ENOMEM;
    while (!err) {
        if (cap - n < 2) {      /* room for one more byte read and the final NUL */
            char *bigger = cap <= SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                err = ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno != EINTR)
                err = errno;
            continue;
        }
        n += (size_t)got;
    }
    if (fd >= 0 && !is_stdin)
        close(fd);
    if (err) {
        free(buf);
        list_error(name, "cannot read the list: %s", strerror(err));
        return false;
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return true;
}

/* The list's entries: their number, or 0 after a message (an empty entry,
 * a NUL byte inside a line, no entry at all). */
static size_t count_entries(const char *name, const char *text, size_t len, bool nul)
{
    char sep = nul ? '\0' : '\n';
    size_t n = 0;
    for (size_t start = 0; start < len;) {
        const char *end = memchr(text + start, sep, len - start);
        size_t stop = end ? (size_t)(end - text) : len;
        n++;
        if (stop == start) {
            if (nul)
                list_error(name, "entry %zu is empty (with -0, each path ends with a NUL byte)", n);
            else
                list_error(name, "line %zu is empty (one path a line)", n);
            return 0;
        }
        if (!nul && memchr(text + start, '\0', stop - start)) {
            list_error(name, "line %zu holds a NUL byte (a list of paths ended by NUL bytes needs -0)", n);
            return 0;
        }
        start = stop + 1;
    }
    if (n == 0)
        list_error(name, "no file in the list");
    return n;
}

int cli_files_join(char **given, size_t ngiven, const char *name, char *text, size_t len, bool nul,
                   cli_files *files)
{
    memset(files, 0, sizeof *files);
    files->text = text;
    size_t n = count_entries(name, text, len, nul);
    if (n == 0)
        return EXIT_USAGE;
    files->paths = malloc((ngiven + n) * sizeof *files->paths);
    if (!files->paths) {
        list_error(name, "out of memory for %zu paths", ngiven + n);
        return EXIT_RUNTIME;
    }
    for (size_t i = 0; i < ngiven; i++)
        files->paths[files->n++] = given[i];
    bool list_is_stdin = strcmp(name, "-") == 0;
    char sep = nul ? '\0' : '\n';
    for (size_t start = 0; start < len;) {
        char *end = memchr(text + start, sep, len - start);
        size_t stop = end ? (size_t)(end - text) : len;
        text[stop] = '\0';      /* text has a byte past len for the last entry's */
        files->paths[files->n++] = text + start;
        start = stop + 1;
    }
    for (size_t i = 0; list_is_stdin && i < files->n; i++)
        if (strcmp(files->paths[i], "-") == 0) {
            list_error(name, "standard input is the list: it cannot be a FILE too");
            return EXIT_USAGE;
        }
    return -1;
}

void cli_files_free(cli_files *files)
{
    free(files->paths);
    free(files->text);
    memset(files, 0, sizeof *files);
}

int cli_files_take(const scan_cli *cli, int argc, char **argv, cli_files *files)
{
    memset(files, 0, sizeof *files);
    size_t ngiven = optind < argc ? (size_t)(argc - optind) : 0;
    if (!cli->files_from) {
        files->paths = malloc((ngiven ? ngiven : 1) * sizeof *files->paths);
        if (!files->paths) {
            cli_error("scan", "out of memory");
            return EXIT_RUNTIME;
        }
        for (size_t i = 0; i < ngiven; i++)
            files->paths[files->n++] = argv[optind + (int)i];
        return -1;
    }
    char *text;
    size_t len;
    if (!cli_list_read(cli->files_from, &text, &len))
        return EXIT_USAGE;
    int status = cli_files_join(argv + optind, ngiven, cli->files_from, text, len, cli->null_list, files);
    if (status >= 0)
        cli_files_free(files);
    return status;
}
