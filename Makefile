# Malstrom-C build.
#
#   make            build the compiler (build/mstrc) and the runtime (build/libmstr.a)
#   make demo       build and run an example pipeline (installs missing packages first)
#   make test       the whole test suite: plain build, then AddressSanitizer+UBSan
#   make bench      benchmarks next to hand-written C baselines
#   make bench-nexmark   the Nexmark queries of examples/nexmark/ over 10 million events
#   make editors    the editor grammars in editors/ against every example (tests/editors/)
#   make install    mstrc, the runtime (library and headers) and the man pages under PREFIX
#                   (/usr/local), staged under DESTDIR if set; make uninstall removes them
#   make chaos      100 kill trials of each snapshot pipeline (tests/chaos/kill_trials.sh)
#   make chaos-processes  100 kill trials of a job over two processes (not in `make test`)
#   make fuzz       the fuzz harnesses of tests/fuzz/, FUZZ_SECONDS (120) each (see TESTING.md)
#
# SAN=asan builds everything into build-asan/ with -fsanitize=address,undefined; the programs
# that build-asan/mstrc compiles get the same sanitizer flags, so end-to-end tests are
# sanitized too.

SAN ?=
ifeq ($(SAN),asan)
  B := build-asan
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
  OPT := -O1 -g
  PROGRAM_OPT := -O0
  LINK_STATIC := 0
else ifeq ($(SAN),tsan)
  B := build-tsan
  SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
  OPT := -O1 -g
  PROGRAM_OPT := -O1
  LINK_STATIC := 0
else ifeq ($(SAN),fuzz)
  # make fuzz: clang, with libFuzzer's coverage hooks in the compiler and the runtime too, under
  # ASan and UBSan. Its mstrc only emits C (tests/fuzz/fuzz.mk); gcc would not take its flags.
  B := build-fuzz
  CC := clang
  SANFLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
  OPT := -O1 -g
  PROGRAM_OPT := -O1
  LINK_STATIC := 0
else
  B := build
  SANFLAGS :=
  OPT := -O2 -g
  PROGRAM_OPT := -O2
  LINK_STATIC := 1
endif
# PROGRAM_OPT: the optimization of the programs mstrc builds. The sanitizer builds' programs are
# for tests, of which each sanitizer pass of the suite builds over a hundred: under ASan the
# generated C of a Nexmark query takes 0.5 s of CPU to compile at -O0 and 1.9 s at -O2, and
# runs about 15% slower (the runtime library, at -O1, does most of the work); under TSan, -O1
# takes 0.47 s and -O2 0.66 s.

CC ?= cc
MSTRC_VERSION := 0.1.0
# What a program linked with the runtime needs besides it: LevelDB (C++) for snapshots, gRPC's C
# core for the exchange between processes (its .pc files lack the static dependencies, which
# follow it). mstrc is told, so that the programs it builds link the same.
GRPC_LIBS = $(shell pkg-config --libs --static grpc 2>/dev/null) -lupb -laddress_sorting -lcares \
            -lz -lre2 -lssl -lcrypto
RUNTIME_LIBS = -lleveldb -lsnappy -lprotobuf-c $(GRPC_LIBS) -lstdc++ -lpthread -lm
# Programs link with LLVM's lld (scripts/deps.sh installs it): with gRPC linked statically, GNU
# ld takes about 2 s a program and lld about 0.4 s, and the tests build hundreds of programs.
# mstrc is told, so that the programs it builds link the same way.
LINKER := -fuse-ld=lld
WARN := -Wall -Wextra -Wstrict-prototypes -Wshadow -Werror
# Paths in the debug information are relative to the source tree, so that the runtime (and so
# the images of mstrc package) is the same from any checkout.
PREFIX_MAP := -ffile-prefix-map=$(CURDIR)=.
CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(OPT) $(WARN) $(SANFLAGS) $(PREFIX_MAP)
# The generated scanner and parser are not ours to keep warning-free in every respect.
GEN_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPT) -Wall -Werror -Wno-unused-function $(SANFLAGS) \
              $(PREFIX_MAP)

