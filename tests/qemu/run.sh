#!/bin/bash
# tests/qemu/run.sh - proof by DMA: boots Debian's kernel in QEMU (TCG) with QEMU's edu PCI device
# and a tiny initramfs (busybox-static, tests/qemu/init, tests/qemu/edu_dma built statically with
# plbuf), and lets edu copy data by the device addresses plbuf hands out.  docs/qemu-proof.md says
# what each case proves.
#
#   tests/qemu/run.sh [BOOT...]      BOOT: hugepage reserved vfio mask mask-vfio (default: all)
#
# Prints "RESULT pass|fail|skip CASE [why]" for every case of every boot, and the time of each
# step; exits 0 when no case failed.  Installs qemu-system-x86 and busybox-static when missing
# (as root).  The kernel is fetched with `apt-get download` (no install, no initramfs rebuild) and
# cached under build/qemu/kernel/.  Environment: PLBUF_QEMU_OUT (default build/qemu),
# PLBUF_QEMU_TIMEOUT (seconds per boot, default 240), PLBUF_QEMU_KEEP=1 keeps the console logs
# of passing boots in the output too.
# shellcheck disable=SC2016 # the guest's scripts are written in single quotes on purpose
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
out=${PLBUF_QEMU_OUT:-build/qemu}
boot_timeout=${PLBUF_QEMU_TIMEOUT:-240}
MASK_ALL=0xffffffffffffffff
t_start=$(date +%s.%N)

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

# ------------------------------------------------------------------------------ the boots
# Each boot: the cases it runs (guest and host agree on this list), the kernel command line, the
# QEMU options, and the guest's part (setup() and cases(), see tests/qemu/init).  "$" in memmap=
# is QEMU's business only: the command line reaches it as one argument, never through a shell.
BOOTS=(hugepage reserved vfio mask mask-vfio)
declare -A CASES APPEND QEMU GUEST

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

CASES[vfio]="vfio vfio-span vfio-physical-address vfio-unmapped-iova"
APPEND[vfio]="intel_iommu=on"
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
APPEND[mask-vfio]="intel_iommu=on"
QEMU[mask-vfio]="$IOMMU_QEMU -device edu"
GUEST[mask-vfio]="
setup() { load $VFIO_MODULES && bind_vfio; }"'
cases() {
	/edu_dma --opt "vfio-mask=device=@BDF@ iova_base=0xfe00000" \
		--opt "vfio-high=device=@BDF@ iova_base=0xfe00000" \
		--opt "vfio-erange=device=@BDF@ iova_base=0x10000000" $CASES
}'

# ------------------------------------------------------------------------------ helpers
all_cases() {
	local b
	for b in "${BOOTS[@]}"; do echo "${CASES[$b]}"; done
}

# Every case of the selected boots gets this result (the harness could not start).
all_results() { # status reason
	local c
	for c in $(all_cases); do echo "RESULT $1 $c $2"; done
	exit "$([ "$1" = fail ] && echo 1 || echo 0)"
}

if [ $# -gt 0 ]; then
	sel=("$@")
	for b in "${sel[@]}"; do
		[ -n "${CASES[$b]+x}" ] || { echo "run.sh: unknown boot '$b' (known: ${BOOTS[*]})" >&2; exit 2; }
	done
	BOOTS=("${sel[@]}")
fi

is_static() { ! ldd "$1" >/dev/null 2>&1; }

# ------------------------------------------------------------------------------ tools
t=$(date +%s.%N)
need=""
command -v qemu-system-x86_64 >/dev/null || need="$need qemu-system-x86"
{ [ -x /bin/busybox ] && is_static /bin/busybox; } || need="$need busybox-static"
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need="$need libc6-dev"
if [ -n "$need" ]; then
	if [ "$(id -u)" != 0 ]; then
		all_results skip "needs packages:$need (install them, or run as root)"
	fi
	echo "installing$need"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null 2>&1
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $need >/dev/null ||
		all_results fail "apt-get install$need failed"
fi
[ "$(uname -m)" = x86_64 ] || all_results skip "needs an x86_64 host (found $(uname -m))"
echo "tools ready ($(elapsed "$t") s): $(qemu-system-x86_64 --version | head -n 1)"

# ------------------------------------------------------------------------------ kernel
# The image package linux-image-amd64 points at; extracted, not installed.
t=$(date +%s.%N)
kernel_pkg() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1
}
pkg=$(kernel_pkg)
if [ -z "$pkg" ]; then
	apt-get update -q >/dev/null 2>&1
	pkg=$(kernel_pkg)
