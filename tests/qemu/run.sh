#!/bin/bash
# tests/qemu/run.sh - proof by DMA on x86_64: boots Debian's kernel in QEMU (TCG) with QEMU's edu
# PCI device and a tiny initramfs (busybox-static, tests/qemu/init, tests/qemu/edu_dma built
# statically with plbuf), and lets edu copy data by the device addresses plbuf hands out.
# docs/qemu-proof.md says what each case proves; tests/qemu/lib.sh is the harness it shares with
# the arm64 boots (tests/qemu/arm64.sh).
#
#   tests/qemu/run.sh [BOOT...]      BOOT: hugepage reserved vfio mask mask-vfio (default: all)
#
# Prints "RESULT pass|fail|skip CASE [why]" for every case of every boot, and the time of each
# step; exits 0 when no case failed.  Installs qemu-system-x86 and busybox-static when missing
# (as root).  The kernel is fetched with `apt-get download` (no install, no initramfs rebuild) and
# cached under build/qemu/kernel/.  Environment: see tests/qemu/lib.sh.
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/lib.sh"

# ------------------------------------------------------------------------------ the boots
# Each boot: the cases it runs (guest and host agree on this list), the kernel command line, the
# QEMU options, and the guest's part (setup() and cases(), see tests/qemu/init).  "$" in memmap=
# is QEMU's business only: the command line reaches it as one argument, never through a shell.
BOOTS=(hugepage reserved vfio mask mask-vfio)

VFIO_MODULES="irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci"
IOMMU_QEMU="-M q35,kernel-irqchip=split -device intel-iommu,intremap=on"

CASES[hugepage]="hugepage hugepage-span hugepage-wrong-address hugepage-busmaster-off"
APPEND[hugepage]="hugepages=16"
QEMU[hugepage]="-M q35 -device edu,dma_mask=$MASK_ALL"
GUEST[hugepage]='
cases() { /edu_dma $CASES; }'

CASES[reserved]="devmem reserved reserved-span reserved-wrong-address"
APPEND[reserved]='memmap=16M$0x8000000'
QEMU[reserved]="-M q35 -device edu,dma_mask=$MASK_ALL"
GUEST[reserved]='
setup() { grep -i reserved /proc/iomem | sed "s/^/guest iomem: /"; }
cases() { /edu_dma --devmem 0x8000000:16M --opt "reserved=regions=0x8000000:16M" $CASES; }'

# no_timer_check: with interrupt remapping, a guest slowed down by a busy host can fail the
# kernel's early timer check and panic ("timer doesn't work through Interrupt-remapped IO-APIC").
CASES[vfio]="vfio vfio-span vfio-physical-address vfio-unmapped-iova"
APPEND[vfio]="intel_iommu=on no_timer_check"
QEMU[vfio]="$IOMMU_QEMU -device edu,dma_mask=$MASK_ALL"
GUEST[vfio]="
setup() { load $VFIO_MODULES && bind_vfio; }"'
cases() { /edu_dma --opt "vfio=device=@BDF@" $CASES; }'

# edu's default dma_mask (28 bits): memory above 256 MiB is out of its reach.  Two reserved
# regions, one on each side of 256 MiB; hugepages spread over most of the 512 MiB.
CASES[mask]="mask-hugepage mask-hugepage-high mask-hugepage-erange mask-reserved mask-reserved-high mask-reserved-erange"
APPEND[mask]='memmap=16M$0x8000000 memmap=16M$0x18000000'
QEMU[mask]="-M q35 -device edu"
GUEST[mask]='
setup() { hugepages 120; }
cases() {
	/edu_dma --opt "reserved=regions=0x8000000:16M" \
		--opt "reserved-high=regions=0x18000000:16M" \
		--opt "reserved-erange=regions=0x18000000:16M" $CASES
}'

# plbuf's IOVA allocator hands out the lowest free IOVA from iova_base: starting just below 256 MiB
# leaves one 2 MiB chunk below the mask and puts the next above it; starting at 256 MiB leaves
# nothing below.
CASES[mask-vfio]="mask-vfio mask-vfio-high mask-vfio-erange"
APPEND[mask-vfio]="intel_iommu=on no_timer_check"
QEMU[mask-vfio]="$IOMMU_QEMU -device edu"
GUEST[mask-vfio]="
setup() { load $VFIO_MODULES && bind_vfio; }"'
cases() {
	/edu_dma --opt "vfio-mask=device=@BDF@ iova_base=0xfe00000" \
		--opt "vfio-high=device=@BDF@ iova_base=0xfe00000" \
		--opt "vfio-erange=device=@BDF@ iova_base=0x10000000" $CASES
}'

# ------------------------------------------------------------------------------ steps
qh_select "$@"
qh_tools qemu-system-x86:"command -v qemu-system-x86_64" \
	busybox-static:"[ -x /bin/busybox ] && is_static /bin/busybox" \
	libc6-dev:"[ -f /usr/lib/x86_64-linux-gnu/libc.a ]"
[ "$(uname -m)" = x86_64 ] || all_results skip "needs an x86_64 host (found $(uname -m))"
qemu-system-x86_64 --version | head -n 1
# shellcheck disable=SC2086 # a word list
qh_kernel linux-image-amd64 amd64 $VFIO_MODULES
qh_guest_program cc "$out/edu_dma" tests/qemu/edu_dma.c tests/qemu/cases.c tests/qemu/cases_udmabuf.c \
	tests/qemu/edu.c
qh_initramfs /bin/busybox "$out/edu_dma:edu_dma"
qh_boots qemu-system-x86_64 -smp 2 -m 512 -device isa-debug-exit,iobase=0xf4,iosize=0x04
