#!/bin/bash
# Every test program of a normal build under valgrind memcheck: `make check-valgrind` runs it alone,
# make check through tests/suites/valgrind.sh (about a minute).  Usage: tests/valgrind.sh BUILD_DIR
# A memcheck error (invalid access, uninitialised value used, definitely or indirectly lost
# memory) fails the test; otherwise its own result counts (0 pass, 77 skip).  Suites (CLI, Python,
# cross, QEMU) are not run here.  Left out, each for the reason given:
#   (none at present; add "t_name: reason" lines to EXCLUDE below)
# tests/valgrind.supp holds suppressions for code that is not plbuf's, each with its reason.
set -u
B=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
EXCLUDE=""
command -v valgrind >/dev/null || { echo "valgrind is not installed (apt-get install valgrind)"; exit 1; }
pass=0 fail=0 skip=0
failed=()
for t in "$B"/tests/t_*; do
	[ -x "$t" ] || continue
	name=${t##*/}
	reason=$(printf '%s\n' "$EXCLUDE" | sed -n "s/^$name: //p")
	if [ -n "$reason" ]; then
		printf 'SKIP  %s: not under valgrind: %s\n' "$name" "$reason"
		skip=$((skip + 1))
		continue
	fi
	log=$(mktemp)
	(cd "$top" && PLBUF_TEST_BUILD="$B" STRESS_SECONDS=2 timeout "${TEST_TIMEOUT:-900}" \
		valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
		--errors-for-leak-kinds=definite,indirect --suppressions="$here/valgrind.supp" \
		"$t") >"$log" 2>&1
	rc=$?
	case $rc in
	0) pass=$((pass + 1)); printf 'PASS  %s\n' "$name" ;;
	77) skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$name" "$(grep -m1 -i skip "$log")" ;;
	*) fail=$((fail + 1)); failed+=("$name"); printf 'FAIL  %s (exit %d)\n' "$name" "$rc"
	   sed 's/^/    | /' "$log" | head -n 60 ;;
	esac
	rm -f "$log"
done
[ ${#failed[@]} -gt 0 ] && echo "failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
