# llmlab — every entry point of the course.  `make help` prints this menu.
#
# The reference (common/ + solutions/) compiles into build/libllmlab.a. Your
# exercise files (day01_autograd/value.c, ...) are compiled separately and
# linked *before* that library, so your definitions win and the reference
# supplies every lesson you have not done yet.

CC      ?= cc
# SAN=1: build and grade under AddressSanitizer + UBSan (in build/asan).
# DEBUG=1: no optimisation, for gdb (in build/debug).
ifeq ($(SAN),1)
  BUILD        := build/asan
  OPENMP       := 0
  CFLAGS       := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
  LDLIBS_EXTRA := -fsanitize=address,undefined
endif
ifeq ($(DEBUG),1)
  BUILD  := build/debug
  CFLAGS := -O0 -g
endif
PYTHON  ?= python3
BUILD   ?= build
# OPENMP=0 builds without threads (e.g. a compiler without OpenMP).
OPENMP  ?= 1
# MINE=1: link your own earlier lessons too, not the reference's.
MINE    ?= 0
# Idle OpenMP threads poll for work 1,000 times, then sleep: libgomp's
# default of 300,000 polls holds a core that a busy machine needs, and a
# training step ran 8x slower on two threads than on one (common/parallel.h).
# Your own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins. ./llmlab does the same.
ifeq ($(origin OMP_WAIT_POLICY)$(origin GOMP_SPINCOUNT),undefinedundefined)
  export GOMP_SPINCOUNT := 1000
endif

LESSONS      := $(shell awk -F'\t' '!/^\#/ && NF >= 3 { print $$2 }' tools/lessons.tsv)
LESSON_DIRS  := $(foreach l,$(LESSONS),$(wildcard $(l)))

# -O3 (it vectorises loops whose length is unknown; -O2 in GCC 12 does not),
# not -Ofast: -Ofast assumes no NaN or infinity, which breaks the checks that
# catch a diverging run. -Wmissing-prototypes: a function other files may
# call is declared in a header, every other one is static (the grader
# makes it an error in your exercise files, and says which helper to make
# static; it also adds -Wno-unused-parameter there only, since a
# skeleton's TODO body leaves its parameters unused). -fno-trapping-math: we never
# trap on floating-point exceptions, and it lets GCC turn the comparisons
# in a loop (a clamp, a ReLU) into vector selects instead of branches; the
# results are the same to the bit.
CFLAGS   ?= -O3 -g
# The vector units: the whole course (library, your files, tests) is built
# for the processor it runs on, so the compiler may use every vector
# instruction it has (AVX2 or AVX-512 on most x86 machines of the last ten
# years). One build, the same for you and for CI. PORTABLE=1 builds for any
# processor of the family instead (a binary to copy to another machine);
# ARCH=x86-64-v3 names a level (make valgrind uses it: valgrind cannot run
# AVX-512 code).
ARCH     ?= $(if $(filter 1,$(PORTABLE)),,native)
ARCHFLAGS := $(if $(ARCH),-march=$(ARCH))
FPFLAGS  := -fno-trapping-math
WARN     := -Wall -Wextra -Wmissing-prototypes
CPPFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Icommon $(addprefix -I,$(LESSON_DIRS))
# where tests find fixtures and helper programs (the grader adds the same two)
PATHDEFS := -DLLMLAB_ROOT=\"$(CURDIR)\" -DLLMLAB_BUILD=\"$(abspath $(BUILD))\"
ifeq ($(OPENMP),1)
  CFLAGS_OMP := -fopenmp
else
  CFLAGS_OMP := -Wno-unknown-pragmas
endif
ALL_CFLAGS = $(CPPFLAGS) $(WARN) $(CFLAGS) $(ARCHFLAGS) $(FPFLAGS) $(CFLAGS_OMP) $(EXTRA_CFLAGS)
LDLIBS   := -lm -lz $(LDLIBS_EXTRA)
# V=1 prints every compiler command.
Q        := $(if $(filter 1,$(V)),,@)
TESTLIBS := -lcriterion

