# plbuf - see README.md.  `make` builds, `make demo` runs the main job, `make check` runs every test.
# `make test` runs the unit test programs only; `make help` lists the targets.
#
# Packagers' conventions (as liburing's): CFLAGS, CPPFLAGS and LDFLAGS given on the command line or
# in the environment replace the defaults, and what the build needs is added to them (`override
# +=`); CC=clang and cross compilers (CC=aarch64-linux-gnu-gcc) work; PREFIX, DESTDIR, LIBDIR
# (Debian multiarch: LIBDIR=/usr/lib/x86_64-linux-gnu), INCLUDEDIR, BINDIR, MANDIR.
BUILD   ?= build
PREFIX  ?= /usr/local
LIBDIR  ?= $(PREFIX)/lib
INCDIR  ?= $(PREFIX)/include
INCLUDEDIR ?= $(INCDIR)
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
LIBEXECDIR ?= $(PREFIX)/libexec
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

# The version is written once, in include/plbuf.h (PLBUF_VERSION_MAJOR/MINOR/PATCH); the library,
# plbuf.pc, pyproject's setup.py and the man pages take it from there (debian/changelog must agree:
# tests/suites/packaging.sh checks).
VERSION := $(shell sed -n 's/^\#define PLBUF_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\).*/\2/p' include/plbuf.h | paste -sd.)
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

# The xrt backend loads XRT at run time (dlopen), so building it needs nothing from XRT and one
# library serves machines with and without it.  HAVE_XRT=no leaves the backend out (auto = yes).
HAVE_XRT ?= auto
ifneq ($(filter no 0,$(HAVE_XRT)),)
XRT_BACKEND :=
else
XRT_BACKEND := 1
endif

# 64-bit off_t everywhere: sizes and offsets are 64-bit on 32-bit ARM too, and readdir() of a
# 64-bit filesystem fails with EOVERFLOW without it.  -fvisibility=hidden: only the functions marked
# PLBUF_EXPORT (the API, listed in src/plbuf.map) leave the shared library.
CFLAGS   ?= -O2 -g
override CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64
override CFLAGS   += -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter -fPIC -pthread \
                     -fvisibility=hidden $(WERROR)
# glibc >= 2.34 (Debian 12) holds pthreads, shm_open and dlopen in libc itself: libplbuf needs
# nothing else (tests/suites/packaging.sh checks with ldd).
override LDLIBS   += -pthread
# The shared library must resolve every symbol at link time: an undefined one is a link error, not
# a surprise at run time.  Sanitizer runtimes are the exception (the program brings them).
LIB_LDFLAGS := -Wl,-z,defs
ifeq ($(SAN),1)
override CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
override LDFLAGS  += -fsanitize=address,undefined
LIB_LDFLAGS :=
endif
ifeq ($(FAULT),1)
override CPPFLAGS += -DPLBUF_FAULT_INJECTION
endif
ifeq ($(TSAN),1)
# gcc warns that TSan ignores fences: plbuf's order DMA and other processes, not threads.
override CFLAGS   += -fsanitize=thread $(if $(findstring clang,$(CC)),,-Wno-tsan)
override LDFLAGS  += -fsanitize=thread
LIB_LDFLAGS :=
endif
ifeq ($(FUZZ),1)
override CFLAGS   += -fsanitize=fuzzer-no-link
LIB_LDFLAGS :=
endif
ifeq ($(XRT_BACKEND),1)
override CPPFLAGS += -DPLBUF_HAVE_XRT
endif

