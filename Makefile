# runsc-lite — one `make` builds everything out of tree in $(BUILD).
#
#   make            build/runsc-lite (the only installed binary)
#   make test       deps + build + unit and integration tests, plain and ASan+UBSan
#   make demo       run the built-in example in the sandbox
#   make bench      per-syscall cost, native vs sandbox (bench/run.sh)
#   make fuzz       libFuzzer on the 9P codec and the gofer (tests/fuzz/fuzz.mk)
#   make deps       install the Debian packages the build needs (root)
#   make arm64      cross build for arm64 into build/arm64 (arm64-deps: its packages)
#   make arm64-test that build tested in a qemu-system-aarch64 guest
#   make install PREFIX=/usr/local
#
# SAN=1 builds into build/san with -fsanitize=address,undefined.

PREFIX  ?= /usr/local
CC      ?= gcc
SAN     ?=
ifeq ($(SAN),1)
BUILD   ?= build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
else
BUILD   ?= build
SANFLAGS :=
endif

DEB_PACKAGES := gcc make pkg-config libseccomp-dev libcap-dev libprotobuf-c-dev \
                protobuf-c-compiler libcmocka-dev busybox-static slirp4netns
# OCI: config.json (json-c); podman, conmon, crun and containerd for the
# tests/integration/test_podman.sh and test_containerd.sh clients
DEB_PACKAGES += libjson-c-dev podman conmon crun containerd

WARN    := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
CFLAGS  ?= -O2 -g
ALL_CFLAGS := -std=gnu11 $(WARN) $(CFLAGS) $(SANFLAGS) -D_GNU_SOURCE -I. -I$(BUILD)/gen -MMD -MP
LDLIBS  := -lseccomp -lcap -lprotobuf-c -lpthread -ljson-c
# runsc-lite itself is linked statically in the plain build: it is exec'd
# three times per sandbox (CLI, gofer, sentry), and the dynamic loader cost
# each ~0.5 ms (container start 19 -> 17 ms, docs/PERFORMANCE.md).  The
# sanitizer build cannot be, and the arm64 build stays as its guest expects.
# (getpwuid and getaddrinfo load the NSS modules of the glibc it was built
# with, which the machine that builds it has.)
ifeq ($(SAN),1)
STATIC  ?=
else
STATIC  ?= -static
endif

