#!/bin/bash
# tests/qemu/arm64.sh - the proof on arm64: boots Debian's arm64 kernel in qemu-system-aarch64
# (TCG, -M virt, cortex-a53) with QEMU's edu PCI device, the real zocl driver cross-built from
# ../shared/vendor (tests/qemu/zocl/build.sh), u-dma-buf, and the PC backends, and runs the guest
# program of tests/qemu (edu_dma) in each boot.  docs/qemu-proof.md says what each case proves;
# tests/qemu/lib.sh is the harness it shares with the x86 boots (tests/qemu/run.sh).
#
#   tests/qemu/arm64.sh [BOOT...]     BOOT: zocl zocl-unfixed bench hugepage reserved vfio
#                                     udmabuf (default: all)
#
# Every boot is "-M MACHINE[boot]" with a device tree: the machine's own (dumped with
# dumpdtb=, the same -cpu/-smp/-m) or DTB_BASE[boot], decompiled, DTS[boot] appended (dtc merges
# nodes of the same path), compiled and passed back with -dtb.  A board model (ZynqMP) is one
# more boot: its MACHINE, a DTB_BASE from the kernel package ($kdir/dtbs/...), its DTS and/or
# DTB_EDIT[boot] (a function given the compiled .dtb, for fdtput edits), its console
# (CONSOLE[boot]).
#
# Installs (as root) what is missing: qemu-system-arm, device-tree-compiler, the aarch64 cross
# compiler and C library.  The kernel (image, headers) and busybox-static:arm64 are fetched with
# `apt-get download` and cached under build/qemu/.  Environment: see tests/qemu/lib.sh, and
# PLBUF_QEMU_ZOCL=fixed|unfixed (the driver of the zocl boot; default fixed), PLBUF_VENDOR (the
# drivers' tarballs; default ../shared/vendor: every case skips, saying so, when they are missing).
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/lib.sh"
QH_NAME=arm64
QH_CONSOLE=ttyAMA0
a64=$out/arm64
QH_LOGS=$a64/logs # the boot names repeat the x86 ones
mkdir -p "$a64"

# ------------------------------------------------------------------------------ the boots
BOOTS=(zocl zocl-unfixed bench hugepage reserved vfio udmabuf)
declare -A MACHINE DTB_BASE DTS DTB_EDIT

DRM_MODULES="drm drm_kms_helper drm_dma_helper"
VFIO_MODULES="vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci"
EDU="-device edu,dma_mask=$MASK_ALL"
ZOCL_DTS='/ { zyxclmm_drm { compatible = "xlnx,zocl"; status = "okay"; }; };'

# The real zocl (the harness's default build carries the one-line fix of its heap bug), the zocl
# backend through plbuf's API, edu DMA by the BOs' addresses, cache maintenance on its mappings.
CASES[zocl]="zocl-load zocl-auto zocl zocl-span zocl-wrong-address zocl-uncached zocl-api zocl-erange zocl-enomem zocl-create-once cache-zocl"
MACHINE[zocl]=virt
DTS[zocl]=$ZOCL_DTS
QEMU[zocl]=$EDU
GUEST[zocl]="
setup() { load $DRM_MODULES zocl && ls -l /dev/dri; }"'
cases() { /edu_dma $CASES; }'

# zocl as shipped (use-after-free on a CREATE_BO that CMA refuses), with the slab allocator's
# poisoning on: exhausting CMA through plbuf must leave no trace of it.
CASES[zocl-unfixed]="zocl-exhaust"
MACHINE[zocl-unfixed]=virt
DTS[zocl-unfixed]=$ZOCL_DTS
APPEND[zocl-unfixed]="slub_debug=FZPU"
QEMU[zocl-unfixed]=$EDU
GUEST[zocl-unfixed]="
setup() { load $DRM_MODULES zocl-unfixed && ls -l /dev/dri; }"'
cases() { /edu_dma $CASES; }'

# The per-buffer path on the real driver, plbuf against PYNQ's and XRT's ioctl sequence, in a
# fresh guest (figures in $a64/bench-bench.txt, docs/benchmarks.md).
CASES[bench]="bench-zocl"
MACHINE[bench]=virt
DTS[bench]=$ZOCL_DTS
QEMU[bench]=$EDU
GUEST[bench]="
setup() { load $DRM_MODULES zocl; }"'
cases() { /edu_dma $CASES; }'

