#!/bin/bash
# tests/qemu/udmabuf.sh - the real u-dma-buf driver in the x86_64 guest: builds u-dma-buf 5.4.2 and
# 5.5.0 from ../shared/vendor (each with ioctls and sysfs-only: CONFIG_U_DMA_BUF_IOCTL=n)
# against the headers of the exact kernel the guest boots (tests/qemu/kmod.sh; cached next to the
# kernel), loads them in turn in the guest, and lets edu prove plbuf's udmabuf backend by DMA;
# the ABI probe (tests/lib/udmabuf_abi.c) records every answer of the driver the backend relies
# on and must match tests/qemu/abi/ (which t_udmabuf_abi compares with the shim).
# docs/qemu-proof.md says what each case proves.
#
#   tests/qemu/udmabuf.sh [BOOT...]     BOOT: udmabuf udmabuf-iommu (default: both)
#
# Prints "RESULT pass|fail|skip CASE [why]" per case; exits 0 when none failed.  Environment: as
# tests/qemu/lib.sh, and PLBUF_UDMABUF_SRC (default ../shared/vendor, the u-dma-buf tarballs),
# PLBUF_QEMU_ABI_RECORD=1 (writes the guest's transcripts to tests/qemu/abi/ instead of
# comparing: after a deliberate change of driver or probe; check the diff before committing).
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
# shellcheck source=tests/qemu/lib.sh
. "$(dirname "$0")/lib.sh"
QH_NAME=udmabuf
vendor=${PLBUF_UDMABUF_SRC:-$top/../shared/vendor}

BOOTS=(udmabuf udmabuf-iommu)
IOMMU_QEMU="-M q35,kernel-irqchip=split -device intel-iommu,intremap=on"

# The guest's helpers: abi CASE PROGRAM ARGS... prints the transcript as "ABI CASE ..." lines (the
# host compares them, qh_check_case below); coherent0 N presents udmabuf0's dma_coherent as N by
# a bind mount of a file over the attribute (the real one comes back with umount).
GUEST_LIB='
m=/lib/modules
abi() {
	c=$1; shift
	if "$@" > /tmp/abi.txt; then st=pass; else st=fail; fi
	sed "s/^/ABI $c /" /tmp/abi.txt
	echo "RESULT $st $c"
}
coherent0() {
	a=/sys/class/u-dma-buf/udmabuf0/dma_coherent
	umount "$a" 2>/dev/null
	[ "$1" = real ] && return 0
	echo "$1" > /tmp/dma_coherent && mount --bind /tmp/dma_coherent "$a" &&
		echo "guest: $a now reads $(cat $a) (a bind mount; the driver still says coherent)"
}
use() { # module parameters...: replaces the loaded u-dma-buf
	rmmod u_dma_buf 2>/dev/null
	insmod "$m/$1.ko" $2 $3 $4 $5 || { echo "guest: insmod $*: failed"; return 1; }
	echo "guest: $1 loaded ($2 $3 $4 $5): $(ls /dev | grep udmabuf | tr "\n" " ")"
}'

