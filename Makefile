# SPDX-License-Identifier: GPL-2.0
#
# uoffload: kernel module, liburing-offload, selftests and examples.
#
#   make            build everything against the installed stock kernel
#   make check      install what is missing, build, run every test (VM) on
#                   both lanes: the stock kernel, then the development
#                   kernel (LANES=stock or LANES=dev for one of them)
#   make demo       install what is missing, build, run uoff-copy (VM)
#   make bench      install what is missing, build, run the benchmark (VM),
#                   then the mm part on the development kernel
#   make install    install the module, the library and uoffctl on this machine
#   make check-dev  make check on the development lane only (KASAN,
#                   lockdep, kmemleak; built once by tools/testing/vm/devkernel)
#
# KDIR=<tree> builds the module against another kernel tree; the VM then
# boots that tree's arch/x86/boot/bzImage.

SETUP		:= tools/testing/vm/setup
VMRUN		:= tools/testing/vm/run
SELFTESTS	:= tools/testing/selftests/uoffload

# The VM targets build for the stock kernel the set-up step installs (asked
# when first used, after that step ran); everything else for this machine's.
VM_GOALS	:= check demo bench
ifneq ($(filter $(VM_GOALS),$(MAKECMDGOALS)),)
KVER		?= $(shell $(SETUP) --print-kver)
else
KVER		?= $(shell uname -r)
endif
KDIR		?= /lib/modules/$(KVER)/build
BUILD_FOR_VM	= $(MAKE) --no-print-directory all KVER=$(KVER) KDIR=$(KDIR)
ifeq ($(origin KDIR),command line)
VM_KERNEL	:= --kernel $(KDIR)/arch/x86/boot/bzImage
endif

.PHONY: all modules lib selftests examples uoffctl setup check demo bench \
	install clean check-dev

all: modules lib selftests examples uoffctl

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

lib:
	$(MAKE) -C liburing-ext

selftests: lib
	$(MAKE) -C $(SELFTESTS)

examples: lib
	$(MAKE) -C examples

# Linked with libaccel-config (libaccel-config-dev).
uoffctl:
	$(MAKE) -C tools/uoffctl

setup:
	@$(SETUP)

# tools/testing/lanes builds for each lane's kernel before booting it; with
# KDIR=<tree> on the command line, that tree's kernel is the only lane.
LANES		?= stock dev

check: setup
ifeq ($(origin KDIR),command line)
	@$(BUILD_FOR_VM)
	@tools/testing/check $(VM_KERNEL)
else
	@tools/testing/lanes $(LANES)
endif

# Then compress text and machine code with uoff-gzip, decompress, compare.
GZIP_DEMO	:= cat Documentation/*.rst /bin/busybox >demo.bin && ./uoff-gzip -kv demo.bin && \
		./uoff-gzip -dc demo.bin.gz | cmp - demo.bin && \
		echo "uoff-gzip: demo.bin $$(wc -c <demo.bin) bytes -> demo.bin.gz $$(wc -c <demo.bin.gz) bytes, decompressed and verified"

# The copies run on the SDXI functional model (a software SDXI function in
# the guest kernel) unless DEMO_ENGINE=cpu.
DEMO_ENGINE	?= sdxi
# Native SDXI channels only: uoffload's dmaengine backend would also take
# the model's dmaengine channels, which the demo and the bench leave alone.
SDXI_MODS	:= sdxi sdxi_model sdxi_model_front uoffload_sdxi
SDXI_MODEL_LOAD	:= echo sdxi,cpu >/sys/module/uoffload/parameters/backends && \
		for m in $(SDXI_MODS); do insmod /lib/modules/uoffload/$$m.ko || exit 1; done
ifeq ($(DEMO_ENGINE),sdxi)
DEMO_SETUP	:= $(SDXI_MODEL_LOAD) && echo "demo: the SDXI functional model serves copies and fills" &&
else
DEMO_SETUP	:=
endif

demo: setup
	@$(BUILD_FOR_VM)
	$(VMRUN) $(VM_KERNEL) --add examples/uoff-copy --add examples/uoff-gzip --add Documentation -- \
		sh -c '$(DEMO_SETUP) ./uoff-copy -s 64M && dd if=/dev/urandom of=in.bin bs=1M count=8 2>/dev/null && ./uoff-copy in.bin out.bin && $(GZIP_DEMO)'

# TCG emulates glibc's "rep movsb" memcpy slowly; the tunable keeps the
# memcpy baseline on its vector loop, as fast as memcpy gets in the guest.
# The bench runs on the CPU channels, then again (-s: the SDXI part only)
# with the SDXI model bound and uoffload_sdxi.ko loaded.
# mm_bench exits 4 (skip) on a kernel without the mm offload hooks.
BENCH_RUN	:= r=0; ./uoff_bench || r=1; s=0; ./mm_bench || s=$$?; \
		[ $$s = 0 ] || [ $$s = 4 ] || r=1; $(SDXI_MODEL_LOAD); \
		./uoff_bench -s || r=1; exit $$r

# The mm part: mm_bench on the development kernel, which has the hooks, on
# the CPU channels and then, with fewer and smaller runs (the model is
# slow), on the SDXI model's.
MM_BENCH_RUN	:= r=0; ./mm_bench || r=1; $(SDXI_MODEL_LOAD); \
		./mm_bench -e sdxi -r 3 -n 256 -m 2 || r=1; exit $$r
MM_BENCH_NOTE	:= the mm part of the bench runs on the development kernel: a debug \
		kernel (KASAN, lockdep, kmemleak, DMA-API debug) under TCG, so only \
		its ratios mean anything

DEVKERNEL	:= tools/testing/vm/devkernel
DEV_BENCH_TIMEOUT ?= 1200

bench: setup
	@$(BUILD_FOR_VM)
	$(VMRUN) $(VM_KERNEL) --add $(SELFTESTS)/uoff_bench --add $(SELFTESTS)/mm_bench -- \
		env GLIBC_TUNABLES=glibc.cpu.x86_rep_movsb_threshold=1000000000 \
		sh -c '$(BENCH_RUN)'
	@tree=$$($(DEVKERNEL) --print-dir) && \
	$(MAKE) --no-print-directory all KDIR=$$tree && \
	echo "bench: $(MM_BENCH_NOTE)" && \
	$(VMRUN) --kernel $$tree/arch/x86/boot/bzImage --timeout $(DEV_BENCH_TIMEOUT) \
		--add $(SELFTESTS)/mm_bench -- sh -c '$(MM_BENCH_RUN)'

install: modules lib uoffctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(MAKE) -C liburing-ext install
	$(MAKE) -C tools/uoffctl install
	depmod -a $(KVER)

clean:
	$(MAKE) -C liburing-ext clean
	$(MAKE) -C $(SELFTESTS) clean
	$(MAKE) -C examples clean
	$(MAKE) -C tools/uoffctl clean
	rm -rf kernel/*.o kernel/*.ko kernel/*.mod kernel/*.mod.c kernel/.*.cmd \
		kernel/modules.order sdxi/*.o sdxi/*.ko sdxi/*.mod sdxi/*.mod.c \
		sdxi/.*.cmd sdxi/modules.order .*.cmd .module-common.o Module.symvers \
		modules.order

# The development lane alone: the debug kernel from the cache (built when
# its inputs changed), everything built against it, every test booting it.
check-dev: setup
	@tools/testing/lanes dev
