/* What O_DIRECT needs of a file's offsets, lengths and buffers, from
 * statx(STATX_DIOALIGN) where the kernel reports it (Linux 6.1). glibc
 * 2.36 has neither the flag nor the fields, so the kernel's own header and
 * the raw system call are used, in a file of their own: <linux/stat.h>
 * and glibc's <sys/stat.h> both define struct statx. */
#include <errno.h>
#include <linux/stat.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define MS_AT_EMPTY_PATH 0x1000     /* <fcntl.h> would bring glibc's struct statx */

int ms_dio_alignment(int fd, uint32_t *offset_align, uint32_t *memory_align);

/* 1 when the kernel said (*offset_align 0: no direct I/O on this file), 0
 * when it could not say, -errno on failure. */
int ms_dio_alignment(int fd, uint32_t *offset_align, uint32_t *memory_align)
{
#ifdef STATX_DIOALIGN
    struct statx stx = { 0 };
    if (syscall(SYS_statx, fd, "", MS_AT_EMPTY_PATH, STATX_DIOALIGN, &stx) != 0)
        return errno == ENOSYS || errno == EINVAL ? 0 : -errno;
    if (!(stx.stx_mask & STATX_DIOALIGN))
        return 0;
    *offset_align = stx.stx_dio_offset_align;
    *memory_align = stx.stx_dio_mem_align;
    return 1;
#else
    (void)fd;
    (void)offset_align;
    (void)memory_align;
    return 0;
#endif
}
