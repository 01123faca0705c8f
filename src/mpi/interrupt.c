#include "interrupt.h"

#include <string.h>
#include <sys/time.h>
#include <unistd.h>

volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

/* mpirun, sent SIGINT or SIGTERM, sends its ranks SIGCONT, then SIGTERM a
 * second later, then SIGKILL a second after that: the handler only raises
 * the flag, which the scan reads about ten times a second, and the rank
 * goes on through the job's collectives to its agreed exit. SA_RESTART:
 * Open MPI's own calls are not to see EINTR. */
void interrupt_catch(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int interrupt_agree(MPI_Comm comm)
{
    int mine = interrupted, any = 0;
    if (MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, comm) != MPI_SUCCESS)
        return mine;
    return any;
}

static volatile sig_atomic_t exit_status;

static void on_alarm(int sig)
{
    (void)sig;
    _exit(exit_status);
}

/* mpirun, once it is killing the job, no longer answers the ranks'
 * MPI_Finalize, which would wait until the SIGKILL: everything is said
 * and written by then, so the rank leaves with its status. Started alone,
 * or with the signal sent to the ranks themselves, MPI_Finalize returns
 * at once. */
void interrupt_exit_within(double seconds, int status)
{
    exit_status = status;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval t = { { 0, 0 }, { (time_t)seconds, (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6) } };
    setitimer(ITIMER_REAL, &t, NULL);
}
