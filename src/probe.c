/* Stage 1, probe the input: open it, stat it, tell a regular file from a
 * stream (pipes, devices, files whose size is not their content), and
 * afterwards tell whether it changed under the scan. */
#include "stages.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

/* Any write to the file changes its ctime, even one whose mtime was put
 * back afterwards (touch -r, rsync -t, cp -p); a replaced file has another
 * inode. */
bool ms_probe_same_state(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
           a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* File systems whose st_size is not the content: procfs reports 0 for most
 * files, sysfs 4096 whatever they hold. Their files are read to the end, as
 * cat does. */
bool ms_probe_pseudo_fs(int fd)
{
    struct statfs fs;
    if (fstatfs(fd, &fs) != 0)
        return false;
    switch ((unsigned long)fs.f_type) {
    case PROC_SUPER_MAGIC: case SYSFS_MAGIC: case DEBUGFS_MAGIC: case TRACEFS_MAGIC:
    case SECURITYFS_MAGIC: case CGROUP_SUPER_MAGIC: case CGROUP2_SUPER_MAGIC: case BPF_FS_MAGIC:
    case EFIVARFS_MAGIC: case PSTOREFS_MAGIC:
        return true;
    default:
        return false;
    }
}

/* The input's state before anything is read; a directory is refused. */
mapscan_status ms_probe_stat(int fd, struct stat *st, mapscan_error *error)
{
    if (fstat(fd, st) != 0)
        return ms_fail(error, errno == EBADF ? MAPSCAN_E_OPEN : MAPSCAN_E_IO, errno, "cannot stat: %s",
                       strerror(errno));
    if (S_ISDIR(st->st_mode))
        return ms_fail(error, MAPSCAN_E_OPEN, EISDIR, "is a directory");
    return MAPSCAN_OK;
}

/* Opened without blocking, so that a FIFO with no writer is seen as a FIFO
 * first: refused at once for mmap, waited on only when it will be read. */
int ms_probe_open(const char *path, mapscan_backend backend, int *open_errno)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    struct stat st;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode) && backend != MAPSCAN_BACKEND_MMAP) {
        close(fd);
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } else if (fd >= 0) {
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0)
            fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    }
    *open_errno = errno;
    return fd;
}

