#!/bin/bash
# tests/qemu/zynqmp.sh - the proof on the board's own SoC: boots Debian's arm64 kernel on QEMU's
# ZynqMP board model (qemu-system-aarch64 -M xlnx-zcu102, TCG) with the ZCU102 device tree that
# Debian ships, edited with fdtput, and has the SoC's own DMA engine (the GDMA, driven from user
# space by tests/qemu/zynqmp/gdma.c through plbuf's register access) copy through the device
# addresses plbuf hands out: reserved (a no-map region through /dev/mem), hugepage, the real zocl
# and the real u-dma-buf (both on CMA).  docs/qemu-proof.md says what each case proves and what
# this machine cannot show (no caches modelled, no SMMU, instant completion).
#
#   tests/qemu/zynqmp.sh [BOOT...]     BOOT: zynqmp zynqmp-zocl zynqmp-udmabuf (default: all)
#
# Shares the harness of the x86 and arm64 boots (tests/qemu/lib.sh) and the arm64 boots' pieces:
# the kernel package, its headers (tests/qemu/kmod.sh), busybox-static:arm64, the zocl build
# (tests/qemu/zocl/build.sh) and the u-dma-buf build (kmod.sh).  Environment: see lib.sh.
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/lib.sh"
QH_NAME=zynqmp
QH_CONSOLE=ttyPS0
zd=$out/zynqmp
mkdir -p "$zd"

# ------------------------------------------------------------------------------ the machine
# RAM: QEMU gives the board 2 GiB at 0 and what -m asks beyond that at 0x800000000 (512 MiB
# here), as the boards have it (ZCU102: 2 GiB at 0, 2 GiB at 0x800000000).  Two no-map regions
# of 16 MiB through /dev/mem: LOW below 4 GiB, HIGH above, at LOW + 0x800000000, so that a
# 32-bit master given HIGH's address reaches LOW.
HIGH_MIB=512
COMMON=(-M xlnx-zcu102 -m $((2048 + HIGH_MIB))M)
LOW=0x10000000 HIGH=0x810000000
UDMABUF_HIGH=0x818000000 # the u-dma-buf boot's pool above 4 GiB
RESERVED="reserved=regions=low@$LOW:16M,high@$HIGH:16M"

BOOTS=(zynqmp zynqmp-zocl zynqmp-udmabuf)
declare -A NODES

# What each backend's cases show (gdma_proof.c): the round trip, a span across pages (3 MiB: two
# hugepages; u-dma-buf 6 MiB), a wrong address yielding exactly the decoy, views by offset,
# max_device_address with the GDMA as a 32-bit master.
kinds() { local k; for k in "" -span -wrong-address -views -max-address; do echo -n "zynqmp-$1$k "; done; }

CASES[zynqmp]="zynqmp-devmem $(kinds reserved)zynqmp-reserved-high zynqmp-reserved-erange $(kinds hugepage)"
APPEND[zynqmp]="hugepages=48"
GUEST[zynqmp]='
setup() {
	grep -i -E "reserved|System RAM" /proc/iomem | sed "s/^/guest iomem: /"
	echo "guest: $(cat /proc/sys/vm/nr_hugepages) hugepages of 2 MiB"
}
cases() { /gdma_proof --devmem '"$LOW"':16M --high '"$HIGH"' --opt "'"$RESERVED"'" $CASES; }'

DRM_MODULES="drm drm_kms_helper drm_dma_helper"
VFIO_MODULES="vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci" # extracted for arm64.sh
CASES[zynqmp-zocl]="$(kinds zocl)"
NODES[zynqmp-zocl]=zocl
GUEST[zynqmp-zocl]="
setup() {
	load $DRM_MODULES zocl && ls /dev/dri &&
		CMA=\$(dmesg | sed -n 's/.*cma: Reserved \\([0-9]*\\) MiB at \\(0x[0-9a-f]*\\).*/\\2:\\1M/p' | head -n 1) &&
		echo \"guest: CMA at \$CMA\" && [ -n \"\$CMA\" ]
}"'
cases() { /gdma_proof --range "$CMA" $CASES; }'

