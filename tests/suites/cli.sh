#!/bin/bash
# The command line, the install, and the README's C example, as a user meets them.
set -u
B=${PLBUF_TEST_BUILD:-build}
P=$B/plbuf
ok() { echo "RESULT pass $1"; }
ko() { echo "RESULT fail $1 $2"; }

# plbuf dtype agrees with numpy, field by field, for every string of the corpus.
if [ -f tests/dtype_corpus.txt ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	bad=$(/usr/bin/python3 - "$P" tests/dtype_corpus.txt <<'PY'
import json, subprocess, sys, numpy as np
plbuf, corpus = sys.argv[1], sys.argv[2]
bad = 0
for line in open(corpus, encoding="utf-8"):
    s = line.rstrip("\n")
    if not s.strip() or s.lstrip().startswith("#"):
        continue
    try:
        d = np.dtype(s)
        want = None if d.kind == "O" or d.hasobject else {"itemsize": d.itemsize, "kind": d.kind,
               "str": d.str, "alignment": d.alignment, "nfields": len(d.fields or ())}
    except Exception:
        want = None
    r = subprocess.run([plbuf, "dtype", s], capture_output=True, text=True)
    got = json.loads(r.stdout) if r.returncode == 0 else None
    if want is None and r.returncode == 1 and r.stderr.strip():
        continue
    if got != want:
        bad += 1
        print("mismatch for %r: plbuf %s (exit %d), numpy %s" % (s, got, r.returncode, want), file=sys.stderr)
print(bad)
PY
)
	[ "$bad" = 0 ] && ok dtype-json-vs-numpy || ko dtype-json-vs-numpy "$bad mismatches"
else
	echo "RESULT skip dtype-json-vs-numpy needs tests/dtype_corpus.txt and python3-numpy"
fi

# plbuf dtype: an invalid dtype is a message on stderr and exit status 1.
out=$($P dtype i3 2>&1 >/dev/null); rc=$?
[ $rc = 1 ] && [ -n "$out" ] && ok dtype-invalid-exit-1 || ko dtype-invalid-exit-1 "rc=$rc"

# plbuf demo, both modes: exit 0 only when the missing flush was caught.
$P demo > /tmp/plbuf-demo.$$ 2>&1 && grep -q caught /tmp/plbuf-demo.$$ && ok demo-noncoherent || { cat /tmp/plbuf-demo.$$; ko demo-noncoherent ""; }
$P demo --coherent > /tmp/plbuf-demo.$$ 2>&1 && ok demo-coherent || { cat /tmp/plbuf-demo.$$; ko demo-coherent ""; }
rm -f /tmp/plbuf-demo.$$

# plbuf info --json is JSON and names the chosen backend and why.
if $P info --json | /usr/bin/python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["chosen"] and d["banks"] and all("why" in b for b in d["backends"])'; then
	ok info-json
else
	ko info-json ""
fi
PLBUF_BACKEND=sim $P info | grep -q "forced by PLBUF_BACKEND" && ok info-forced || ko info-forced ""

# plbuf bench runs (timings are not checked: speed is measured by bench/, never by tests).
$P bench --quick >/dev/null 2>&1 && ok bench-runs || ko bench-runs ""

# make install, then build the README's example against the installed header, pkg-config and .so.
d=$(mktemp -d)
if make -s BUILD="$B" install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 &&
   [ -f "$d/usr/include/plbuf.h" ] && [ -x "$d/usr/bin/plbuf" ] && [ -f "$d/usr/lib/pkgconfig/plbuf.pc" ] &&
   readelf -d "$d/usr/lib/libplbuf.so" | grep -q 'SONAME.*libplbuf.so.0'; then
	flags=$(PKG_CONFIG_SYSROOT_DIR="$d" PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" pkg-config --cflags --libs plbuf)
	if cc -std=c11 examples/hello.c $flags -o "$d/hello" && LD_LIBRARY_PATH="$d/usr/lib" "$d/hello" | grep -q "device address"; then
		ok install-and-readme-example
	else
		ko install-and-readme-example "example did not build or run against the install"
	fi
	# Only the plbuf_ API is exported.
	if nm -D --defined-only "$d/usr/lib/libplbuf.so" | awk '{print $3}' | grep -v '^plbuf_' | grep -v '^PLBUF_' | grep -q .; then
		ko exported-symbols "non-API symbols exported"
	else
		ok exported-symbols
	fi
else
	ko install-and-readme-example "make install failed"
fi
rm -rf "$d"
