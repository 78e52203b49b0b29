#!/bin/bash
# The build as packagers and C users meet it (README "Install", issue: bare Debian, packagers, ABI):
#   RESULT pass|fail|skip packaging/<check>
#  - make CFLAGS=-O1 keeps what the library needs (-fPIC ...) and links; CC=clang; a cross build
#    with CC=aarch64-linux-gnu-gcc;
#  - the recorded configuration ($BUILD/config.mk): a change of flags rebuilds, no change rebuilds
#    nothing;
#  - make install builds only what it installs, honours PREFIX DESTDIR LIBDIR INCLUDEDIR MANDIR,
#    and make uninstall removes every file it installed;
#  - libplbuf.so needs libc only (ldd), exports exactly src/plbuf.map, and the README's C example
#    links statically with pkg-config --static;
#  - every exported function has a man page, and every page renders without a warning;
#  - the version is the header's everywhere (plbuf.pc, debian/changelog, setup.py).
# Its builds go to $PLBUF_TEST_BUILD/pkgchk.  About 2 minutes alone on 2 cores.
# needs: pkg-config readelf
set -u
B=${PLBUF_TEST_BUILD:-build}
W=$B/pkgchk
ok() { echo "RESULT pass packaging/$1"; }
ko() { echo "RESULT fail packaging/$1 $2"; }
sk() { echo "RESULT skip packaging/$1 $2"; }
mk() { nice make -s -j2 "$@" >"$W/make.log" 2>&1 || { sed 's/^/    /' "$W/make.log" | tail -n 20; return 1; }; }
rm -rf "$W"
mkdir -p "$W"
version=$(sed -n 's/^#define PLBUF_VERSION_\(MAJOR\|MINOR\|PATCH\) *\([0-9]*\).*/\2/p' include/plbuf.h | paste -sd.)

# --- CFLAGS=-O1 (Buildroot's and Yocto's habit): required flags survive, the .so links.
if mk BUILD="$W/o1" CFLAGS=-O1 lib && grep -q -- '-O1 .*-fPIC' "$W/o1/config.mk" &&
   readelf -d "$W/o1/libplbuf.so" | grep -q 'SONAME.*libplbuf.so.0'; then
	ok cflags-O1
else
	ko cflags-O1 "make CFLAGS=-O1 lib failed or lost -fPIC"
fi

# --- The recorded configuration: other flags rebuild everything, the same flags nothing.
before=$(stat -c %Y "$W/o1/obj/src/buffer.o" 2>/dev/null)
sleep 1
if mk BUILD="$W/o1" CFLAGS=-O1 lib && [ "$(stat -c %Y "$W/o1/obj/src/buffer.o")" = "$before" ] &&
   nice make -s -j2 BUILD="$W/o1" CFLAGS="-O1 -DPLBUF_CONFIG_PROBE" lib >"$W/re.log" 2>&1 &&
   grep -q "rebuilding" "$W/re.log" &&
   [ "$(stat -c %Y "$W/o1/obj/src/buffer.o")" != "$before" ] &&
   grep -q 'PLBUF_CONFIG_PROBE' "$W/o1/config.mk"; then
	ok config-recorded-and-rebuilt
else
	ko config-recorded-and-rebuilt "an unchanged configuration rebuilt, or a changed one did not"
fi

# --- CC=clang.
cl=$(command -v clang-14 || command -v clang)
if [ -z "$cl" ]; then
	sk cc-clang "no clang (Debian package clang-14; tests/deps.sh installs it)"
elif mk BUILD="$W/clang" CC="$cl" lib cli && "$W/clang/plbuf" --version >/dev/null; then
	ok cc-clang
else
	ko cc-clang "make CC=$cl failed"
fi

# --- Cross: CC=aarch64-linux-gnu-gcc builds an aarch64 library (tests/suites/cross.sh runs it).
if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
	sk cross-aarch64 "no aarch64-linux-gnu-gcc (Debian package gcc-aarch64-linux-gnu)"
elif mk BUILD="$W/aarch64" CC=aarch64-linux-gnu-gcc AR=aarch64-linux-gnu-ar lib cli &&
     readelf -h "$W/aarch64/libplbuf.so" | grep -q AArch64; then
	ok cross-aarch64
else
	ko cross-aarch64 "make CC=aarch64-linux-gnu-gcc failed"
fi

