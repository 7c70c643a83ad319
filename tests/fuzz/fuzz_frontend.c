/*
 * fuzz_frontend.c - fuzz harness: any bytes as the text of a .mstr program.
 *
 * The input goes through what `mstrc emit` does, minus the file: mc_program_from_text, mc_parse,
 * and, when the program parses, mc_check; a program that checks and that code generation
 * supports is planned (mc_plan_build) and emitted into a buffer. Diagnostics go to /dev/null,
 * but their count is checked: a pass that fails must have said why, and one that succeeds must
 * not have reported an error. Everything else (out-of-bounds reads in the scanner, the
 * diagnostics' line and caret arithmetic, leaks from the pool, undefined behaviour) is the
 * sanitizers' to catch.
 *
 * Built with libFuzzer by `make fuzz`, and with tests/fuzz/replay.c into the normal test suite.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "emit.h"
#include "frontend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Stops the run with a message: libFuzzer (and the replay driver) report it as a crash. */
static void require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_frontend: %s\n", what);
        abort();
    }
}

/* One /dev/null for every run: opening it per input would cost more than most inputs. */
static FILE *diag_sink(void)
{
    static FILE *sink;
    if (sink == NULL)
        sink = fopen("/dev/null", "w");
    require(sink != NULL, "cannot open /dev/null");
    return sink;
}

/* The passes run while none has failed, so each may fail only by reporting an error and
 * succeed only while there is none; ok is the answer of pass. Returns ok. */
static bool agrees(bool ok, const mc_diag *diag, const char *pass)
{
    if (ok != (diag->errors == 0)) {
        fprintf(stderr, "fuzz_frontend: %s returned %s with %d errors reported\n", pass,
                ok ? "true" : "false", diag->errors);
        abort();
    }
    return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mc_diag diag = { .out = diag_sink() };
    mc_program prog;
    if (!mc_program_from_text(&prog, &diag, "fuzz.mstr", (const char *)data, size))
        return 0;
    bool ok = agrees(mc_parse(&prog, &diag), &diag, "mc_parse");
    ok = ok && agrees(mc_check(&prog, &diag), &diag, "mc_check");
    ok = ok && agrees(mc_emit_supported(&prog, &diag), &diag, "mc_emit_supported");
    if (ok) {
        mc_emit_options opt = { .line_directives = true, .c_name = "fuzz.c" };
        mc_plan plan;
        mc_plan_build(&prog, &plan);
        mc_buf c = { 0 };
        mc_emit(&prog, &plan, &opt, &c);
        require(c.len > 0 && c.data[c.len] == '\0', "mc_emit wrote no C");
        mc_buf_free(&c);
        mc_plan_free(&plan);
    }
    mc_program_free(&prog);
    return 0;
}