COMMON_SRC := $(wildcard common/*.c)
REF_SRC    := $(foreach l,$(LESSON_DIRS),$(wildcard solutions/$(l)/*.c))
DEMO_SRC   := $(foreach l,$(LESSON_DIRS),$(wildcard $(l)/demo_*.c))
# A lesson's other .c files that are not skeletons are given code (read, not written).
GIVEN_SRC  := $(filter-out $(patsubst solutions/%,%,$(REF_SRC)) $(DEMO_SRC),\
                $(foreach l,$(LESSON_DIRS),$(wildcard $(l)/*.c)))
LIB_OBJ    := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o) $(REF_SRC:%.c=$(BUILD)/obj/%.o) \
              $(GIVEN_SRC:%.c=$(BUILD)/obj/%.o)
LIB        := $(BUILD)/libllmlab.a
DEMOS      := $(DEMO_SRC:%.c=$(BUILD)/bin/%)
# the command-line program (./llmlab runs it, building it first)
LLMLAB_SRC := $(wildcard tools/llmlab/*.c)
LLMLAB_BIN := $(BUILD)/bin/llmlab

# The grader compiles and links with exactly these settings.
GRADE = $(PYTHON) tools/grade.py --build $(BUILD) --cc "$(CC)" \
        --cflags "$(ALL_CFLAGS)" --ldlibs "$(LIB) $(TESTLIBS) $(LDLIBS) $(CFLAGS_OMP)"

.PHONY: check-ddp test-ddp
.PHONY: all llmlab valgrind help bench bench-matmul bench-bpe bench-gpt bench-busy data fuzz fuzz-replay lib demos test test-common test-tools check-skeletons sanitize setup \
        progress plot docs docs-shots skeletons mutants check-warnings test-learner-path test-variants valgrind-run fixtures solution-branch compdb clean \
        check-% watch-% hint-% demo-% demo domain check-gguf test-gguf
.DELETE_ON_ERROR:
.SECONDARY:

all: lib demos llmlab compdb  ## build the reference library, your exercise files, every demo, ./llmlab and compile_commands.json

help:  ## this menu
	@echo "llmlab: make TARGET"
	@grep -hE '^[a-z%.-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  %-18s %s\n", $$1, $$2}'

# ---- the reference library ----
lib: $(LIB)
$(LIB): $(LIB_OBJ)
	@rm -f $@
	$(Q)ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(if $(Q),@echo "  CC  $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(PATHDEFS) -MMD -MP -c $< -o $@ 2> $(@:.o=.diag); \
	  status=$$?; cat $(@:.o=.diag) >&2; exit $$status

-include $(LIB_OBJ:.o=.d)

# ---- the llmlab program (the reference's) ----
llmlab: $(LLMLAB_BIN)
$(LLMLAB_BIN): $(LLMLAB_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_OMP) $^ -o $@ $(LDLIBS)
-include $(LLMLAB_SRC:%.c=$(BUILD)/obj/%.d)

# ---- demos: linked with your file of their lesson (all of yours with MINE=1) ----
demos: $(DEMOS)
$(BUILD)/bin/%: %.c $(LIB) FORCE
	@mkdir -p $(dir $@)
	@$(GRADE) --link-demo $< -o $@ $(if $(filter 1,$(MINE)),--mine) $(if $(filter 1,$(REF)),--reference)
FORCE:

# The main job: train the Week 2 GPT for a few minutes, sample from it, plot its loss.
MAIN_DEMO ?= week2
demo: lib  ## the main job: train a small GPT on fortunes, sample, plot (the reference; MINE=1: your code)
	@$(GRADE) --run-demo $(MAIN_DEMO) $(if $(filter 1,$(MINE)),--mine,--reference) -- $(ARGS)

domain: lib  ## Week 4 end to end: collect a domain (DOMAIN_DIR=DIR, else /usr/include), three models, runs/domain/report.md
	@$(GRADE) --run-demo week4 $(if $(filter 1,$(MINE)),--mine,--reference) -- $(ARGS)

demo-%: lib  ## run a lesson's demos on your code: make demo-day1 (REF=1: the reference's; ARGS="--quick")
	@$(GRADE) --run-demo $* $(if $(filter 1,$(MINE)),--mine) $(if $(filter 1,$(REF)),--reference) -- $(ARGS)

# ---- grading (the learner's side) ----
# `make check-X` exits non-zero unless every test passes. Under a failing
# recipe make adds "make: *** [Makefile:NN: check-X] Error 1", which says
# nothing the grader has not said; so when check-X is the only goal of a
# make typed by hand (MAKELEVEL 0), the recipe stops make with SIGPIPE,
# which ends it without a word (exit status 141). If SIGPIPE is ignored,
# `exit 1` fails the recipe the usual way.
QUIET_FAIL = $(if $(and $(filter 0,$(MAKELEVEL)),$(filter 1,$(words $(MAKECMDGOALS)))),\
               || { kill -PIPE $$PPID; exit 1; })
check-%: lib  ## grade your work on a lesson: make check-day1 (REF=1: grade the reference)
	@$(GRADE) $(if $(filter 1,$(MINE)),--mine) $(if $(filter 1,$(REF)),--reference) $* $(QUIET_FAIL)

watch-%: lib  ## re-grade a lesson every time you save one of its files
	@bash tools/watch.sh $* $(GRADE) $(if $(filter 1,$(MINE)),--mine)

hint-%: lib  ## reveal the next hint of an exercise: make hint-day1 [EX=mul]
	@$(PYTHON) tools/hint.py $* $(EX) --grade '$(GRADE)'

progress: lib  ## one table: every lesson, tests passed, TODOs left
	@$(GRADE) --progress --all

# ---- the project's own suite ----
test: ## the course's own tests (reference passes, pristine skeletons fail, tools, docs)
	@$(MAKE) -s --no-print-directory check-skeletons
	@rm -rf $(BUILD)/grade   # the grader's objects (and their .diag) are remade below
	@$(MAKE) -s --no-print-directory lib demos llmlab test-common
	@$(MAKE) -s --no-print-directory test-tools
	@$(MAKE) -s --no-print-directory test-ddp
	@$(MAKE) -s --no-print-directory test-gguf
	@$(MAKE) -s --no-print-directory fuzz-replay
	@$(MAKE) -s --no-print-directory test-learner-path
	@$(GRADE) --run-demo-smoke --all
	@$(MAKE) -s --no-print-directory check-warnings
	@$(MAKE) -s --no-print-directory docs
	@echo "make test: all checks passed"

# One build, the learner's: make test builds in $(BUILD) with the default
# flags. Warnings are errors for the course's own code all the same: every
# compile leaves its diagnostics in a .diag file beside its object (the
# grader's too), and this fails when one of this build is not empty (other
# flavours, build/sanitize and the like, are not the learner's). What the grader
# compiled as a learner's file (grade/learner, grade/pristine: the grader's
# own tests feed it broken files on purpose) may warn.
check-warnings:
	@found=$$(find $(BUILD)/obj $(BUILD)/grade -name '*.diag' -size +0c ! -path '*/grade/learner/*' \
	  ! -path '*/grade/pristine/*' ! -path '*/grade/given/*' 2>/dev/null | sort); \
	if [ -n "$$found" ]; then for f in $$found; do echo "== $$f"; cat "$$f"; done; \
	  echo "check-warnings: the compiler warned (above); the course's code must compile cleanly"; exit 1; fi

# The learner's loop through the commands a learner types (tools/check_learner_path.py)
test-learner-path: lib
	@$(PYTHON) tools/check_learner_path.py

check-skeletons:  ## committed skeletons equal their derivation from solutions/; includes follow the layers
	@$(PYTHON) tools/skeletonize.py check
	@$(PYTHON) tools/check_includes.py
	@$(PYTHON) tools/format.py

# common/ and the lessons' given code (<lesson>/tests/given/): tested here, not graded
GIVEN_TEST_SRC := $(foreach l,$(LESSON_DIRS),$(wildcard $(l)/tests/given/test_*.c))
test-common: $(BUILD)/tests/common_tests $(BUILD)/tests/common_die_demo $(BUILD)/tests/given_tests
	$(BUILD)/tests/common_tests --xml=$(BUILD)/tests/common.xml
	@$(PYTHON) tools/grade.py --summarize-xml $(BUILD)/tests/common.xml "common/"
	$(BUILD)/tests/given_tests $(GIVEN_JOBS) --xml=$(BUILD)/tests/given.xml
	@$(PYTHON) tools/grade.py --summarize-xml $(BUILD)/tests/given.xml "given code of the lessons"

$(BUILD)/tests/given_tests: $(GIVEN_TEST_SRC:%.c=$(BUILD)/obj/%.o) $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OMP) $^ -o $@ $(TESTLIBS) $(LDLIBS)

# their objects are remade when a header they include changes, like the library's
-include $(GIVEN_TEST_SRC:%.c=$(BUILD)/obj/%.d) $(BUILD)/obj/common/tests/test_common.d

$(BUILD)/tests/common_tests: $(BUILD)/obj/common/tests/test_common.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OMP) $^ -o $@ $(TESTLIBS) $(LDLIBS)
$(BUILD)/tests/common_die_demo: $(BUILD)/obj/common/tests/die_demo.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_OMP) $^ -o $@ $(LDLIBS)

test-tools: lib llmlab  ## tests of the skeletoniser, grader, hints, docs filter and the llmlab program
	LLMLAB_GRADE='$(GRADE)' LLMLAB_BIN='$(abspath $(LLMLAB_BIN))' $(PYTHON) -m unittest discover -s tools/tests -t . -q

# Week 2's way out and back: export -> PyTorch DistributedDataParallel on 2 CPU processes -> import
# (tools/check_ddp.py says what it checks). Needs python3-torch; make test runs a short version,
# which says "skipped" when torch is not installed.
check-ddp: lib llmlab  ## export a small GPT, train it 50 steps on 2 processes with PyTorch DDP, import it back, compare
	@LLMLAB_BIN='$(abspath $(LLMLAB_BIN))' $(PYTHON) tools/check_ddp.py --steps 50
test-ddp: lib llmlab
	@LLMLAB_BIN='$(abspath $(LLMLAB_BIN))' $(PYTHON) tools/check_ddp.py --steps 5 --skip-without-torch

test-lessons: lib
	@$(PYTHON) tools/skeletonize.py derive $(BUILD)/pristine
	@$(GRADE) --reference --expect all-pass --all
	@$(GRADE) --pristine $(BUILD)/pristine --expect none-pass --all
	@$(GRADE) --run-demo-smoke --all

# The same code built two other ways, each in a folder of its own: with
# Clang, and without OpenMP (one thread). Every reference test must pass and
# every pristine skeleton fail there too. CI runs it after make test.
test-variants:  ## the reference and given-code tests built with clang, and without OpenMP
	@$(MAKE) -s --no-print-directory CC=clang BUILD=$(BUILD)/clang lib llmlab test-common test-lessons
	@$(MAKE) -s --no-print-directory OPENMP=0 BUILD=$(BUILD)/no-openmp lib llmlab test-common test-lessons

# GIVEN_JOBS=-j1: Criterion 2.4.1's runner itself leaks 48 bytes (a calloc
# in criterion_run_all_tests, no frame of ours) when the given-code tests run
# on two workers under ASan; on one worker it does not.
sanitize:  ## the whole suite under AddressSanitizer + UndefinedBehaviorSanitizer
	@$(MAKE) -s --no-print-directory BUILD=$(BUILD)/sanitize OPENMP=0 GIVEN_JOBS=-j1 \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDLIBS="-lm -lz -fsanitize=address,undefined" lib test-common test-lessons

mutants: lib  ## learner mistakes (tools/mutants/) applied to the reference: each must fail a test naming its function
	@$(PYTHON) tools/mutants.py --grade '$(GRADE)' --build $(BUILD) $(LESSON)

# valgrind runs its own build: it cannot decode AVX-512 instructions, so
# that build stops at AVX2 (x86-64-v3) on x86 machines.
VALGRIND_ARCH := $(if $(filter x86_64,$(shell uname -m)),x86-64-v3,$(ARCH))
valgrind:  ## every demo (--quick) and llmlab subcommand under valgrind memcheck (minutes)
	@$(MAKE) -s --no-print-directory BUILD=$(BUILD)/valgrind ARCH=$(VALGRIND_ARCH) valgrind-run
valgrind-run: lib llmlab
	@$(GRADE) --run-demo-smoke --all > /dev/null
	@BUILD=$(BUILD) bash tools/valgrind.sh

# ---- llama.cpp runs the model (issue 22) ----
# check-gguf: npm installs node-llama-cpp (pinned in tools/gguf/package-lock.json) with
# only its prebuilt CPU binary for linux-x64 (no CUDA/Vulkan packages, no install
# scripts: nothing is downloaded or compiled later), into build/gguf/node. Then the
# demo model (runs/gpt/ckpt.bin; without one, a small model trained here) is exported
# with `llmlab export --format gguf` and tools/gguf/check.mjs compares llama.cpp with
# llmlab: tokenization of the validation text, greedy generation, tokens/s; with a Week 3
# chat model (runs/chat/ckpt.bin, or GGUF_CHAT_CKPT=FILE), tools/gguf/check_chat.mjs checks
# the chat template in the file and llama.cpp's greedy replies against `llmlab chat --once`.
# The lock was made by `npm install --package-lock-only` in tools/gguf against a registry
# mirror that lacks the macOS, Windows and riscv64 packages; their entries (never installed
# on linux-x64) were completed by hand, without integrity hashes, so that `npm ci` accepts
# the lock. On a full registry the same command remakes it whole.
# test-gguf, part of make test, is the same on a tiny model, or one line saying why it
# is skipped (no npm; npm could not install: offline). LLMLAB_REQUIRE_GGUF=1 (CI)
# turns a skip into a failure.
GGUF_DIR   := $(BUILD)/gguf
GGUF_NODE  := $(GGUF_DIR)/node
GGUF_CKPT  ?= $(if $(wildcard runs/gpt/ckpt.bin),runs/gpt/ckpt.bin,$(GGUF_DIR)/run/ckpt.bin)
GGUF_CHAT_CKPT ?= $(wildcard runs/chat/ckpt.bin)
GGUF_TRAIN ?= --vocab 1024 --layers 2 --heads 2 --embd 64 --ctx 128 --batch 8 --steps 300 --lr 0.003 --warmup 30 --eval-every 100
GGUF_THREADS ?= 1
FORTUNES_SRC := /usr/share/games/fortunes

$(GGUF_NODE)/.installed: tools/gguf/package.json tools/gguf/package-lock.json
	@mkdir -p $(GGUF_NODE)
	@cp tools/gguf/package.json tools/gguf/package-lock.json $(GGUF_NODE)/
	@echo "npm: installing node-llama-cpp (CPU, linux-x64) into $(GGUF_NODE)"
	@cd $(GGUF_NODE) && NODE_LLAMA_CPP_SKIP_DOWNLOAD=true npm ci --ignore-scripts --omit=optional \
	  --no-audit --no-fund --loglevel=error >npm.log 2>&1 || { cat npm.log; exit 1; }
	@touch $@

data/fortunes/val.txt: | $(LLMLAB_BIN)
	@$(LLMLAB_BIN) corpus fortunes $(FORTUNES_SRC) data/fortunes

# The fortunes as one text (no <|endoftext|> between them): a model trained on it never ends
# a document, so greedy generation runs its whole length and compares every token.
data/gguf-fortunes/val.txt: data/fortunes/val.txt
	@mkdir -p $(dir $@)
	@sed 's/<|endoftext|>//g' data/fortunes/train.txt > $(dir $@)train.txt
	@sed 's/<|endoftext|>//g' data/fortunes/val.txt > $@

$(GGUF_DIR)/run/ckpt.bin: | $(LLMLAB_BIN) data/gguf-fortunes/val.txt
	@echo "check-gguf: no runs/gpt/ckpt.bin (make demo); training a small model into $(GGUF_DIR)/run"
	@OMP_NUM_THREADS=$(GGUF_THREADS) $(LLMLAB_BIN) train --data gguf-fortunes $(GGUF_TRAIN) --run $(GGUF_DIR)/run \
	  --force --quiet

# $(1): checkpoint, $(2): folder of the export, $(3): check.mjs's extra arguments
define gguf_check
	@$(LLMLAB_BIN) export --ckpt $(1) --format gguf -o $(2)/model.gguf
	@$(LLMLAB_BIN) export --ckpt $(1) --out $(2)/safetensors 2>/dev/null  # its tokenizer.bpe
	@node tools/gguf/check.mjs --modules $(GGUF_NODE) --llmlab $(LLMLAB_BIN) --ckpt $(1) \
	  --gguf $(2)/model.gguf --tokenizer $(2)/safetensors/tokenizer.bpe --text data/fortunes/val.txt \
	  --threads $(GGUF_THREADS) $(3)
endef

check-gguf: llmlab $(GGUF_NODE)/.installed data/fortunes/val.txt  ## llama.cpp (node-llama-cpp from npm) runs `llmlab export --format gguf` as llmlab does
	@if [ ! -f "$(GGUF_CKPT)" ]; then \
	  if [ "$(GGUF_CKPT)" != "$(GGUF_DIR)/run/ckpt.bin" ]; then echo "check-gguf: no checkpoint $(GGUF_CKPT)"; exit 1; fi; \
	  $(MAKE) -s --no-print-directory $(GGUF_DIR)/run/ckpt.bin; fi
	$(call gguf_check,$(GGUF_CKPT),$(GGUF_DIR))
	@if [ -z "$(GGUF_CHAT_CKPT)" ]; then echo "chat: skipped: no runs/chat/ckpt.bin (Week 3: make demo-week3)"; else \
	  $(LLMLAB_BIN) export --ckpt $(GGUF_CHAT_CKPT) --format gguf -o $(GGUF_DIR)/chat.gguf && \
	  node tools/gguf/check_chat.mjs --modules $(GGUF_NODE) --llmlab $(LLMLAB_BIN) --ckpt $(GGUF_CHAT_CKPT) \
	    --gguf $(GGUF_DIR)/chat.gguf --threads $(GGUF_THREADS); fi

test-gguf: llmlab
	@if ! command -v npm >/dev/null || ! command -v node >/dev/null; then \
	  echo "test-gguf: skipped: npm not found (apt-get install nodejs npm)"; \
	  if [ "$$LLMLAB_REQUIRE_GGUF" = 1 ]; then exit 1; fi; \
	elif ! $(MAKE) -s --no-print-directory $(GGUF_NODE)/.installed; then \
	  echo "test-gguf: skipped: npm could not install node-llama-cpp (offline?)"; \
	  if [ "$$LLMLAB_REQUIRE_GGUF" = 1 ]; then exit 1; fi; \
	elif [ ! -f data/fortunes/val.txt ] && [ ! -d $(FORTUNES_SRC) ]; then \
	  echo "test-gguf: skipped: no fortunes corpus (apt-get install fortunes)"; \
	  if [ "$$LLMLAB_REQUIRE_GGUF" = 1 ]; then exit 1; fi; \
	else $(MAKE) -s --no-print-directory test-gguf-run; fi

test-gguf-run: data/gguf-fortunes/val.txt
	@rm -rf $(GGUF_DIR)/quick
	@OMP_NUM_THREADS=$(GGUF_THREADS) $(LLMLAB_BIN) train --data gguf-fortunes --vocab 1024 --layers 1 --heads 2 \
	  --embd 32 --ctx 64 --batch 4 --steps 20 --eval-every 10 --run $(GGUF_DIR)/quick/run --quiet >/dev/null
	$(call gguf_check,$(GGUF_DIR)/quick/run/ckpt.bin,$(GGUF_DIR)/quick,--quick --tokens 24)

# ---- performance (never a timed test: a benchmark, see BENCHMARKS.md) ----
BENCH_SRC := $(wildcard tools/bench/*.c)
BENCHES   := $(BENCH_SRC:tools/bench/%.c=$(BUILD)/bench/%)
# One part each (ARGS=... passes arguments: make bench-gpt ARGS=A); make bench
# runs them all, the matrix products first. OpenBLAS and PyTorch are measured
# with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset: set (as on some shared
# machines), they pin OpenBLAS to another processor's kernels.
BENCH_PARTS := matmul bpe gpt busy
bench:  ## performance: every part below, one after the other (minutes)
	@for p in $(BENCH_PARTS); do $(MAKE) -s --no-print-directory bench-$$p || exit 1; echo; done
bench-matmul: $(BUILD)/bench/bench_matmul  ## performance: Day 2's matmul steps vs the measured peak, gemm_fast vs OpenBLAS
	@env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE $< $(ARGS)
bench-bpe: $(BUILD)/bench/bench_bpe  ## performance: Day 5's BPE training and encoding vs sentencepiece
	@$< $(ARGS)
bench-gpt: $(BUILD)/bench/bench_gpt  ## performance: Week 2's GPT training vs PyTorch, sampling with the KV cache
	@$< $(ARGS)
bench-busy: $(BUILD)/bench/bench_busy  ## performance: one and two threads on a quiet and on a busy machine
	@$< $(ARGS)

# -ldl: bench_matmul loads OpenBLAS at run time (part of libc since glibc 2.34)
$(BUILD)/bench/%: $(BUILD)/obj/tools/bench/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS_OMP) $^ -o $@ $(LDLIBS) -ldl
-include $(BENCH_SRC:%.c=$(BUILD)/obj/%.d)

# ---- fuzzing (clang's libFuzzer): every parser of outside input ----
# Each target is tools/fuzz/fuzz_NAME.c with a seed corpus in tools/fuzz/corpus/NAME/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := $(patsubst tools/fuzz/fuzz_%.c,%,$(wildcard tools/fuzz/fuzz_*.c))
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
fuzz:  ## fuzz every parser for FUZZ_SECONDS each (clang + libFuzzer); new crashes land in build/fuzz/
	@$(MAKE) -s --no-print-directory BUILD=$(BUILD)/fuzz/lib-libfuzzer CC=clang OPENMP=0 EXTRA_CFLAGS= \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link $(FUZZ_SAN)" lib
	@for t in $(FUZZ_TARGETS); do \
	  clang $(CPPFLAGS) -g -O1 -fsanitize=fuzzer $(FUZZ_SAN) tools/fuzz/fuzz_$$t.c \
	    $(BUILD)/fuzz/lib-libfuzzer/libllmlab.a -o $(BUILD)/fuzz/fuzz_$$t -lm -lz || exit 1; \
	  mkdir -p $(BUILD)/fuzz/corpus_$$t; \
	  $(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=$(BUILD)/fuzz/ \
	    $(BUILD)/fuzz/corpus_$$t tools/fuzz/corpus/$$t || exit 1; \
	done

# make test replays each committed corpus under the sanitizers, without libFuzzer
fuzz-replay:
	@$(MAKE) -s --no-print-directory BUILD=$(BUILD)/fuzz/lib-replay OPENMP=0 EXTRA_CFLAGS= \
	  CFLAGS="-O1 -g $(FUZZ_SAN)" lib
	@for t in $(FUZZ_TARGETS); do \
	  $(CC) $(CPPFLAGS) -g -O1 $(FUZZ_SAN) tools/fuzz/fuzz_$$t.c tools/fuzz/replay.c \
	    $(BUILD)/fuzz/lib-replay/libllmlab.a -o $(BUILD)/fuzz/replay_$$t -lm -lz || exit 1; \
	  printf '%-12s ' $$t; $(BUILD)/fuzz/replay_$$t tools/fuzz/corpus/$$t/* || exit 1; \
	done

# ---- runs, plots, docs ----
# RUN reaches the program as it was typed, through the environment, never as
# shell or make text: a folder called "my run", "it's" or "$$x" is drawn like any other.
plot: export LLMLAB_PLOT_RUN = $(value RUN)
plot: llmlab  ## draw runs/NAME/loss.png and a terminal plot: make plot RUN=runs/NAME (LOGY=1: log scale)
	@$(LLMLAB_BIN) plot $(if $(filter 1,$(LOGY)),--logy) "$$LLMLAB_PLOT_RUN"

data: llmlab  ## prepare data/: Fashion-MNIST from Debian, tinyshakespeare (checksummed; LLMLAB_DATA_MIRROR=DIR)
	@LLMLAB='$(abspath $(LLMLAB_BIN))' bash tools/data.sh

docs:  ## the Doxygen site in build/docs/html (fails on any warning)
	@bash tools/build_docs.sh

docs-shots:  ## screenshots of the site in headless Chromium, in build/docs/shots (after make docs)
	@bash tools/docs_screenshots.sh

# ---- for course developers ----
skeletons:  ## derive lesson skeletons from solutions/ (never overwrites your edits)
	@$(PYTHON) tools/skeletonize.py write

fixtures:  ## recompute PyTorch fixtures (needs python3-torch)
	/usr/bin/python3 tools/make_fixtures.py $(LESSON)

solution-branch:  ## make a local git branch `solution` with every skeleton solved
	@bash tools/solution_branch.sh

compdb:  ## write compile_commands.json for editors (clangd): every C file with its build flags
	@$(PYTHON) tools/grade.py --build $(BUILD) --cc "$(CC)" --cflags "$(ALL_CFLAGS)" --ldlibs "" --compdb compile_commands.json

setup:  ## install the system packages the course needs (Debian/Ubuntu; brew hints elsewhere)
	@bash tools/setup.sh

clean:  ## remove build/ (keeps data/ and runs/)
	rm -rf $(BUILD)

print-%:  # make print-GRADE: the value of a variable (for scripts)
	@echo '$($*)'