LIB_SRC  := $(sort $(wildcard src/*.c src/os/*.c src/backends/*.c)) $(ARCH_SRC)
ifneq ($(XRT_BACKEND),1)
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
# bench/b_dpdk compares with DPDK (Debian's libdpdk-dev); never in cross builds (the .pc in /usr is
# the build machine's).
NATIVE   := $(filter $(TARGET_ARCH_NAME),$(shell uname -m))
HAVE_DPDK ?= $(if $(NATIVE),$(shell pkg-config --exists libdpdk 2>/dev/null && echo 1))
ifneq ($(HAVE_DPDK),1)
BENCHES  := $(filter-out $(BUILD)/bench/b_dpdk,$(BENCHES))
endif

SONAME   := libplbuf.so.$(SOMAJOR)
SHLIB    := $(BUILD)/libplbuf.so.$(VERSION)
STLIB    := $(BUILD)/libplbuf.a

all: lib cli $(TESTS)
lib: $(STLIB) $(BUILD)/libplbuf.so
cli: $(BUILD)/plbuf

# ---------------------------------------------------------------- the recorded configuration
# $(BUILD)/config.mk says how this build directory was made and what the machine offered.  It is
# rewritten only when that changes, and everything built depends on it: a build made before
# tests/deps.sh installed DPDK or clang, or with other flags or another compiler, is rebuilt whole,
# never mixed with a newer one.  (Git's GIT-CFLAGS does the same.)
CONFIG := $(BUILD)/config.mk
found = $(if $(shell command -v $(1) 2>/dev/null),$(1),-)
define CONFIG_TEXT :=
# plbuf build configuration ($(BUILD)): written by make, a change rebuilds everything.
VERSION    := $(VERSION)
CC         := $(CC)
CC_VERSION := $(shell $(CC) --version 2>/dev/null | head -n1)
TARGET     := $(shell $(CC) -dumpmachine)
CPPFLAGS   := $(CPPFLAGS)
CFLAGS     := $(CFLAGS)
LDFLAGS    := $(LDFLAGS)
LDLIBS     := $(LDLIBS)
SAN/TSAN/FAULT/FUZZ := $(SAN)/$(TSAN)/$(FAULT)/$(FUZZ)
# What was found.  XRT is loaded at run time, whatever is installed when building.
XRT_BACKEND := $(if $(XRT_BACKEND),yes (dlopen of libxrt_coreutil.so.2 at run time),no (HAVE_XRT=$(HAVE_XRT)))
XRT_INSTALLED := $(if $(wildcard /usr/lib/*/libxrt_coreutil.so.2 /usr/lib/libxrt_coreutil.so.2 /opt/xilinx/xrt/lib/libxrt_coreutil.so.2),yes,no)
HAVE_DPDK  := $(if $(HAVE_DPDK),$(shell pkg-config --modversion libdpdk 2>/dev/null),no)
CLANG      := $(call found,clang-14) $(call found,clang)
CROSS      := $(call found,aarch64-linux-gnu-gcc) $(call found,arm-linux-gnueabihf-gcc)
endef

$(CONFIG): export CONFIG_TEXT := $(CONFIG_TEXT)
$(CONFIG): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' "$$CONFIG_TEXT" > $@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else \
	    if [ -f $@ ]; then echo "config: $(BUILD) was built otherwise, rebuilding it:"; \
	        diff $@ $@.tmp | sed -n 's/^> /config:   /p'; fi; mv $@.tmp $@; fi

FORCE:
.PHONY: FORCE

