# magma - a RISC-V teaching operating system.
#
#   make qemu            build everything and boot (Ctrl-a x quits QEMU)
#   make qemu-gdb        boot, but wait for `make gdb` on GDBPORT
#   make gdb             gdb-multiarch attached, kernel symbols loaded
#   make test            host unit tests, then the QEMU system tests
#   make stress          the QEMU tests RUNS=10 times under HOGS=2 CPU hogs (K="a b": a subset)
#   make doctor          check tools, versions and the gdb port
#   make format          clang-format the C sources in place (format-check: only list)
#   make clean
#
# Machine knobs (no code change needed for any of them):
#   CPUS=4   harts 0..CPUS-2 run the kernel, hart CPUS-1 is the guard
#   MEM=128M RAM size; the kernel learns it from the device tree
#   AIA=1    APLIC+IMSIC interrupts (default); AIA=0 for the classic PLIC
#   BOOTARGS="test=ipi"  handed to the kernel as /chosen/bootargs
#   FS_IMG=build/fs.img  the disk image (virtio-blk on virtio-mmio slot 0)

CPUS ?= 4
MEM ?= 128M
AIA ?= 1
BOOTARGS ?=
FS_IMG ?= $(BUILD)/fs.img
GDBPORT ?= $(shell echo $$(( $$(id -u) % 5000 + 25000 )))

BUILD := build
PYTHON ?= python3
QEMU ?= qemu-system-riscv64

# The cross prefix: whichever RISC-V gcc is installed.
CROSS ?= $(shell if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then echo riscv64-unknown-elf-; \
	elif command -v riscv64-linux-gnu-gcc >/dev/null 2>&1; then echo riscv64-linux-gnu-; fi)
CC := $(CROSS)gcc
OBJDUMP := $(CROSS)objdump

OPT ?= -O2
CFLAGS := -Wall -Wextra -Werror -std=gnu11 $(OPT) -g -ffreestanding -fno-builtin -nostdlib \
	-fno-common -fno-stack-protector -fno-pie -fno-omit-frame-pointer \
	-fno-tree-loop-distribute-patterns -ffunction-sections -fdata-sections -mcmodel=medany \
	-march=rv64imac_zicsr_zifencei -mabi=lp64
# Linking names the plain ISA so the driver picks the rv64imac/lp64 libgcc multilib.
LDFLAGS := -nostdlib -no-pie -Wl,--gc-sections -Wl,--build-id=none -Wl,-z,noexecstack -march=rv64imac -mabi=lp64

ifeq ($(AIA),1)
MACHINE := virt,aia=aplic-imsic
MACHINE_TAG := aia
else
MACHINE := virt
MACHINE_TAG := plic
endif

KERNEL := $(BUILD)/kernel/kernel.elf
GUARD := $(BUILD)/guard/guard.elf
# WEAK_LOCK=1 builds a deliberately wrong tree (kernel may write the root),
# used only by the test that the boot-time lock check refuses it.
WEAK_LOCK ?= 0
DT_STEM := $(BUILD)/dt/magma-$(CPUS)cpu-$(MEM)-$(MACHINE_TAG)$(if $(filter 1,$(WEAK_LOCK)),-weaklock)
DT_QEMU := $(BUILD)/dt/qemu-$(CPUS)cpu-$(MEM)-$(MACHINE_TAG)
DTB := $(DT_STEM).dtb
FW_VERSION := $(BUILD)/firmware.version

