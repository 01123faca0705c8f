/* mapscan: dispatch to the scan, gen and bench commands. */
#include "cli.h"

#include <string.h>

static int dispatch(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "gen") == 0)
        return cmd_gen(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "bench") == 0)
        return cmd_bench(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "scan") == 0)
        return cmd_scan(argc - 1, argv + 1);
    return cmd_scan(argc, argv);
}

int main(int argc, char **argv)
{
    cli_guard_std_descriptors();
    return cli_finish_stdout(dispatch(argc, argv));
}
