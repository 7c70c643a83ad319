/*
 * pipetest.h - `mstrc test prog.mstr`: pipeline tests written next to the pipeline.
 *
 * A test file (prog.test beside prog.mstr) holds tests, each giving the records of named
 * sources and the records expected at named sinks:
 *
 *     # comments start with '#'; indentation is free
 *     test two_words                  a test and its name
 *     source text                     records for the source 'text', one per line:
 *         "the cat"                   a literal, as in list(...): 42, "x", Trade { id: 1, ... }
 *         @5 "the dog"                ... stamped 5 (unstamped records: their position, from 0)
 *         epoch 5                     an epoch after the record before it
 *     expect print [unordered]        what the sink 'print' must receive, one record per line
 *         { key: "cat", value: 1, timestamp: 9223372036854775807 }
 *
 * Expected records are written as a stdout sink prints them, whatever the sink's kind. For
 * each test the program is compiled with the sources it names reading only the test's records
 * (as a list), the sinks it expects captured in that format, and every other sink discarded;
 * sources it does not name read what they read in the program, from the directory of the
 * .mstr file. The job runs on 1 and on 4 workers, without its state directory. On 1 worker
 * the records must come in the order given, unless the expectation says `unordered`; on 4,
 * where workers interleave, they are compared sorted. A mismatch prints a diff (diff -u).
 * Each test's binary comes from the binary cache (cache.h): the captured sinks write to
 * descriptors the runner opens, so the binary names no directory of the run, and running the
 * tests again, or with other expected records, builds nothing.
 */
#ifndef MC_PIPETEST_H
#define MC_PIPETEST_H

/* Runs the tests of the test file of the program at mstr_path (the path with .mstr replaced
 * by .test). Prints one line per test and worker count and a summary on stdout, diagnostics
 * on stderr. Returns the exit status: 0 if every test passed, 1 if one failed or the test file
 * or program has an error. */
int mc_pipetest_run(const char *mstr_path);

#endif
