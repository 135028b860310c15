# minboot — plain GNU make.  make | make check-unit | make check | make demo | make install | make clean | V=1
PREFIX     ?= /usr/local
DESTDIR    ?=
CACHE      ?= $(CURDIR)/.cache
BUILD      := build
ZLIB       := $(CACHE)/zlib-v2
NETTLE     := $(CACHE)/nettle-v1
KERNEL_DIR := $(CACHE)/kernel
MUSLCC     ?= musl-gcc

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Debian packages the build, the demo and the tests need; scripts/deps installs what is missing.
PKGS_BUILD := musl-tools make linux-libc-dev m4
PKGS_TEST  := qemu-system-x86 cpio busybox-static kmod file util-linux socat e2fsprogs systemd valgrind xz-utils binutils zstd ovmf systemd-boot-efi dosfstools mtools fdisk erofs-utils squashfs-tools lz4

# The user's CFLAGS, CPPFLAGS and LDFLAGS (make CFLAGS=-O2) come after minboot's own, which are
# kept apart in MB_CFLAGS and MB_LDFLAGS so that setting them never breaks the build.
WARN       := -Wall -Wextra -Werror
CFLAGS     ?= -Oz
LDFLAGS    ?=
MB_CFLAGS  := -std=c11 -D_GNU_SOURCE $(WARN) -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
	      -flto=auto -ffat-lto-objects -fno-pie -I. -I$(ZLIB)/include -I$(NETTLE)/include -isystem $(BUILD)/kinc \
	      -MMD -MP -DMINBOOT_PREFIX='"$(PREFIX)"'
# Size (the init must stay under 160 KiB): -Oz; link-time optimisation for the init alone (every
# object carries both the LTO code and the plain code the other links take with -fno-lto: 1.2 KB
# less init); no PIE (absolute addresses are shorter, constant tables need no relocation); no
# page padding between or inside segments (noseparate-code, a 64-byte common page size: the file
# grows with the code, not by 4 KiB steps); no build id.
MB_LDFLAGS := -static -no-pie -Wl,--gc-sections -s -Wl,-z,noseparate-code -Wl,-z,common-page-size=64 \
	      -Wl,--build-id=none -Wl,-z,norelro
