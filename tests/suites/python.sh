#!/bin/bash
# The Python binding (python/plbuf, docs/python.md): its pytest tests, run by Debian's python3
# against the library of the normal build ($PLBUF_TEST_BUILD, default build), each test reported
# as one line
#   RESULT pass|fail|skip python/<file>::<test>
# read from pytest's junit XML.  Run from the repository root (tests/run.sh does).
set -u
B=${PLBUF_TEST_BUILD:-build}
py=/usr/bin/python3
lib=$B/libplbuf.so

if ! $py -c 'import numpy, pytest' 2>/dev/null; then
	echo "RESULT fail python/setup $py cannot import numpy and pytest: install python3-numpy and python3-pytest (tests/deps.sh does, as root)"
	exit 1
fi
if [ ! -e "$lib" ]; then
	echo "RESULT fail python/setup $lib is missing: build it with make BUILD=$B"
	exit 1
fi

# A sanitizer build (PLBUF_TEST_BUILD=build/asan): python3 is not instrumented, so the runtime must
# be loaded first; CPython's own allocations are not ours to report as leaks.
san=
if ldd "$lib" 2>/dev/null | grep -q libasan; then
	san=$(gcc -print-file-name=libasan.so)
	export LD_PRELOAD=$san${LD_PRELOAD:+:$LD_PRELOAD}
	export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}
fi

# A library python3 cannot dlopen (a C change, not a Python one) gets its own line, with the reason.
if ! why=$($py -c 'import ctypes, sys; ctypes.CDLL(sys.argv[1])' "$lib" 2>&1); then
	echo "RESULT fail python/setup python3 cannot load $lib: $(echo "$why" | tail -1)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
PYTHONPATH=python${PYTHONPATH:+:$PYTHONPATH} PLBUF_LIBRARY=$lib \
	$py -m pytest -q -rfEs -p no:cacheprovider --junitxml="$tmp/junit.xml" python/tests
rc=$?
if [ ! -s "$tmp/junit.xml" ]; then
	echo "RESULT fail python/pytest pytest wrote no report (exit $rc)"
	exit 1
fi
$py - "$tmp/junit.xml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).getroot().iter("testcase"):
    mod = case.get("classname", "").rsplit(".", 1)[-1]
    name = re.sub(r"\s+", "_", "python/%s::%s" % (mod, case.get("name")))
    kids = {k.tag: k for k in case}
    if "failure" in kids or "error" in kids:
        k = kids.get("failure", kids.get("error"))
        why = (k.get("message") or "").splitlines()[:1]
        print("RESULT fail %s %s" % (name, why[0][:200] if why else ""))
    elif "skipped" in kids:
        print("RESULT skip %s %s" % (name, (kids["skipped"].get("message") or "")[:200]))
    else:
        print("RESULT pass %s" % name)
PY
exit "$rc"
