/* The command lines of scan and gen, parsed without running them: the
 * input is split into arguments at newlines; its first byte picks the
 * command. Never crashes; a parse that goes on leaves a file to work on
 * and options the library accepts. Run with -close_fd_mask=3: usage text
 * and messages are not the finding. */
#include "../../src/cli/cli.h"
#include "fuzz.h"

#include <getopt.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    if (size < 1 || size > 4096)
        return 0;
    char *text = fuzz_string(data + 1, size - 1);
    char *argv[256];
    int argc = 0;
    argv[argc++] = data[0] & 1 ? "gen" : "scan";
    for (char *save = NULL, *arg = strtok_r(text, "\n", &save); arg && argc < 255; arg = strtok_r(NULL, "\n", &save))
        argv[argc++] = arg;
    argv[argc] = NULL;
    if (data[0] & 1) {
        gen_cli cli;
        cli_gen_init(&cli);
        if (cli_gen_parse(argc, argv, &cli) < 0) {
            FUZZ_CHECK(cli.file != NULL);
            FUZZ_CHECK((unsigned)cli.options.type < MAPSCAN_TYPE_COUNT);
        }
    } else {
        scan_cli cli;
        cli_scan_init(&cli);
        if (cli_scan_parse(argc, argv, &cli) < 0) {
            FUZZ_CHECK(optind < argc);
            FUZZ_CHECK((unsigned)cli.options.type < MAPSCAN_TYPE_COUNT);
            FUZZ_CHECK(!cli.options.kernel || mapscan_kernel_available(cli.options.kernel));
        }
    }
    fflush(stdout);
    free(text);
    return 0;
}
