#!/bin/bash
# plbuf's test runner.  Usage: tests/run.sh BUILD_DIR... 
# Runs every test program BUILD_DIR/tests/t_* of each build (exit 0 pass, 77 skip, else fail), then
# every suite script tests/suites/*.sh (which may report several results with lines
# "RESULT pass|fail|skip NAME [reason]"; otherwise its exit status counts as one result).
# The last line is "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pass=0 fail=0 skip=0
failed=()
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# The sim's DMA-API checker reports (on stderr) in every test and suite that does not choose
# otherwise with check= (docs/backends/sim.md); PLBUF_SIM_CHECK=0 turns it off.
export PLBUF_SIM_CHECK=${PLBUF_SIM_CHECK:-1}

record() { # status name reason
	case $1 in
	pass) pass=$((pass + 1)); printf 'PASS  %s\n' "$2" ;;
	skip) skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$2" "${3:-}" ;;
	*)    fail=$((fail + 1)); failed+=("$2"); printf 'FAIL  %s %s\n' "$2" "${3:-}" ;;
	esac
}

for b in "$@"; do
	for t in "$b"/tests/t_*; do
		[ -x "$t" ] || continue
		name="$b/${t##*/}"
		log=$(mktemp)
		(cd "$top" && PLBUF_TEST_BUILD="$b" timeout "$TEST_TIMEOUT" "$t") >"$log" 2>&1
		rc=$?
		case $rc in
		0) record pass "$name" ;;
		77) record skip "$name" "$(grep -m1 -i 'skip' "$log" || tail -n1 "$log")" ;;
		*) record fail "$name" "(exit $rc)"; sed 's/^/    | /' "$log" | tail -n 40 ;;
		esac
		rm -f "$log"
	done
done

for s in "$here"/suites/*.sh; do
	[ -f "$s" ] || continue
	name="suite/${s##*/}"
	log=$(mktemp)
	(cd "$top" && PLBUF_TEST_BUILD="${1:-build}" timeout "${SUITE_TIMEOUT:-1800}" bash "$s") >"$log" 2>&1
	rc=$?
	if grep -q '^RESULT ' "$log"; then
		while read -r _ st n rest; do
			record "$st" "$name:$n" "$rest"
		done < <(grep '^RESULT ' "$log")
		if [ "$rc" != 0 ] && [ "$rc" != 77 ] && ! grep -q '^RESULT fail' "$log"; then
			record fail "$name" "(exit $rc)"
		fi
		if grep -q '^RESULT fail' "$log" || { [ "$rc" != 0 ] && [ "$rc" != 77 ]; }; then
			grep -v '^RESULT ' "$log" | sed 's/^/    | /' | tail -n 60
		fi
	else
		case $rc in
		0) record pass "$name" ;;
		77) record skip "$name" "$(grep -m1 -i 'skip' "$log" || tail -n1 "$log")" ;;
		*) record fail "$name" "(exit $rc)"; sed 's/^/    | /' "$log" | tail -n 60 ;;
		esac
	fi
	rm -f "$log"
done

if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
