#!/bin/bash
# Real RTL under Verilator, driven by a C driver through plbuf's public API (docs/cosim.md).
# verilog-axi's axi_cdma (../shared/vendor, extracted under the build directory, never committed),
# behind plbuf's own AXI-Lite register block (tests/cosim/cdma_regs.v), is Verilated in two
# variants: 64-bit data with 40-bit addresses, and 32-bit data with 32-bit addresses.  The bridge
# (cosim/plbuf_cosim.hpp) serves its AXI4 master from a sim context's device memory and its
# AXI-Lite slave from the context's register window; tests/cosim/cdma_driver.c is the driver.
#   inproc-64    the RTL in a thread of the driver's process
#   process-64   the RTL in a process of its own, with random AXI back-pressure
#   process-32   the 32-bit master: a buffer above 4 GiB is refused through max_device_address
#   bridge-rules tests/cosim/bad_master.v breaks the AXI rules on purpose: the bridge reports a
#                burst across 4 KiB, an early WLAST, stray strobes, and answers DECERR off memory
#   checker-64   the sim's DMA-API checker on: no report for the correct copies; a forgotten flush
#                and a forgotten invalidate reported while the RTL (another process) runs
# and, at the end, tests/qemu/regs.sh: the register and interrupt API on real kernel interfaces.
set -u
B=${PLBUF_TEST_BUILD:-build}
top=$(pwd)
VENDOR=${PLBUF_VENDOR:-$top/../shared/vendor}
TAR=$VENDOR/verilog-axi-516bd5da.tar.gz
W=$B/cosim
reported=" "
ok() { echo "RESULT pass $1"; reported="$reported$1 "; }
ko() { echo "RESULT fail $1 $2"; reported="$reported$1 "; }
sk() { echo "RESULT skip $1 $2"; }
names="inproc-64 process-64 process-32 checker-64 bridge-rules"

if ! command -v verilator >/dev/null; then
	for n in $names; do sk "$n" "verilator is not installed (apt-get install verilator)"; done
	exit 0
fi
if [ ! -f "$TAR" ]; then
	for n in $names; do sk "$n" "$TAR is missing (set PLBUF_VENDOR to the vendor folder)"; done
	exit 0
fi
if [ ! -f "$B/libplbuf.so" ]; then
	for n in $names; do ko "$n" "$B/libplbuf.so is not built (make all)"; done
	exit 1
fi
mkdir -p "$W"
absB=$(cd "$B" && pwd)
absW=$(cd "$W" && pwd)
t0=$(date +%s)

# The vendor RTL, extracted for this build only.
if [ ! -f "$W/verilog-axi/rtl/axi_cdma.v" ]; then
	rm -rf "$W/verilog-axi" && mkdir -p "$W/verilog-axi" &&
		tar -xzf "$TAR" -C "$W/verilog-axi" --strip-components=1 || {
		for n in $names; do ko "$n" "cannot extract $TAR"; done
		exit 1
	}
fi

# The driver: plbuf.h and libplbuf.so only (no internal symbol could link).
CC=${CC:-cc}
$CC -O2 -g -Wall -Wextra -Iinclude -c tests/cosim/cdma_driver.c -o "$W/cdma_driver.o" &&
	$CC -O2 -g -o "$W/cdma_driver" "$W/cdma_driver.o" tests/cosim/cdma_main.c \
		-L"$absB" -Wl,-rpath,"$absB" -lplbuf || {
	for n in $names; do ko "$n" "the driver does not build"; done
	exit 1
}

# verilate VARIANT ADDR_WIDTH DATA_WIDTH: build/cosim/vVARIANT/Vcdma_regs (make rebuilds only
# what changed: a cold build is about 6 s on an idle machine).
verilate() {
	local d=$absW/v$1
	mkdir -p "$d"
	nice -n 10 verilator --cc --exe --build -j 2 --no-timing -Wno-WIDTH -Wno-CASEINCOMPLETE \
		--top-module cdma_regs -GADDR_WIDTH="$2" -GDATA_WIDTH="$3" -Mdir "$d" \
		-CFLAGS "-I$top/include -I$top/cosim -std=c++14" \
		-LDFLAGS "-L$absB -Wl,-rpath,$absB -lplbuf -pthread" \
		"$top/tests/cosim/cdma_regs.v" "$absW/verilog-axi/rtl/axi_cdma.v" \
		"$top/tests/cosim/cdma_rtl.cpp" "$absW/cdma_driver.o" >"$d.log" 2>&1
}
built=""
for v in "64 40 64" "32 32 32"; do
	set -- $v
	if verilate "$1" "$2" "$3"; then built="$built $1"; else
		echo "verilator failed for the $1-bit variant:"; tail -n 30 "$absW/v$1.log"
	fi