# Host tests and fuzzers link all of lib/ and mm/; the host has its own string functions.
LIB_HOST_SRCS := $(filter-out lib/string.c,$(wildcard lib/*.c))
MM_SRCS := $(wildcard mm/*.c)

# Each image names the lib/ and mm/ files it links, so the guard (which must
# stay small: it is trusted) carries no allocator, memory map or facade code.
KERNEL_SRCS := $(wildcard kernel/*.c) $(wildcard kernel/*.S) sbi/tree.c sbi/console_lock.c \
	lib/bootargs.c lib/crc32c.c lib/elf.c lib/fmt.c lib/fs_decode.c lib/fs_layout.c \
	lib/hmac_sha256.c lib/mbox.c lib/md_block.c lib/sha256.c lib/string.c lib/virtq.c $(MM_SRCS)
GUARD_SRCS := $(wildcard sbi/guard/*.c) $(wildcard sbi/guard/*.S) sbi/console_lock.c \
	lib/bootargs.c lib/crc32c.c lib/crc32c_patch.c lib/fmt.c lib/hmac_sha256.c lib/mbox.c \
	lib/md5.c lib/md_block.c lib/sha256.c lib/string.c mm/blockzero.c mm/fdt.c

# Each image compiles into its own object dir, since lib/, mm/ and sbi/ files
# go into both: build/<image>/<path>.o comes from <path>.c or <path>.S.
obj = $(patsubst %,$(BUILD)/$(1)/%.o,$(basename $(2)))
KERNEL_OBJS := $(call obj,kernel,$(KERNEL_SRCS))
GUARD_OBJS := $(call obj,guard,$(GUARD_SRCS))

.PHONY: all markers handout handout-repo qemu qemu-gdb qemu-cmd gdb grade test host-test host-test-build qemu-test stress doctor deps \
	clean kernel guard dtb build-for-run crash-test gen-trees fuzz bench bench-host new-seed guard-tree FORCE \
	format format-check

all: kernel guard dtb markers

# The labs' solution markers (tools/handout.py, labs/ORDER): an unbalanced marker or one
# naming an unknown lab fails the build. Checked again whenever a file changes.
MARKER_STAMP := $(BUILD)/markers.ok
MARKED_FILES := $(shell git ls-files 2>/dev/null || find . -path ./build -prune -o -type f -print)
markers: $(MARKER_STAMP)
$(MARKER_STAMP): $(filter-out $(wildcard build/*),$(wildcard $(MARKED_FILES)))
	@mkdir -p $(dir $@)
	@$(PYTHON) tools/handout.py check
	@touch $@

kernel: $(KERNEL)
guard: $(GUARD)
dtb: $(DTB)

# --- user programs ---
#
# The user image compiles like the others, into build/user/<path>.o. Its
# library, build/user/libuser.a, holds the system call stubs (usys.S,
# generated from kernel/syscall.h and user/user.h by user/usys.py), the
# user/ library files and the lib/ and mm/ files they use (an archive: a
# program links only the members it needs). Every other user/NAME.c is a
# program, build/user/NAME: crt0, NAME.o and the library, linked at
# USER_TEXT_BASE by user/user.ld.in. To add a program, add user/NAME.c:
# it is in USER_PROGS (and so in the disk image) with no other change. A
# program of several files lists its other files as its parts, below.
USER_LIB_SRCS := user/ulib.c user/printf.c user/umalloc.c user/random.c user/time.c user/uroot.c \
	user/grade_report.c user/root_time.c user/sh_parse.c user/match.c user/args.c \
	user/module.c user/module_main.c user/toastctl.c lib/fmt.c lib/mbox.c lib/toast.c \
	lib/toast_config.c lib/elf.c lib/elf_symbol.c \
	lib/hmac_sha256.c lib/sha256.c lib/md_block.c mm/heap.c mm/heap_block.c mm/heap_check.c mm/heap_quick.c \
	mm/facade.c mm/root_clock.c mm/blockzero.c mm/fdt.c
USER_PARTS_usertests := $(wildcard user/usertests_*.c)
USER_PART_SRCS := $(USER_PARTS_usertests)
USER_PROG_SRCS := $(filter-out $(USER_LIB_SRCS) $(USER_PART_SRCS),$(wildcard user/*.c))
USER_PROGS := $(patsubst user/%.c,$(BUILD)/user/%,$(USER_PROG_SRCS))
USER_USYS := $(BUILD)/user/usys.o
USER_CRT0 := $(BUILD)/user/user/crt0.o
USER_OBJS := $(call obj,user,$(USER_LIB_SRCS) $(USER_PROG_SRCS) $(USER_PART_SRCS) user/crt0.S)
USER_LIB := $(BUILD)/user/libuser.a
USER_LD := $(BUILD)/user/user.ld
# System calls the library answers without a trap: user/time.c reads uptime from the root.
# LAB(pgtbl) begin
USER_LIBRARY_CALLS := uptime
# LAB(pgtbl) stub
# USER_LIBRARY_CALLS :=
# LAB(pgtbl) end
AR := $(CROSS)ar

.PHONY: user
user: $(USER_PROGS)
all: user

# xv6 programs include "kernel/types.h" and "user/user.h": paths from the top;
# they compile with xv6's warnings (-Wall -Werror, not -Wextra), as xv6's printf has no
# format checking either: a lab solution written for xv6 builds here unchanged.
# A user program is one thread: its heap (mm/heap, user/umalloc.c) needs one arena.
$(USER_OBJS) $(USER_USYS): CFLAGS := $(filter-out -Wextra,$(CFLAGS)) -I. -I$(BUILD)/grade \
	-DHEAP_MAX_ARENAS=1

# Tagged grade reports (user/grade_report.c): the secret the labs' test programs and
# grading/gradelib.py share is made once per build tree (random, never typed at the console).
GRADE_SECRET := $(BUILD)/grade/secret
GRADE_SECRET_H := $(BUILD)/grade/grade_secret.h
$(GRADE_SECRET):
	@mkdir -p $(dir $@)
	@od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > $@.tmp && echo >> $@.tmp && mv $@.tmp $@
$(GRADE_SECRET_H): $(GRADE_SECRET)
	@{ echo '/* generated from $< by the Makefile: the secret of the grade reports */'; \
	  echo 'static const unsigned char grade_secret[] = {'; sed 's/../0x&,/g' $<; echo '};'; } > $@
$(BUILD)/user/user/grade_report.o: $(GRADE_SECRET_H)

$(BUILD)/user/usys.S: user/usys.py kernel/syscall.h user/user.h Makefile # USER_LIBRARY_CALLS
	@mkdir -p $(dir $@)
	$(PYTHON) user/usys.py --syscalls kernel/syscall.h --user-h user/user.h \
		$(foreach c,$(USER_LIBRARY_CALLS),--in-library $(c)) -o $@

$(USER_USYS): $(BUILD)/user/usys.S
	$(CC) $(CFLAGS) -c $< -o $@

$(USER_LIB): $(call obj,user,$(USER_LIB_SRCS)) $(USER_USYS)
	rm -f $@
	$(AR) rcs $@ $^

$(USER_LD): include/user_layout.h

$(USER_PROGS): $(BUILD)/user/%: $(BUILD)/user/user/%.o $(USER_CRT0) $(USER_LIB) $(USER_LD)
	$(CC) $(LDFLAGS) -Wl,-z,max-page-size=4096 -T $(USER_LD) $(USER_CRT0) $< \
		$(filter-out $< $(USER_CRT0),$(filter %.o,$^)) $(USER_LIB) -lgcc -o $@
	$(OBJDUMP) -S $@ > $@.asm
$(BUILD)/user/usertests: $(call obj,user,$(USER_PARTS_usertests))

# The host tests of the user library's pure parts.
$(BUILD)/host/test_sh_parse: EXTRA_HOST_SRCS := user/sh_parse.c
$(BUILD)/host/test_sh_parse: user/sh_parse.c user/sh_parse.h
$(BUILD)/host/test_root_time: EXTRA_HOST_SRCS := user/root_time.c
$(BUILD)/host/test_root_time: user/root_time.c user/root_time.h
$(BUILD)/host/test_match: EXTRA_HOST_SRCS := user/match.c
$(BUILD)/host/test_match: user/match.c user/match.h

-include $(USER_OBJS:.o=.d)
# --- end of user programs ---

# --- compiling ---

# One rule for every object of every image. Its stem is <image>/<path>
# (kernel/lib/fmt); the source is <path>.c or <path>.S, and gcc handles both.
drop_image = $(patsubst $(firstword $(subst /, ,$(1)))/%,%,$(1))
source_of = $(wildcard $(call drop_image,$(1)).c $(call drop_image,$(1)).S)
.SECONDEXPANSION:
$(KERNEL_OBJS) $(GUARD_OBJS) $(USER_OBJS): $(BUILD)/%.o: $$(call source_of,$$*)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/%.ld: %.ld.in include/layout.h
	@mkdir -p $(dir $@)
	$(CC) -E -P -x c $< -o $@

$(KERNEL): $(KERNEL_OBJS) $(BUILD)/kernel/kernel.ld
	$(CC) $(LDFLAGS) -T $(BUILD)/kernel/kernel.ld $(KERNEL_OBJS) -lgcc -o $@
	$(OBJDUMP) -S $@ > $(BUILD)/kernel/kernel.asm

$(GUARD): $(GUARD_OBJS) $(BUILD)/sbi/guard/guard.ld
	$(CC) $(LDFLAGS) -T $(BUILD)/sbi/guard/guard.ld $(GUARD_OBJS) -lgcc -o $@
	$(OBJDUMP) -S $@ > $(BUILD)/guard/guard.asm

-include $(KERNEL_OBJS:.o=.d) $(GUARD_OBJS:.o=.d)

# --- the device tree: QEMU's own, plus magma's domains (sbi/mkdts.py) ---

$(FW_VERSION): tools/firmware_version.py
	@mkdir -p $(dir $@)
	$(PYTHON) tools/firmware_version.py > $@.tmp && mv $@.tmp $@
	@echo "OpenSBI version from its boot banner: $$(cat $@)"

$(DT_QEMU).dts:
	@mkdir -p $(dir $@)
	$(QEMU) -machine $(MACHINE),dumpdtb=$(DT_QEMU).dtb -smp $(CPUS) -m $(MEM) \
		-nographic >$(DT_QEMU).log 2>&1 || { cat $(DT_QEMU).log; exit 1; }
	dtc -q -I dtb -O dts -o $@ $(DT_QEMU).dtb

$(DT_STEM).dts: $(DT_QEMU).dts sbi/mkdts.py sbi/magma-domains.dtsi.in include/layout.h $(FW_VERSION)
	$(PYTHON) sbi/mkdts.py --qemu-dts $< --template sbi/magma-domains.dtsi.in \
		--layout include/layout.h --cpus $(CPUS) --mem $(MEM) \
		--fw-version $$(cat $(FW_VERSION)) $(if $(filter 1,$(WEAK_LOCK)),--weaken-lock) -o $@

# A new tree makes its guard copies stale: guard-tree writes them again per boot.
$(DTB): $(DT_STEM).dts
	dtc -q -I dts -O dtb -o $@ $<
	rm -f $(DT_STEM)-guard-*.dtb

# --- running ---

# A constant of include/layout.h, e.g. $(call layout,MAGMA_GUARD_SEED_ADDR).
layout = $(shell sed -n 's/^\#define $(1) *\(0x[0-9a-f]*\).*/\1/p' include/layout.h)

# A fresh seed for the guard's keys on every boot (see MAGMA_GUARD_SEED_ADDR).
GUARD_SEED := $(BUILD)/guard-seed.bin
GUARD_SEED_ADDR := $(call layout,MAGMA_GUARD_SEED_ADDR)
new-seed:
	@mkdir -p $(BUILD) && head -c 64 /dev/urandom > $(GUARD_SEED)

# The guard's own copy of the tree, loaded into guard private (MAGMA_GUARD_TREE_ADDR): the
# guard never reads the kernel's copy, which the kernel can rewrite. QEMU writes -append's
# bootargs and a fresh rng-seed only into the kernel's copy, so every run writes them into
# the guard's, one file per bootargs (boots with different bootargs do not clash).
GUARD_TREE_ADDR := $(call layout,MAGMA_GUARD_TREE_ADDR)
GUARD_TREE_MAX := $(call layout,MAGMA_GUARD_TREE_MAX_BYTES)
GUARD_DTB = $(DT_STEM)-guard-$(shell printf '%s' '$(BOOTARGS)' | md5sum | cut -c1-8).dtb
guard-tree: $(DTB)
	@tmp=$(GUARD_DTB).$$$$ && cp $(DTB) $$tmp && \
	$(if $(BOOTARGS),fdtput -t s $$tmp /chosen bootargs '$(BOOTARGS)' &&) \
	fdtput -t bx $$tmp /chosen rng-seed $$(od -An -v -tx1 -N32 /dev/urandom) && \
	size=$$(stat -c %s $$tmp) && \
	if [ $$size -gt $$(( $(GUARD_TREE_MAX) )) ]; then rm -f $$tmp; \
		echo "the guard's tree copy is $$size bytes, over MAGMA_GUARD_TREE_MAX_BYTES" \
			"($(GUARD_TREE_MAX), include/layout.h)" >&2; exit 1; fi && \
	mv $$tmp $(GUARD_DTB)

QEMU_CMD = $(QEMU) -machine $(MACHINE) -smp $(CPUS) -m $(MEM) -nographic \
	-bios default -kernel $(KERNEL) -device loader,file=$(GUARD) -dtb $(DTB) \
	-device loader,file=$(GUARD_SEED),addr=$(GUARD_SEED_ADDR),force-raw=on \
	-device loader,file=$(GUARD_DTB),addr=$(GUARD_TREE_ADDR),force-raw=on \
	-global virtio-mmio.force-legacy=false \
	-drive file=$(FS_IMG),if=none,format=raw,id=disk0 \
	-device virtio-blk-device,drive=disk0,bus=virtio-mmio-bus.0 \
	$(if $(BOOTARGS),-append '$(BOOTARGS)')

# What every run needs besides `all`: this boot's seed, the guard's tree copy and the disk.
# BOOTARGS is passed on because a target may set it for itself (bench).
PER_BOOT = all new-seed guard-tree $(BUILD)/fs.img BOOTARGS='$(BOOTARGS)'

deps:
	@tools/deps.sh

build-for-run: deps
	@$(MAKE) --no-print-directory $(PER_BOOT)

qemu: build-for-run
	$(QEMU_CMD)

qemu-gdb: build-for-run $(BUILD)/gdbinit
	@echo "*** QEMU is waiting for gdb on port $(GDBPORT): run 'make gdb' in another terminal"
	$(QEMU_CMD) -S -gdb tcp:127.0.0.1:$(GDBPORT)

# Prints the command that boots this configuration (the test harness runs it).
qemu-cmd:
	@tools/deps.sh >&2
	@$(MAKE) --no-print-directory $(PER_BOOT) >&2
	@echo "$(QEMU_CMD)"

# Remade every time: it carries GDBPORT, which may differ between calls.
$(BUILD)/gdbinit: tools/gdbinit.in FORCE
	@mkdir -p $(dir $@)
	sed -e 's|@GDBPORT@|$(GDBPORT)|g' -e 's|@KERNEL@|$(KERNEL)|g' -e 's|@GUARD@|$(GUARD)|g' \
		-e 's|@USERDIR@|$(BUILD)/user|g' \
		-e 's|@USER_INFO_VA@|$(shell sed -n 's/^\#define USER_INFO_VA *\(0x[0-9a-f]*\).*/\1/p' include/user_layout.h)|g' $< > $@

# GDBFLAGS adds options, e.g. GDBFLAGS="-batch -x my-commands" for scripted sessions.
GDBFLAGS ?=
gdb: $(BUILD)/gdbinit
	gdb-multiarch -q -x $(BUILD)/gdbinit $(GDBFLAGS)

FORCE:

doctor:
	@tools/doctor.sh $(GDBPORT)

# --- testing ---

HOST_CC ?= cc
HOST_CFLAGS := -Wall -Wextra -Werror -std=gnu11 -g -O1 -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -pthread
HOST_TESTS := $(patsubst tests/%.c,$(BUILD)/host/%,$(wildcard tests/test_*.c)) \
	$(BUILD)/host/test_crash_wlog

# test_fmt feeds deliberately odd format strings to lib/fmt.
$(BUILD)/host/test_fmt: EXTRA_HOST_CFLAGS := -Wno-format
# test_strerror names the SBI and disk errors too (the kernel's host-buildable files).
$(BUILD)/host/test_strerror: EXTRA_HOST_SRCS := kernel/sbi_error.c kernel/disk_error.c
$(BUILD)/host/test_strerror: kernel/sbi_error.c kernel/sbi.h kernel/disk_error.c kernel/disk.h
# test_fs_kernel runs the kernel's file system over the host shims of tests/shim/.
FS_KERNEL_SRCS := kernel/bio.c kernel/log.c kernel/fs.c kernel/file.c kernel/pipe.c kernel/sysfile.c
$(BUILD)/host/test_fs_kernel: EXTRA_HOST_SRCS := $(FS_KERNEL_SRCS) tests/shim/shim.c tests/shim/fsck.c \
	tests/shim/mount.c mkfs/fsck_check.c
$(BUILD)/host/test_fs_kernel: $(FS_KERNEL_SRCS) $(wildcard tests/shim/*) $(wildcard kernel/*.h) \
	mkfs/fsck_check.c mkfs/fsck_check.h $(BUILD)/host/mkfs

$(BUILD)/host/test_%: tests/test_%.c $(wildcard tests/*.h) $(MM_SRCS) $(wildcard mm/*.h) \
		$(LIB_HOST_SRCS) $(wildcard lib/*.h) $(wildcard sbi/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(EXTRA_HOST_CFLAGS) $< $(EXTRA_HOST_SRCS) $(MM_SRCS) \
		$(LIB_HOST_SRCS) -o $@

# The crash test's dm-log-writes parser (tests/crash/wlog.c), alone.
$(BUILD)/host/test_crash_wlog: tests/crash/test_wlog.c tests/crash/wlog.c tests/crash/wlog.h tests/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) tests/crash/test_wlog.c tests/crash/wlog.c -o $@

# Trees the host tests read: hand-written .dts cases ...
TEST_DTS := $(wildcard tests/dts/*.dts)
TEST_DTBS := $(patsubst tests/dts/%.dts,$(BUILD)/host/dts/%.dtb,$(TEST_DTS))
$(BUILD)/host/dts/%.dtb: tests/dts/%.dts
	@mkdir -p $(dir $@)
	dtc -q -I dts -O dtb -o $@ $<

# ... and magma's generated tree, with the guard's copy, for several machines (CPUS:MEM:AIA).
GEN_CONFIGS := 2:128M:1 4:128M:1 4:256M:1 4:128M:0 3:256M:0 8:1G:1 4:4G:1
gen-trees:
	@for c in $(GEN_CONFIGS); do \
		set -- $$(echo $$c | tr : ' '); \
		$(MAKE) --no-print-directory guard-tree CPUS=$$1 MEM=$$2 AIA=$$3 >/dev/null || exit 1; \
	done

host-test-build: $(HOST_TESTS) $(TEST_DTBS) gen-trees

host-test: deps
	@$(MAKE) --no-print-directory host-test-build
	@$(PYTHON) tests/run_all.py --only host python

qemu-test: build-for-run
	@$(PYTHON) tests/run_all.py --only qemu

# Every crash state of tests/crash/workload.h: a boot of magma on a small image records
# every device write and flush (QEMU's blklogwrites, tests/crash/record.py) while
# user/crashload runs the workload; build/crash/crashtest (the kernel's file system on
# the host, with the sanitizers) then checks each crash image of the recording.
# CRASH_BIG=95 takes the big file into its double-indirect blocks (default 14: single);
# CRASH_FLAGS passes options on, e.g. CRASH_FLAGS="--seed 7 --reorders 5000".
CRASH_DIR := $(BUILD)/crash
CRASHTEST := $(CRASH_DIR)/crashtest
CRASH_IMG := $(CRASH_DIR)/disk.img
CRASH_FLAGS ?=
CRASH_BIG ?= 14
CRASH_SRCS := tests/crash/crashtest.c tests/crash/wlog.c $(FS_KERNEL_SRCS) tests/shim/shim.c \
	tests/shim/fsck.c tests/shim/mount.c mkfs/fsck_check.c
$(CRASHTEST): $(CRASH_SRCS) $(wildcard tests/crash/*.h tests/shim/*.h kernel/*.h) $(MM_SRCS) \
		$(LIB_HOST_SRCS) $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(CRASH_SRCS) $(MM_SRCS) $(LIB_HOST_SRCS) -o $@

# The disk: init, sh and crashload only (2048 blocks), with /console made beforehand, so
# the boot writes nothing but the workload's calls.
crash-test: deps
	@$(MAKE) --no-print-directory $(CRASHTEST) $(PER_BOOT) $(BUILD)/user/crashload
	@mkdir -p $(CRASH_DIR)
	@$(MKFS) $(CRASH_IMG).new --size-blocks 2048 $(BUILD)/user/init $(BUILD)/user/sh \
		$(BUILD)/user/crashload >/dev/null && $(CRASHTEST) --prepare $(CRASH_IMG).new
	@mv $(CRASH_IMG).new $(CRASH_IMG)
	@$(PYTHON) tests/crash/record.py $(CRASH_IMG) $(CRASH_DIR)/writes.log $(CRASH_BIG)
	@$(CRASHTEST) --big $(CRASH_BIG) $(CRASH_FLAGS) $(CRASH_IMG) $(CRASH_DIR)/writes.log

# The layout of every .c and .h against .clang-format (tools/format.sh).
format: deps
	@tools/format.sh

format-check: deps
	@tools/format.sh --check

# The QEMU tests RUNS times with HOGS busy CPU hogs beside them, and the flake rate.
# K="boot ipi" runs only the tests whose names contain one of the words.
RUNS ?= 10
HOGS ?= 2
K ?=
stress: build-for-run
	@$(PYTHON) tools/stress.py --runs $(RUNS) --hogs $(HOGS) $(foreach k,$(K),-k $(k))

# A lab's grader (labs/LAB/grade.py, on grading/gradelib.py): a line per test and Score: N/M.
# GRADE_FLAGS passes options on, e.g. GRADE_FLAGS="--strict --recalibrate".
LAB ?=
GRADE_FLAGS ?=
grade:
	@test -f labs/$(LAB)/grade.py || { echo "make grade: no lab '$(LAB)'; say LAB=name, one of:" \
		$(notdir $(patsubst %/grade.py,%,$(wildcard labs/*/grade.py))) >&2; exit 2; }
	@$(MAKE) --no-print-directory build-for-run
	@$(PYTHON) labs/$(LAB)/grade.py $(GRADE_FLAGS)

