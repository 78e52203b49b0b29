#!/bin/bash
# bench/run.sh [BUILD] [--no-docs]: runs every benchmark of BUILD (default build) in one go, on one
# hugepage pool, and writes
#   bench/out/results.csv   every row (columns: see bench/bench.h)
#   bench/out/machine.txt   what it ran on
#   bench/out/log.txt       what each program said besides its rows (skips, failures)
#   docs/img/*.png          latency (or throughput) against size, one line per contender
#   docs/benchmarks.md      the generated part, between its bench:begin / bench:end markers
# `make bench` builds the programs and calls this.  As root it reserves 2 MiB hugepages through
# /proc/sys/vm/nr_hugepages for the run (DPDK, plbuf's hugepage backend and the kernel-limit loop
# all draw from them) and puts the old value back afterwards.
set -u
cd "$(dirname "$0")/.."
B=build
docs=1
for a in "$@"; do
	case $a in
	--no-docs) docs=0 ;;
	*) B=$a ;;
	esac
done
out=bench/out
mkdir -p "$out"
csv=$out/results.csv
log=$out/log.txt
: >"$log"
echo "bench,contender,op,size,state,threads,n,p50,p99,mean,unit" >"$csv"

# The hugepage tests serialise on this lock (tests/lib/hugepages.h): take it too, so that a bench run
# and a test run never change or use the pool under each other.
exec 9>/tmp/plbuf-hugepage-tests.lock
flock 9

# Hugepages: 1024 x 2 MiB (2 GiB) covers DPDK's heap and a 64 MiB buffer run for each contender.
hp=/proc/sys/vm/nr_hugepages
want=${BENCH_HUGEPAGES:-1024}
old=$(cat "$hp" 2>/dev/null || echo 0)
restore=()
if [ "$(id -u)" = 0 ] && [ "$old" -lt "$want" ]; then
	echo "$want" >"$hp"
	# Put the old value back unless someone else changed it meanwhile.
	restore+=('[ "$(cat "$hp")" = "$want" ] && echo "$old" >"$hp"')
fi
# With autogroups (one per session) nice only ranks processes of the same session: give this
# session's group the weight of nice -20 for the run, and its old one back after.
ag=/proc/self/autogroup
if [ "$(id -u)" = 0 ] && [ -w "$ag" ]; then
	ag_old=$(awk '{print $3}' "$ag")
	echo -20 >"$ag" 2>/dev/null && restore+=('echo "$ag_old" >"$ag"')
fi
trap 'for r in "${restore[@]}"; do eval "$r"; done' EXIT
free=$(awk '/HugePages_Free/ {print $2}' /proc/meminfo)
# Time the hypervisor gave our virtual CPUs to others ("steal"): in a VM it counts as our CPU
# time, so it shows in every figure; said in the machine description.
steal() { awk '/^cpu / {print $9}' /proc/stat; }
steal0=$(steal)

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "commit: $(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet HEAD -- src include 2>/dev/null || echo ' (+ uncommitted changes in src/)')"
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) CPUs online$(lscpu | sed -n 's/^Hypervisor vendor: */, virtual machine (/p' | sed 's/$/)/')"
	echo "memory: $(free -g | awk '/Mem:/ {print $2}') GiB; 2 MiB hugepages free for the run: $free"
	echo "kernel: $(uname -sr)"
	echo "os: $(. /etc/os-release && echo "$PRETTY_NAME")"
	echo "compiler: $(${CC:-cc} --version | head -n1); CFLAGS -O2"
	echo "glibc: $(ldd --version | head -n1 | awk '{print $NF}')"
	echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo 'not installed')"
	echo "python: $(/usr/bin/python3 --version 2>&1), numpy $(/usr/bin/python3 -c 'import numpy; print(numpy.__version__)' 2>/dev/null)"
	echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
	[ "$(id -u)" = 0 ] && echo "priority: nice -20 (and its session's autogroup at nice -20)"
} >"$out/machine.txt"

