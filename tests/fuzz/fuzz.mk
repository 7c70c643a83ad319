# fuzz.mk - building the fuzz harnesses of tests/fuzz/ (included by the Makefile; see TESTING.md).
#
# Each harness NAME is tests/fuzz/fuzz_NAME.c, built two ways:
#   $(B)/fuzz/replay_NAME   with tests/fuzz/replay.c as its main, in any build: the test suite
#                           replays the saved inputs with it (make SAN=asan fuzz-replay)
#   $(B)/fuzz/fuzz_NAME     with libFuzzer, in the SAN=fuzz build only: make fuzz runs it
#                           (scripts/fuzz.sh)
# Checklist for a new harness: its name in FUZZ_HARNESSES, its FUZZ_INC_ and FUZZ_LIBS_ here, its
# seed files in tests/fuzz/inputs.sh, and a paragraph in TESTING.md.

FUZZ_HARNESSES := frontend readers codec
FUZZ_REPLAY_BIN := $(FUZZ_HARNESSES:%=$(B)/fuzz/replay_%)
FUZZ_BIN := $(FUZZ_HARNESSES:%=$(B)/fuzz/fuzz_%)

# What each harness compiles with and links against. The front end takes the compiler without
# its main; the codec harness includes the C that mstrc generates for tests/fuzz/record.mstr,
# compiled with the warnings mstrc gives generated code, and its main renamed. Each links
# RUNTIME_LIBS after libmstr.a, as the unit tests and job binaries do: the runtime's objects
# they pull in call LevelDB, gRPC and protobuf-c (the codec harness holds a whole job's main).
FUZZ_INC_frontend := -Icompiler -Iruntime
FUZZ_INC_readers := -Iruntime
FUZZ_INC_codec := -Iruntime -I$(B)/fuzz -Dmain=fuzz_record_main \
  -Wno-unused-parameter -Wno-unused-function
FUZZ_LIBS_frontend := $(filter-out $(B)/compiler/main.o,$(COMPILER_OBJ)) $(GEN_OBJ) $(B)/libmstr.a \
  $(RUNTIME_LIBS)
FUZZ_LIBS_readers := $(B)/libmstr.a $(RUNTIME_LIBS)
FUZZ_LIBS_codec := $(B)/libmstr.a $(RUNTIME_LIBS)
FUZZ_LINK_DEPS := $(filter-out $(B)/compiler/main.o,$(COMPILER_OBJ)) $(GEN_OBJ) $(B)/libmstr.a

.PHONY: fuzz fuzz-build fuzz-replay fuzz-harnesses

$(B)/fuzz/record.gen.c: tests/fuzz/record.mstr $(B)/mstrc
	@mkdir -p $(@D)
	$(B)/mstrc emit $< -o $@

$(B)/fuzz/harness_%.o: tests/fuzz/fuzz_%.c $(wildcard runtime/*.h compiler/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(FUZZ_INC_$*) -c $< -o $@

$(B)/fuzz/harness_codec.o: $(B)/fuzz/record.gen.c

$(B)/fuzz/replay.o: tests/fuzz/replay.c
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/fuzz/replay_%: $(B)/fuzz/harness_%.o $(B)/fuzz/replay.o $(FUZZ_LINK_DEPS)
	$(CC) $(CFLAGS) -o $@ $< $(B)/fuzz/replay.o $(FUZZ_LIBS_$*)

$(B)/fuzz/fuzz_%: $(B)/fuzz/harness_%.o $(FUZZ_LINK_DEPS)
	$(CC) $(CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS_$*)

# Every harness once over its saved inputs; ends with "fuzz-replay: N passed, N failed".
fuzz-replay: $(FUZZ_REPLAY_BIN)
	@tests/fuzz/replay.sh $(B) $(FUZZ_HARNESSES)

fuzz-build:
ifeq ($(SAN),fuzz)
fuzz-build: $(FUZZ_BIN)
else
	@echo "fuzz-build needs SAN=fuzz (make fuzz does that)" >&2; exit 2
endif

fuzz-harnesses:
	@echo $(FUZZ_HARNESSES)

# Each harness for FUZZ_SECONDS (default 120) with libFuzzer; see scripts/fuzz.sh.
fuzz:
	@scripts/fuzz.sh