done
mkdir -p "$absW/vbad"
nice -n 10 verilator --cc --exe --build -j 2 --no-timing -Wno-WIDTH --top-module bad_master \
	-Mdir "$absW/vbad" -CFLAGS "-I$top/include -I$top/cosim -std=c++14" \
	-LDFLAGS "-L$absB -Wl,-rpath,$absB -lplbuf" \
	"$top/tests/cosim/bad_master.v" "$top/tests/cosim/bad_rtl.cpp" >"$absW/vbad.log" 2>&1 ||
	{ echo "verilator failed for bad_master:"; tail -n 30 "$absW/vbad.log"; }
echo "verilated in $(($(date +%s) - t0)) s"

run() { # NAME TIMEOUT CMD...: one RESULT line, the output shown on failure
	local name=$1 to=$2 log
	shift 2
	log=$(mktemp)
	if timeout "$to" "$@" >"$log" 2>&1; then
		ok "$name"
		sed 's/^/    /' "$log"
	else
		ko "$name" "(exit $?)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	rm -f "$log"
}

# process NAME VARIANT BANKS STALL DRIVER-ARGS...: the RTL in a process of its own.
process() {
	local name=$1 v=$2 banks=$3 stall=$4 sim=plbuf-sim-$$-$RANDOM log rc
	shift 4
	log=$(mktemp)
	"$absW/v$v/Vcdma_regs" "$sim" --stall "$stall" >>"$log" 2>&1 &
	local rtl=$!
	timeout 600 "$W/cdma_driver" --sim "$sim" --banks "$banks" "$@" >>"$log" 2>&1
	rc=$?
	# The driver closed its context: the RTL process sees the memory file go and stops.
	for _ in $(seq 100); do kill -0 $rtl 2>/dev/null || break; sleep 0.1; done
	kill $rtl 2>/dev/null
	wait $rtl
	local rrc=$?
	if [ $rc = 0 ] && [ $rrc = 0 ]; then
		ok "$name"
		sed 's/^/    /' "$log"
	else
		ko "$name" "(driver exit $rc, RTL exit $rrc)"
		sed 's/^/    | /' "$log" | tail -n 60
	fi
	rm -f "$log"
}

has() { case " $built " in *" $1 "*) return 0 ;; esac; return 1; }

if has 64; then
	run inproc-64 600 "$absW/v64/Vcdma_regs" --driver --sim "plbuf-sim-$$-$RANDOM" --copies 40 --stale
	process process-64 64 "LOW@0x40000000:64M,HIGH@0x8000000000:64M" 30 --copies 100 --seed 7
	process checker-64 64 "LOW@0x40000000:64M,HIGH@0x8000000000:64M" 10 --copies 30 --seed 5 --check
else
	for n in inproc-64 process-64 checker-64; do ko $n "verilator failed"; done
fi
if has 32; then
	process process-32 32 "LOW@0x40000000:64M,HIGH@0x140000000:64M" 0 --copies 60 --seed 11
else
	ko process-32 "verilator failed"
fi
if [ -x "$absW/vbad/Vbad_master" ]; then
	run bridge-rules 120 "$absW/vbad/Vbad_master"
else
	ko bridge-rules "verilator failed"
fi
for n in $names; do
	case $reported in *" $n "*) ;; *) ko "$n" "(the suite reached no result for it)" ;; esac
done

# The same register windows and interrupts against real kernel interfaces: /dev/mem,
# uio_pci_generic and vfio-pci of Debian's kernel in QEMU, QEMU's edu device as the IP
# (tests/qemu/regs.sh: RESULT lines regs-devmem, regs-uio-irq, regs-vfio-bar, regs-vfio-intx).
bash tests/qemu/regs.sh 2>&1 | grep -E '^RESULT |^boot |suite:|^  [a-z]+\| '
echo "cosim suite: $(($(date +%s) - t0)) s"