# Without an IOMMU.  udmabuf0 holds the span case's two 1.5 MiB buffers (4 MiB: the most one
# buffer gets from a kernel without CMA); udmabuf2 has a size that is not a whole page.
LOAD3="udmabuf0=0x400000 udmabuf1=0x100000 udmabuf2=0x20800"
EDU_CASES="udmabuf udmabuf-span udmabuf-wrong-address udmabuf-busmaster-off udmabuf-banks udmabuf-sync
udmabuf-sync-mode-200"
at() { local c; for c in $EDU_CASES; do printf '%s@%s ' "$c" "$1"; done; }
CASES[udmabuf]="udmabuf-nodev udmabuf-abi-5.5.0 udmabuf-abi32-5.5.0 udmabuf-abi-5.5.0-odd $(at 5.5.0)
udmabuf-abi-5.4.2 udmabuf-abi32-5.4.2 udmabuf@5.4.2 udmabuf-sync@5.4.2 udmabuf-sync-mode-200@5.4.2
udmabuf-abi-5.4.2-sysfs udmabuf@5.4.2-sysfs udmabuf-span@5.4.2-sysfs udmabuf-banks@5.4.2-sysfs udmabuf-sync@5.4.2-sysfs
udmabuf-abi-5.5.0-sysfs udmabuf@5.5.0-sysfs udmabuf-sync@5.5.0-sysfs"
APPEND[udmabuf]=""
QEMU[udmabuf]="-M q35 -device edu,dma_mask=$MASK_ALL"
GUEST[udmabuf]="$GUEST_LIB"'
cases() {
	r=0
	# a buffer above 4 MiB: insmod succeeds, the probe fails, no /dev/udmabuf0
	use u-dma-buf-5.5.0 udmabuf0=0x800000 || r=1
	{ dmesg | grep -m1 "WARNING"; dmesg | grep -E "u-dma-buf|u_dma_buf" | tail -n 3; } |
		sed "s/^/guest dmesg: /"
	/edu_dma udmabuf-nodev || r=1
	for v in 5.5.0 5.4.2 5.4.2-sysfs 5.5.0-sysfs; do
		use u-dma-buf-$v '"$LOAD3"' || r=1
		abi udmabuf-abi-$v /abi_probe udmabuf1
		case $v in *sysfs) ;; *) abi udmabuf-abi32-$v /abi_probe32 udmabuf1 ;; esac
		[ $v = 5.5.0 ] && abi udmabuf-abi-$v-odd /abi_probe udmabuf2
		c=""
		for x in $CASES; do
			case $x in udmabuf-abi*|udmabuf-nodev) ;; *@$v) c="$c $x" ;; esac
		done
		sync_c=$(echo $c | tr " " "\n" | grep "^udmabuf-sync@")
		/edu_dma --opt "udmabuf-mode=devices=udmabuf1 uncached=keep" \
			$(echo $c | tr " " "\n" | grep -v "^udmabuf-sync@") || r=1
		# the driver-sync path: plbuf must take the buffer as not coherent, and sync=driver
		coherent0 0
		/edu_dma --opt "udmabuf-sync=devices=udmabuf0 sync=driver" $sync_c || r=1
		coherent0 real
	done
	return $r
}'

# Behind the IOMMU: the buffer bound to edu (udmabuf0_bind=pci/BDF), so that its address is an
# IOVA in edu's domain.  5.4.2 maps it; 5.5.0 would oops at the first mmap, which plbuf refuses.
CASES[udmabuf-iommu]="udmabuf-abi-5.4.2-iommu udmabuf@iommu udmabuf-physical-address@iommu
udmabuf-unmapped-iova@iommu udmabuf-abi-5.5.0-iommu udmabuf-refused udmabuf-oops-without-plbuf"
APPEND[udmabuf-iommu]="intel_iommu=on"
QEMU[udmabuf-iommu]="$IOMMU_QEMU -device edu,dma_mask=$MASK_ALL"
GUEST[udmabuf-iommu]="$GUEST_LIB"'
cases() {
	r=0
	bdf=$(edu_bdf)
	use u-dma-buf-5.4.2 udmabuf0=0x100000 udmabuf0_bind=pci/$bdf || r=1
	abi udmabuf-abi-5.4.2-iommu /abi_probe udmabuf0
	/edu_dma --udmabuf-iommu udmabuf@iommu udmabuf-physical-address@iommu \
		udmabuf-unmapped-iova@iommu || r=1
	use u-dma-buf-5.5.0 udmabuf0=0x100000 udmabuf0_bind=pci/$bdf || r=1
	# mmap left out: it is the crash
	abi udmabuf-abi-5.5.0-iommu /abi_probe --no-mmap udmabuf0
	/edu_dma udmabuf-refused || r=1
	# The control: what plbuf refused really crashes.  A program that maps the buffer anyway
	# (the ABI probe with mmap) oopses in the kernel and never returns (it dies holding its
	# mm lock), so it runs in the background and the guest, last thing, looks for the oops.
	/abi_probe udmabuf0 > /dev/null 2>&1 &
	for i in 1 2 3 4 5 6 7 8 9 10; do
		bug=$(dmesg | grep -m1 "kernel BUG at")
		[ -n "$bug" ] && break
		sleep 1
	done
	if [ -n "$bug" ]; then
		echo "RESULT pass udmabuf-oops-without-plbuf $bug"
	else
		echo "RESULT fail udmabuf-oops-without-plbuf mapping 5.5.0 behind the IOMMU did not oops"
		r=1
	fi
	dmesg | grep -iE "dmar|u-dma-buf" | tail -n 8 | sed "s/^/guest dmesg: /"
	return $r
}'

