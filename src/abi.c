/*
 * The structures a caller fills grow at their end from release to release
 * (mapscan.h says how). Every public function that takes one goes through
 * here first: the caller's options, as long as its header had them, are
 * laid over this library's defaults into a full structure; the call runs on
 * that and on a full result; then only as much of the result as the
 * caller's header had is copied back.
 *
 * Each generation of the header since the soname became 1 is a line of the
 * table: the sizes its structures had. A struct_size found in no line is a
 * header newer than this library, or a structure never set up by its
 * _init macro: refused, with nothing written to the result. Since 0.5 the
 * options also carry the size of the caller's result (result_size), so
 * that the result can grow without the options growing.
 *
 * A caller whose result has no room for what a scan found (float data, for
 * a header older than 0.5; several columns, for one older than 0.7) gets
 * an error instead of a result it would misread. A scan that fails
 * returns no columns.
 */
#include "stages.h"

#include <stddef.h>
#include <string.h>

typedef struct generation {
    const char *release;
    size_t options, gen_options, result;
} generation;

/* Each older size is where the next release's first new field starts. */
#define OPTIONS_0_4 offsetof(mapscan_options, result_size)
#define GEN_OPTIONS_0_4 offsetof(mapscan_gen_options, float_lo)
#define RESULT_0_4 offsetof(mapscan_result, floats)
#define OPTIONS_0_5 offsetof(mapscan_options, stats)
#define RESULT_0_5 offsetof(mapscan_result, extra)
#define OPTIONS_0_6 offsetof(mapscan_options, channels)
#define RESULT_0_6 offsetof(mapscan_result, column)

static const generation generations[] = {
    { "0.4", OPTIONS_0_4, GEN_OPTIONS_0_4, RESULT_0_4 },
    { "0.5", OPTIONS_0_5, sizeof(mapscan_gen_options), RESULT_0_5 },
    { "0.6", OPTIONS_0_6, sizeof(mapscan_gen_options), RESULT_0_6 },
    { "0.7", sizeof(mapscan_options), sizeof(mapscan_gen_options), sizeof(mapscan_result) },
};

#if defined(__LP64__)
_Static_assert(OPTIONS_0_4 == 128 && GEN_OPTIONS_0_4 == 120 && RESULT_0_4 == 640,
               "0.4's structures, as its header laid them out on 64-bit Linux");
#endif

static const generation *find(size_t size, bool gen)
{
    for (size_t i = 0; i < sizeof generations / sizeof generations[0]; i++)
        if ((gen ? generations[i].gen_options : generations[i].options) == size)
            return &generations[i];
    return NULL;
}

static bool refuse(size_t size, const char *what, mapscan_error *error)
{
    if (size == 0)
        ms_fail(error, MAPSCAN_E_INVALID, 0, "%s has struct_size 0: set it up with its _init macro first", what);
    else
        ms_fail(error, MAPSCAN_E_INVALID, 0, "%s of %zu bytes is from a mapscan.h this library (%s) does not know: "
                "rebuild against this library's header", what, size, MAPSCAN_VERSION);
    return false;
}

bool ms_abi_enter(const mapscan_options *caller, ms_abi_call *call, mapscan_error *error)
{
    const generation *g = find(caller->struct_size, false);
    if (!g)
        return refuse(caller->struct_size, "mapscan_options", error);
    mapscan_options_init_sized(&call->options, sizeof call->options);
    memcpy(&call->options, caller, g->options);
    call->options.struct_size = sizeof call->options;
    memset(&call->result, 0, sizeof call->result);
    call->result_size = g->result;
    if (g->options > OPTIONS_0_4) {
        size_t size = caller->result_size;
        bool known = false;
        for (size_t i = 0; i < sizeof generations / sizeof generations[0]; i++)
            known |= generations[i].result == size && size <= g->result;
        if (!known)
            return refuse(size, "mapscan_result (mapscan_options.result_size)", error);
        call->result_size = size;
    }
    return true;
}

mapscan_status ms_abi_leave(ms_abi_call *call, mapscan_status status, mapscan_result *caller, mapscan_error *error)
{
    size_t with_floats = offsetof(mapscan_result, floats) + sizeof(mapscan_float_stats);
    if (status == MAPSCAN_OK && mapscan_type_is_float(call->result.type) && call->result_size < with_floats) {
        status = ms_fail(error, MAPSCAN_E_FORMAT, 0, "the data is floating point (%s): this program was built "
                         "against a mapscan.h older than 0.5, whose result cannot hold it",
                         mapscan_type_name(call->result.type));
        memset(&call->result, 0, sizeof call->result);
    }
    if (status == MAPSCAN_OK && call->result.ncolumns && call->result_size < sizeof call->result)
        status = ms_fail(error, MAPSCAN_E_INVALID, 0, "a list of fields asks for several columns: this program "
                         "was built against a mapscan.h older than 0.7, whose result cannot hold them");
    if (status != MAPSCAN_OK && call->result.ncolumns) {
        mapscan_result_free(&call->result);     /* never a partial result */
        memset(&call->result, 0, sizeof call->result);
    }
    memcpy(caller, &call->result, call->result_size);
    return status;
}

bool ms_abi_gen_options(const mapscan_gen_options *caller, mapscan_gen_options *full, size_t *result_size,
                        mapscan_error *error)
{
    const generation *g = find(caller->struct_size, true);
    if (!g)
        return refuse(caller->struct_size, "mapscan_gen_options", error);
    mapscan_gen_options_init_sized(full, sizeof *full);
    memcpy(full, caller, g->gen_options);
    full->struct_size = sizeof *full;
    *result_size = g->result;
    return true;
}

void ms_abi_gen_options_back(mapscan_gen_options *caller, const mapscan_gen_options *full)
{
    size_t size = caller->struct_size;
    memcpy(caller, full, size);
    caller->struct_size = size;
}
