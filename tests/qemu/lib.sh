# tests/qemu/lib.sh - the architecture-independent half of the QEMU proof, sourced by the boot
# lists (tests/qemu/run.sh for x86_64, tests/qemu/arm64.sh for aarch64).  A boot list defines
# BOOTS (names), CASES[boot] (the cases the guest reports), APPEND[boot] (kernel command line),
# QEMU[boot] (QEMU options) and GUEST[boot] (the guest's setup() and cases(), see
# tests/qemu/init), then calls the steps below in order:
#
#   qh_select "$@"                      keep the boots named on the command line
#   qh_tools PKG:TEST...                install what is missing (as root)
#   qh_kernel META ARCH MODULE...       kernel package: vmlinuz + modules, cached  -> $kdir $pkg
#   qh_guest_program CC OUT SRC...      libplbuf.a + a static guest program
#   qh_initramfs BUSYBOX FILE...        the initramfs, with /boots/<boot> per boot  -> $initrd
#   qh_boots QEMU-BINARY OPTION...      every boot, RESULT lines, exits
#
# Every boot's guest ends by reporting 0x10 (all cases passed) or 0x11 (some failed) through a
# port that makes QEMU exit with (code << 1) | 1: 33 or 35.  Anything else (a timeout, an abort,
# a panic, a plain power-off) fails every case of that boot.
# Environment: PLBUF_QEMU_OUT (default build/qemu), PLBUF_QEMU_TIMEOUT (seconds per boot, default
# 240), PLBUF_QEMU_KEEP=1 shows the console of passing boots too.  Consoles and QEMU logs go to
# $QH_LOGS/BOOT.console and .qemu (default build/qemu/logs).
# shellcheck shell=bash disable=SC2034 # variables are the boot list's
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
out=${PLBUF_QEMU_OUT:-build/qemu}
boot_timeout=${PLBUF_QEMU_TIMEOUT:-240}
MASK_ALL=0xffffffffffffffff
t_start=$(date +%s.%N)
declare -A CASES APPEND QEMU GUEST KERNEL CONSOLE

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }

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

# The drivers' sources are test inputs beside the clone (../shared/vendor, or PLBUF_VENDOR): sets
# $vendor; without one of the tarballs named, every case skips, saying so (a fresh root has only
# the clone).
qh_vendor() { # tarball...
	local f
	vendor=${PLBUF_VENDOR:-$top/../shared/vendor}
	for f in "$@"; do
		[ -f "$vendor/$f" ] || all_results skip "no $vendor/$f (the drivers' sources; set PLBUF_VENDOR)"
	done
}

