#!/bin/bash
# Fault-injection suite (docs/robustness.md).  Builds the library with the system-call hook
# (FAULT=1, src/os/sys.h) and ASan+UBSan in $PLBUF_TEST_BUILD/fault, a build of its own that nothing
# installs, with the tests tests/t_fault_*.c (which only that build makes), and runs each:
#   RESULT pass|fail|skip fault/<test> [reason]
# LeakSanitizer reports, at each test's exit, heap memory that a failure path lost.
set -u
B=${PLBUF_TEST_BUILD:-build}/fault
timeout_s=${TEST_TIMEOUT:-300}
jobs=$(nproc 2>/dev/null || echo 2)
result() { echo "RESULT $*"; }

tests=()
for f in tests/t_fault_*.c; do
	[ -f "$f" ] || continue
	t=${f##*/}
	tests+=("$B/tests/${t%.c}")
done
[ ${#tests[@]} -gt 0 ] || { echo "SKIP: no tests/t_fault_*.c"; exit 77; }
mkdir -p "$B"
echo "== make BUILD=$B FAULT=1 SAN=1 (${#tests[@]} tests)"
if ! make -s -j"$jobs" BUILD="$B" FAULT=1 SAN=1 "${tests[@]}" >"$B/make.log" 2>&1; then
	result fail fault/build "(make failed)"
	tail -n 60 "$B/make.log"
	exit 1
fi
status=0
for t in "${tests[@]}"; do
	name=${t##*/}
	log=$(mktemp)
	ASAN_OPTIONS=detect_leaks=1 PLBUF_TEST_BUILD="$B" timeout "$timeout_s" "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) sed 's/^/    /' "$log"; result pass "fault/$name" ;;
	77) result skip "fault/$name" "$(grep -m1 -i skip "$log")" ;;
	*) sed 's/^/    /' "$log" | tail -n 40; result fail "fault/$name" "(exit $rc)"; status=1 ;;
	esac
	rm -f "$log"
done
exit $status
