#!/bin/bash
# tests/qemu/kmod.sh - out-of-tree kernel modules for the test guests, built against the headers of
# the exact kernel a guest boots.  Test inputs (../shared/vendor tarballs) are unpacked and built
# under build/; nothing built here is part of plbuf.  Any architecture: the arm64 guest uses it too.
#
#   kmod.sh headers KDIR PKG [DEBARCH]
#       Fetches with `apt-get download` (no install) the headers of kernel package PKG
#       (linux-image-<ver>-<flavour>, e.g. linux-image-6.1.0-57-amd64): linux-headers-<ver>-<flavour>
#       of DEBARCH (default: the host's), linux-headers-<ver>-common and the host's
#       linux-kbuild-<major.minor>; unpacks them into KDIR/headers/ (cached: KDIR/headers/ok, so
#       only the first call downloads; KDIR is the directory the kernel itself is cached in).
#       Prints the kbuild directory to give to `build`.
#   kmod.sh build HEADERS SRC OUT [VAR=VALUE...]
#       Builds the module(s) of SRC (a .tar.gz, or a directory; the directory holding the first
#       Makefile found at most two levels down) against HEADERS (what `headers` printed), in
#       OUT/src/, and copies every resulting *.ko to OUT/.  Cached: OUT/ok records the inputs
#       (source checksum, headers, variables, environment below); an unchanged rebuild is skipped.
#       Prints the path of each module.  VAR=VALUE go to make as they are.
#
# Environment:
#   ARCH, CROSS_COMPILE  given to make when set (arm64 from x86: ARCH=arm64
#                        CROSS_COMPILE=aarch64-linux-gnu-; the kbuild's gcc-12 then becomes
#                        aarch64-linux-gnu-gcc-12)
#   KMOD_MAKE            kbuild (default): make -C HEADERS M=<dir> modules, run from <dir> (some
#                        modules' Makefiles use $(PWD)); u-dma-buf this way needs
#                        CONFIG_U_DMA_BUF=m, else it silently builds nothing (caught: no .ko);
#                        module: the module's own Makefile, its default target, with
#                        KERNEL_SRC=HEADERS (u-dma-buf: that is where CONFIG_U_DMA_BUF_IOCTL=n
#                        turns into the compiler flags of a sysfs-only build)
# Exit status 0 on success; otherwise 1 after printing why on stderr (the build's log: OUT/build.log).
set -u

die() { echo "kmod.sh: $*" >&2; exit 1; }

