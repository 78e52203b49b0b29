#!/bin/bash
# The benchmarks cannot rot: every bench/b_*.c builds and runs once on tiny sizes (--smoke), and
# bench/report.py turns their rows into tables and plots.  Nothing is timed here: speed is
# measured by `make bench` (bench/run.sh), never by the tests.
set -u
B=${PLBUF_TEST_BUILD:-build}
ok() { echo "RESULT pass $1"; }
ko() { echo "RESULT fail $1 $2"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# `make check` builds them; a runner called on its own may not have.
if ! make -s BUILD="$B" bench-programs >"$tmp/make.log" 2>&1; then
	ko bench-build "make bench-programs failed"
	sed 's/^/    /' "$tmp/make.log" | tail -n 20
	exit 1
fi
ok bench-build

echo "bench,contender,op,size,state,threads,n,p50,p99,mean,unit" >"$tmp/results.csv"
for src in bench/b_*.c; do
	p=$(basename "$src" .c)
	if [ ! -x "$B/bench/$p" ]; then
		# b_dpdk is left out of builds without libdpdk-dev (tests/packages.txt installs it).
		ko "$p" "not built: is libdpdk-dev installed?"
		continue
	fi
	timeout 120 "$B/bench/$p" --smoke >"$tmp/$p.out" 2>"$tmp/$p.err"
	rc=$?
	rows=$(grep -v '^#' "$tmp/$p.out" | awk -F, 'NF == 11' | tee -a "$tmp/results.csv" | wc -l)
	if [ "$rc" = 0 ] && [ "$rows" -gt 0 ]; then
		ok "$p"
	else
		ko "$p" "exit $rc, $rows CSV rows"
		tail -n 20 "$tmp/$p.out" "$tmp/$p.err" | sed 's/^/    /'
	fi
done

printf 'date: smoke\n' >"$tmp/machine.txt"
cp docs/benchmarks.md "$tmp/doc.md" 2>/dev/null || echo "# x" >"$tmp/doc.md"
if /usr/bin/python3 bench/report.py "$tmp/results.csv" "$tmp/machine.txt" --docs "$tmp/doc.md" \
	--img "$tmp/img" >"$tmp/report.md" 2>"$tmp/report.err" &&
	grep -q '^| size' "$tmp/report.md" && [ -s "$tmp/img/alloc_warm.png" ]; then
	ok bench-report
else
	ko bench-report "bench/report.py or bench/plot.gp failed"
	tail -n 20 "$tmp/report.err" | sed 's/^/    /'
fi
