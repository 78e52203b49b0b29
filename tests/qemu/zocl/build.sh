#!/bin/bash
# tests/qemu/zocl/build.sh - cross-builds XRT's real zocl driver (../shared/vendor/xrt-zocl-*.tar.gz,
# unmodified in the tarball) for the arm64 test guest, against Debian's arm64 kernel headers.
#
#   build.sh HEADERS OUT fixed|unfixed      -> OUT/zocl-fixed.ko or OUT/zocl-unfixed.ko
#
# ZOCL_TARBALL names the tarball (default: ../shared/vendor/xrt-zocl-*.tar.gz).
# HEADERS is the unpacked linux-headers-<ver>-arm64 directory (tests/qemu/arm64.sh prepares it).
# The sources are unpacked under OUT/src-VARIANT and edited there, at build time only (nothing
# of zocl is kept in the project), in four places, each checked to have matched:
#  - edge/zocl_aie.o leaves the object list of zocl's Makefile; our stub_aie.c (AI Engine entry
#    points answering -ENODEV: the real ones need linux-xlnx's linux/xlnx-ai-engine.h) and
#    stub_fpga.c (the FPGA manager symbols: Debian builds no FPGA manager) join it;
#  - the seven lines of common/zocl_xclbin.c that touch fpga_mgr->flags / ->dmabuf (fields that
#    exist only in linux-xlnx) are deleted;
#  - "fixed" only: in common/zocl_bo.c, zocl_create_cma_mem()'s error path clears the GEM object
#    before freeing it instead of after (the heap corruption of ../shared/vendor/README.md);
#    "unfixed" keeps the driver's bug, for the test that plbuf does not trigger it.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
hdr=$1 out=$2 variant=$3
top=$(cd "$here/../../.." && pwd)
tarball=${ZOCL_TARBALL:-$(find "$top/../shared/vendor" -maxdepth 1 -name 'xrt-zocl-*.tar.gz' 2>/dev/null | head -n 1)}
[ -f "$tarball" ] || { echo "zocl/build.sh: no zocl tarball (${tarball:-../shared/vendor/xrt-zocl-*.tar.gz})" >&2; exit 1; }
ko=$out/zocl-$variant.ko
# cached while the inputs are unchanged
if [ -f "$ko" ] && [ "$ko" -nt "$tarball" ] && [ "$ko" -nt "$here/build.sh" ] &&
	[ "$ko" -nt "$here/stub_aie.c" ] && [ "$ko" -nt "$here/stub_fpga.c" ]; then
	exit 0
fi
src=$out/src-$variant
rm -rf "$src"
mkdir -p "$src"
tar -xzf "$tarball" -C "$src"
z=$(echo "$src"/*/src/runtime_src/core/edge/drm/zocl)
[ -f "$z/Makefile" ] || { echo "zocl/build.sh: no zocl Makefile in $tarball" >&2; exit 1; }

# edit FILE SED-SCRIPT EXPECTED-CHANGED-LINES: applies the edit and checks how much it changed
edit() {
	local before n
	before=$(mktemp)
	cp "$1" "$before"
	sed -i "$2" "$1"
	n=$(diff "$before" "$1" | grep -c '^[<>]' || true)
	rm -f "$before"
	[ "$n" = "$3" ] || { echo "zocl/build.sh: edit of $1 changed $n lines, expected $3 (another zocl version?)" >&2; exit 1; }
}
cp "$here/stub_aie.c" "$here/stub_fpga.c" "$z/"
# shellcheck disable=SC2016 # $(zocl_edge_dir) is make's, matched literally
edit "$z/Makefile" 's#\$(zocl_edge_dir)/zocl_aie\.o#stub_aie.o stub_fpga.o#' 2
edit "$z/common/zocl_xclbin.c" '/fpga_mgr->flags\|fpga_mgr->dmabuf/d' 7
if [ "$variant" = fixed ]; then
	edit "$z/common/zocl_bo.c" '/^\tkfree(to_zocl_bo(&cma_obj->base));$/{N;s/^\(.*\)\n\(\tmemset(&cma_obj->base, 0, sizeof(cma_obj->base));\)$/\2\n\1/}' 2
fi
v='\"plbuf-harness\"'
nice make -s -C "$hdr" M="$z" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- -j2 \
	CFLAGS_MODULE="-DXRT_HASH=$v -DXRT_HASH_DATE=$v -DXRT_BRANCH=$v -DXRT_MODIFIED_FILES=$v -DXRT_DATE=$v -DXRT_DRIVER_VERSION=\\\"2.23.0\\\"" \
	modules >"$out/build-$variant.log" 2>&1 ||
	{ tail -n 20 "$out/build-$variant.log" >&2; exit 1; }
cp "$z/zocl.ko" "$ko"
