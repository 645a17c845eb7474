# reef: one Makefile for the libraries, the two binaries and the tests.
# Each of common, ipam, firewall, netd and runtime builds a static library
# from its *.c files (netd/main.c is the daemon's entry point); tests/unit/
# test_*.c each become one cmocka program linked with all of them.

PREFIX     ?= /usr/local
BUILD      ?= build
CC         ?= cc
PKGS       := libnl-3.0 libnl-route-3.0 libmnl libnftnl libseccomp libcap sqlite3 jansson \
              libmicrohttpd libarchive
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARNINGS   := -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-unused-parameter \
              -Wno-format-nonliteral -Wno-format-truncation -Wmissing-prototypes -Wstrict-prototypes
HARDENING  := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE -fno-strict-aliasing
OPT        ?= -O2 -g
CFLAGS     += -std=gnu11 -D_GNU_SOURCE $(OPT) $(WARNINGS) $(HARDENING) -MMD -MP $(PKG_CFLAGS)
LDFLAGS    += -pie -Wl,-z,relro,-z,now -Wl,--as-needed
LDLIBS     += $(PKG_LIBS) -lpthread

LIBDIRS    := netd runtime firewall ipam common
lib_srcs    = $(filter-out netd/main.c,$(wildcard $(1)/*.c))
LIBS       := $(foreach d,$(LIBDIRS),$(BUILD)/lib$(d).a)
CLI_SRCS   := $(wildcard cli/*.c)
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# Small programs that integration tests drive (tests/tools/NAME.c -> build/tests/tools/NAME).
TOOL_BINS  := $(patsubst tests/tools/%.c,$(BUILD)/tests/tools/%,$(wildcard tests/tools/*.c))
ALL_SRCS   := $(foreach d,$(LIBDIRS),$(wildcard $(d)/*.c)) $(CLI_SRCS)
BINS       := $(BUILD)/reef $(if $(wildcard netd/main.c),$(BUILD)/reef-netd)

ifeq ($(V),1)
Q :=
else
Q := @
endif

.SECONDARY:
.PHONY: all check unit integration check-asan analyze format format-check fuzz bench demo \
        install clean
all: $(BINS) $(UNIT_BINS) $(TOOL_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(CFLAGS) -c -o $@ $<

define lib_rule
$(BUILD)/lib$(1).a: $(patsubst %.c,$(BUILD)/%.o,$(call lib_srcs,$(1)))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	$(Q)ar rcs $$@ $$^
endef
$(foreach d,$(LIBDIRS),$(eval $(call lib_rule,$(d))))

LINK = $(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) -Wl,--start-group $(LIBS) -Wl,--end-group $(LDLIBS)

$(BUILD)/reef: $(patsubst %.c,$(BUILD)/%.o,$(CLI_SRCS)) $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK)

$(BUILD)/reef-netd: $(BUILD)/netd/main.o $(LIBS)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK)

$(BUILD)/tests/tools/%: $(BUILD)/tests/tools/%.o $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(LINK) -lcmocka

# Unit tests need no root; integration tests need root and skip without it.
check: all
	$(Q)BUILD=$(BUILD) tests/run.sh $(UNIT_BINS)

unit: all
	$(Q)BUILD=$(BUILD) tests/run.sh --unit-only $(UNIT_BINS)

integration: all
	$(Q)BUILD=$(BUILD) tests/run.sh --integration-only

check-asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer \
		-fsanitize=address,undefined -fno-sanitize-recover=all" \
		LDFLAGS="-fsanitize=address,undefined" unit

analyze:
	$(Q)for f in $(ALL_SRCS); do \
		echo "  ANALYZE $$f"; \
		$(CC) -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(PKG_CFLAGS) -fanalyzer -fsyntax-only $$f || exit 1; \
	done

FORMAT_SRCS = $(ALL_SRCS) $(wildcard */*.h) $(UNIT_SRCS) $(wildcard tests/tools/*.c tests/fuzz/*.c)
format:
	$(Q)clang-format -i $(FORMAT_SRCS)

format-check:
	$(Q)clang-format --dry-run -Werror $(FORMAT_SRCS)

FUZZ_SECONDS ?= 10
fuzz:
	$(Q)tests/fuzz/run.sh $(FUZZ_SECONDS)

bench: all
	$(Q)scripts/bench/run.sh

demo:
	$(Q)scripts/install-deps.sh
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh

install: $(BINS)
	install -D -m 0755 $(BUILD)/reef $(DESTDIR)$(PREFIX)/bin/reef
	install -D -m 0755 $(BUILD)/reef-netd $(DESTDIR)$(PREFIX)/sbin/reef-netd
	install -D -m 0644 cli/reef.bash-completion \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/reef
	install -D -m 0644 netd/reef-netd.service \
		$(DESTDIR)$(PREFIX)/lib/systemd/system/reef-netd.service

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
