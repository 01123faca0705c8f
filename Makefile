# mapscan — see `make help`.
PREFIX     ?= /usr/local
DESTDIR    ?=
bindir     ?= $(PREFIX)/bin
libdir     ?= $(PREFIX)/lib
includedir ?= $(PREFIX)/include
mandir     ?= $(PREFIX)/share/man

CC       ?= cc
BUILD    ?= build
SANITIZE ?=
OPT      ?= -O2
PYTHON   ?= python3

HWLOC_CFLAGS := $(shell pkg-config --cflags hwloc 2>/dev/null)
HWLOC_LIBS   := $(shell pkg-config --libs hwloc 2>/dev/null || echo -lhwloc)

WARN      ?= -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wvla-larger-than=4096
CPPFLAGS  += -D_GNU_SOURCE -Iinclude
CFLAGS    += -std=c11 $(OPT) -g $(WARN) -fvisibility=hidden -fPIC $(HWLOC_CFLAGS)
ifneq ($(SANITIZE),)
CFLAGS    += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SANITIZE)
endif
LDLIBS    += $(HWLOC_LIBS) -luring -lpthread -lm

# The library: one folder per module (see docs/ARCHITECTURE.md).
LIB_DIRS := src src/common src/stats src/sys src/npy src/plan src/io
LIB_SRC  := $(wildcard $(LIB_DIRS:%=%/*.c)) src/kernels/dispatch.c src/kernels/reduce.c src/kernels/keys.c \
            src/kernels/tally.c src/kernels/accs.c src/kernels/reduce_scalar.c
LIB_HDR  := $(wildcard $(LIB_DIRS:%=%/*.h) src/kernels/*.h)
CLI_SRC := $(wildcard src/cli/*.c)

# x86-64 gets the AVX2 and AVX-512 kernels, each file compiled with its own
# flags only; the rest of the program stays baseline x86-64.
ifneq ($(findstring x86_64,$(shell $(CC) -dumpmachine)),)
LIB_SRC  += src/kernels/reduce_avx2.c src/kernels/reduce_avx512.c
CPPFLAGS += -DMAPSCAN_HAVE_X86_KERNELS
endif
KERNEL_FLAGS_scalar := -O3 -fno-tree-vectorize -fno-tree-slp-vectorize
KERNEL_FLAGS_avx2   := -O3 -mavx2 -mbmi2 -mf16c
KERNEL_FLAGS_avx512 := -O3 -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mbmi2 -mf16c

# mapscan-mpi: Open MPI from Debian, found through its pkg-config file (the
# library itself never sees MPI).
MPI_SRC    := $(wildcard src/mpi/*.c)
MPI_CFLAGS  = $(shell pkg-config --cflags ompi-c 2>/dev/null)
MPI_LIBS    = $(shell pkg-config --libs ompi-c 2>/dev/null || echo -lmpi)
MPI_BIN    := $(BUILD)/mapscan-mpi
MPIRUN     ?= mpirun

LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB     := $(BUILD)/libmapscan.a
BIN     := $(BUILD)/mapscan
VERSION := $(shell sed -n 's/^\#define MAPSCAN_VERSION "\(.*\)"/\1/p' include/mapscan.h)
SONAME  := libmapscan.so.$(shell sed -n 's/^\#define MAPSCAN_SONAME_MAJOR \(.*\)/\1/p' include/mapscan.h)
SHLIB   := $(BUILD)/libmapscan.so.$(VERSION)
# Python: Debian's interpreter (python3-numpy and python3-pytest install there),
# and where it looks for packages under PREFIX.
PYTEST_PYTHON ?= /usr/bin/python3
PYVER   := $(shell $(PYTEST_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)
# Debian's Python searches /usr/lib/python3/dist-packages and /usr/local/lib/python3.X/dist-packages;
# under any other prefix (~/.local: the user site), site-packages.
pythondir ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(if $(filter /usr/local,$(PREFIX)),$(PREFIX)/lib/python$(PYVER)/dist-packages,$(PREFIX)/lib/python$(PYVER)/site-packages))

TEST_SRC := $(wildcard test/*.c)
TEST_BIN := $(BUILD)/test/unit

.PHONY: all deps demo test check check-abi check-unit check-cli check-python check-python-asan check-npy check-asan check-tsan \
        check-fuzz fuzz fuzz-build \
        bench install install-mpi uninstall clean help mpi deps-mpi deps-fuzz check-mpi check-quick bench-mpi bench-direct bench-builds \
        bench-floats bench-stats bench-columns

all: $(BIN) $(LIB) $(SHLIB)

help:
	@echo "make            build $(BIN), $(LIB) and $(SHLIB) ($(SONAME)); installs nothing: a missing"
	@echo "                library is named with its Debian package (make deps installs it)"
	@echo "make mpi        build $(MPI_BIN) (needs Open MPI: make deps-mpi); make check-mpi tests it"
	@echo "make demo       write a sample file with 'mapscan gen' and scan it with every backend"
	@echo "make check-quick  the unit tests and an ABI check, under a minute"
	@echo "make test       install what is missing, then every test: unit, CLI, Python, MPI, AddressSanitizer+UBSan,"
	@echo "                ThreadSanitizer, and a short run of each fuzz harness"
	@echo "make check      unit, CLI, Python, .npy-against-numpy and MPI tests of the normal build only"
	@echo "make check-asan / check-tsan   the tests under one sanitizer (check-asan: the Python suite too,"
	@echo "                as make check-python-asan)"
	@echo "make check-fuzz replay each fuzz harness's corpus, then fuzz each $(FUZZ_CHECK_SECONDS) s (part of make test)"
	@echo "make fuzz       fuzz each harness FUZZ_SECONDS=$(FUZZ_SECONDS) s; new inputs in build/fuzz/work/; then"
	@echo "                STRESS_CASES=$(STRESS_CASES) interrupts of the Python calls under ASan"
	@echo "make bench      the comparison suite (BENCH_SIZE=4G); results in bench/results/"
	@echo "make bench-floats  f32/f64/f16/bf16 against i32/i64/i16, numpy, memory, cold and capped"
	@echo "                (part of make bench; bench/results/floats.txt, .md, .png)"
	@echo "make bench-stats   --stats, --histogram and --quantiles against the plain scan, numpy, a memory cgroup"
	@echo "make bench-columns every column in one pass against the contiguous scan, numpy's per-column ways"
	@echo "                (part of make bench; bench/results/extra.txt)"
	@echo "make bench-direct  cold reads: fio's ceiling, cat, mapscan's backends, a memory cgroup (bench/results/direct.txt)"
	@echo "make bench-builds OLD=...  two builds on one file, cached and cold (bench/results/builds.txt)"
	@echo "make bench-mpi  mapscan against mapscan-mpi with the same cores; results in bench/results/mpi.txt"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=...: mapscan (and mapscan-mpi when built: make install-mpi),"
	@echo "                libraries, header, pkg-config file, man pages, the Python package (in $(pythondir))"
	@echo "make uninstall  remove what install put there"
	@echo "make deps       install missing Debian packages (scripts/install-deps.sh); deps-mpi, deps-fuzz for those"
	@echo "make clean      remove build/"

# Installs only what is missing; a no-op once everything is there.
# Plain make, make install and make check never install anything: what is missing is
# one line naming its Debian package (scripts/check-libs.sh). make deps installs it;
# README's two commands, make demo and make test, run it first.
deps:
	@scripts/install-deps.sh
deps-mpi:
	@scripts/install-deps.sh --mpi
deps-fuzz:
	@scripts/install-deps.sh --fuzz

# Stamps named as targets (a static pattern), so that make prefers the rules that need them.
LIBS_STAMPS := $(BUILD)/.libs-build $(BUILD)/.libs-test $(BUILD)/.libs-mpi build/fuzz/.libs-fuzz
$(LIBS_STAMPS): %: 
	@CC="$(CC)" MPI_CFLAGS="$(MPI_CFLAGS)" scripts/check-libs.sh $(subst .libs-,,$(notdir $@))
	@mkdir -p $(dir $@) && touch $@

$(BUILD)/src/kernels/reduce_%.o: src/kernels/reduce_%.c $(LIB_HDR) include/mapscan.h | $(BUILD)/.libs-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KERNEL_FLAGS_$*) -c $< -o $@

$(BUILD)/%.o: %.c $(LIB_HDR) $(wildcard src/cli/*.h test/*.h) include/mapscan.h | $(BUILD)/.libs-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

# ---- mapscan-mpi: the same scan over the ranks of an MPI job ----
mpi: $(MPI_BIN)

$(BUILD)/src/mpi/%.o: src/mpi/%.c $(wildcard src/mpi/*.h src/cli/*.h) include/mapscan.h | $(BUILD)/.libs-mpi
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(MPI_CFLAGS) -c $< -o $@

# The CLI's option parser and output, without its main.
$(MPI_BIN): $(MPI_SRC:%.c=$(BUILD)/%.o) $(filter-out %/main.o,$(CLI_OBJ)) $(LIB)
	$(CC) $(LDFLAGS) $^ $(MPI_LIBS) $(LDLIBS) -o $@

# As root, Open MPI wants its consent; on a machine with fewer cores than
# ranks, --oversubscribe.
check-mpi: $(MPI_BIN) $(BIN)
	MAPSCAN=$(BIN) MAPSCAN_MPI=$(MPI_BIN) MPIRUN=$(MPIRUN) $(PYTHON) test/mpi_test.py

bench-direct: $(BIN) $(BUILD)/bench/peak_rss
	@scripts/install-deps.sh --bench
	@python3 bench/direct.py $(BIN)

# Floats against integers of the same width (issue 17's targets); make bench runs it too.
# numpy writes the float files, so Debian's python3 (python3-numpy) runs it.
BENCH_PYTHON ?= $(PYTEST_PYTHON)
bench-floats: $(BIN) $(BUILD)/bench/peak_rss $(BUILD)/bench/inmem
	@scripts/install-deps.sh --bench
	@$(BENCH_PYTHON) bench/floats.py $(BIN)

bench-stats: $(BIN) $(BUILD)/bench/peak_rss
	@scripts/install-deps.sh --bench
	@$(BENCH_PYTHON) bench/extra.py $(BIN)

bench-columns: $(BIN) $(BUILD)/bench/peak_rss
	@scripts/install-deps.sh --bench
	@$(BENCH_PYTHON) bench/columns.py $(BIN)

# Two builds on one file, alternating: OLD=path/to/an/older/mapscan
bench-builds: $(BIN)
	@test -n "$(OLD)" || { echo "make bench-builds OLD=path/to/another/mapscan" >&2; exit 2; }
	@python3 bench/builds.py $(OLD) $(BIN)

bench-mpi: $(MPI_BIN) $(BIN)
	@scripts/install-deps.sh --bench
	@python3 bench/mpi.py $(BIN) $(MPI_BIN)

# Only what mapscan.h marks MAPSCAN_API is exported (-fvisibility=hidden).
$(SHLIB): $(LIB_OBJ)
	$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--no-undefined $(LIB_OBJ) $(LDLIBS) -o $@
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/libmapscan.so

# Faults are injected through wrapped calls (test/fault.c; pread in test_scan.c):
# only the library's and the tests' objects see the wrappers.
TEST_WRAPS := pread open fstat mmap madvise mincore posix_fadvise read pthread_create malloc calloc \
              aligned_alloc pwrite fsync renameat2 rename link unlink mkostemp \
              ms_ring_init ms_ring_read ms_ring_submit ms_ring_complete
# The split of files over ranks and the identity check are plain C: their unit tests need no MPI.
$(BUILD)/test/mpi_%.o: src/mpi/%.c $(wildcard src/mpi/*.h) include/mapscan.h | $(BUILD)/.libs-build
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(TEST_SRC:%.c=$(BUILD)/%.o): | $(BUILD)/.libs-test

$(TEST_BIN): $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/test/mpi_split.o $(BUILD)/test/mpi_identity.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(TEST_WRAPS:%=-Wl,--wrap=%) $(filter %.o,$^) $(LIB) -lcriterion $(LDLIBS) -o $@

# A caller built as a user builds one: the header alone, the shared library.
$(BUILD)/test/abi_caller: test/abi/caller.c include/mapscan.h $(SHLIB)
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -Iinclude $< -L$(BUILD) -lmapscan -Wl,-rpath,'$$ORIGIN/..' -o $@

check-abi: $(BUILD)/test/abi_caller
	$(BUILD)/test/abi_caller

demo:
	@scripts/install-deps.sh
	@$(MAKE) --no-print-directory $(BIN)
	@scripts/demo.sh $(BIN)

check-unit: $(TEST_BIN)
	$(TEST_BIN) --jobs 2

check-cli: $(BIN)
	MAPSCAN=$(BIN) MAPSCAN_SANITIZE=$(SANITIZE) $(PYTHON) test/cli_test.py

# The Python package, from the checkout, against this build's shared library.
# MAPSCAN_STRESS=N: N cases of the interrupt test instead of 300.
PYTHON_TESTS ?= python/tests
check-python: $(SHLIB) $(BIN)
	MAPSCAN_LIBRARY="$$PWD/$(BUILD)/$(SONAME)" MAPSCAN="$$PWD/$(BIN)" PYTHONPATH=python \
	    $(PYTEST_PYTHON) -m pytest -q -p no:cacheprovider $(PYTHON_TESTS)

# The same suite against the library built with ASan and UBSan, so that a
# buffer read after it was freed (the interrupt test's scan_buffer cases) is
# reported. Debian's python3 is not built with ASan: its runtime is preloaded,
# as it must come first; LeakSanitizer is off, as the interpreter keeps its
# allocations to the end.
check-python-asan:
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 \
	    build/asan/$(notdir $(SHLIB)) build/asan/mapscan
	ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$$($(CC) -print-file-name=libasan.so)" \
	    MAPSCAN_LIBRARY="$$PWD/build/asan/$(SONAME)" MAPSCAN="$$PWD/build/asan/mapscan" PYTHONPATH=python \
	    $(PYTEST_PYTHON) -m pytest -q -p no:cacheprovider $(PYTHON_TESTS)

# The .npy header parser against numpy itself: files numpy writes for random dtypes, and
# mutated headers (NPY_CASES of each; make fuzz runs NPY_FUZZ_CASES).
NPY_CASES      ?= 300
NPY_FUZZ_CASES ?= 20000
check-npy: $(SHLIB)
	MAPSCAN_LIBRARY="$$PWD/$(BUILD)/$(SONAME)" MAPSCAN_NPY_CASES=$(NPY_CASES) $(PYTEST_PYTHON) test/npy_numpy_test.py

check: check-unit check-abi check-cli check-python check-npy check-mpi

# The Python suite through check-python-asan (the ASan runtime preloaded).
# mapscan-mpi too, without LeakSanitizer: Open MPI keeps its allocations to the end.
check-asan:
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 check-unit check-cli
	ASAN_OPTIONS=detect_leaks=0 $(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 \
	    check-mpi
	$(MAKE) --no-print-directory check-python-asan

# Criterion cannot start under ThreadSanitizer (its shared arena fails:
# Snaipe/Criterion issue 274), so TSan runs the CLI suite, which drives every
# threaded path: all backends at 1, 2, 3 and 64 threads, gen, cancel.
check-tsan:
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    $(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread OPT=-O1 check-cli

# README's test command: installs what is missing, builds what every tier
# runs on all the cores (the builds are most of the wall time), then runs
# the tiers one after another (their tests time threads of their own).
JOBS ?= $(shell getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)
ASAN_BUILD := BUILD=build/asan SANITIZE=address,undefined OPT=-O1
test:
	@scripts/install-deps.sh --mpi --fuzz
	@$(MAKE) --no-print-directory -j$(JOBS) $(BIN) $(SHLIB) $(TEST_BIN) $(BUILD)/test/abi_caller $(MPI_BIN)
	@$(MAKE) --no-print-directory -j$(JOBS) $(ASAN_BUILD) build/asan/mapscan build/asan/mapscan-mpi \
	    build/asan/test/unit build/asan/$(notdir $(SHLIB))
	@$(MAKE) --no-print-directory -j$(JOBS) BUILD=build/tsan SANITIZE=thread OPT=-O1 build/tsan/mapscan
	@$(MAKE) --no-print-directory -j$(JOBS) fuzz-build
	@$(MAKE) --no-print-directory check check-asan check-tsan check-fuzz

# Under a minute: the unit tests and a caller built against the header.
check-quick: check-unit check-abi

# ---- fuzzing (libFuzzer; clang from Debian) ----
# The library, the CLI's parsers and the harnesses are built with clang under
# ASan+UBSan in build/fuzz. test/fuzz/corpus/NAME holds the committed seeds
# and every input that ever found a defect; make fuzz adds what it finds to
# build/fuzz/work/NAME and leaves any crashing input as build/fuzz/crash-NAME-*.
FUZZERS            := size type pattern options scan npy floats select extra columns
FUZZ_BUILD         := build/fuzz
FUZZ_SECONDS       ?= 600
FUZZ_CHECK_SECONDS ?= 10
STRESS_CASES       ?= 3000
FUZZ_WARN          := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# -close_fd_mask=3: the harnesses' own stdout and stderr (usage text, messages) are not findings.
FUZZ_RUN            = $(FUZZ_BUILD)/fuzz_$(1) -artifact_prefix=$(FUZZ_BUILD)/crash-$(1)- -print_final_stats=1 \
                      -close_fd_mask=3
.SECONDARY: $(FUZZERS:%=$(FUZZ_BUILD)/test/fuzz/fuzz_%.o)

fuzz-build: | $(BUILD)/.libs-build build/fuzz/.libs-fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SANITIZE=fuzzer-no-link,address,undefined OPT=-O1 \
	    WARN="$(FUZZ_WARN)" $(FUZZERS:%=$(FUZZ_BUILD)/fuzz_%)

$(BUILD)/fuzz_%: $(BUILD)/test/fuzz/fuzz_%.o $(BUILD)/test/reference_core.o $(BUILD)/test/float_reference.o \
                 $(BUILD)/test/extra_reference.o $(filter-out %/main.o,$(CLI_OBJ)) $(LIB)
	$(CC) $(LDFLAGS) -fsanitize=fuzzer $^ $(LDLIBS) -o $@

check-fuzz: fuzz-build
	@for f in $(FUZZERS); do \
	    echo "fuzz_$$f: corpus replay, then $(FUZZ_CHECK_SECONDS) s"; \
	    mkdir -p $(FUZZ_BUILD)/work/$$f; \
	    $(FUZZ_BUILD)/fuzz_$$f -runs=0 -close_fd_mask=3 test/fuzz/corpus/$$f 2>$(FUZZ_BUILD)/replay-$$f.log || \
	        { tail -30 $(FUZZ_BUILD)/replay-$$f.log; exit 1; }; \
	    $(call FUZZ_RUN,$$f) -max_total_time=$(FUZZ_CHECK_SECONDS) $(FUZZ_BUILD)/work/$$f test/fuzz/corpus/$$f \
	        2>$(FUZZ_BUILD)/fuzz-$$f.log || { tail -30 $(FUZZ_BUILD)/fuzz-$$f.log; exit 1; }; \
	    grep -E 'stat::number_of_executed_units|Done' $(FUZZ_BUILD)/fuzz-$$f.log | tr '\n' ' '; echo; \
	done

fuzz: fuzz-build
	$(MAKE) --no-print-directory check-npy NPY_CASES=$(NPY_FUZZ_CASES)
	@for f in $(FUZZERS); do \
	    mkdir -p $(FUZZ_BUILD)/work/$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	    $(call FUZZ_RUN,$$f) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD)/work/$$f test/fuzz/corpus/$$f \
	        2>$(FUZZ_BUILD)/fuzz-$$f.log || { tail -30 $(FUZZ_BUILD)/fuzz-$$f.log; exit 1; }; \
	    tail -12 $(FUZZ_BUILD)/fuzz-$$f.log; \
	done
	@echo "Python: $(STRESS_CASES) interrupts at random instants (a new seed each run), under ASan"
	MAPSCAN_STRESS=$(STRESS_CASES) MAPSCAN_STRESS_SEED=$$(date +%s) $(MAKE) --no-print-directory check-python-asan \
	    PYTHON_TESTS="-s python/tests/test_interrupts.py"

bench: $(BIN)
	@scripts/install-deps.sh --bench
	@bench/run.sh $(BIN)

# mapscan-mpi is installed when it was built (make mpi), or by make install-mpi; the
# Python package learns where the library went (mapscan/_where.py).
install: $(BIN) $(LIB) $(SHLIB)
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir) $(DESTDIR)$(mandir)/man1 \
	    $(DESTDIR)$(pythondir)/mapscan
	install -m 755 $(BIN) $(DESTDIR)$(bindir)/mapscan
	if [ -x $(MPI_BIN) ]; then $(MAKE) --no-print-directory install-mpi; fi
	install -m 644 $(LIB) $(DESTDIR)$(libdir)/libmapscan.a
	install -m 755 $(SHLIB) $(DESTDIR)$(libdir)/$(notdir $(SHLIB))
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libmapscan.so
	install -m 644 python/mapscan/*.py python/mapscan/py.typed $(DESTDIR)$(pythondir)/mapscan/
	echo 'LIBRARY = "$(libdir)/$(SONAME)"' > $(DESTDIR)$(pythondir)/mapscan/_where.py
	install -m 644 include/mapscan.h $(DESTDIR)$(includedir)/mapscan.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' -e 's|@includedir@|$(includedir)|' \
	    -e 's|@VERSION@|$(VERSION)|' \
	    mapscan.pc.in > $(DESTDIR)$(libdir)/pkgconfig/mapscan.pc
	install -m 644 man/mapscan.1 $(DESTDIR)$(mandir)/man1/mapscan.1
	if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

install-mpi: $(MPI_BIN)
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(mandir)/man1
	install -m 755 $(MPI_BIN) $(DESTDIR)$(bindir)/mapscan-mpi
	install -m 644 man/mapscan-mpi.1 $(DESTDIR)$(mandir)/man1/mapscan-mpi.1

uninstall:
	rm -f $(DESTDIR)$(bindir)/mapscan $(DESTDIR)$(bindir)/mapscan-mpi $(DESTDIR)$(libdir)/libmapscan.a $(DESTDIR)$(includedir)/mapscan.h \
	      $(DESTDIR)$(libdir)/pkgconfig/mapscan.pc $(DESTDIR)$(mandir)/man1/mapscan.1 $(DESTDIR)$(mandir)/man1/mapscan-mpi.1 \
	      $(DESTDIR)$(libdir)/$(notdir $(SHLIB)) $(DESTDIR)$(libdir)/$(SONAME) $(DESTDIR)$(libdir)/libmapscan.so
	rm -rf $(DESTDIR)$(pythondir)/mapscan

clean:
	rm -rf build

# Benchmark helpers (not installed).
$(BUILD)/bench/inmem: $(BUILD)/bench/inmem.o $(LIB)
	$(CC) $(LDFLAGS) $< $(LIB) $(LDLIBS) -o $@

$(BUILD)/bench/fread_scan: bench/fread_scan.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror $< -o $@

$(BUILD)/bench/peak_rss: bench/peak_rss.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@