CASES[hugepage]="hugepage hugepage-span hugepage-wrong-address hugepage-busmaster-off cache-hugepage"
MACHINE[hugepage]=virt
APPEND[hugepage]="hugepages=16"
QEMU[hugepage]=$EDU
GUEST[hugepage]='
cases() { /edu_dma $CASES; }'

# How Zynq boards set memory aside: a reserved-memory node with no-map (RAM starts at 1 GiB).
CASES[reserved]="devmem reserved reserved-span reserved-wrong-address cache-reserved"
MACHINE[reserved]=virt
DTS[reserved]='/ { reserved-memory { #address-cells = <2>; #size-cells = <2>; ranges;
	plbuf@50000000 { reg = <0x0 0x50000000 0x0 0x1000000>; no-map; }; }; };'
QEMU[reserved]=$EDU
GUEST[reserved]='
setup() { grep -i -B1 -A1 50000000 /proc/iomem | sed "s/^/guest iomem: /"; }
cases() { /edu_dma --devmem 0x50000000:16M --opt "reserved=regions=0x50000000:16M" $CASES; }'

CASES[vfio]="vfio vfio-span vfio-physical-address vfio-unmapped-iova cache-vfio"
MACHINE[vfio]=virt,iommu=smmuv3,gic-version=3
QEMU[vfio]=$EDU
GUEST[vfio]="
setup() { load $VFIO_MODULES && bind_vfio; }"'
cases() { /edu_dma --opt "vfio=device=@BDF@" $CASES; }'

# u-dma-buf 5.5.0 from ../shared/vendor: arm64 has CMA, so a 16 MiB buffer probes (x86's kernel
# stops at 4 MiB); virt's devices are not DMA-coherent, so the sync path is the real one.
CASES[udmabuf]="udmabuf udmabuf-span udmabuf-wrong-address udmabuf-sync udmabuf-large cache-udmabuf"
MACHINE[udmabuf]=virt
QEMU[udmabuf]=$EDU
GUEST[udmabuf]='
setup() {
	insmod /lib/modules/u-dma-buf-5.5.0.ko udmabuf0=0x1000000 udmabuf1=0x100000 &&
		echo "guest: $(ls /dev | grep udmabuf | tr "\n" " ")," \
			"udmabuf0 $(cat /sys/class/u-dma-buf/udmabuf0/size) bytes at" \
			"$(cat /sys/class/u-dma-buf/udmabuf0/phys_addr), dma_coherent" \
			"$(cat /sys/class/u-dma-buf/udmabuf0/dma_coherent)"
}
cases() {
	/edu_dma --opt "udmabuf-sync=devices=udmabuf0 sync=driver" $CASES
}'

COMMON=(-cpu cortex-a53 -smp 2 -m 1024)

# ------------------------------------------------------------------------------ steps
qh_select "$@"
qh_tools qemu-system-arm:"command -v qemu-system-aarch64" \
	device-tree-compiler:"command -v dtc" \
	gcc-aarch64-linux-gnu:"command -v aarch64-linux-gnu-gcc-12" \
	libc6-dev-arm64-cross:"[ -f /usr/aarch64-linux-gnu/lib/libc.a ]"
qh_vendor xrt-zocl-963c58ee.tar.gz u-dma-buf-5.5.0.tar.gz
qemu-system-aarch64 --version | head -n 1
# shellcheck disable=SC2086 # word lists
qh_kernel linux-image-arm64 arm64 $DRM_MODULES $VFIO_MODULES

# Kernel headers (for zocl and u-dma-buf: tests/qemu/kmod.sh, cached next to the kernel) and
# busybox, of the same release.
t=$(date +%s.%N)
hdr=$(tests/qemu/kmod.sh headers "$kdir" "$pkg" arm64) || all_results fail "cannot get the headers of $pkg"
bbd=$out/busybox-arm64
qh_download "$bbd" busybox-static:arm64 || all_results fail "apt-get download busybox-static:arm64 failed"
[ -x "$bbd/x/bin/busybox" ] || dpkg-deb -x "$bbd"/busybox-static_*.deb "$bbd/x" ||
	all_results fail "cannot unpack busybox-static:arm64"
