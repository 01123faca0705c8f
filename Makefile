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
LDLIBS    += $(HWLOC_LIBS) -luring -lpthread

LIB_SRC := $(wildcard src/*.c) src/kernels/reduce_scalar.c
CLI_SRC := $(wildcard src/cli/*.c)

# x86-64 gets the AVX2 and AVX-512 kernels, each file compiled with its own
# flags only; the rest of the program stays baseline x86-64.
ifneq ($(findstring x86_64,$(shell $(CC) -dumpmachine)),)
LIB_SRC  += src/kernels/reduce_avx2.c src/kernels/reduce_avx512.c
CPPFLAGS += -DMAPSCAN_HAVE_X86_KERNELS
endif
KERNEL_FLAGS_scalar := -O3 -fno-tree-vectorize -fno-tree-slp-vectorize
KERNEL_FLAGS_avx2   := -O3 -mavx2 -mbmi2
KERNEL_FLAGS_avx512 := -O3 -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx2 -mbmi2

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
SONAME  := libmapscan.so.0
SHLIB   := $(BUILD)/libmapscan.so.$(VERSION)
# Python: Debian's interpreter (python3-numpy and python3-pytest install there),
# and where it looks for packages under PREFIX.
PYTEST_PYTHON ?= /usr/bin/python3
PYVER   := $(shell $(PYTEST_PYTHON) -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || echo 3)
pythondir ?= $(if $(filter /usr,$(PREFIX)),$(PREFIX)/lib/python3/dist-packages,$(PREFIX)/lib/python$(PYVER)/dist-packages)

TEST_SRC := $(wildcard test/*.c)
TEST_BIN := $(BUILD)/test/unit

.PHONY: all deps demo test check check-unit check-cli check-python check-asan check-tsan check-fuzz fuzz fuzz-build \
        bench install uninstall clean help mpi mpi-deps check-mpi bench-mpi bench-direct

all: $(BIN) $(LIB) $(SHLIB)

help:
	@echo "make            build $(BIN), $(LIB) and $(SHLIB) ($(SONAME))"
	@echo "make mpi        build $(MPI_BIN) (Open MPI, installed when missing); make check-mpi tests it"
	@echo "make demo       write a sample file with 'mapscan gen' and scan it with every backend"
	@echo "make test       build and run every test: unit, CLI, Python, MPI, AddressSanitizer+UBSan,"
	@echo "                ThreadSanitizer, and a short run of each fuzz harness"
	@echo "make check      unit, CLI, Python and MPI tests of the normal build only"
	@echo "make check-asan / check-tsan   the tests under one sanitizer"
	@echo "make check-fuzz replay each fuzz harness's corpus, then fuzz each $(FUZZ_CHECK_SECONDS) s (part of make test)"
	@echo "make fuzz       fuzz each harness FUZZ_SECONDS=$(FUZZ_SECONDS) s; new inputs in build/fuzz/work/"
	@echo "make bench      the comparison suite (BENCH_SIZE=4G); results in bench/results/"
	@echo "make bench-direct  cold reads: fio's ceiling, cat, mapscan's backends, a memory cgroup (bench/results/direct.txt)"
	@echo "make bench-mpi  mapscan against mapscan-mpi with the same cores; results in bench/results/mpi.txt"
	@echo "make install    PREFIX=$(PREFIX) DESTDIR=...: both programs, libraries, header, pkg-config file, man pages,"
	@echo "                the Python package (in $(pythondir))"
	@echo "make uninstall  remove what install put there"
	@echo "make deps       install missing Debian packages (scripts/install-deps.sh)"
	@echo "make clean      remove build/"

# Installs only what is missing; a no-op once everything is there.
deps:
	@scripts/install-deps.sh

$(BUILD)/src/kernels/reduce_%.o: src/kernels/reduce_%.c src/kernels/reduce_impl.h src/internal.h include/mapscan.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(KERNEL_FLAGS_$*) -c $< -o $@

$(BUILD)/%.o: %.c $(wildcard src/*.h src/cli/*.h test/*.h) include/mapscan.h | deps
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) $(CLI_OBJ) $(LIB) $(LDLIBS) -o $@

# ---- mapscan-mpi: the same scan over the ranks of an MPI job ----
mpi-deps: | deps
	@scripts/install-deps.sh --mpi

mpi: $(MPI_BIN)

$(BUILD)/src/mpi/%.o: src/mpi/%.c $(wildcard src/mpi/*.h src/cli/*.h) include/mapscan.h | mpi-deps
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
$(TEST_BIN): $(TEST_SRC:%.c=$(BUILD)/%.o) $(BUILD)/src/mpi/split.o $(BUILD)/src/mpi/identity.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(TEST_WRAPS:%=-Wl,--wrap=%) $(filter %.o,$^) $(LIB) -lcriterion $(LDLIBS) -o $@

demo: $(BIN)
	@scripts/demo.sh $(BIN)

check-unit: $(TEST_BIN)
	$(TEST_BIN) --jobs 2

check-cli: $(BIN)
	MAPSCAN=$(BIN) MAPSCAN_SANITIZE=$(SANITIZE) $(PYTHON) test/cli_test.py

# The Python package, from the checkout, against this build's shared library.
check-python: $(SHLIB) $(BIN)
	MAPSCAN_LIBRARY="$$PWD/$(BUILD)/$(SONAME)" MAPSCAN="$$PWD/$(BIN)" PYTHONPATH=python \
	    $(PYTEST_PYTHON) -m pytest -q -p no:cacheprovider python/tests

check: check-unit check-cli check-python check-mpi

# A sanitized libmapscan.so cannot be loaded by a plain python3, so the Python
# suite runs on the normal build only (in make check).
# mapscan-mpi too, without LeakSanitizer: Open MPI keeps its allocations to the end.
check-asan:
	$(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 check-unit check-cli
	ASAN_OPTIONS=detect_leaks=0 $(MAKE) --no-print-directory BUILD=build/asan SANITIZE=address,undefined OPT=-O1 \
	    check-mpi

# Criterion cannot start under ThreadSanitizer (its shared arena fails:
# Snaipe/Criterion issue 274), so TSan runs the CLI suite, which drives every
# threaded path: all backends at 1, 2, 3 and 64 threads, gen, cancel.
check-tsan:
	TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" \
	    $(MAKE) --no-print-directory BUILD=build/tsan SANITIZE=thread OPT=-O1 check-cli

test: check check-asan check-tsan check-fuzz

# ---- fuzzing (libFuzzer; clang from Debian) ----
# The library, the CLI's parsers and the harnesses are built with clang under
# ASan+UBSan in build/fuzz. test/fuzz/corpus/NAME holds the committed seeds
# and every input that ever found a defect; make fuzz adds what it finds to
# build/fuzz/work/NAME and leaves any crashing input as build/fuzz/crash-NAME-*.
FUZZERS            := size type pattern options scan npy
FUZZ_BUILD         := build/fuzz
FUZZ_SECONDS       ?= 600
FUZZ_CHECK_SECONDS ?= 10
FUZZ_WARN          := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# -close_fd_mask=3: the harnesses' own stdout and stderr (usage text, messages) are not findings.
FUZZ_RUN            = $(FUZZ_BUILD)/fuzz_$(1) -artifact_prefix=$(FUZZ_BUILD)/crash-$(1)- -print_final_stats=1 \
                      -close_fd_mask=3
.SECONDARY: $(FUZZERS:%=$(FUZZ_BUILD)/test/fuzz/fuzz_%.o)

fuzz-build: | deps
	@scripts/install-deps.sh --fuzz
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang SANITIZE=fuzzer-no-link,address,undefined OPT=-O1 \
	    WARN="$(FUZZ_WARN)" $(FUZZERS:%=$(FUZZ_BUILD)/fuzz_%)

$(BUILD)/fuzz_%: $(BUILD)/test/fuzz/fuzz_%.o $(BUILD)/test/reference_core.o $(filter-out %/main.o,$(CLI_OBJ)) $(LIB)
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
	@for f in $(FUZZERS); do \
	    mkdir -p $(FUZZ_BUILD)/work/$$f; \
	    echo "fuzz_$$f: $(FUZZ_SECONDS) s"; \
	    $(call FUZZ_RUN,$$f) -max_total_time=$(FUZZ_SECONDS) $(FUZZ_BUILD)/work/$$f test/fuzz/corpus/$$f \
	        2>$(FUZZ_BUILD)/fuzz-$$f.log || { tail -30 $(FUZZ_BUILD)/fuzz-$$f.log; exit 1; }; \
	    tail -12 $(FUZZ_BUILD)/fuzz-$$f.log; \
	done

bench: $(BIN)
	@scripts/install-deps.sh --bench
	@bench/run.sh $(BIN)

install: $(BIN) $(LIB) $(SHLIB) $(MPI_BIN)
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir)/pkgconfig $(DESTDIR)$(includedir) $(DESTDIR)$(mandir)/man1 \
	    $(DESTDIR)$(pythondir)/mapscan
	install -m 755 $(BIN) $(DESTDIR)$(bindir)/mapscan
	install -m 755 $(MPI_BIN) $(DESTDIR)$(bindir)/mapscan-mpi
	install -m 644 $(LIB) $(DESTDIR)$(libdir)/libmapscan.a
	install -m 755 $(SHLIB) $(DESTDIR)$(libdir)/$(notdir $(SHLIB))
	ln -sf $(notdir $(SHLIB)) $(DESTDIR)$(libdir)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(libdir)/libmapscan.so
	install -m 644 python/mapscan/*.py $(DESTDIR)$(pythondir)/mapscan/
	install -m 644 include/mapscan.h $(DESTDIR)$(includedir)/mapscan.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@libdir@|$(libdir)|' -e 's|@includedir@|$(includedir)|' \
	    -e 's|@VERSION@|$(VERSION)|' \
	    mapscan.pc.in > $(DESTDIR)$(libdir)/pkgconfig/mapscan.pc
	install -m 644 man/mapscan.1 $(DESTDIR)$(mandir)/man1/mapscan.1
	install -m 644 man/mapscan-mpi.1 $(DESTDIR)$(mandir)/man1/mapscan-mpi.1
	if [ -z "$(DESTDIR)" ] && command -v ldconfig >/dev/null; then ldconfig; fi

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