RUNTIME_SRC := $(wildcard runtime/*.c)
# The control API's messages, from proto/mstr_control.proto by protoc-c.
PROTO_OBJ := $(B)/gen/mstr_control.pb-c.o
RUNTIME_OBJ := $(RUNTIME_SRC:%.c=$(B)/%.o) $(PROTO_OBJ)
COMPILER_SRC := $(wildcard compiler/*.c)
COMPILER_OBJ := $(COMPILER_SRC:%.c=$(B)/%.o)
TEMPLATES := $(sort $(wildcard templates/*.c.in templates/*.h.in templates/*.yaml.in \
                               templates/*.sh.in))
GEN_OBJ := $(B)/gen/lexer.o $(B)/gen/parser.o $(B)/gen/templates.o
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)

.PHONY: all demo test check unit golden e2e editors chaos chaos-processes bench bench-nexmark \
        deps clean install uninstall
all: $(B)/mstrc $(B)/libmstr.a

deps:
	@scripts/deps.sh

$(B)/libmstr.a: $(RUNTIME_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

$(B)/runtime/%.o: runtime/%.c $(wildcard runtime/*.h) $(B)/gen/mstr_control.pb-c.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iruntime -I$(B)/gen -c $< -o $@

$(B)/gen/mstr_control.pb-c.c $(B)/gen/mstr_control.pb-c.h: proto/mstr_control.proto
	@mkdir -p $(@D)
	protoc-c --c_out=$(B)/gen -Iproto $<

$(B)/gen/mstr_control.pb-c.o: $(B)/gen/mstr_control.pb-c.c
	$(CC) $(GEN_CFLAGS) -I$(B)/gen -c $< -o $@

$(B)/compiler/%.o: compiler/%.c $(wildcard compiler/*.h) $(B)/gen/parser.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icompiler -Iruntime -I$(B)/gen \
	  -DMSTR_SANFLAGS='"$(SANFLAGS)"' -DMSTR_PROGRAM_OPT='"$(PROGRAM_OPT)"' \
	  -DMSTR_LINK_STATIC=$(LINK_STATIC) \
	  -DMSTR_LINKER='"$(LINKER)"' -DMSTR_RUNTIME_LIBS='"$(RUNTIME_LIBS)"' \
	  -DMSTRC_VERSION='"$(MSTRC_VERSION)"' -c $< -o $@

# mstrc is told the runtime's link line (the linker too), the sanitizer flags and the programs'
# optimization, which this file sets, and its version (which mstrc package writes into an
# image's labels).
$(B)/compiler/main.o $(B)/compiler/drive.o $(B)/compiler/package.o $(B)/compiler/cc.o: Makefile

$(B)/gen/parser.c $(B)/gen/parser.h: grammar/parser.y
	@mkdir -p $(@D)
	bison -Wall -Werror --defines=$(B)/gen/parser.h -o $(B)/gen/parser.c $<

$(B)/gen/lexer.c $(B)/gen/lexer.h: grammar/lexer.l
	@mkdir -p $(@D)
	flex --header-file=$(B)/gen/lexer.h -o $(B)/gen/lexer.c $<

# The scanner and the parser build the AST: a change to its layout (compiler/ast.h) must
# rebuild them too.
$(B)/gen/lexer.o: $(B)/gen/lexer.c $(B)/gen/parser.h $(wildcard compiler/*.h)
	$(CC) $(GEN_CFLAGS) -Icompiler -Iruntime -I$(B)/gen -c $< -o $@

$(B)/gen/parser.o: $(B)/gen/parser.c $(B)/gen/lexer.h $(wildcard compiler/*.h)
	$(CC) $(GEN_CFLAGS) -Icompiler -Iruntime -I$(B)/gen -c $< -o $@

# Templates are embedded into mstrc as one generated C file (see scripts/embed.sh).
$(B)/gen/templates.c: $(TEMPLATES) scripts/embed.sh
	@mkdir -p $(@D)
	scripts/embed.sh $(TEMPLATES) > $@

$(B)/gen/templates.o: $(B)/gen/templates.c
	$(CC) $(CFLAGS) -Icompiler -c $< -o $@

$(B)/mstrc: $(COMPILER_OBJ) $(GEN_OBJ) $(B)/libmstr.a
	$(CC) $(CFLAGS) $(LINKER) -o $@ $(COMPILER_OBJ) $(GEN_OBJ) $(B)/libmstr.a -lcrypto

$(B)/tests/test_%: tests/unit/test_%.c $(B)/libmstr.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LINKER) -Iruntime -Icompiler -o $@ $< $(B)/libmstr.a -lcmocka $(RUNTIME_LIBS)

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

# Kill trials (tests/chaos/kill_trials.sh): a job with a state directory is killed at random
# moments (rescaled ones too) and restarted until it ends, 100 times per pipeline; each prints
# "N of 100 trials ended equal". The suite runs a few of each (tests/e2e/kill_trials.sh).
CHAOS_TRIALS ?= 100
chaos: all
	@status=0; for p in keyed windowed rescaled; do \
	  MSTRC=$(B)/mstrc tests/chaos/kill_trials.sh $(CHAOS_TRIALS) $$p || status=1; \
	done; exit $$status

# Kill trials of a job over two processes (tests/chaos/process_kills.sh), 100 unless
# PROCESS_KILL_TRIALS says; PROCESS_KILLS_SEED repeats a run. The suite runs 10 (5 sanitized)
# (tests/e2e/process_kills.sh).
chaos-processes: all
	@tests/chaos/process_kills.sh $(B)/mstrc

# The whole suite: plain, then sanitized (scripts/test.sh); ends with "total: N passed, N failed".
test check:
	@scripts/test.sh

# The exchange benchmark's raw gRPC figure comes from a hand-written gRPC C program, linked
# like the job binaries (gRPC's part of RUNTIME_LIBS, static in the plain build). The linker's
# warnings that a static getaddrinfo needs the same glibc at run time are dropped, as mstrc does.
$(B)/bench/grpc_raw: bench/grpc_raw.c Makefile
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(LINKER) -o $@ $< $(GRPC_LIBS) -lstdc++ -lpthread -lm \
	  $(if $(filter 1,$(LINK_STATIC)),-static) 2> $@.log || { cat $@.log; rm -f $@.log; exit 1; }
	@grep -v -e ': in function' -e 'statically linked applications requires at runtime' $@.log \
	  >&2 || true; rm -f $@.log

bench: deps all $(B)/bench/grpc_raw
	@bench/run.sh $(B)/mstrc $(B)/bench/grpc_raw

bench-nexmark: deps all
	@bench/nexmark.sh $(B)/mstrc

clean:
	rm -rf build build-asan build-tsan build-fuzz

# The installed layout is the one an installed mstrc looks for next to itself
# (compiler/drive.h): BIN/mstrc, BIN/../lib/libmstr.a, BIN/../include/malstrom/*.h. The
# templates are inside mstrc, so they need no place of their own.
PREFIX ?= /usr/local
DESTDIR ?=
INSTALL_BIN := $(DESTDIR)$(PREFIX)/bin
INSTALL_LIB := $(DESTDIR)$(PREFIX)/lib
INSTALL_INCLUDE := $(DESTDIR)$(PREFIX)/include/malstrom
INSTALL_MAN := $(DESTDIR)$(PREFIX)/share/man/man1
MAN_PAGES := $(wildcard docs/man/*.1)

install: all
	install -d $(INSTALL_BIN) $(INSTALL_LIB) $(INSTALL_INCLUDE) $(INSTALL_MAN)
	install -m 755 $(B)/mstrc $(INSTALL_BIN)/mstrc
	install -m 644 $(B)/libmstr.a $(INSTALL_LIB)/libmstr.a
	install -m 644 $(wildcard runtime/*.h) $(INSTALL_INCLUDE)
	install -m 644 $(MAN_PAGES) $(INSTALL_MAN)

uninstall:
	rm -f $(INSTALL_BIN)/mstrc $(INSTALL_LIB)/libmstr.a
	rm -f $(addprefix $(INSTALL_INCLUDE)/,$(notdir $(wildcard runtime/*.h)))
	rm -f $(addprefix $(INSTALL_MAN)/,$(notdir $(MAN_PAGES)))
	rmdir $(INSTALL_INCLUDE) 2>/dev/null || true

include tests/fuzz/fuzz.mk
