#!/bin/bash
# ThreadSanitizer suite (docs/robustness.md).  Builds the library with TSAN=1 in
# $PLBUF_TEST_BUILD/tsan and runs the tests that start threads (tests/t_*.c calling
# pthread_create; none of them uses a fixture, whose own mmap() ThreadSanitizer cannot live with):
#   RESULT pass|fail tsan/<test> [reason]
# A data race, a lock-order inversion or a thread leak fails the test.
set -u
B=${PLBUF_TEST_BUILD:-build}/tsan
timeout_s=${TEST_TIMEOUT:-300}
jobs=$(nproc 2>/dev/null || echo 2)
result() { echo "RESULT $*"; }

tests=()
for f in $(grep -l pthread_create tests/t_*.c); do
	if grep -q 'fixture\.h' "$f"; then
		echo "not under TSan: $f uses a fixture"
		continue
	fi
	t=${f##*/}
	tests+=("$B/tests/${t%.c}")
done
mkdir -p "$B"
echo "== make BUILD=$B TSAN=1 (${#tests[@]} tests)"
if ! make -s -j"$jobs" BUILD="$B" TSAN=1 "${tests[@]}" >"$B/make.log" 2>&1; then
	result fail tsan/build "(make failed)"
	tail -n 60 "$B/make.log"
	exit 1
fi
status=0
for t in "${tests[@]}"; do
	name=${t##*/}
	log=$(mktemp)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" STRESS_SECONDS=3 \
		PLBUF_TEST_BUILD="$B" timeout "$timeout_s" "$t" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		sed 's/^/    /' "$log" | tail -n 3
		result pass "tsan/$name"
	else
		sed 's/^/    /' "$log" | head -n 60
		result fail "tsan/$name" "(exit $rc)"
		status=1
	fi
	rm -f "$log"
done
exit $status