ALL_CFLAGS  = $(MB_CFLAGS) $(CPPFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(MB_LDFLAGS) $(LDFLAGS)

LIB_SRCS  := $(wildcard common/*.c) $(wildcard modload/*.c) $(wildcard netcfg/*.c)
INIT_SRCS := $(wildcard init/*.c)
LIBC_SMALL_SRCS := $(wildcard libc-small/*.c)
PACK_SRCS := $(wildcard pack/*.c)
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
INIT_OBJS := $(INIT_SRCS:%.c=$(BUILD)/obj/%.o)
LIBC_SMALL_OBJS := $(LIBC_SMALL_SRCS:%.c=$(BUILD)/obj/%.o)
PACK_OBJS := $(PACK_SRCS:%.c=$(BUILD)/obj/%.o)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
LIBZ      := $(ZLIB)/lib/libz.a
LIBNETTLE := $(NETTLE)/lib/libnettle.a

all: $(BUILD)/minboot-init $(BUILD)/minboot-pack $(BUILD)/modload $(BUILD)/netcfg

# musl-gcc and zlib-for-musl come first: every object includes zlib.h through the library.
$(LIBZ):
	$(Q)scripts/deps packages $(PKGS_BUILD)
	$(Q)scripts/deps zlib $(ZLIB)

# nettle (SHA-256) for the packer only; the init never links it.
$(LIBNETTLE): | $(LIBZ)
	$(Q)scripts/deps packages m4
	$(Q)scripts/deps nettle $(NETTLE)
$(PACK_OBJS): | $(LIBNETTLE)

# musl-gcc sees only musl's headers; the kernel's UAPI headers (linux/, asm/) come from
# linux-libc-dev through a directory of links, so glibc's headers never mix in.
KINC_STAMP := $(BUILD)/kinc/.stamp
$(KINC_STAMP): | $(LIBZ)
	$(Q)mkdir -p $(BUILD)/kinc
	$(Q)ln -sfn /usr/include/linux $(BUILD)/kinc/linux
	$(Q)ln -sfn /usr/include/asm-generic $(BUILD)/kinc/asm-generic
	$(Q)ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $(BUILD)/kinc/asm
	$(Q)touch $@

$(BUILD)/obj/%.o: %.c Makefile | $(LIBZ) $(KINC_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(MUSLCC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libminboot.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

# libc-small/ replaces a few of musl's members for the init alone (libc-small.h); the guard
# refuses a member replaced in part before the link can half-work.
$(BUILD)/minboot-init: $(INIT_OBJS) $(LIBC_SMALL_OBJS) $(BUILD)/libminboot.a $(LIBZ) init/discard.ld libc-small/guard
	@$(if $(Q),echo "  LD      $@")
	$(Q)libc-small/guard "$(MUSLCC)" $(LIBC_SMALL_OBJS)
	$(Q)$(MUSLCC) $(ALL_LDFLAGS) $(CFLAGS) -flto=auto -Wl,-T,init/discard.ld -o $@ $(INIT_OBJS) $(LIBC_SMALL_OBJS) $(BUILD)/libminboot.a $(LIBZ)

# The packer is a host program; it is linked statically against the same musl zlib, so it runs
# anywhere and needs no -dev package.
# The packer reads an image's /etc/fstab with the init's own parser.
PACK_INIT_OBJS := $(BUILD)/obj/init/fstab.o
$(BUILD)/minboot-pack: $(PACK_OBJS) $(PACK_INIT_OBJS) $(BUILD)/libminboot.a $(LIBZ) $(LIBNETTLE)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(MUSLCC) $(ALL_LDFLAGS) -fno-lto -o $@ $(PACK_OBJS) $(PACK_INIT_OBJS) $(BUILD)/libminboot.a $(LIBZ) $(LIBNETTLE)

$(BUILD)/modload $(BUILD)/netcfg: $(BUILD)/minboot-init
	$(Q)ln -sf minboot-init $@

# Unit tests link the packer's and the init's objects too (all but their mains).
$(BUILD)/libpack.a: $(filter-out %/main.o,$(PACK_OBJS))
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/libinit.a: $(filter-out %/entry.o,$(INIT_OBJS))
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libinit.a $(BUILD)/libpack.a $(BUILD)/libminboot.a $(LIBZ) $(LIBNETTLE) | $(KINC_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(MUSLCC) $(ALL_CFLAGS) -fno-lto -static -o $@ $< $(BUILD)/libinit.a $(BUILD)/libpack.a $(BUILD)/libminboot.a $(LIBZ) $(LIBNETTLE)

# Linked as the init is: libc-small's objects before musl, so the libc names reach them (and no
# call is folded by the compiler: -fno-builtin).
$(BUILD)/tests/test_libc_linked: tests/unit/test_libc_linked.c $(LIBC_SMALL_OBJS) | $(KINC_STAMP)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC      $<")
	$(Q)libc-small/guard "$(MUSLCC)" $(LIBC_SMALL_OBJS)
	$(Q)$(MUSLCC) $(ALL_CFLAGS) -fno-lto -fno-builtin -static -o $@ $< $(LIBC_SMALL_OBJS)

# Sanitizers and fuzzing: clang with Debian's glibc and zlib1g-dev.  The unit tests run again
# under ASan+UBSan; every parser has a libFuzzer target in tests/fuzz.
CLANG    ?= clang
SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SAN_SRCS := $(LIB_SRCS) $(filter-out pack/main.c,$(PACK_SRCS)) $(filter-out init/entry.c,$(INIT_SRCS))
SAN_OBJS := $(SAN_SRCS:%.c=$(BUILD)/san/%.o)
# test_libc_linked is about musl's static link: it has no sanitizer build.
ASAN_BINS := $(filter-out %/test_libc_linked,$(UNIT_SRCS:tests/unit/%.c=$(BUILD)/asan/%))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 10
PKGS_SAN := clang zlib1g-dev nettle-dev

$(BUILD)/.san-deps:
	$(Q)scripts/deps packages $(PKGS_SAN)
	$(Q)mkdir -p $(@D) && touch $@

$(BUILD)/san/%.o: %.c | $(BUILD)/.san-deps
	@mkdir -p $(@D)
	@$(if $(Q),echo "  CC san  $<")
	$(Q)$(CLANG) -std=c11 -D_GNU_SOURCE -I. -g -O1 $(SAN) -fsanitize=fuzzer-no-link -Wall -Wno-unused-command-line-argument -MMD -MP -c -o $@ $<

$(BUILD)/asan/%: tests/unit/%.c $(SAN_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD asan $@")
	$(Q)$(CLANG) -std=c11 -D_GNU_SOURCE -I. -g -O1 $(SAN) -o $@ $< $(SAN_OBJS) -lz -lnettle -lpthread

$(BUILD)/fuzz/%: tests/fuzz/%.c $(SAN_OBJS)
	@mkdir -p $(@D)
	@$(if $(Q),echo "  LD fuzz $@")
	$(Q)$(CLANG) -std=c11 -D_GNU_SOURCE -I. -g -O1 $(SAN) -fsanitize=fuzzer -o $@ $< $(SAN_OBJS) -lz -lnettle -lpthread

asan: $(ASAN_BINS)
fuzz: $(FUZZ_BINS)
	$(Q)BUILD=$(BUILD) tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

kernel: $(KERNEL_DIR)/vmlinux
$(KERNEL_DIR)/vmlinuz:
	$(Q)scripts/deps packages $(PKGS_TEST)
	$(Q)scripts/deps kernel $(KERNEL_DIR)
# The uncompressed kernel QEMU starts directly (PVH); without it qemu-scripts/run boots vmlinuz.
$(KERNEL_DIR)/vmlinux: $(KERNEL_DIR)/vmlinuz
	-$(Q)scripts/deps vmlinux $(KERNEL_DIR)

# The quick loop: the unit tests and their ASan+UBSan build, as any user, without a kernel,
# network or root (tests that need root say SKIP).  The init is built too: test_pack reads it.
check-unit: $(BUILD)/minboot-init $(UNIT_BINS) $(ASAN_BINS)
	$(Q)BUILD=$(BUILD) LOG=$(BUILD)/check-unit.log TESTS=none tests/run-all $(UNIT_BINS) $(ASAN_BINS)

check: all $(UNIT_BINS) $(ASAN_BINS) $(FUZZ_BINS) $(KERNEL_DIR)/vmlinux
	$(Q)scripts/deps packages $(PKGS_TEST)
	$(Q)BUILD=$(BUILD) KERNEL_DIR=$(KERNEL_DIR) FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BINS="$(FUZZ_BINS)" \
		tests/run-all $(UNIT_BINS) $(ASAN_BINS)

demo: all $(KERNEL_DIR)/vmlinux
	$(Q)scripts/deps packages $(PKGS_TEST)
	$(Q)BUILD=$(BUILD) KERNEL_DIR=$(KERNEL_DIR) qemu-scripts/demo

bench: all $(KERNEL_DIR)/vmlinux
	$(Q)BUILD=$(BUILD) KERNEL_DIR=$(KERNEL_DIR) bench/run-all

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/lib/minboot \
		$(DESTDIR)$(PREFIX)/share/minboot $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8
	install -m 0755 $(BUILD)/minboot-pack $(DESTDIR)$(PREFIX)/bin/minboot-pack
	install -m 0755 $(BUILD)/minboot-init $(DESTDIR)$(PREFIX)/lib/minboot/minboot-init
	ln -sf ../lib/minboot/minboot-init $(DESTDIR)$(PREFIX)/sbin/modload
	ln -sf ../lib/minboot/minboot-init $(DESTDIR)$(PREFIX)/sbin/netcfg
	cp -R rootfs-overlay $(DESTDIR)$(PREFIX)/share/minboot/
	install -m 0755 qemu-scripts/run $(DESTDIR)$(PREFIX)/bin/minboot-run
	install -m 0644 $(wildcard man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 0644 $(wildcard man/*.8) $(DESTDIR)$(PREFIX)/share/man/man8/

clean:
	rm -rf $(BUILD)

distclean: clean
	rm -rf $(CACHE)

.PHONY: all check check-unit demo install clean distclean kernel asan fuzz bench
.SECONDARY: $(SAN_OBJS)
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