# 32 MiB: more than the 4 MiB a kernel without CMA gives (x86); ZynqMP's devices are not
# DMA-coherent, so the driver's sync path is the one plbuf takes.
CASES[zynqmp-udmabuf]="$(kinds udmabuf)zynqmp-udmabuf-high"
NODES[zynqmp-udmabuf]=udmabuf-high
GUEST[zynqmp-udmabuf]='
setup() {
	insmod /lib/modules/u-dma-buf-5.5.0.ko udmabuf0=0x2000000 &&
		echo "guest: udmabuf0 $(cat /sys/class/u-dma-buf/udmabuf0/size) bytes at" \
			"$(cat /sys/class/u-dma-buf/udmabuf0/phys_addr), dma_coherent" \
			"$(cat /sys/class/u-dma-buf/udmabuf0/dma_coherent);" \
			"udmabuf-high $(cat /sys/class/u-dma-buf/udmabuf-high/size) bytes at" \
			"$(cat /sys/class/u-dma-buf/udmabuf-high/phys_addr)"
}
cases() {
	/gdma_proof --opt "udmabuf=devices=udmabuf0" --opt "udmabuf-high=devices=udmabuf0,udmabuf-high" \
		--opt "udmabuf-high-only=devices=udmabuf-high" --range \
		"$(cat /sys/class/u-dma-buf/udmabuf0/phys_addr):$(cat /sys/class/u-dma-buf/udmabuf0/size)" $CASES
}'

# ------------------------------------------------------------------------------ steps
qh_select "$@"
qh_tools qemu-system-arm:"command -v qemu-system-aarch64" \
	device-tree-compiler:"command -v fdtput" \
	gcc-aarch64-linux-gnu:"command -v aarch64-linux-gnu-gcc-12" \
	libc6-dev-arm64-cross:"[ -f /usr/aarch64-linux-gnu/lib/libc.a ]"
qh_vendor xrt-zocl-963c58ee.tar.gz u-dma-buf-5.5.0.tar.gz
# shellcheck disable=SC2086 # word lists
qh_kernel linux-image-arm64 arm64 $DRM_MODULES $VFIO_MODULES

t=$(date +%s.%N)
hdr=$(tests/qemu/kmod.sh headers "$kdir" "$pkg" arm64) || all_results fail "cannot get the headers of $pkg"
bbd=$out/busybox-arm64
qh_download "$bbd" busybox-static:arm64 || all_results fail "apt-get download busybox-static:arm64 failed"
[ -x "$bbd/x/bin/busybox" ] || dpkg-deb -x "$bbd"/busybox-static_*.deb "$bbd/x" ||
	all_results fail "cannot unpack busybox-static:arm64"
echo "headers and busybox for $pkg ready ($(elapsed "$t") s)"

# The drivers, built as the arm64 boots build them (the same outputs, cached there).
t=$(date +%s.%N)
a64=$out/arm64
if ! ZOCL_TARBALL=$vendor/xrt-zocl-963c58ee.tar.gz bash tests/qemu/zocl/build.sh "$hdr" "$(pwd)/$a64/zocl" fixed > "$zd/zocl.log" 2>&1; then
	sed 's/^/  zocl| /' "$zd/zocl.log" | tail -n 20
	all_results fail "building zocl failed (see $zd/zocl.log)"
fi
# shellcheck disable=SC2030,SC2031 # the cross-build's variables are for kmod.sh only
ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- KMOD_MAKE=module tests/qemu/kmod.sh build "$hdr" \
	"$vendor/u-dma-buf-5.5.0.tar.gz" "$a64/kmod/u-dma-buf-5.5.0" >/dev/null ||
	all_results fail "building u-dma-buf 5.5.0 for arm64 failed (see $a64/kmod/u-dma-buf-5.5.0/build.log)"
echo "zocl and u-dma-buf 5.5.0 built ($(elapsed "$t") s)"

qh_guest_program aarch64-linux-gnu-gcc "$zd/gdma_proof" tests/qemu/zynqmp/gdma_proof.c \
	tests/qemu/zynqmp/gdma.c tests/qemu/edu.c