# The guest's ABI transcript of an abi case must be the recorded one (tests/qemu/abi/); the
# 32-bit program's (through compat_ioctl) the 64-bit one's, but for the line naming the program.
qh_check_case() { # case console qemu-log
	local c=$1 v golden got want is32=0
	case $c in udmabuf-abi32-*) is32=1 ;; udmabuf-abi-*) ;; *) return 0 ;; esac
	v=${c#udmabuf-abi}
	v=${v#32}
	golden=tests/qemu/abi/u-dma-buf-${v#-}.txt
	got=$(grep -a "^ABI $c " "$2" | sed "s/^ABI $c //")
	[ -n "$got" ] || { echo "the guest printed no transcript"; return 0; }
	if [ -n "${PLBUF_QEMU_ABI_RECORD:-}" ] && [ $is32 = 0 ]; then
		{ grep '^#' "$golden" 2>/dev/null; echo "$got"; } > "$golden.new" && mv "$golden.new" "$golden"
		echo "recorded $golden" >&2
		return 0
	fi
	[ -f "$golden" ] || { echo "no recorded transcript $golden"; return 0; }
	want=$(grep -v '^#' "$golden")
	if [ $is32 = 1 ]; then
		got=$(echo "$got" | grep -v '^probe ')
		want=$(echo "$want" | grep -v '^probe ')
	fi
	if [ "$got" != "$want" ]; then
		diff <(echo "$want") <(echo "$got") | sed 's/^/  abi| /' >&2
		echo "the real driver answers differently from $golden: $(diff <(echo "$want") <(echo "$got") | grep -m1 '^[<>]' | tr '<>' '-+')"
	fi
}

# ------------------------------------------------------------------------------ steps
qh_select "$@"
qh_tools qemu-system-x86:"command -v qemu-system-x86_64" \
	busybox-static:"[ -x /bin/busybox ] && is_static /bin/busybox" \
	libc6-dev:"[ -f /usr/lib/x86_64-linux-gnu/libc.a ]" \
	libc6-dev-i386:"[ -f /usr/lib32/crt1.o ]" lib32gcc-12-dev:"[ -f /usr/lib/gcc/x86_64-linux-gnu/12/32/libgcc.a ]"
[ "$(uname -m)" = x86_64 ] || all_results skip "needs an x86_64 host (found $(uname -m))"
for v in 5.4.2 5.5.0; do
	[ -f "$vendor/u-dma-buf-$v.tar.gz" ] || all_results skip "no $vendor/u-dma-buf-$v.tar.gz (set PLBUF_UDMABUF_SRC)"
done
qemu-system-x86_64 --version | head -n 1
qh_kernel linux-image-amd64 amd64

# u-dma-buf, built against this very kernel's headers (cached with it)
t=$(date +%s.%N)
hdr=$(tests/qemu/kmod.sh headers "$kdir" "$pkg" amd64) || all_results fail "cannot get the headers of $pkg"
files=()
for b in 5.5.0: 5.4.2: 5.4.2-sysfs:CONFIG_U_DMA_BUF_IOCTL=n 5.5.0-sysfs:CONFIG_U_DMA_BUF_IOCTL=n; do
	v=${b%%:*}
	# shellcheck disable=SC2046 # the variable, when there is one, is one word
	KMOD_MAKE=module tests/qemu/kmod.sh build "$hdr" "$vendor/u-dma-buf-${v%-sysfs}.tar.gz" \
		"$out/kmod/u-dma-buf-$v" ${b#*:} >/dev/null || all_results fail "building u-dma-buf $v failed"
	files+=("$out/kmod/u-dma-buf-$v/u-dma-buf.ko:lib/modules/u-dma-buf-$v.ko")
done
echo "u-dma-buf 5.5.0, 5.4.2 and both sysfs-only built against $pkg ($(elapsed "$t") s)"

t=$(date +%s.%N)
# -m32 without gcc-multilib (which conflicts with the cross compilers): the kernel's uapi headers
# of x86_64 serve i386 as well (they test __i386__), as gcc-multilib's /usr/include/asm link does.
for bits in 64 32; do
	cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -static -m$bits -Itests/lib \
		-idirafter /usr/include/x86_64-linux-gnu -o "$out/abi_probe$bits" \
		tests/qemu/abi_probe.c tests/lib/udmabuf_abi.c >"$out/build-abi_probe.log" 2>&1 ||
		{ cat "$out/build-abi_probe.log"; all_results fail "building the $bits-bit ABI probe failed"; }
done
echo "ABI probes built ($(elapsed "$t") s)"
qh_guest_program cc "$out/edu_dma" tests/qemu/edu_dma.c tests/qemu/cases.c tests/qemu/cases_udmabuf.c tests/qemu/edu.c
qh_initramfs /bin/busybox "$out/edu_dma:edu_dma" "$out/abi_probe64:abi_probe" "$out/abi_probe32:abi_probe32" "${files[@]}"
qh_boots qemu-system-x86_64 -smp 2 -m 512 -device isa-debug-exit,iobase=0xf4,iosize=0x04