fi
if [ -z "$pkg" ]; then # offline: the newest kernel already extracted
	pkg=$(find "$out/kernel" -mindepth 2 -maxdepth 2 -name ok 2>/dev/null | sort -V | tail -n 1)
	pkg=$(basename "$(dirname "$pkg")")
	if [ ! -f "$out/kernel/$pkg/ok" ]; then
		all_results fail "apt-cache knows no linux-image-amd64 and no kernel is cached in $out/kernel"
	fi
fi
kdir=$out/kernel/$pkg
if [ ! -f "$kdir/ok" ]; then
	rm -rf "$kdir"
	tmp=$(mktemp -d)
	mkdir -p "$kdir/modules" "$tmp/x"
	(cd "$tmp" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		all_results fail "apt-get download $pkg failed"
	deb=$(ls "$tmp"/*.deb)
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards './boot/vmlinuz-*' \
		'./lib/modules/*/kernel/drivers/vfio/*' './lib/modules/*/kernel/virt/lib/irqbypass.ko*'
	cp "$tmp"/x/boot/vmlinuz-* "$kdir/vmlinuz" || all_results fail "$pkg has no /boot/vmlinuz-*"
	for m in $VFIO_MODULES; do
		f=$(find "$tmp/x/lib/modules" -name "$m.ko*" | head -n 1)
		case $f in
		*.ko) cp "$f" "$kdir/modules/$m.ko" ;;
		*.ko.xz) xz -dc "$f" > "$kdir/modules/$m.ko" ;;
		*.ko.zst) zstd -qdc "$f" > "$kdir/modules/$m.ko" ;;
		*) echo "$pkg has no module $m" > "$kdir/modules/MISSING-$m" ;;
		esac
	done
	rm -rf "$tmp"
	touch "$kdir/ok"
fi
echo "kernel $pkg ready ($(elapsed "$t") s)"

# ------------------------------------------------------------------------------ guest program
t=$(date +%s.%N)
werror=""
[ -n "${CI:-}" ] && werror=-Werror
blog=$out/build.log
mkdir -p "$out"
if ! make -s BUILD="$out/static" HAVE_XRT= CFLAGS="-O2" "$out/static/libplbuf.a" >"$blog" 2>&1 ||
	! cc -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow $werror -static -Iinclude \
		-o "$out/edu_dma" tests/qemu/edu_dma.c tests/qemu/cases.c tests/qemu/edu.c "$out/static/libplbuf.a" \
		-pthread -lrt >>"$blog" 2>&1; then
	sed 's/^/  build| /' "$blog" | tail -n 30
	all_results fail "building the static guest program failed (see $blog)"
fi
echo "guest program built ($(elapsed "$t") s)"