# A lab's student tree (tools/handout.py): labs before LAB solved, LAB and later labs as
# their stubs, LAB's handout as LAB.md. handout-repo: a git repository, a branch per lab.
OUT ?=
handout:
	@test -n "$(LAB)" || { echo "make handout: say LAB=name, one of: $$($(PYTHON) tools/handout.py list)" >&2; exit 2; }
	@$(PYTHON) tools/handout.py tree $(LAB) --out $(or $(OUT),$(BUILD)/handout/$(LAB))
handout-repo:
	@$(PYTHON) tools/handout.py repo --out $(or $(OUT),$(BUILD)/handout-repo)

# The memory labs' host programs (labs/memmap, labs/frames, labs/heap): `make lab-host-LAB`
# builds what that lab's grader runs, with the host tests' sanitizers.
$(BUILD)/host/lab_memmap: labs/memmap/lab_memmap.c
$(BUILD)/host/lab_heap_frag: labs/heap/lab_heap_frag.c
$(BUILD)/host/lab_memmap $(BUILD)/host/lab_heap_frag: $(MM_SRCS) $(wildcard mm/*.h)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(filter labs/%.c,$^) $(MM_SRCS) $(LIB_HOST_SRCS) -o $@
.PHONY: lab-host-memmap lab-host-frames lab-host-heap
lab-host-memmap: $(BUILD)/host/test_memmap $(BUILD)/host/lab_memmap $(TEST_DTBS) gen-trees
lab-host-frames: $(BUILD)/host/test_frame
lab-host-heap: $(BUILD)/host/test_heap $(BUILD)/host/lab_heap_frag

# Lab guard's host checks of lib/mbox (labs/guard/lab_guard.c), run by its grader.
$(BUILD)/host/lab_guard: labs/guard/lab_guard.c $(LIB_HOST_SRCS) $(wildcard lib/*.h) tests/check.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $< $(LIB_HOST_SRCS) -o $@
.PHONY: lab-host-guard
lab-host-guard: $(BUILD)/host/lab_guard

# Everything: host tests, Python and tool tests, the format check, then the QEMU system tests.
# The build before the tests runs a job per core (TEST_JOBS): the host tests alone are
# some 40 ASan programs.
TEST_JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: deps
	@$(MAKE) --no-print-directory -j$(TEST_JOBS) host-test-build all
	@$(PYTHON) tests/run_all.py

# --- the disk image ---

# mkfs (mkfs/mkfs.c) is a host program: it lays out build/fs.img in the format of
# include/fs_format.h (lib/fs_layout.c does the arithmetic, shared with the kernel). The
# image holds README.md as /README and every user program; USER_PROGS (set by the user-space
# rules) lists their ELF files under build/user/. build/host/mkfs is the same program with
# the host tests' sanitizers, for tests/test_mkfs.c.
USER_PROGS ?=
MKFS := $(BUILD)/mkfs/mkfs
MKFS_SRCS := mkfs/mkfs.c lib/fs_layout.c lib/crc32c.c lib/fmt.c
MKFS_DEPS := $(MKFS_SRCS) include/fs_format.h lib/fs_layout.h lib/crc32c.h lib/fmt.h \
	kernel/param.h kernel/stat.h

$(MKFS): $(MKFS_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -Wall -Wextra -Werror -std=gnu11 -O2 -g $(MKFS_SRCS) -o $@

$(BUILD)/host/mkfs: $(MKFS_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(MKFS_SRCS) -o $@

# test_mkfs also runs fsck's checks (the library, through tests/shim/fsck.c) on each image.
$(BUILD)/host/test_mkfs: EXTRA_HOST_SRCS := tests/shim/fsck.c mkfs/fsck_check.c
$(BUILD)/host/test_mkfs: $(BUILD)/host/mkfs tests/shim/fsck.c tests/shim/fsck.h mkfs/fsck_check.c \
	mkfs/fsck_check.h

# README.md goes in as /README: mkfs names each file by its base name.
$(BUILD)/fs/README: README.md
	@mkdir -p $(dir $@)
	cp $< $@

# The image every boot uses unless FS_IMG names another (the tests boot on fresh copies).
# /etc/modules (user/etc/modules) lists the modules init's bootstrap starts.
$(BUILD)/fs.img: $(MKFS) $(BUILD)/fs/README $(USER_PROGS) user/etc/modules
	$(MKFS) $@.tmp $(BUILD)/fs/README $(USER_PROGS) etc/modules=user/etc/modules && mv $@.tmp $@

.PHONY: fs-image
fs-image: $(BUILD)/fs.img

# fsck (mkfs/fsck.c over the library mkfs/fsck_check.c) checks an image: `make fsck IMG=path`.
# build/host/fsck is the same program with the host tests' sanitizers, for tests/test_fsck.c,
# which also links the library itself.
FSCK := $(BUILD)/fsck/fsck
FSCK_LIB_SRCS := mkfs/fsck_check.c
FSCK_SRCS := mkfs/fsck.c $(FSCK_LIB_SRCS) lib/fs_layout.c lib/crc32c.c lib/fmt.c
FSCK_DEPS := $(FSCK_SRCS) mkfs/fsck_check.h include/fs_format.h lib/fs_layout.h lib/fs_decode.h lib/crc32c.h \
	lib/fmt.h kernel/param.h kernel/stat.h
IMG ?= $(BUILD)/fs.img

$(FSCK): $(FSCK_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -Wall -Wextra -Werror -std=gnu11 -O2 -g $(FSCK_SRCS) -o $@

$(BUILD)/host/fsck: $(FSCK_DEPS)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(HOST_CFLAGS) $(FSCK_SRCS) -o $@

$(BUILD)/host/test_fsck: EXTRA_HOST_SRCS := $(FSCK_LIB_SRCS)
$(BUILD)/host/test_fsck: $(FSCK_DEPS) $(BUILD)/host/fsck $(BUILD)/host/mkfs

.PHONY: fsck
fsck: $(FSCK) $(if $(filter $(BUILD)/fs.img,$(IMG)),$(BUILD)/fs.img)
	$(FSCK) $(IMG)

# --- benchmarks: figures, not pass/fail ---

# In the kernel, under -icount shift=0 so instret counts guest instructions exactly.
BENCH_TIMEOUT ?= 300
bench: BOOTARGS = bench=all test=poweroff
bench: build-for-run
	@echo "== in-kernel, QEMU -icount shift=0 (exact instruction counts; harts take turns)"
	@timeout $(BENCH_TIMEOUT) $(QEMU_CMD) -icount shift=0 | grep -a '^bench:'
	@echo "== in-kernel, multi-threaded TCG (harts really run at once: contention figures)"
	@timeout $(BENCH_TIMEOUT) $(QEMU_CMD) | grep -a '^bench:'
	@echo "== (instruction counts in this second run follow host time and are only rough)"
	@$(PYTHON) tools/bench_user.py

# On the host, -O2 without sanitizers: nanoseconds per operation.
BENCH_SUPPORT := $(filter-out tests/bench/bench_%.c,$(wildcard tests/bench/*.c))
BENCH_HOST := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/bench_*.c))
$(BUILD)/bench/bench_%: tests/bench/bench_%.c $(BENCH_SUPPORT) $(MM_SRCS) $(LIB_HOST_SRCS)
	@mkdir -p $(dir $@)
	$(HOST_CC) -O2 -std=gnu11 -Wall -Wextra -Werror -pthread $< $(BENCH_SUPPORT) \
		$(MM_SRCS) $(LIB_HOST_SRCS) -o $@

bench-host: $(BENCH_HOST)
	@for b in $(BENCH_HOST); do echo "== $$b"; $$b || exit 1; done

# --- fuzzing (libFuzzer, clang) ---

FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

# A target's own sources beyond mm/ and lib/, and flags: FUZZ_SRCS, FUZZ_CFLAGS, set per target.
$(BUILD)/fuzz/fuzz_fsck: FUZZ_SRCS := $(FSCK_LIB_SRCS)
$(BUILD)/fuzz/fuzz_fsck: $(FSCK_LIB_SRCS) mkfs/fsck_check.h
# fuzz_fs_image runs the kernel's file system over the shims, as test_fs_kernel does; the
# kernel's sleep() is renamed so that libFuzzer's calls to the C library's still reach it.
$(BUILD)/fuzz/fuzz_fs_image: FUZZ_SRCS := $(FS_KERNEL_SRCS) tests/shim/shim.c tests/shim/fsck.c \
	tests/shim/mount.c $(FSCK_LIB_SRCS)
$(BUILD)/fuzz/fuzz_fs_image: FUZZ_CFLAGS := -Dsleep=kernel_sleep
$(BUILD)/fuzz/fuzz_fs_image: $(FS_KERNEL_SRCS) $(wildcard tests/shim/*) $(wildcard kernel/*.h) \
	$(FSCK_LIB_SRCS) mkfs/fsck_check.h

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(MM_SRCS) $(LIB_HOST_SRCS) $(wildcard mm/*.h lib/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined $(FUZZ_CFLAGS) $< $(FUZZ_SRCS) \
		$(MM_SRCS) $(LIB_HOST_SRCS) -o $@

fuzz: deps
	@command -v $(FUZZ_CC) >/dev/null || { echo "make fuzz needs clang (apt-get install clang)"; exit 1; }
	@$(MAKE) --no-print-directory host-test-build $(FUZZ_TARGETS)
	@tools/fuzz.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf $(BUILD)
