/* The machine as the scan sees it: inside the process's affinity mask. */
#include "reference.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>

static int bound_cpu;

static void *bind_and_report(void *arg)
{
    (void)arg;
    cr_assert(ms_topo_bind(0, 1), "binding failed");
    cpu_set_t now;
    cr_assert_eq(sched_getaffinity(0, sizeof now, &now), 0);
    cr_assert_eq(CPU_COUNT(&now), 1);
    cr_assert(CPU_ISSET(bound_cpu, &now), "bound outside the mask");
    return NULL;
}

Test(topology, counts_and_binding_stay_inside_the_affinity_mask)
{
    cpu_set_t all;
    cr_assert_eq(sched_getaffinity(0, sizeof all, &all), 0);
    if (CPU_COUNT(&all) < 2)
        cr_skip_test("needs two CPUs in the affinity mask");
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
        if (CPU_ISSET(cpu, &all))
            bound_cpu = cpu;    /* the last one: CPU 0 is where a wrong binding lands */
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(bound_cpu, &one);
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    /* Each test runs in its own process: the topology is read from here on. */
    cr_assert_eq(mapscan_processing_units(), 1);
    cr_assert_eq(mapscan_default_threads(), 1);
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, bind_and_report, NULL), 0);
    pthread_join(t, NULL);
}