# The device tree: Debian's ZCU102 tree with the four edits of ../shared/FACTS.md that give a
# console without PMU firmware, and the nodes a boot needs.
dt_edit() { # dtb boot
	local f=$1 uart="" n
	# without PMU firmware its clock provider never registers and every device waiting on it
	# defers forever: the UART gets a fixed clock instead
	fdtput -r "$f" /firmware/zynqmp-firmware || return 1
	fdtput -c "$f" /plbuf-uart-clk &&
		fdtput -t s "$f" /plbuf-uart-clk compatible fixed-clock &&
		fdtput -t u "$f" /plbuf-uart-clk '#clock-cells' 0 &&
		fdtput -t u "$f" /plbuf-uart-clk clock-frequency 100000000 &&
		fdtput -t x "$f" /plbuf-uart-clk phandle 7f00 || return 1
	for n in /axi/serial@ff000000 /amba/serial@ff000000; do
		fdtget "$f" "$n" compatible >/dev/null 2>&1 && uart=$n
	done
	[ -n "$uart" ] || { echo "no serial@ff000000 in the tree"; return 1; }
	fdtput -t x "$f" "$uart" clocks 7f00 7f00 || return 1
	for n in power-domains pinctrl-names pinctrl-0; do
		fdtput -d "$f" "$uart" "$n" 2>/dev/null
	done
	# the GDMA channels the tests drive stay the kernel's driver's business no longer
	for n in /axi/dma-controller@fd500000 /axi/dma-controller@fd510000; do
		fdtput -t s "$f" "$n" status disabled || return 1
	done
	# (Debian's ZCU102 tree has no /reserved-memory; one it grows is kept, with 2 cells)
	{ fdtget "$f" /reserved-memory '#address-cells' >/dev/null 2>&1 || fdtput -c "$f" /reserved-memory; } &&
		fdtput -t u "$f" /reserved-memory '#address-cells' 2 &&
		fdtput -t u "$f" /reserved-memory '#size-cells' 2 &&
		fdtput "$f" /reserved-memory ranges || return 1
	for n in "$LOW" "$HIGH"; do
		fdtput -c "$f" "/reserved-memory/plbuf@${n#0x}" &&
			fdtput -t u "$f" "/reserved-memory/plbuf@${n#0x}" reg $((n >> 32)) $((n & 0xffffffff)) 0 $((16 << 20)) &&
			fdtput "$f" "/reserved-memory/plbuf@${n#0x}" no-map || return 1
	done
	# QEMU 7.2 describes the RAM to the kernel as one bank of -m bytes at 0 (it rewrites
	# /memory@0 and drops any other memory node), so the kernel never sees the bank above 4 GiB
	# as RAM, and the part of its bank beyond 2 GiB, where nothing answers, is set aside here
	fdtput -c "$f" /reserved-memory/hole@80000000 &&
		fdtput -t u "$f" /reserved-memory/hole@80000000 reg 0 $((0x80000000)) 0 $((HIGH_MIB << 20)) &&
		fdtput "$f" /reserved-memory/hole@80000000 no-map || return 1
	case ${NODES[$2]:-} in
	zocl)
		fdtput -c "$f" /zyxclmm_drm && fdtput -t s "$f" /zyxclmm_drm compatible xlnx,zocl &&
			fdtput -t s "$f" /zyxclmm_drm status okay || return 1 ;;
	udmabuf-high)
		# a u-dma-buf device node whose memory-region is a shared-dma-pool above 4 GiB: the
		# driver allocates its buffer there (dma_alloc_coherent from the device's own pool)
		n=/reserved-memory/plbuf-pool@${UDMABUF_HIGH#0x}
		fdtput -c "$f" "$n" && fdtput -t s "$f" "$n" compatible shared-dma-pool &&
			fdtput -t u "$f" "$n" reg $((UDMABUF_HIGH >> 32)) $((UDMABUF_HIGH & 0xffffffff)) 0 $((16 << 20)) &&
			fdtput "$f" "$n" no-map && fdtput -t x "$f" "$n" phandle 7f01 &&
			fdtput -c "$f" /plbuf-udmabuf-high &&
			fdtput -t s "$f" /plbuf-udmabuf-high compatible ikwzm,u-dma-buf &&
			fdtput -t s "$f" /plbuf-udmabuf-high device-name udmabuf-high &&
			fdtput -t u "$f" /plbuf-udmabuf-high size 0 $((8 << 20)) &&
			fdtput -t x "$f" /plbuf-udmabuf-high memory-region 7f01 &&
			fdtput -t u "$f" /plbuf-udmabuf-high dma-mask 64 || return 1 ;;
	esac
}

t=$(date +%s.%N)
base=$kdir/dtbs/xilinx/zynqmp-zcu102-rev1.0.dtb
[ -f "$base" ] || all_results fail "$pkg ships no xilinx/zynqmp-zcu102-rev1.0.dtb (in $kdir/dtbs)"
for b in "${BOOTS[@]}"; do
	dt=$zd/dt-$b.dtb
	cp "$base" "$dt"
	dt_edit "$dt" "$b" > "$zd/dt-$b.log" 2>&1 ||
		all_results fail "editing the device tree of boot $b failed: $(head -c 300 "$zd/dt-$b.log")"
	QEMU[$b]="-dtb $dt"
done
echo "device trees ready ($(elapsed "$t") s)"

# /init ends a boot with "/edu_dma --exit CODE": the GDMA program answers that too.
qh_initramfs "$bbd/x/bin/busybox" "$zd/gdma_proof:gdma_proof" "$zd/gdma_proof:edu_dma" \
	"$a64/kmod/u-dma-buf-5.5.0/u-dma-buf.ko:lib/modules/u-dma-buf-5.5.0.ko" \
	"$a64/zocl/zocl-fixed.ko:lib/modules/zocl.ko"
qh_boots qemu-system-aarch64 "${COMMON[@]}" -semihosting-config enable=on,userspace=on