# ---------------------------------------------------------------- building
$(BUILD)/obj/%.o: %.c $(CONFIG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(STLIB): $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(SHLIB): $(LIB_OBJ) src/plbuf.map
	$(CC) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=src/plbuf.map $(LIB_LDFLAGS) $(CFLAGS) \
	    $(LDFLAGS) -o $@ $(LIB_OBJ) $(LDLIBS)

$(BUILD)/libplbuf.so: $(SHLIB)
	ln -sf libplbuf.so.$(VERSION) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $@

$(BUILD)/plbuf: $(CLI_OBJ) $(STLIB)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(CLI_OBJ) $(STLIB) $(LDLIBS)

# Tests link the static library so that they can reach internal functions too.
$(BUILD)/tests/%: tests/%.c $(TEST_LIB_OBJ) $(STLIB) $(CONFIG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -Itests/lib $(CFLAGS) $(LDFLAGS) -o $@ $< $(TEST_LIB_OBJ) $(STLIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c bench/bench.h $(STLIB) $(CONFIG)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(STLIB) $(LDLIBS)

# DPDK's own program does not link plbuf: one EAL per process, nothing else in it.
$(BUILD)/bench/b_dpdk: bench/b_dpdk.c bench/bench.h $(CONFIG)
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
	    $(BUILD)/obj/tests/lib/fault.o $(STLIB) $(LDLIBS)

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

# The edit-compile-test loop: the t_* programs of the normal build only (no apt-get, no suites).
# `tests/run.sh build t_views 't_zocl_*' -x t_stress_threads` picks tests by name.
test: all
	tests/run.sh --programs -j3 $(BUILD)

# `make check-<suite>` runs tests/suites/<suite>.sh alone on the normal build (an explicit rule of
# that name, below, takes precedence where a suite needs more).
check-%: all
	tests/run.sh --suites $(BUILD) $*

# The README's two commands, `make demo && make check`, in a bare Debian 12 root; then the Debian
# packages and pip, built and installed in another (../shared/tools/fresh-debian, about 20 min).
check-fresh:
	@mkdir -p $(BUILD)
	PLBUF_FRESH=full SUITE_TIMEOUT=5400 tests/run.sh --suites $(BUILD) fresh

# ---------------------------------------------------------------- installing
# Builds only what it installs: the libraries and the command, not the tests.
install: lib cli
	install -d $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7
	install -m 644 include/plbuf.h $(DESTDIR)$(INCLUDEDIR)/
	install -m 644 $(STLIB) $(DESTDIR)$(LIBDIR)/
	install -m 755 $(SHLIB) $(DESTDIR)$(LIBDIR)/
	ln -sf libplbuf.so.$(VERSION) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libplbuf.so
	# Generated here, so that it names the directories given to this install.
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' plbuf.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/plbuf.pc
	install -m 755 $(BUILD)/plbuf $(DESTDIR)$(BINDIR)/
	install -m 644 man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/man3/*.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 man/man7/*.7 $(DESTDIR)$(MANDIR)/man7/
	# The dynamic loader finds a new library in /usr/local/lib only after ldconfig (not when
	# staging into DESTDIR, nor as a user who could not write its cache).
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(INCLUDEDIR)/plbuf.h $(DESTDIR)$(LIBDIR)/libplbuf.a \
	    $(DESTDIR)$(LIBDIR)/libplbuf.so $(DESTDIR)$(LIBDIR)/$(SONAME) \
	    $(DESTDIR)$(LIBDIR)/libplbuf.so.$(VERSION) $(DESTDIR)$(LIBDIR)/pkgconfig/plbuf.pc \
	    $(DESTDIR)$(BINDIR)/plbuf
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/,$(patsubst man/%,%,$(wildcard man/man1/*.1 man/man3/*.3 man/man7/*.7)))
	rm -rf $(DESTDIR)$(LIBEXECDIR)/plbuf
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ]; then ldconfig; fi

# The test programs, their runner and data, to run on a board without the source tree:
#   $(LIBEXECDIR)/plbuf/tests/run.sh     (runs every installed t_* program)
install-tests: $(TESTS)
	install -d $(DESTDIR)$(LIBEXECDIR)/plbuf/tests
	install -m 755 $(TESTS) tests/run.sh $(DESTDIR)$(LIBEXECDIR)/plbuf/tests/
	install -m 644 tests/*.txt tests/*.py $(DESTDIR)$(LIBEXECDIR)/plbuf/tests/

# The Debian packages (debian/): libplbuf0, libplbuf-dev, plbuf, python3-plbuf, built from a copy
# of the tree in $(BUILD)/deb (dpkg-buildpackage writes its output next to the source directory).
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/plbuf-$(VERSION)
	tar -cf - --exclude=./.git --exclude='./build*' --exclude=__pycache__ . | \
	    tar -C $(BUILD)/deb/plbuf-$(VERSION) -xf -
	cd $(BUILD)/deb/plbuf-$(VERSION) && dpkg-buildpackage -us -uc -b
	@ls $(BUILD)/deb/*.deb

help:
	@echo "make [all]      the library, the plbuf command and the test programs, in $(BUILD)/"
	@echo "make demo       builds, then runs plbuf demo (the sim backend)"
	@echo "make check      installs what tests need (apt-get), runs every test and suite"
	@echo "make test       the t_* test programs only (no apt-get), for the edit-compile-test loop"
	@echo "make check-S    the suite tests/suites/S.sh alone; check-fresh: the bare-Debian proof"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR= LIBDIR=$(LIBDIR) INCLUDEDIR=$(INCLUDEDIR) MANDIR=$(MANDIR)"
	@echo "make uninstall  the same variables; make install-tests: the test programs, for a board"
	@echo "make deb        Debian packages in $(BUILD)/deb; make bench: benchmarks; make fuzz"
	@echo "CC=clang CFLAGS=-O1 CC=aarch64-linux-gnu-gcc HAVE_XRT=auto|no SAN=1 BUILD=dir are accepted"

clean:
	rm -rf $(BUILD)

.PHONY: all lib cli demo check test check-fresh install uninstall install-tests deb help clean \
	bench bench-programs
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
