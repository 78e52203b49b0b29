#!/bin/bash
# The normal build's test programs under valgrind memcheck, in make check too (about a minute on
# 2 cores): tests/valgrind.sh, which `make check-valgrind` runs alone, reported per test:
#   RESULT pass|fail|skip valgrind/<test> [reason]
# needs: valgrind
set -u
B=${PLBUF_TEST_BUILD:-build}
if ! command -v valgrind >/dev/null; then
	echo "RESULT fail valgrind/setup valgrind is not installed (tests/packages.txt lists it)"
	exit 1
fi
tests/valgrind.sh "$B" | while IFS= read -r line; do
	case $line in
	"PASS  "*) echo "RESULT pass valgrind/${line#PASS  }" ;;
	"SKIP  "*) n=${line#SKIP  }; echo "RESULT skip valgrind/${n%%:*} ${n#*: }" ;;
	"FAIL  "*) n=${line#FAIL  }; echo "RESULT fail valgrind/${n%% *} ${n#* }" ;;
	*) echo "$line" ;;
	esac
done
exit "${PIPESTATUS[0]}"
