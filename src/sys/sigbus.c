/*
 * A mapped file that shrinks under the scan raises SIGBUS on the access
 * past its new end. The guard arms a per-thread jump target around the
 * guarded call; the handler jumps back to it when it is armed and passes
 * the signal on to the previous handler (or the default action) otherwise.
 */
#include "sys.h"

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

static _Thread_local sigjmp_buf *volatile armed;
static _Thread_local ms_sigbus_info *volatile caught;
static struct sigaction previous;

static void on_sigbus(int sig, siginfo_t *info, void *context)
{
    if (armed) {
        sigjmp_buf *target = armed;
        armed = NULL;
        caught->code = info->si_code;
        caught->addr = info->si_addr;
        siglongjmp(*target, 1);
    }
    if (previous.sa_flags & SA_SIGINFO) {
        previous.sa_sigaction(sig, info, context);
        return;
    }
    if (previous.sa_handler == SIG_IGN)
        return;
    if (previous.sa_handler != SIG_DFL) {
        previous.sa_handler(sig);
        return;
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGBUS, &sa, &previous);
}

bool ms_sigbus_guard(void (*fn)(void *arg), void *arg, ms_sigbus_info *info)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, install);

    sigjmp_buf target;
    if (sigsetjmp(target, 1)) {
        armed = NULL;
        return false;
    }
    caught = info;
    armed = &target;
    fn(arg);
    armed = NULL;
    return true;
}
