/* How much memory this process may fill: MemAvailable, or its memory
 * cgroup's limit when that is lower (v1 or v2). */
#include "sys.h"

#include <stdio.h>
#include <string.h>

static uint64_t read_number(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return UINT64_MAX;
    unsigned long long v;
    int ok = fscanf(f, "%llu", &v) == 1;
    fclose(f);
    return ok ? (uint64_t)v : UINT64_MAX;    /* "max" (v2, no limit) fails to parse */
}

static uint64_t mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f)
        return UINT64_MAX;
    char line[256];
    unsigned long long kib;
    uint64_t bytes = UINT64_MAX;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %llu kB", &kib) == 1)
            bytes = (uint64_t)kib * 1024;
    fclose(f);
    return bytes;
}

static uint64_t cgroup_limit(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f)
        return UINT64_MAX;
    char line[4096], path[4200];
    uint64_t limit = UINT64_MAX;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *controllers = strchr(line, ':');
        char *where = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!where)
            continue;
        *where++ = '\0';
        controllers++;
        uint64_t v = UINT64_MAX;
        if (strstr(controllers, "memory")) {
            snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes", where);
            v = read_number(path);
        } else if (*controllers == '\0') {
            snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", where);
            v = read_number(path);
        }
        if (v < limit)
            limit = v;
    }
    fclose(f);
    return limit;
}

uint64_t ms_memory_budget_override;

uint64_t ms_memory_budget(void)
{
    if (ms_memory_budget_override)
        return ms_memory_budget_override;
    uint64_t available = mem_available(), limit = cgroup_limit();
    return available < limit ? available : limit;
}
