# Malstrom-C build.
#
#   make            build the compiler (build/mstrc) and the runtime (build/libmstr.a)
#   make demo       build and run an example pipeline (installs missing packages first)
#   make test       the whole test suite: plain build, then AddressSanitizer+UBSan
#   make bench      benchmarks next to hand-written C baselines
#   make bench-nexmark   the Nexmark queries of examples/nexmark/ over 10 million events
#   make editors    the editor grammars in editors/ against every example (tests/editors/)
#   make chaos-processes  100 kill trials of a job over two processes (not in `make test`)
#
# SAN=asan builds everything into build-asan/ with -fsanitize=address,undefined; the programs
# that build-asan/mstrc compiles get the same flags, so end-to-end tests are sanitized too.

SAN ?=
ifeq ($(SAN),asan)
  B := build-asan
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  OPT := -O1 -g
  LINK_STATIC := 0
else ifeq ($(SAN),tsan)
  B := build-tsan
  SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
  OPT := -O1 -g
  LINK_STATIC := 0
else
  B := build
  SANFLAGS :=
  OPT := -O2 -g
  LINK_STATIC := 1
endif

CC ?= cc
# What a program linked with the runtime needs besides it: LevelDB (C++) for snapshots, gRPC's C
# core for the exchange between processes (its .pc files lack the static dependencies, which
# follow it). mstrc is told, so that the programs it builds link the same.
GRPC_LIBS = $(shell pkg-config --libs --static grpc 2>/dev/null) -lupb -laddress_sorting -lcares \
            -lz -lre2 -lssl -lcrypto
RUNTIME_LIBS = -lleveldb -lsnappy $(GRPC_LIBS) -lstdc++ -lpthread -lm
WARN := -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror
CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(OPT) $(WARN) $(SANFLAGS)
# The generated scanner and parser are not ours to keep warning-free in every respect.
GEN_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Werror -Wno-unused-function $(SANFLAGS)

RUNTIME_SRC := $(wildcard runtime/*.c)
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(B)/%.o)
COMPILER_SRC := $(wildcard compiler/*.c)
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/%.o)
TEMPLATES := $(sort $(wildcard templates/*.c.in templates/*.h.in))
GEN_OBJ := $(B)/gen/lexer.o $(B)/gen/parser.o $(B)/gen/templates.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all demo test check unit golden e2e editors bench bench-nexmark deps clean \
        chaos-processes
all: $(B)/mstrc $(B)/libmstr.a

deps:
	@scripts/deps.sh

$(B)/libmstr.a: $(RUNTIME_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/runtime/%.o: runtime/%.c $(wildcard runtime/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -c $< -o $@

$(B)/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/gen/parser.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler -Iruntime -I$(B)/gen \
	  -DMSTR_SANFLAGS='"$(SANFLAGS)"' -DMSTR_LINK_STATIC=$(LINK_STATIC) \
	  -DMSTR_RUNTIME_LIBS='"$(RUNTIME_LIBS)"' -c $< -o $@

$(B)/gen/parser.c $(B)/gen/parser.h: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(B)/gen/parser.h -o $(B)/gen/parser.c $<

$(B)/gen/lexer.c $(B)/gen/lexer.h: grammar/lexer.l
	@mkdir -p $(@D)
	flex --header-file=$(B)/gen/lexer.h -o $(B)/gen/lexer.c $<

$(B)/gen/lexer.o: $(B)/gen/lexer.c $(B)/gen/parser.h
	$(CC) $(GEN_CFLAGS) -Icompiler -Iruntime -I$(B)/gen -c $< -o $@

$(B)/gen/parser.o: $(B)/gen/parser.c $(B)/gen/lexer.h
	$(CC) $(GEN_CFLAGS) -Icompiler -Iruntime -I$(B)/gen -c $< -o $@

# Templates are embedded into mstrc as one generated C file (see scripts/embed.sh).
$(B)/gen/templates.c: $(TEMPLATES) scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $(TEMPLATES) > $@

$(B)/gen/templates.o: $(B)/gen/templates.c
	$(CC) $(CFLAGS) -Icompiler -c $< -o $@

$(B)/mstrc: $(COMPILER_OBJ) $(GEN_OBJ) $(B)/libmstr.a
	$(CC) $(CFLAGS) -o $@ $(COMPILER_OBJ) $(GEN_OBJ) $(B)/libmstr.a

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmstr.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -Icompiler -o $@ $< $(B)/libmstr.a -lcmocka $(RUNTIME_LIBS)

demo: deps all
	$(B)/mstrc run examples/look_ma_im_streaming.mstr

unit: $(UNIT_BIN)
	@scripts/run-unit.sh $(UNIT_BIN)

golden: $(B)/mstrc
	@tests/run-golden.sh $(B)/mstrc

e2e: all
	@tests/run-e2e.sh $(B)/mstrc

# The editor grammars need no build: node runs tests/editors/grammar_test.js with the npm
# packages pinned in its package-lock.json, installed by `npm ci` when node_modules is missing
# or older than the lock (the stamp is written only after npm ci succeeded).
EDITORS_TEST := tests/editors
EDITORS_STAMP := $(EDITORS_TEST)/node_modules/.installed-from-lock

$(EDITORS_STAMP): $(EDITORS_TEST)/package-lock.json $(EDITORS_TEST)/package.json | deps
	cd $(EDITORS_TEST) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

editors: deps $(EDITORS_STAMP)
	@node $(EDITORS_TEST)/grammar_test.js

# The whole suite: plain, then sanitized (scripts/test.sh); ends with "total: N passed, N failed".
test check:
	@scripts/test.sh

# Kill trials, many: tests/chaos/process_kills.sh (PROCESS_KILL_TRIALS, PROCESS_KILLS_SEED).
chaos-processes: all
	@tests/chaos/process_kills.sh $(B)/mstrc

bench: deps all
	@bench/run.sh $(B)/mstrc

bench-nexmark: deps all
	@bench/nexmark.sh $(B)/mstrc

clean:
	rm -rf build build-asan build-tsan
