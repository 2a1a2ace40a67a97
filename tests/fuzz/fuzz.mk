# Fuzzing of the 9P codec and of the gofer; included by the top-level Makefile.
#
#   make fuzz [FUZZ_SECONDS=60]   build every target with clang + libFuzzer + ASan
#                                 + UBSan into build/fuzz/ and run each one for
#                                 FUZZ_SECONDS on its corpus
#   make fuzz-replay              run every corpus through its target without
#                                 libFuzzer (clang -fsanitize=fuzzer-no-link, or
#                                 gcc when clang is missing), ASan + UBSan
#   make fuzz-corpus              (re)write the seeds of tests/fuzz/corpus/ and
#                                 tests/fuzz/repro/ with tests/fuzz/gen_corpus.c
#                                 (files added by hand, e.g. crash reproducers,
#                                 are kept)
#   make tests-build              also builds $(BUILD)/tests/fuzz/test_replay_<target>
#                                 (the replay runner against this variant's
#                                 libraries), so tests/run.sh replays the corpus
#                                 in every variant of `make test`
#
# Targets: tests/fuzz/fuzz_<target>.c, corpus tests/fuzz/corpus/<target>/.
# New inputs found by `make fuzz` go to build/fuzz/corpus/<target>/, crashes
# to build/fuzz/artifacts/; a crash is reproduced with
#   build/fuzz/fuzz_<target> build/fuzz/artifacts/<target>-crash-...
# and belongs in tests/fuzz/corpus/<target>/ once understood.