# Another process (a test that reserves pages and restores its own old count) may shrink the pool
# under us: put it back before each program, and say so when it happened during one.
pages() { awk '/HugePages_Total/ {print $2}' /proc/meminfo; }
ensure_pages() {
	if [ "$(id -u)" = 0 ] && [ "$(pages)" -lt "$want" ]; then
		echo "$want" >"$hp"
	fi
}

# As root, the programs run at nice -20 so that other work on the machine (builds, fuzzers) gets
# little of their CPUs in the middle of a sample.  Not a real-time policy: a SCHED_FIFO parent
# reaping its children spun for minutes in the kernel's /proc cleanup (shrink_dcache_parent),
# starving the kernel workers it was waiting for.
rt=()
if [ "$(id -u)" = 0 ]; then
	rt=(nice -n -20)
fi

run() { # program args...: rows to the CSV, everything else to the log
	local p=$1
	shift
	if [ ! -x "$B/bench/$p" ]; then
		echo "# $p: not built (make bench-programs)" >>"$log"
		return
	fi
	echo "== $p $*" >&2
	ensure_pages
	"${rt[@]}" "$B/bench/$p" "$@" 2>>"$log" | tee -a "$log" | grep -v '^#' >>"$csv"
	if [ "$(pages)" -lt "$want" ] && [ "$old" -lt "$want" ]; then
		echo "# hugepages: another process shrank the pool to $(pages) pages during $p: its" \
		     "hugepage rows may be missing" | tee -a "$log" >&2
	fi
}

run b_alloc
run b_dpdk
run b_addr
run b_open
run b_sync
run b_threads

# Python: bench/py_alloc.py (the binding's own benchmark) prints "bytes  free-by  p50 p99 max" in
# microseconds; its rows become CSV rows here.  numpy.empty is the peer measured in the same run.
py=/usr/bin/python3
if [ -f bench/py_alloc.py ] && $py -c 'import numpy' 2>/dev/null; then
	echo "== py_alloc.py" >&2
	for be in "sim --options coherent=1" "hugepage"; do
		ensure_pages
		# shellcheck disable=SC2086
		PLBUF_LIBRARY=$PWD/$B/libplbuf.so "${rt[@]}" $py bench/py_alloc.py --backend $be --iterations 5000 \
			2>>"$log" | tee -a "$log" |
			awk -v be="${be%% *}" '$1 ~ /^[0-9]+$/ && NF == 5 {
				printf "python,plbuf-py-%s,alloc+free (%s),%s,warm,1,5000,%.1f,%.1f,%.1f,ns\n",
				       be, $2, $1, $3 * 1000, $4 * 1000, $3 * 1000 }' >>"$csv"
	done
	"${rt[@]}" $py - >>"$csv" 2>>"$log" <<'PY'
import time, numpy as np
for size in (64, 4096, 65536, 1048576):
    clock, t = time.perf_counter_ns, []
    for i in range(6000):
        a = clock()
        b = np.empty(size, "u1")
        del b
        t.append(clock() - a)
    t = sorted(t[1000:])
    print("python,numpy-empty,alloc+free (del),%d,warm,1,%d,%.1f,%.1f,%.1f,ns"
          % (size, len(t), t[len(t) // 2], t[len(t) * 99 // 100], sum(t) / len(t)))
PY
else
	echo "# python: skipped: bench/py_alloc.py or python3-numpy missing" >>"$log"
fi

{
	echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "CPU time stolen by the hypervisor during the run: $(( ($(steal) - steal0) * 1000 / $(getconf CLK_TCK) )) ms"
} >>"$out/machine.txt"
args=()
[ "$docs" = 1 ] && args+=(--docs docs/benchmarks.md --img docs/img)
/usr/bin/python3 bench/report.py "$csv" "$out/machine.txt" "${args[@]}"