busybox=$bbd/x/bin/busybox
echo "headers and busybox for $pkg ready ($(elapsed "$t") s)"

t=$(date +%s.%N)
mods=()
for v in fixed unfixed; do
	if ! ZOCL_TARBALL=$vendor/xrt-zocl-963c58ee.tar.gz bash tests/qemu/zocl/build.sh "$hdr" \
		"$(pwd)/$a64/zocl" "$v" \
		> "$a64/zocl-$v.log" 2>&1; then
		sed 's/^/  zocl| /' "$a64/zocl-$v.log" | tail -n 20
		all_results fail "building zocl ($v) failed (see $a64/zocl-$v.log)"
	fi
done
# shellcheck disable=SC2030,SC2031 # the cross-build's variables are for kmod.sh only
ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KMOD_MAKE=module tests/qemu/kmod.sh build "$hdr" \
	"$vendor/u-dma-buf-5.5.0.tar.gz" "$a64/kmod/u-dma-buf-5.5.0" >/dev/null ||
	all_results fail "building u-dma-buf 5.5.0 for arm64 failed (see $a64/kmod/u-dma-buf-5.5.0/build.log)"
mods+=("$a64/kmod/u-dma-buf-5.5.0/u-dma-buf.ko:lib/modules/u-dma-buf-5.5.0.ko")
mods+=("$a64/zocl/zocl-${PLBUF_QEMU_ZOCL:-fixed}.ko:lib/modules/zocl.ko")
mods+=("$a64/zocl/zocl-unfixed.ko:lib/modules/zocl-unfixed.ko")
echo "zocl (fixed, unfixed) and u-dma-buf 5.5.0 built ($(elapsed "$t") s)"

qh_guest_program aarch64-linux-gnu-gcc "$a64/edu_dma" tests/qemu/edu_dma.c tests/qemu/cases.c \
	tests/qemu/edu.c tests/qemu/cases_udmabuf.c tests/qemu/cases_arm64.c tests/qemu/zocl_bench.c

# The device trees: the machine's own, edited.
t=$(date +%s.%N)
for b in "${BOOTS[@]}"; do
	dt=$a64/dt-$b
	if [ -n "${DTB_BASE[$b]:-}" ]; then
		cp "${DTB_BASE[$b]}" "$dt.base.dtb"
	else
		qemu-system-aarch64 -nodefaults -display none -accel tcg "${COMMON[@]}" \
			-M "${MACHINE[$b]},dumpdtb=$dt.base.dtb" >"$dt.log" 2>&1 ||
			all_results fail "dumping the device tree of -M ${MACHINE[$b]} failed: $(head -c 200 "$dt.log")"
	fi
	if ! dtc -q -I dtb -O dts -o "$dt.dts" "$dt.base.dtb" ||
		! printf '%s\n' "${DTS[$b]:-}" >> "$dt.dts" ||
		! dtc -q -I dts -O dtb -o "$dt.dtb" "$dt.dts" 2>"$dt.log" ||
		{ [ -n "${DTB_EDIT[$b]:-}" ] && ! "${DTB_EDIT[$b]}" "$dt.dtb" >>"$dt.log" 2>&1; }; then
		all_results fail "editing the device tree of boot $b failed: $(head -c 300 "$dt.log")"
	fi
	QEMU[$b]="-M ${MACHINE[$b]} -dtb $dt.dtb ${QEMU[$b]}"
done
echo "device trees ready ($(elapsed "$t") s)"

# The benchmark's figures (case bench-zocl) go to a file of their own.
qh_after_boot() {
	if grep -aq '^BENCH ' "$2"; then
		grep -a '^BENCH ' "$2" > "$a64/bench-$1.txt"
		sed 's/^/  /' "$a64/bench-$1.txt"
	fi
}

qh_initramfs "$busybox" "$a64/edu_dma:edu_dma" "${mods[@]}"
qh_boots qemu-system-aarch64 "${COMMON[@]}" -semihosting-config enable=on,userspace=on
