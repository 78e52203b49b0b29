#!/bin/bash
# tests/qemu/regs.sh - plbuf's register windows and interrupts against the real kernel interfaces
# (/dev/mem, uio_pci_generic, vfio-pci) of Debian's x86_64 kernel in QEMU (TCG), with QEMU's edu
# device as the IP: tests/qemu/regs_guest.c says what each case shows.  The harness is
# tests/qemu/lib.sh (shared with the DMA proof, tests/qemu/run.sh); its own files go to
# build/qemu-regs so that the two kernel caches (different module lists) do not evict each other.
#
#   tests/qemu/regs.sh [BOOT...]      BOOT: uio vfio (default: both)
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
export PLBUF_QEMU_OUT=${PLBUF_QEMU_OUT:-build/qemu-regs}
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/lib.sh"

BOOTS=(uio vfio)
VFIO_MODULES="irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci"
UIO_MODULES="uio uio_pci_generic"

CASES[uio]="regs-devmem regs-uio-irq"
APPEND[uio]=""
QEMU[uio]="-M q35 -device edu"
GUEST[uio]="
setup() { load $UIO_MODULES && bind_uio; }"'
bind_uio() {
	echo "1234 11e8" > /sys/bus/pci/drivers/uio_pci_generic/new_id
	bdf=$(edu_bdf)
	drv=$(readlink "/sys/bus/pci/devices/$bdf/driver")
	echo "guest: $bdf driver ${drv##*/}, uio: $(ls /sys/class/uio | tr "\n" " ")"
	[ "${drv##*/}" = uio_pci_generic ] && [ -e /dev/uio0 ]
}
cases() { /regs_guest $CASES; }'

# (regs-vfio-msi exists too, but QEMU 7.2 under TCG rejects edu's remapped MSI write.)
CASES[vfio]="regs-vfio-bar regs-vfio-intx"
APPEND[vfio]="intel_iommu=on"
QEMU[vfio]="-M q35,kernel-irqchip=split -device intel-iommu,intremap=on -device edu"
GUEST[vfio]="
setup() { load $VFIO_MODULES && bind_vfio; }"'
cases() { /regs_guest $CASES; }'

qh_select "$@"
qh_tools qemu-system-x86:"command -v qemu-system-x86_64" \
	busybox-static:"[ -x /bin/busybox ] && is_static /bin/busybox" \
	libc6-dev:"[ -f /usr/lib/x86_64-linux-gnu/libc.a ]"
[ "$(uname -m)" = x86_64 ] || all_results skip "needs an x86_64 host (found $(uname -m))"
# shellcheck disable=SC2086 # word lists
qh_kernel linux-image-amd64 amd64 $UIO_MODULES $VFIO_MODULES
qh_guest_program cc "$out/regs_guest" tests/qemu/regs_guest.c tests/qemu/edu.c
# /init ends the VM with /edu_dma --exit: regs_guest answers that too.
qh_initramfs /bin/busybox "$out/regs_guest:regs_guest" "$out/regs_guest:edu_dma"
qh_boots qemu-system-x86_64 -smp 2 -m 512 -device isa-debug-exit,iobase=0xf4,iosize=0x04