# ------------------------------------------------------------------------------ initramfs
t=$(date +%s.%N)
root=$out/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,boots,lib/modules}
cp /bin/busybox "$root/bin/busybox"
cp tests/qemu/init "$root/init"
cp "$out/edu_dma" "$root/edu_dma"
chmod 755 "$root/init" "$root/edu_dma"
cp "$kdir"/modules/*.ko "$root/lib/modules/" 2>/dev/null
mknod "$root/dev/console" c 5 1 2>/dev/null # else the kernel's built-in /dev/console serves
for b in "${BOOTS[@]}"; do
	printf 'CASES="%s"\n%s\n' "${CASES[$b]}" "${GUEST[$b]}" > "$root/boots/$b"
done
(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$out/initramfs.gz"
echo "initramfs built ($(elapsed "$t") s, $(du -k "$out/initramfs.gz" | cut -f1) KiB)"

# ------------------------------------------------------------------------------ boots
logs=$out/logs
mkdir -p "$logs"
failed=0

# The reason a case fails that the guest itself did not report on.
boot_problem() { # qemu exit status
	case $1 in
	33) echo "" ;;
	35) echo "" ;;
	124|137) echo "the guest did not finish within ${boot_timeout} s" ;;
	0) echo "the guest powered off without reporting (its /init or /edu_dma died)" ;;
	134) echo "QEMU aborted ($(grep -m1 -E 'EDU|error|abort' "$2" 2>/dev/null))" ;;
	*) echo "QEMU exited with status $1 ($(head -c 200 "$2" 2>/dev/null | tr '\n' ' '))" ;;
	esac
}

for b in "${BOOTS[@]}"; do
	t=$(date +%s.%N)
	con=$logs/$b.console qlog=$logs/$b.qemu
	rm -f "$con" "$qlog" "$qlog.d"
	# shellcheck disable=SC2086 # QEMU[...] is a word list
	timeout -k 5 "$boot_timeout" qemu-system-x86_64 -nodefaults -display none -no-reboot \
		-accel tcg -smp 2 -m 512 ${QEMU[$b]} \
		-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
		-kernel "$kdir/vmlinuz" -initrd "$out/initramfs.gz" \
		-append "console=ttyS0 quiet panic=-1 plbuf_boot=$b ${APPEND[$b]}" \
		-serial "file:$con" -d guest_errors -D "$qlog.d" </dev/null >"$qlog" 2>&1
	rc=$?
	cat "$qlog.d" >> "$qlog" 2>/dev/null
	[ -f "$con" ] && tr -d '\r' < "$con" > "$con.txt" && mv "$con.txt" "$con"
	problem=$(boot_problem "$rc" "$qlog")
	bfail=0
	for c in ${CASES[$b]}; do
		line=$(grep -a -m1 -E "^RESULT (pass|fail|skip) $c( |$)" "$con" 2>/dev/null)
		if [ -n "$problem" ]; then
			echo "RESULT fail $c boot $b: $problem"
			bfail=1
			continue
		fi
		if [ -z "$line" ]; then
			echo "RESULT fail $c the guest gave no result for it"
			bfail=1
			continue
		fi
		# shellcheck disable=SC2086 # split the line into its words
		set -- $line
		st=$2
		shift 3
		reason="$*"
		# edu reports each address its 28-bit mask cut; the guest says which it expects.
		if [ "$st" = pass ]; then
			while read -r _ cc src trunc; do
				[ "$cc" = "$c" ] || continue
				if ! grep -q "clamping DMA $src to $trunc" "$qlog"; then
					st=fail reason="QEMU's log does not show edu clamping $src to $trunc"
				fi
			done < <(grep -a '^CLAMP ' "$con")
		fi
		[ "$st" = pass ] || bfail=1
		echo "RESULT $st $c${reason:+ $reason}"
	done
	if [ "$rc" = 35 ] && [ "$bfail" = 0 ]; then
		echo "RESULT fail boot-$b the guest reported a failure outside the cases (see its console)"
		bfail=1
	fi
	echo "boot $b: $(elapsed "$t") s, QEMU exit status $rc"
	if [ "$bfail" = 1 ] || [ -n "${PLBUF_QEMU_KEEP:-}" ]; then
		# shown without the guest's own RESULT lines, so that they are not counted twice
		grep -av '^RESULT ' "$con" | sed "s/^/  $b| /" | tail -n 80
		grep -av '^$' "$qlog" | sed "s/^/  $b qemu| /" | tail -n 10
	fi
	[ "$bfail" = 1 ] && failed=1
done
echo "qemu suite: $(elapsed "$t_start") s in all"
exit "$failed"
