/* SIGINT, SIGTERM and SIGHUP stop mapscan-mpi's scan instead of killing
 * the rank, so that the job agrees on it and says it once. */
#ifndef MAPSCAN_MPI_INTERRUPT_H
#define MAPSCAN_MPI_INTERRUPT_H

#include <mpi.h>
#include <signal.h>

/* The signal this rank got, or 0: the library's cancel flag. */
extern volatile sig_atomic_t interrupted;

void interrupt_catch(void);
/* Collective: the highest signal number any rank got, or 0, on every rank. */
int interrupt_agree(MPI_Comm comm);
/* For MPI_Finalize after an interrupt: ends the process with status
 * unless it has ended before the time is up. */
void interrupt_exit_within(double seconds, int status);

#endif
