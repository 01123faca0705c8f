/* Fault injection for the unit tests: the test binary links with
 * -Wl,--wrap=CALL for each call named in the Makefile's TEST_WRAPS, and
 * each wrapper asks here whether this call should fail. Only the library's
 * and the tests' own objects are wrapped; libc, hwloc and Criterion call
 * the real functions. */
#ifndef MAPSCAN_TEST_FAULT_H
#define MAPSCAN_TEST_FAULT_H

#include <stdbool.h>

/* From now on, calls number first .. first + times - 1 (counted from 0) of
 * `call` fail with err; "pwrite-short" makes pwrite write half. Up to
 * three calls can be armed at once. */
void fault_arm(const char *call, unsigned first, unsigned times, int err);
/* Runs hook() before the call number `first` of `call` (which then goes on). */
void fault_arm_hook(const char *call, unsigned first, void (*hook)(void));
/* Ends every armed fault. */
void fault_disarm(void);
/* Whether the fault (or hook) armed for `call` fired in the last run. */
bool fault_fired(const char *call);
/* io_uring reads submitted and not yet completed (see fault.c). */
long fault_ring_in_flight(void);

#endif