# Keeps the boots named (all when none is); exits 2 on an unknown name.
qh_select() {
	local b
	[ $# -gt 0 ] || return 0
	for b in "$@"; do
		[ -n "${CASES[$b]+x}" ] || {
			echo "$(basename "$0"): unknown boot '$b' (known: ${BOOTS[*]})" >&2
			exit 2
		}
	done
	BOOTS=("$@")
}

is_static() { ! ldd "$1" >/dev/null 2>&1; }

# qh_tools PACKAGE:SHELL-TEST ...: installs each package whose test fails (as root; otherwise
# every case skips, saying which packages are missing).
qh_tools() {
	local t need="" p
	# each argument is PACKAGE:TEST
	t=$(date +%s.%N)
	for p in "$@"; do
		eval "${p#*:}" >/dev/null 2>&1 || need="$need ${p%%:*}"
	done
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
	echo "tools ready ($(elapsed "$t") s)"
}

# qh_deb_pkg META ARCH: the package META (e.g. linux-image-amd64) depends on, for ARCH.
qh_deb_pkg() {
	local p
	p=$(apt-cache depends "$1:$2" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-[a-z]*-[0-9][^ :]*\)\(:[a-z0-9]*\)\{0,1\}$/\1/p' | head -n 1)
	if [ -z "$p" ]; then
		apt-get update -q >/dev/null 2>&1
		p=$(apt-cache depends "$1:$2" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-[a-z]*-[0-9][^ :]*\)\(:[a-z0-9]*\)\{0,1\}$/\1/p' | head -n 1)
	fi
	echo "$p"
}

# qh_download DIR PACKAGE...: apt-get download into DIR (cached: DIR/ok marks a complete one).
qh_download() {
	local dir=$1
	shift
	[ -f "$dir/ok" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir"
	(cd "$dir" && apt-get download -q "$@" >/dev/null 2>&1) || return 1
	touch "$dir/ok"
}

# qh_kernel META ARCH MODULE...: the image package META depends on, extracted (not installed)
# into $out/kernel/<package>/: vmlinuz, and modules/<name>.ko for each MODULE (decompressed).
# Sets kdir and pkg.  Offline, the newest kernel of ARCH already extracted serves.
qh_kernel() {
	local meta=$1 arch=$2 t tmp deb m f pats
	shift 2
	t=$(date +%s.%N)
	pkg=$(qh_deb_pkg "$meta" "$arch")
	if [ -z "$pkg" ]; then # offline: the newest kernel already extracted
		pkg=$(find "$out/kernel" -mindepth 2 -maxdepth 2 -name ok -path "*-$arch/ok" 2>/dev/null |
			sort -V | tail -n 1)
		pkg=$(basename "$(dirname "$pkg")")
		if [ ! -f "$out/kernel/$pkg/ok" ]; then
			all_results fail "apt-cache knows no $meta:$arch and no kernel is cached in $out/kernel"
		fi
	fi
	kdir=$out/kernel/$pkg
	if [ ! -f "$kdir/ok" ] || ! qh_has_modules "$@"; then
		rm -rf "$kdir"
		tmp=$(mktemp -d)
		mkdir -p "$kdir/modules" "$tmp/x"
		(cd "$tmp" && apt-get download -q "$pkg:$arch" >/dev/null 2>&1) ||
			all_results fail "apt-get download $pkg:$arch failed"
		deb=$(ls "$tmp"/*.deb)
		pats=('./boot/vmlinuz-*' './usr/lib/linux-image-*')
		for m in "$@"; do pats+=("./lib/modules/*/$m.ko*"); done
		dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp/x" --wildcards "${pats[@]}" 2>/dev/null
		cp "$tmp"/x/boot/vmlinuz-* "$kdir/vmlinuz" || all_results fail "$pkg has no /boot/vmlinuz-*"
		# device trees (arm64 ships them) for boots on board models
		for f in "$tmp"/x/usr/lib/linux-image-*; do
			[ -d "$f" ] && cp -r "$f" "$kdir/dtbs"
		done
		for m in "$@"; do
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
}

# 1 when every module named was extracted already (a boot list may have grown).
qh_has_modules() {
	local m
	for m in "$@"; do
		[ -f "$kdir/modules/$m.ko" ] || [ -f "$kdir/modules/MISSING-$m" ] || return 1
	done
}

# qh_guest_program CC OUT SOURCE...: libplbuf.a built by CC into $out/static-<cc>, and OUT
# linked statically from the sources with it.
qh_guest_program() {
	local cc=$1 prog=$2 t werror="" blog lib
	shift 2
	t=$(date +%s.%N)
	[ -n "${CI:-}" ] && werror=-Werror
	blog=$out/build-$(basename "$prog").log
	lib=$out/static-$cc
	[ "$cc" = cc ] && lib=$out/static
	mkdir -p "$out"
	if ! make -s BUILD="$lib" CC="$cc" HAVE_XRT= CFLAGS="-O2" "$lib/libplbuf.a" >"$blog" 2>&1 ||
		! "$cc" -std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Wshadow $werror -static -Iinclude \
			-o "$prog" "$@" "$lib/libplbuf.a" -pthread -lrt >>"$blog" 2>&1; then
		sed 's/^/  build| /' "$blog" | tail -n 30
		all_results fail "building the static guest program $prog failed (see $blog)"
	fi
	echo "guest program $(basename "$prog") built ($(elapsed "$t") s)"
}

# qh_initramfs BUSYBOX [SRC:DEST]...: busybox, tests/qemu/init, the files given (DEST relative
# to the root; executables keep their mode), $kdir/modules/*.ko in /lib/modules, and the boot
# scripts; packed to $initrd ($out/initramfs-<name>.gz, name = $QH_NAME or "x86").
qh_initramfs() {
	local bb=$1 t root b f
	shift
	t=$(date +%s.%N)
	root=$out/initramfs${QH_NAME:+-$QH_NAME}
	initrd=$root.gz
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,tmp,boots,lib/modules}
	cp "$bb" "$root/bin/busybox"
	cp tests/qemu/init "$root/init"
	chmod 755 "$root/init"
	for f in "$@"; do
		mkdir -p "$(dirname "$root/${f#*:}")"
		cp -p "${f%%:*}" "$root/${f#*:}"
	done
	cp "$kdir"/modules/*.ko "$root/lib/modules/" 2>/dev/null
	mknod "$root/dev/console" c 5 1 2>/dev/null # else the kernel's built-in /dev/console serves
	for b in "${BOOTS[@]}"; do
		printf 'CASES="%s"\n%s\n' "${CASES[$b]}" "${GUEST[$b]}" > "$root/boots/$b"
	done
	(cd "$root" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 > "$initrd"
	echo "initramfs built ($(elapsed "$t") s, $(du -k "$initrd" | cut -f1) KiB)"
}

# The reason a case fails that the guest itself did not report on.
boot_problem() { # qemu exit status, qemu log
	case $1 in
	33) echo "" ;;
	35) echo "" ;;
	124|137) echo "the guest did not finish within ${boot_timeout} s" ;;
	0) echo "the guest powered off without reporting (its /init or test program died)" ;;
	134) echo "QEMU aborted ($(grep -m1 -E 'EDU|error|abort' "$2" 2>/dev/null))" ;;
	*) echo "QEMU exited with status $1 ($(head -c 200 "$2" 2>/dev/null | tr '\n' ' '))" ;;
	esac
}

# Host-side checks of a passing case beyond the guest's word (a boot list's qh_check_case CASE
# CONSOLE QEMU-LOG may add more, printing a reason to fail it; qh_after_boot BOOT CONSOLE runs
# after each boot):
# edu reports each address its 28-bit mask cut; the guest says which it expects.
qh_check_clamp() { # case console qemu-log; prints a reason when the case must fail
	local cc src trunc
	while read -r _ cc src trunc; do
		[ "$cc" = "$1" ] || continue
		if ! grep -q "clamping DMA $src to $trunc" "$3"; then
			echo "QEMU's log does not show edu clamping $src to $trunc"
			return
		fi
	done < <(grep -a '^CLAMP ' "$2")
}

# qh_boots QEMU-BINARY COMMON-OPTION...: boots each selected boot with
#   BINARY COMMON-OPTIONS QEMU[boot] -kernel $kdir/vmlinuz -initrd $initrd
#          -append "console=$QH_CONSOLE quiet panic=-1 plbuf_boot=BOOT APPEND[boot]"
# (KERNEL[boot] replaces the kernel, CONSOLE[boot] the console when set), prints a RESULT line per case and exits 0 when
# no case failed.
qh_boots() {
	local bin=$1 t con qlog rc problem bfail c line st reason failed=0 kern why words
	shift
	local common=("$@") # the case loop below reuses "$@"
	local logs=${QH_LOGS:-$out/logs}
	mkdir -p "$logs"
	for b in "${BOOTS[@]}"; do
		t=$(date +%s.%N)
		con=$logs/$b.console qlog=$logs/$b.qemu
		rm -f "$con" "$qlog" "$qlog.d"
		kern=$kdir/vmlinuz
		[ -n "${KERNEL[$b]+x}" ] && kern=${KERNEL[$b]}
		# shellcheck disable=SC2086 # QEMU[...] is a word list
		timeout -k 5 "$boot_timeout" "$bin" -nodefaults -display none -no-reboot \
			-accel tcg "${common[@]}" ${QEMU[$b]} \
			-kernel "$kern" -initrd "$initrd" \
			-append "console=${CONSOLE[$b]:-${QH_CONSOLE:-ttyS0}} quiet panic=-1 plbuf_boot=$b ${APPEND[$b]:-}" \
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
			read -r -a words <<< "$line"
			st=${words[1]}
			reason="${words[*]:3}"
			if [ "$st" = pass ]; then
				why=$(qh_check_clamp "$c" "$con" "$qlog")
				[ -z "$why" ] && declare -F qh_check_case >/dev/null &&
					why=$(qh_check_case "$c" "$con" "$qlog")
				[ -n "$why" ] && st=fail reason=$why
			fi
			[ "$st" = pass ] || bfail=1
			echo "RESULT $st $c${reason:+ $reason}"
		done
		if [ "$rc" = 35 ] && [ "$bfail" = 0 ]; then
			echo "RESULT fail boot-$b the guest reported a failure outside the cases (see its console)"
			bfail=1
		fi
		echo "boot $b: $(elapsed "$t") s, QEMU exit status $rc"
		# a boot list's own look at the console (benchmark figures, ...)
		declare -F qh_after_boot >/dev/null && qh_after_boot "$b" "$con"
		if [ "$bfail" = 1 ] || [ -n "${PLBUF_QEMU_KEEP:-}" ]; then
			# shown without the guest's own RESULT lines, so that they are not counted twice
			grep -av '^RESULT ' "$con" | sed "s/^/  $b| /" | tail -n 80
			grep -av '^$' "$qlog" | sed "s/^/  $b qemu| /" | tail -n 10
		fi
		[ "$bfail" = 1 ] && failed=1
	done
	echo "qemu suite: $(elapsed "$t_start") s in all"
	exit "$failed"
}