headers() { # KDIR PKG [DEBARCH]
	local pkg=$2 debarch=${3:-$(dpkg --print-architecture)}
	local verflav=${pkg#linux-image-} ver flav mm hdir=$1/headers tmp deb
	flav=${verflav##*-}
	ver=${verflav%-*}
	mm=$(echo "$ver" | cut -d. -f1,2)
	if [ -z "$flav" ] || [ -z "$mm" ] || [ "$ver" = "$verflav" ]; then
		die "'$pkg' is not linux-image-<ver>-<flavour>"
	fi
	local kb=$hdir/usr/src/linux-headers-$ver-$flav
	if [ ! -f "$hdir/ok" ]; then
		rm -rf "$hdir"
		mkdir -p "$hdir"
		tmp=$(mktemp -d)
		local pkgs=("linux-headers-$ver-$flav:$debarch" "linux-headers-$ver-common" "linux-kbuild-$mm")
		if ! (cd "$tmp" && apt-get download -q "${pkgs[@]}" >download.log 2>&1); then
			(cd "$tmp" && apt-get update -q >/dev/null 2>&1 && apt-get download -q "${pkgs[@]}" >download.log 2>&1) ||
				{ cat "$tmp/download.log" >&2; rm -rf "$tmp"; die "apt-get download ${pkgs[*]} failed"; }
		fi
		for deb in "$tmp"/*.deb; do
			dpkg-deb -x "$deb" "$hdir" || { rm -rf "$tmp"; die "dpkg-deb -x $deb failed"; }
		done
		rm -rf "$tmp"
		[ -f "$kb/Makefile" ] || die "no $kb/Makefile in the unpacked headers"
		# The flavour's Makefile includes the common one by its installed, absolute path.
		sed -i "s|^include /usr/src/|include $(cd "$hdir" && pwd)/usr/src/|" "$kb/Makefile"
		# Links into linux-kbuild-<mm> (scripts, tools) are absolute too: point them inside.
		find "$hdir/usr/src" -type l -lname '/usr/*' | while read -r l; do
			ln -sfn "$(cd "$hdir" && pwd)$(readlink "$l")" "$l"
		done
		touch "$hdir/ok"
	fi
	(cd "$kb" && pwd)
}

build() { # HEADERS SRC OUT [VAR=VALUE...]
	local hdr=$1 src=$2 out=$3 sum dir mk stamp log
	shift 3
	[ -f "$hdr/Makefile" ] || die "$hdr is not a kbuild directory (run: kmod.sh headers ...)"
	hdr=$(cd "$hdr" && pwd)
	if [ -d "$src" ]; then
		sum=$(cd "$src" && find . -type f -print0 | sort -z | xargs -0 cat | sha256sum | cut -c1-16)
	elif [ -f "$src" ]; then
		sum=$(sha256sum "$src" | cut -c1-16)
	else
		die "no source $src"
	fi
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	stamp="src=$sum headers=$hdr make=${KMOD_MAKE:-kbuild} ARCH=${ARCH:-} CROSS_COMPILE=${CROSS_COMPILE:-} vars=$*"
	if [ -f "$out/ok" ] && [ "$(cat "$out/ok")" = "$stamp" ] && ls "$out"/*.ko >/dev/null 2>&1; then
		ls "$out"/*.ko
		return 0
	fi
	rm -rf "$out/src" "$out"/*.ko "$out/ok"
	mkdir -p "$out/src"
	if [ -d "$src" ]; then
		cp -a "$src/." "$out/src/"
	else
		tar -xzf "$src" -C "$out/src" || die "cannot unpack $src"
	fi
	mk=$(find "$out/src" -maxdepth 3 -name Makefile | awk -F/ '{ print NF, $0 }' | sort -n | head -n 1 | cut -d' ' -f2-)
	[ -n "$mk" ] || die "no Makefile in $src"
	dir=$(dirname "$mk")
	log=$out/build.log
	local args=()
	[ -n "${ARCH:-}" ] && args+=("ARCH=$ARCH")
	[ -n "${CROSS_COMPILE:-}" ] && args+=("CROSS_COMPILE=$CROSS_COMPILE")
	case ${KMOD_MAKE:-kbuild} in
	kbuild) (cd "$dir" && PWD=$dir make -C "$hdr" M="$dir" "${args[@]}" "$@" modules) >"$log" 2>&1 ;;
	module) (cd "$dir" && PWD=$dir make KERNEL_SRC="$hdr" "${args[@]}" "$@") >"$log" 2>&1 ;;
	*) die "KMOD_MAKE=$KMOD_MAKE is not kbuild or module" ;;
	esac || { tail -n 30 "$log" >&2; die "building $src failed (log: $log)"; }
	find "$dir" -name '*.ko' -exec cp {} "$out/" \;
	ls "$out"/*.ko >/dev/null 2>&1 || { tail -n 30 "$log" >&2; die "building $src made no .ko (log: $log)"; }
	echo "$stamp" > "$out/ok"
	ls "$out"/*.ko
}

case ${1:-} in
headers) [ $# -ge 3 ] || die "usage: kmod.sh headers KDIR PKG [DEBARCH]"; shift; headers "$@" ;;
build) [ $# -ge 4 ] || die "usage: kmod.sh build HEADERS SRC OUT [VAR=VALUE...]"; shift; build "$@" ;;
*) die "usage: kmod.sh headers KDIR PKG [DEBARCH] | build HEADERS SRC OUT [VAR=VALUE...]" ;;
esac
