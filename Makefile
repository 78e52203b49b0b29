# plbuf - see README.md.  `make` builds, `make demo` runs the main job, `make check` runs every test.
BUILD   ?= build
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
BINDIR  ?= $(PREFIX)/bin
DESTDIR ?=
CC      ?= cc
AR      ?= ar
# SAN=1: AddressSanitizer + UBSan build (make check does one in build/asan).
SAN     ?=
# FAULT=1: the system-call door (src/os/sys.h) asks tests/lib/fault.c first; only the fault tests'
# own build has it (tests/suites/fault.sh), never a library that is installed.
# TSAN=1: ThreadSanitizer (tests/suites/tsan.sh).  FUZZ=1 with CC=clang: libFuzzer coverage
# (make fuzz, tests/suites/fuzz.sh).
FAULT   ?=
TSAN    ?=
FUZZ    ?=
FUZZ_SECONDS ?= 300
# CI sets CI=true: warnings are errors there.
WERROR  ?= $(if $(CI),-Werror,)

VERSION := 0.1.0
SOMAJOR := 0

TARGET_ARCH_NAME := $(shell $(CC) -dumpmachine | cut -d- -f1)
ifeq ($(TARGET_ARCH_NAME),aarch64)
ARCH_SRC := src/arch/aarch64.c
else ifneq ($(filter arm%,$(TARGET_ARCH_NAME)),)
ARCH_SRC := src/arch/arm.c
else ifeq ($(TARGET_ARCH_NAME),x86_64)
ARCH_SRC := src/arch/x86_64.c
else
ARCH_SRC := src/arch/generic.c
endif
ifeq ($(wildcard $(ARCH_SRC)),)
ARCH_SRC := $(wildcard src/arch/generic.c)
endif

# The XRT backend needs Debian's libxrt-dev; it is built whenever the headers are there, and never
# by a cross compiler (the headers and libxrt_coreutil in /usr are the build machine's).
HAVE_XRT ?= $(if $(filter $(TARGET_ARCH_NAME),$(shell uname -m)),$(shell test -f /usr/include/xrt/xrt/xrt_bo.h -o -f /usr/include/xrt/xrt_bo.h && echo 1))