# --- make install: only what it installs, where it was told; make uninstall undoes it.
D=$W/dest
ma=$(gcc -dumpmachine)
if mk BUILD="$W/o1" CFLAGS=-O1 install DESTDIR="$D" PREFIX=/usr LIBDIR=/usr/lib/"$ma" \
      INCLUDEDIR=/usr/include/plbuf-test MANDIR=/usr/share/man; then
	miss=""
	for f in usr/include/plbuf-test/plbuf.h usr/lib/"$ma"/libplbuf.so.0 usr/lib/"$ma"/libplbuf.a \
	         usr/lib/"$ma"/pkgconfig/plbuf.pc usr/bin/plbuf usr/share/man/man1/plbuf.1 \
	         usr/share/man/man7/plbuf.7 usr/share/man/man3/plbuf_allocate.3; do
		[ -e "$D/$f" ] || miss="$miss $f"
	done
	[ -z "$miss" ] && ok install-dirs || ko install-dirs "missing:$miss"
	[ ! -e "$W/o1/tests" ] && ok install-builds-no-tests || ko install-builds-no-tests "make install built $W/o1/tests"
	grep -q "^Version: $version\$" "$D/usr/lib/$ma/pkgconfig/plbuf.pc" &&
		grep -q "^includedir=/usr/include/plbuf-test" "$D/usr/lib/$ma/pkgconfig/plbuf.pc" &&
		ok pkgconfig-file || ko pkgconfig-file "plbuf.pc does not name the version or INCLUDEDIR"
	mk BUILD="$W/o1" CFLAGS=-O1 uninstall DESTDIR="$D" PREFIX=/usr LIBDIR=/usr/lib/"$ma" \
	   INCLUDEDIR=/usr/include/plbuf-test MANDIR=/usr/share/man
	left=$(find "$D" -type f -o -type l | sed "s|^$D/||" | head -5)
	[ -z "$left" ] && ok uninstall || ko uninstall "left behind: $left"
else
	ko install-dirs "make install failed"
fi

# --- libc only, and exactly the map's symbols exported (PLBUF_EXPORT + -fvisibility=hidden).
so=$B/libplbuf.so
if [ ! -e "$so" ]; then
	ko libc-only "$so is missing: build it with make"
else
	other=$(ldd "$so" | grep -v -e 'linux-vdso' -e 'libc\.so' -e 'ld-linux' | tr -s ' \t' ' ')
	[ -z "$other" ] && ok libc-only || ko libc-only "libplbuf needs more than libc:$other"
	map=$(grep -oE '^[[:space:]]+plbuf_[a-z0-9_]+;' src/plbuf.map | tr -d ' \t;' | sort)
	exp=$(nm -D --defined-only "$so" | awk '$2 == "T" {sub(/@.*/, "", $3); print $3}' | sort)
	d=$(diff <(echo "$map") <(echo "$exp") | grep '^[<>]' | tr '\n' ' ')
	[ -z "$d" ] && ok exports-are-the-map ||
		ko exports-are-the-map "< in src/plbuf.map but not exported (PLBUF_EXPORT missing?), > exported but not in the map: $d"
fi

# --- The README's C example, linked statically as a C user would (no C++ behind it).
S=$W/static
if mk BUILD="$W/o1" CFLAGS=-O1 install DESTDIR="$S" PREFIX=/usr; then
	flags=$(PKG_CONFIG_SYSROOT_DIR="$S" PKG_CONFIG_PATH="$S/usr/lib/pkgconfig" pkg-config --static --cflags --libs plbuf)
	if cc -static -std=c11 examples/hello.c $flags -o "$W/hello-static" 2>"$W/static.log" &&
	   "$W/hello-static" | grep -q "give the IP 0x"; then
		ok static-readme-example
	else
		ko static-readme-example "$(grep -v dlopen "$W/static.log" | head -3)"
	fi
fi

# --- Man pages: one for every exported function, each rendered without a warning.
if ! command -v groff >/dev/null; then
	sk man-pages "no groff (Debian package groff)"
else
	nopage=""
	for s in $(grep -oE '^[[:space:]]+plbuf_[a-z0-9_]+;' src/plbuf.map | tr -d ' \t;'); do
		[ -f "man/man3/$s.3" ] || nopage="$nopage $s"
	done
	[ -z "$nopage" ] && ok man-page-per-function || ko man-page-per-function "no man/man3/NAME.3 for:$nopage"
	warn=""
	for p in man/man1/*.1 man/man3/*.3 man/man7/*.7; do
		out=$(cd man && groff -man -ww -z "${p#man/}" 2>&1)
		[ -n "$out" ] && warn="$warn ${p#man/}: $out;"
	done
	[ -z "$warn" ] && ok man-pages-render || ko man-pages-render "$warn"
	[ -f man/man1/plbuf.1 ] && [ -f man/man7/plbuf.7 ] && ok man-1-and-7 || ko man-1-and-7 "plbuf.1 or plbuf.7 missing"
fi

# --- One version: debian/changelog and setup.py agree with the header.
# (Debian needs its own copy in debian/changelog: it must agree.)
dv=$(sed -n '1s/^plbuf (\([^)-]*\).*/\1/p' debian/changelog 2>/dev/null)
if [ "$dv" = "$version" ] && grep -q 'include", "plbuf.h"' setup.py; then
	ok one-version
else
	ko one-version "header $version, debian/changelog $dv (or setup.py no longer reads the header)"
fi
rm -rf "$W/o1" "$W/clang" "$W/aarch64"
