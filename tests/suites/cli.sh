#!/bin/bash
# The command line, the install, and the README's C example, as a user meets them.
set -u
B=${PLBUF_TEST_BUILD:-build}
P=$B/plbuf
ok() { echo "RESULT pass $1"; }
ko() { echo "RESULT fail $1 $2"; }

# plbuf dtype agrees with numpy, field by field, for every string of the corpus.  numpy's answers
# come from tests/dtype_numpy.py, which survives numpy's own crashes on some strings.
if [ -f tests/dtype_corpus.txt ] && /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
	bad=$(/usr/bin/python3 - "$P" <<'PY'
import json, subprocess, sys
sys.path.insert(0, "tests")
import dtype_numpy
plbuf = sys.argv[1]
strings = dtype_numpy.read_corpus("tests/dtype_corpus.txt")
answers = subprocess.run(["/usr/bin/python3", "tests/dtype_numpy.py", "tests/dtype_corpus.txt"],
                         capture_output=True, text=True).stdout.splitlines()
answers = [a for a in answers if not a.startswith("#")]
bad = 0 if len(answers) == len(strings) else 1
for raw, ans in zip(strings, answers):
    if b"\0" in raw:
        continue  # a command-line argument cannot hold a NUL byte
    f = ans.split(" ")
    want = None if f[0] != "OK" else {"itemsize": int(f[1]), "kind": f[2], "str": f[3],
                                      "alignment": int(f[4]), "nfields": int(f[5])}
    r = subprocess.run([plbuf.encode(), b"dtype", raw], capture_output=True)
    got = json.loads(r.stdout) if r.returncode == 0 else None
    ok = (got == want) if want else (r.returncode == 1 and r.stderr.strip())
    if not ok:
        bad += 1
        print("mismatch for %r: plbuf %s (exit %d), numpy %s" % (raw, got, r.returncode, ans),
              file=sys.stderr)
print(bad)
PY
)
	[ "$bad" = 0 ] && ok dtype-json-vs-numpy || ko dtype-json-vs-numpy "${bad:-crashed}: mismatches"
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

# Misuse (issue 11): an unknown flag or a stray argument is a usage error, exit 2, before anything
# runs; `plbuf info --json` stays valid JSON whatever bytes a bank name or PLBUF_BACKEND holds.
for args in "bench --bogus" "bench --quick --bogus" "info --jsn" "info --json extra" "demo -x"; do
	out=$($P $args 2>&1 >/dev/null); rc=$?
	[ $rc = 2 ] && echo "$out" | grep -q usage && ok "usage-error: $args" || ko "usage-error: $args" "rc=$rc"
done
json_ok() { /usr/bin/python3 -c 'import json,sys; json.loads(sys.stdin.buffer.read().decode("utf-8", "strict"))'; }
PLBUF_BACKEND=$'sim\xff\x01"\\' $P info --json | json_ok && ok info-json-raw-backend || ko info-json-raw-backend "invalid JSON"
PLBUF_BACKEND=sim PLBUF_OPTIONS=$'banks=D\xc3\xa9\xfe\xed\xa0\x80@0x40000000:1M' $P info --json | json_ok &&
	ok info-json-raw-bank || ko info-json-raw-bank "invalid JSON"

# make install, then build the README's example against the installed header, pkg-config and .so.
d=$(mktemp -d)
if make -s BUILD="$B" install DESTDIR="$d" PREFIX=/usr >/dev/null 2>&1 &&
   [ -f "$d/usr/include/plbuf.h" ] && [ -x "$d/usr/bin/plbuf" ] && [ -f "$d/usr/lib/pkgconfig/plbuf.pc" ] &&
   readelf -d "$d/usr/lib/libplbuf.so" | grep -q 'SONAME.*libplbuf.so.0'; then
	flags=$(PKG_CONFIG_SYSROOT_DIR="$d" PKG_CONFIG_PATH="$d/usr/lib/pkgconfig" pkg-config --cflags --libs plbuf)
	if cc -std=c11 examples/hello.c $flags -o "$d/hello" && LD_LIBRARY_PATH="$d/usr/lib" "$d/hello" | grep -q "give the IP 0x"; then
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