# 64-bit off_t everywhere: sizes and offsets are 64-bit on 32-bit ARM too, and readdir() of a
# 64-bit filesystem fails with EOVERFLOW without it.
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter -fPIC -pthread $(WERROR)
LDLIBS   += -pthread -lrt
ifeq ($(SAN),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
endif
ifeq ($(FAULT),1)
CPPFLAGS += -DPLBUF_FAULT_INJECTION
endif
ifeq ($(TSAN),1)
# gcc warns that TSan ignores fences: plbuf's order DMA and other processes, not threads.
CFLAGS   += -fsanitize=thread $(if $(findstring clang,$(CC)),,-Wno-tsan)
LDFLAGS  += -fsanitize=thread
endif
ifeq ($(FUZZ),1)
CFLAGS   += -fsanitize=fuzzer-no-link
endif
ifeq ($(HAVE_XRT),1)
CPPFLAGS += -DPLBUF_HAVE_XRT -I/usr/include/xrt
XRT_LIBS := -lxrt_coreutil -lxrt_core
endif

LIB_SRC  := $(sort $(wildcard src/*.c src/os/*.c src/backends/*.c)) $(ARCH_SRC)
ifneq ($(HAVE_XRT),1)
LIB_SRC  := $(filter-out src/backends/xrt.c,$(LIB_SRC))
endif
CLI_SRC  := $(sort $(wildcard cli/*.c))
TEST_SRC := $(sort $(wildcard tests/t_*.c))
ifneq ($(FAULT),1)
TEST_SRC := $(filter-out tests/t_fault_%,$(TEST_SRC))
endif
TEST_LIB_SRC := $(sort $(wildcard tests/lib/*.c))
ifeq ($(TSAN),1)
# The fixture's own mmap() takes the place of ThreadSanitizer's, which then crashes at start:
# the TSan build (tests/suites/tsan.sh) makes only the threaded tests, which use no fixture.
TEST_LIB_SRC := $(filter-out tests/lib/fixture.c tests/lib/shim_%,$(TEST_LIB_SRC))
endif
BENCH_SRC := $(sort $(wildcard bench/b_*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
TEST_LIB_OBJ := $(TEST_LIB_SRC:%.c=$(BUILD)/obj/%.o)
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
BENCHES  := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
# bench/b_dpdk compares with DPDK (Debian's libdpdk-dev); never in cross builds, as for XRT.
HAVE_DPDK ?= $(if $(filter $(TARGET_ARCH_NAME),$(shell uname -m)),$(shell pkg-config --exists libdpdk 2>/dev/null && echo 1))
ifneq ($(HAVE_DPDK),1)
BENCHES  := $(filter-out $(BUILD)/bench/b_dpdk,$(BENCHES))
endif

SONAME   := libplbuf.so.$(SOMAJOR)
SHLIB    := $(BUILD)/libplbuf.so.$(VERSION)
STLIB    := $(BUILD)/libplbuf.a

all: $(STLIB) $(BUILD)/libplbuf.so $(BUILD)/plbuf $(TESTS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(STLIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(LIB_OBJ) src/plbuf.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/plbuf.map $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS) $(XRT_LIBS)

$(BUILD)/libplbuf.so: $(SHLIB)
	ln -sf libplbuf.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/plbuf: $(CLI_OBJ) $(STLIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STLIB) $(LDLIBS) $(XRT_LIBS)

# Tests link the static library so that they can reach internal functions too.
$(BUILD)/tests/%: tests/%.c $(TEST_LIB_OBJ) $(STLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJ) $(STLIB) $(LDLIBS) $(XRT_LIBS)

$(BUILD)/bench/%: bench/%.c bench/bench.h $(STLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LDLIBS) $(XRT_LIBS)

# DPDK's own program does not link plbuf: one EAL per process, nothing else in it.
$(BUILD)/bench/b_dpdk: bench/b_dpdk.c bench/bench.h
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Isrc,$(CPPFLAGS)) $(CFLAGS) -Wno-shadow $(shell pkg-config --cflags libdpdk) \
	    $(LDFLAGS) -o $@ $< $(shell pkg-config --libs libdpdk) $(LDLIBS)

# `make bench` builds bench/ and runs it all (as root: it reserves hugepages for the run);
# `make bench-programs` only builds (tests/suites/bench_smoke.sh runs each once on tiny sizes).
bench-programs: $(BENCHES)

bench: all $(BENCHES)
	bench/run.sh $(BUILD)

# libFuzzer targets (tests/fuzz/): `make fuzz` builds them in $(BUILD)/fuzz with clang and runs each
# for FUZZ_SECONDS; make check runs them for 60 s each (tests/suites/fuzz.sh).
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fz_*.c))
FUZZERS  := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $(BUILD)/obj/tests/lib/fault.o $(STLIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) -fsanitize=fuzzer $(LDFLAGS) -o $@ $< \
	    $(BUILD)/obj/tests/lib/fault.o $(STLIB) $(LDLIBS) $(XRT_LIBS)

fuzzers: $(FUZZERS)

fuzz:
	PLBUF_TEST_BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/suites/fuzz.sh

# Every test program of the normal build under valgrind memcheck (tests/valgrind.sh says which
# are left out and why).
check-valgrind: all
	tests/valgrind.sh $(BUILD)

# Real RTL under Verilator (verilog-axi's axi_cdma from ../shared/vendor) driven through plbuf's
# register windows and interrupts: tests/suites/cosim.sh, docs/cosim.md.
check-cosim: all
	PLBUF_TEST_BUILD=$(BUILD) bash tests/suites/cosim.sh

.PHONY: fuzz fuzzers check-valgrind check-cosim

demo: all
	$(BUILD)/plbuf demo

# Installs what the tests need (Debian packages, as root) when it is missing, builds the normal and
# the sanitizer build, and runs every test suite.  The runner's last line is `N passed, N failed`.
check:
	tests/deps.sh
	$(MAKE) all bench-programs
	$(MAKE) BUILD=$(BUILD)/asan SAN=1 all
	tests/run.sh $(BUILD) $(BUILD)/asan

install: all
	install -d $(DESTDIR)$(INCDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR)
	install -m 644 include/plbuf.h $(DESTDIR)$(INCDIR)/
	install -m 644 $(STLIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libplbuf.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libplbuf.so
	# Generated here, so that it names the PREFIX given to this install.
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' -e 's|@LIBS_PRIVATE@|$(XRT_LIBS)|' \
	    plbuf.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/plbuf.pc
	install -m 755 $(BUILD)/plbuf $(DESTDIR)$(BINDIR)/

clean:
	rm -rf $(BUILD)

.PHONY: all demo check install clean bench bench-programs
-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_LIB_OBJ:.o=.d)

# ---- the real u-dma-buf driver in the x86_64 QEMU guest (tests/qemu/udmabuf.sh), alone; with the
# shim's side of the ABI comparison and the IOMMU refusal on the host first.
check-udmabuf: all
	$(BUILD)/tests/t_udmabuf_abi
	$(BUILD)/tests/t_udmabuf_iommu
	bash tests/suites/udmabuf.sh
.PHONY: check-udmabuf

# ---- the Python binding (python/, docs/python.md): its pytest suite against the normal build, or
# the sanitizer build with `make check-python BUILD=build/asan` (after `make BUILD=build/asan SAN=1`).
check-python: all
	PLBUF_TEST_BUILD=$(BUILD) bash tests/suites/python.sh
.PHONY: check-python

# ---- the arm64 QEMU guest (tests/qemu/arm64.sh): real zocl, the PC backends and u-dma-buf on
# qemu-system-aarch64 -M virt, alone; the zocl shim's exhaustion test on the host first.
check-arm64: all
	$(BUILD)/tests/t_zocl_create_once
	bash tests/suites/arm64.sh
.PHONY: check-arm64

# ---- QEMU's ZynqMP board model (tests/qemu/zynqmp.sh): plbuf's backends proven by the SoC's own
# GDMA on qemu-system-aarch64 -M xlnx-zcu102, alone.
check-zynqmp: all
	bash tests/suites/zynqmp.sh
.PHONY: check-zynqmp
