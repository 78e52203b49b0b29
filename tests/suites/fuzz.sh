#!/bin/bash
# libFuzzer suite (docs/robustness.md).  Builds the targets tests/fuzz/fz_*.c with clang
# (-fsanitize=fuzzer,address,undefined, FAULT=1) into $PLBUF_TEST_BUILD/fuzz and runs each for
# FUZZ_SECONDS (60 in make check; `make fuzz` runs 300), FUZZ_JOBS at a time (default: the number
# of cores, at most 2).  A crash, a leak, an UB report, a broken invariant or an input slower than
# 30 s fails the target; the input that did it is kept as $PLBUF_TEST_BUILD/fuzz/artifacts/*:
#   RESULT pass|fail fuzz/<target> [reason]
# Each target starts from its seeds (tests/fuzz/corpus/<target>, never written) and from what
# earlier runs found ($PLBUF_TEST_BUILD/fuzz/work/<target>/corpus, which grows).
# needs: clang-14|clang=clang-14
set -u
B=${PLBUF_TEST_BUILD:-build}/fuzz
secs=${FUZZ_SECONDS:-60}
ncpu=$(nproc 2>/dev/null || echo 2)
jobs=${FUZZ_JOBS:-$((ncpu < 2 ? 1 : 2))}
cc=${FUZZ_CC:-}
if [ -z "$cc" ]; then
	for c in clang-14 clang; do command -v "$c" >/dev/null && { cc=$c; break; }; done
fi
result() { echo "RESULT $*"; }

if [ -z "$cc" ]; then
	result fail fuzz/build "no clang (tests/packages.txt lists clang-14, libclang-rt-14-dev)"
	exit 1
fi
mkdir -p "$B/artifacts" "$B/tmp"
# fixture trees of the targets: inside the build, where a crashed run's (no atexit) is harmless
export TMPDIR=$PWD/$B/tmp
case $B in /*) TMPDIR=$B/tmp ;; esac
echo "== make BUILD=$B CC=$cc SAN=1 FUZZ=1 FAULT=1 fuzzers"
if ! make -s -j"$ncpu" BUILD="$B" CC="$cc" SAN=1 FUZZ=1 FAULT=1 HAVE_XRT=0 fuzzers >"$B/make.log" 2>&1; then
	result fail fuzz/build "(make failed)"
	tail -n 60 "$B/make.log"
	exit 1
fi

# One target: prints its RESULT line and a summary, returns its status.
run_one() {
	local t=$1 w=$B/work/$1 dict=() rc
	mkdir -p "$w/corpus"
	[ -f "tests/fuzz/$t.dict" ] && dict=(-dict="tests/fuzz/$t.dict")
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$B/fuzz/$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=1536 \
		-print_final_stats=1 -artifact_prefix="$B/artifacts/$t-" "${dict[@]}" \
		"$w/corpus" "tests/fuzz/corpus/$t" >"$w/log" 2>&1
	rc=$?
	local runs cov
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$w/log" | tail -n1)
	cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -n1)
	if [ $rc = 0 ]; then
		echo "$t: ${runs:-?} runs in ${secs} s, ${cov:-cov: ?}, corpus $(ls "$w/corpus" | wc -l)"
		result pass "fuzz/$t"
	else
		echo "$t: exit $rc after ${runs:-?} runs; log $w/log"
		grep -v '^#' "$w/log" | grep -E 'ERROR|WARNING|SUMMARY|invariant|runtime error|Test unit written|^ *#[0-9]+ ' |
			grep -vE 'fuzzer::|__sanitizer_print|libc_start|in _start|pthread_kill|raise |abort ' |
			head -n 30 | sed 's/^/    /'
		result fail "fuzz/$t" "(exit $rc; input in $B/artifacts)"
	fi
	return $rc
}

targets=()
for f in tests/fuzz/fz_*.c; do
	t=${f##*/}
	targets+=("${t%.c}")
done
status=0
running=0
for t in "${targets[@]}"; do
	if [ $running -ge "$jobs" ]; then
		wait -n || status=1
		running=$((running - 1))
	fi
	run_one "$t" &
	running=$((running + 1))
done
while [ $running -gt 0 ]; do
	wait -n || status=1
	running=$((running - 1))
done
exit $status