FUZZ_TARGETS := decode gofer trace
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
ifeq ($(origin FUZZ_CLANG),undefined)
FUZZ_CLANG   := $(shell command -v clang-14 2>/dev/null || command -v clang 2>/dev/null)
endif
# The code each target exercises, compiled in with its instrumentation (the
# gen/ headers are not needed).
FUZZ_SRCS_decode := $(wildcard p9/*.c)
FUZZ_SRCS_gofer  := $(wildcard p9/*.c) $(wildcard gofer/*.c)
# the trace reader and its consumers, with the generated protobuf-c code of
# the plain build
FUZZ_SRCS_trace  := audit/stream.c audit/json.c audit/report.c build/gen/trace.pb-c.c
FUZZ_LIBS_trace  := -lprotobuf-c
FUZZ_HEADERS := $(wildcard p9/*.h) $(wildcard gofer/*.h)
FUZZ_CFLAGS  := -std=gnu11 -g -O1 -fno-omit-frame-pointer -D_GNU_SOURCE -I. -Ibuild/gen \
                -Wall -Wextra -Wno-unused-parameter -fno-sanitize-recover=undefined
FUZZ_SANS    := address,undefined
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_TARGETS))

FUZZ_REPLAYS := $(patsubst %,$(FUZZ_DIR)/replay_%,$(FUZZ_TARGETS))

# A shell condition: true when $(FUZZ_CLANG) can link a libFuzzer binary
# (clang and libclang-rt present).  Parenthesised: it is used after `!`.
fuzz_probe = ( [ -n "$(FUZZ_CLANG)" ] && \
	printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' | \
	$(FUZZ_CLANG) -x c - -fsanitize=fuzzer -o /dev/null 2>/dev/null )
# In a recipe an empty compiler would leave a line starting with "-" (make:
# ignore errors); name one so that a missing clang fails loudly.
FUZZ_CLANG_CMD := $(or $(FUZZ_CLANG),clang)

.PHONY: fuzz fuzz-build fuzz-replay fuzz-corpus

fuzz:
	@if ! $(fuzz_probe); then \
	  echo "fuzz: skipped: no clang able to link -fsanitize=fuzzer" \
	       "(apt-get install clang-14 libclang-rt-14-dev)"; exit 0; fi; \
	$(MAKE) --no-print-directory fuzz-build || exit 1; \
	for t in $(FUZZ_TARGETS); do \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  mkdir -p $(FUZZ_DIR)/corpus/$$t $(FUZZ_DIR)/artifacts; \
	  $(FUZZ_DIR)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=30 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/artifacts/$$t- \
	    $(FUZZ_DIR)/corpus/$$t tests/fuzz/corpus/$$t || exit 1; \
	done

fuzz-build: $(FUZZ_BINS)

# One compiler command per binary (a handful of sources).
define fuzz_target_rules
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	$(FUZZ_CLANG_CMD) $(FUZZ_CFLAGS) -fsanitize=fuzzer,$(FUZZ_SANS) -o $$@ $$< $(FUZZ_SRCS_$(1)) -lpthread $(FUZZ_LIBS_$(1))

# The replay runner: clang keeps the coverage instrumentation (the code as
# fuzzed), gcc is the fallback.
$(FUZZ_DIR)/replay_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/replay_main.c $(FUZZ_SRCS_$(1)) $(FUZZ_HEADERS)
	@mkdir -p $$(dir $$@)
	@if $(fuzz_probe); then cc="$(FUZZ_CLANG) -fsanitize=fuzzer-no-link,$(FUZZ_SANS)"; \
	else cc="gcc -fsanitize=$(FUZZ_SANS)"; fi; \
	echo "$$$$cc ... -o $$@"; \
	$$$$cc $(FUZZ_CFLAGS) -DFUZZ_TARGET='"$(1)"' \
	  -DFUZZ_CORPUS_DIR='"$(CURDIR)/tests/fuzz/corpus/$(1)"' \
	  -o $$@ $$< tests/fuzz/replay_main.c $(FUZZ_SRCS_$(1)) -lpthread $(FUZZ_LIBS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target_rules,$(t))))

fuzz-replay: $(FUZZ_REPLAYS)
	@for t in $(FUZZ_TARGETS); do $(FUZZ_DIR)/replay_$$t || exit 1; done

fuzz-corpus: $(BUILD)/libp9.a
	@mkdir -p $(FUZZ_DIR)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -o $(FUZZ_DIR)/gen_corpus \
	  tests/fuzz/gen_corpus.c $(BUILD)/libp9.a
	$(FUZZ_DIR)/gen_corpus tests/fuzz/corpus tests/fuzz/repro

# ---- the corpus replay in `make test` --------------------------------------
# Built like the other unit tests of the variant ($(CC), its sanitizer flags,
# its libraries); the corpus path is compiled in (RL_FUZZ_CORPUS overrides).
FUZZ_REPLAY_TESTS := $(patsubst %,$(BUILD)/tests/fuzz/test_replay_%,$(FUZZ_TARGETS))

tests-build: $(FUZZ_REPLAY_TESTS)

$(BUILD)/tests/fuzz/test_replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c \
		$(FUZZ_HEADERS) $(BUILD)/libgofer.a $(BUILD)/libp9.a
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -DFUZZ_TARGET='"$*"' \
	  -DFUZZ_CORPUS_DIR='"$(CURDIR)/tests/fuzz/corpus/$*"' \
	  -o $@ $< tests/fuzz/replay_main.c $(BUILD)/libgofer.a $(BUILD)/libp9.a -lpthread

# the trace reader is in libaudit, with the generated code of the variant
$(BUILD)/tests/fuzz/test_replay_trace: tests/fuzz/fuzz_trace.c tests/fuzz/replay_main.c \
		$(BUILD)/libaudit.a $(BUILD)/obj/gen/trace.pb-c.o
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(ALL_CFLAGS)) -DFUZZ_TARGET='"trace"' \
	  -DFUZZ_CORPUS_DIR='"$(CURDIR)/tests/fuzz/corpus/trace"' \
	  -o $@ $< tests/fuzz/replay_main.c $(BUILD)/libaudit.a $(BUILD)/obj/gen/trace.pb-c.o -lprotobuf-c -lpthread