# Components: each directory is one static library with one public header.
COMPONENTS := p9 gofer sentry platform audit
p9_SRCS       := $(wildcard p9/*.c)
gofer_SRCS    := $(wildcard gofer/*.c)
sentry_SRCS   := $(wildcard sentry/*.c)
platform_SRCS := $(wildcard platform/*.c)
audit_SRCS    := $(wildcard audit/*.c)
cli_SRCS      := $(wildcard runsc-lite/*.c)

PROTOS     := $(wildcard runsc-lite/*.proto) $(wildcard audit/*.proto)
PROTO_C    := $(patsubst %.proto,$(BUILD)/gen/%.pb-c.c,$(notdir $(PROTOS)))
PROTO_H    := $(PROTO_C:.c=.h)
POLICY_C   := $(BUILD)/gen/policies.c

objs = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBS := $(foreach c,$(COMPONENTS),$(BUILD)/lib$(c).a)

# The target architecture, from the compiler: x86_64 or aarch64 (a cross
# build: make CC=aarch64-linux-gnu-gcc BUILD=build/arm64).
ARCH := $(firstword $(subst -, ,$(shell $(CC) -dumpmachine)))

# The exec loader: freestanding, static-pie, never sanitized (it runs before
# any runtime exists); embedded into runsc-lite.  Its entry stub is per
# architecture (platform/loader/start_$(ARCH).S).
LOADER      := $(BUILD)/rl-loader
LOADER_SRCS := $(wildcard platform/loader/*.c) platform/loader/start_$(ARCH).S
LOADER_CFLAGS := -std=gnu11 $(WARN) -O2 -fPIE -ffreestanding -fno-stack-protector \
                 -fno-builtin -fno-asynchronous-unwind-tables -nostdlib -I.
ifeq ($(ARCH),x86_64)
LOADER_CFLAGS += -fcf-protection=none
endif
LOADER_LDFLAGS := -static-pie -nostdlib -Wl,--no-dynamic-linker -Wl,-z,noexecstack \
                  -Wl,--build-id=none -Wl,-z,norelro

BIN := $(BUILD)/runsc-lite

.PHONY: all deps check-deps test unit integration demo install clean bench
all: check-deps $(BIN)

# ---- dependencies ---------------------------------------------------------
HEADERS_NEEDED := /usr/include/seccomp.h /usr/include/sys/capability.h \
                  /usr/include/protobuf-c/protobuf-c.h /usr/include/cmocka.h /usr/bin/protoc-c \
                  /usr/include/json-c/json.h
check-deps:
	@missing=; for h in $(HEADERS_NEEDED); do [ -e $$h ] || missing=1; done; \
	[ -x /bin/busybox ] && ! readelf -l /bin/busybox 2>/dev/null | grep -q INTERP || missing=1; \
	if [ -n "$$missing" ]; then $(MAKE) --no-print-directory deps; fi

deps:
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "runsc-lite: missing build dependencies; as root run:"; \
	  echo "  apt-get update && apt-get install -y $(DEB_PACKAGES)"; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(DEB_PACKAGES) >/dev/null

# ---- generated sources ----------------------------------------------------
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: runsc-lite/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=runsc-lite --c_out=$(BUILD)/gen $<

# the audit/trace event stream (audit/FORMAT.md)
$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: audit/%.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --proto_path=audit --c_out=$(BUILD)/gen $<

$(POLICY_C): configs/policy-gen.sh $(wildcard configs/*.policy)
	@mkdir -p $(BUILD)/gen
	sh configs/policy-gen.sh configs/*.policy > $@.tmp && mv $@.tmp $@

# ---- objects and libraries ------------------------------------------------
$(BUILD)/obj/%.o: %.c | $(PROTO_H)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S $(LOADER)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DLOADER_PATH='"$(LOADER)"' -c $< -o $@

define component_lib
$(BUILD)/lib$(1).a: $(call objs,$($(1)_SRCS)) $(if $(filter platform,$(1)),$(BUILD)/obj/platform/loader_blob.o)
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach c,$(COMPONENTS),$(eval $(call component_lib,$(c))))

$(BUILD)/obj/platform/loader_blob.o: platform/loader_blob.S $(LOADER)
	@mkdir -p $(dir $@)
	$(CC) $(SANFLAGS) -DLOADER_PATH='"$(LOADER)"' -c $< -o $@

$(LOADER): $(LOADER_SRCS) platform/loader/loader_abi.h
	@mkdir -p $(dir $@)
	$(CC) $(LOADER_CFLAGS) $(LOADER_LDFLAGS) $(LOADER_SRCS) -o $@
	@if readelf -rW $@ | grep -q 'R_X86_64\|R_AARCH64'; then \
	  echo "rl-loader: runtime relocations are not allowed"; rm -f $@; exit 1; fi

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-shadow -c $< -o $@

GEN_OBJS := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(PROTO_C) $(POLICY_C))

$(BIN): $(call objs,$(cli_SRCS)) $(GEN_OBJS) $(LIBS)
	$(CC) $(ALL_CFLAGS) -o $@ $(call objs,$(cli_SRCS)) $(GEN_OBJS) \
	  -Wl,--start-group $(LIBS) -Wl,--end-group $(STATIC) $(LDLIBS)

# ---- tests ----------------------------------------------------------------
# Every tests/unit/<component>/test_*.c is one cmocka binary.
UNIT_SRCS := $(wildcard tests/unit/*/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
TEST_HELPER_SRCS := $(wildcard tests/helpers/*.c)
TEST_HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/tests/helpers/%,$(TEST_HELPER_SRCS))

# (the log is the CLI's module, which the components log through)
UNIT_OBJS := $(GEN_OBJS) $(call objs,runsc-lite/log.c)
$(BUILD)/tests/%: tests/unit/%.c $(UNIT_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(UNIT_OBJS) -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS) -lcmocka

# tests/unit/runsc-lite/: the CLI's modules, without its main()
CLI_MODULE_OBJS := $(call objs,$(filter-out runsc-lite/main.c,$(cli_SRCS)))
$(BUILD)/tests/runsc-lite/%: tests/unit/runsc-lite/%.c $(CLI_MODULE_OBJS) $(GEN_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(CLI_MODULE_OBJS) $(GEN_OBJS) -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS) -lcmocka

$(BUILD)/tests/helpers/%: tests/helpers/%.c
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 $(WARN) -O2 -g -D_GNU_SOURCE $(if $(filter static_%,$*),-static) -o $@ $<

# the conformance probes share tests/helpers/conf.h
$(TEST_HELPERS): tests/helpers/conf.h

tests-build: all $(UNIT_BINS) $(TEST_HELPERS)
.PHONY: tests-build

# make test: the plain build, then the ASan+UBSan build, each running the
# whole suite; one summary line at the end.
test: check-deps
	@$(MAKE) --no-print-directory tests-build
	@$(MAKE) --no-print-directory SAN=1 tests-build
	@$(MAKE) --no-print-directory arm64 || echo "arm64: cross build failed (its stage will say so)"
	@sh tests/run.sh

unit integration: check-deps tests-build
	@TESTS_ONLY=$@ sh tests/run.sh

demo: all
	@sh tests/demo.sh $(BIN)

bench: all
	@sh bench/run.sh $(CURDIR)/$(BUILD) 3

install: all
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/runsc-lite

# Syscall fuzzing from inside the sandbox, long: FUZZ_CALLS (default 10^6)
# random trapped syscalls; `make test` runs the short form (20000).
FUZZ_CALLS ?= 1000000
fuzz-syscalls: tests-build
	@s=$$(mktemp -d /tmp/rl-fuzz.XXXXXX); \
	FUZZ_CALLS=$(FUZZ_CALLS) RL=$(CURDIR)/$(BIN) BUILD=$(CURDIR)/$(BUILD) TOP=$(CURDIR) SCRATCH=$$s \
		bash tests/integration/test_fuzz_syscalls.sh; rc=$$?; rm -rf $$s; exit $$rc
.PHONY: fuzz-syscalls

clean:
	rm -rf build

# ---- arm64 ---------------------------------------------------------------------
# A cross build (make arm64: build/arm64) and its test in a qemu-system-aarch64
# guest (make arm64-test; `make test` runs it as its own stage through
# tests/run.sh).  Debian's multiarch arm64 libraries and cross gcc; qemu's
# TCG (no KVM).  The guest's kernel and busybox come from Debian's arm64
# .debs, downloaded once into /var/cache/runsc-lite/arm64.
ARM64_CC    := aarch64-linux-gnu-gcc
ARM64_BUILD := build/arm64
ARM64_DEB_PACKAGES := gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-system-arm \
                      libseccomp-dev:arm64 libcap-dev:arm64 libprotobuf-c-dev:arm64 \
                      libjson-c-dev:arm64 libcmocka-dev:arm64
# what the guest runs besides runsc-lite: the policy unit tests and the
# AArch32 check, cross-built
ARM64_TESTS := tests/platform/test_app_policy tests/platform/test_helper_policies tests/arm64/aarch32_killed \
               tests/helpers/static_forkexec tests/helpers/static_thread_opens

arm64-deps:
	@if [ "$$(id -u)" != 0 ]; then \
	  echo "runsc-lite: the arm64 build needs, as root:"; \
	  echo "  dpkg --add-architecture arm64 && apt-get update && apt-get install -y $(ARM64_DEB_PACKAGES)"; exit 1; fi
	dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(ARM64_DEB_PACKAGES) >/dev/null

# (packages that cannot be installed: the stage skips; a build that fails
# leaves .build-failed, and the stage fails)
arm64:
	@rm -f $(ARM64_BUILD)/.build-failed
	@command -v $(ARM64_CC) >/dev/null && [ -e /usr/lib/aarch64-linux-gnu/libcmocka.so ] && \
	  command -v qemu-system-aarch64 >/dev/null || $(MAKE) --no-print-directory arm64-deps
	@$(MAKE) --no-print-directory CC=$(ARM64_CC) BUILD=$(ARM64_BUILD) SAN= STATIC= all \
	  $(addprefix $(ARM64_BUILD)/,$(ARM64_TESTS)) || \
	  { mkdir -p $(ARM64_BUILD) && touch $(ARM64_BUILD)/.build-failed; exit 1; }

arm64-test: arm64
	@sh tests/arm64/run.sh

# tests/arm64/*.c: guest-side checks, linked like the unit tests
$(BUILD)/tests/arm64/%: tests/arm64/%.c $(UNIT_OBJS) $(LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(UNIT_OBJS) -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS)
.PHONY: arm64 arm64-deps arm64-test

-include tests/fuzz/fuzz.mk
-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
