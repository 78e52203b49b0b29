#!/bin/bash
# The project on a machine that has never seen it: a bare Debian 12 root holding only
# build-essential, git and ca-certificates (../shared/tools/fresh-debian, which clones the committed
# HEAD into it), as root, as the README says.
#
# make check (reduced, about 5 minutes):  `make demo`, then tests/deps.sh, then `make test`.  This is
# the order that broke before: a build made before the test packages were installed must be rebuilt
# (the recorded configuration), and the build must not need a package deps.sh does not install.
#   RESULT pass|fail|skip fresh/demo-deps-test
# make check-fresh (PLBUF_FRESH=full, about 20 minutes) adds, each in a root of its own:
#   fresh/readme-two-commands   `make demo && make check` ends "N passed, 0 failed"
#   fresh/deb-*                 apt-get build-dep, make deb, lintian without errors, the packages
#                               installed; the README's C example built with pkg-config (also
#                               statically) and run; its Python example run
#   fresh/pip-*                 pip install --no-build-isolation . with Debian's setuptools, over the
#                               installed libplbuf0; the Python example run from elsewhere
# Needs root and the shared folder beside the clone; without them it skips, saying so.
set -u
top=$(pwd)
fd=${FRESH_DEBIAN:-$top/../shared/tools/fresh-debian}
mode=${PLBUF_FRESH:-reduced}
log=${PLBUF_TEST_BUILD:-build}/fresh
mkdir -p "$log"

if [ ! -x "$fd" ]; then
	# Inside a fresh root itself (fresh-debian clones the project alone), or a clone without the
	# shared folder beside it.
	echo "RESULT skip fresh/demo-deps-test needs $fd (the shared folder beside this clone; absent inside a fresh root itself)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "RESULT skip fresh/demo-deps-test needs root (chroot and mounts of fresh-debian)"
	exit 0
fi
if [ -n "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "note: the fresh root gets the committed HEAD $(git log -1 --format=%h); uncommitted changes are not in it"
fi

# Runs fresh-debian with a command; the output goes to $log/$1.log and its RESULT lines through.
fresh() { # name command...
	local name=$1 rc
	shift
	nice "$fd" "$@" >"$log/$name.log" 2>&1
	rc=$?
	grep '^RESULT ' "$log/$name.log"
	return $rc
}
tail_of() { grep -v '^RESULT ' "$log/$1.log" | tail -n 30 | sed 's/^/    /'; }

# --- reduced: make demo, the test packages, make test.  (PLBUF_FRESH=packages: only the packages.)
[ "$mode" = packages ] || {
fresh reduced sh -c 'make demo && tests/deps.sh && make test'
rc=$?
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/reduced.log" | tail -n1)
if [ $rc = 0 ] && [[ $last == *" 0 failed"* ]]; then
	echo "RESULT pass fresh/demo-deps-test $last"
else
	echo "RESULT fail fresh/demo-deps-test exit $rc, ${last:-no runner summary} ($log/reduced.log)"
	tail_of reduced
fi
}
[ "$mode" = reduced ] && exit 0

# --- full: the README's two commands.
[ "$mode" = packages ] || {
fresh pair
rc=$?
last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/pair.log" | tail -n1)
if [ $rc = 0 ] && [[ $last == *" 0 failed"* ]]; then
	echo "RESULT pass fresh/readme-two-commands $last"
else
	echo "RESULT fail fresh/readme-two-commands exit $rc, ${last:-no runner summary} ($log/pair.log)"
	tail_of pair
fi
}

# --- full: the Debian packages, then pip, in one more root.  The script reports its own RESULTs.
fresh packages sh -ec '
r() { echo "RESULT $1 fresh/$2 ${3:-}"; }
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get build-dep -y -q ./ >/dev/null && r pass deb-build-deps || { r fail deb-build-deps "apt-get build-dep ./"; exit 1; }
if make deb >/tmp/deb.log 2>&1; then r pass deb-build; else tail -n 30 /tmp/deb.log; r fail deb-build "make deb"; exit 1; fi
apt-get install -y -q --no-install-recommends lintian >/dev/null
errs=$(lintian build/deb/*.changes 2>&1 | grep "^E:" || true)
[ -z "$errs" ] && r pass deb-lintian-no-errors || r fail deb-lintian-no-errors "$errs"
apt-get install -y -q --no-install-recommends pkg-config ./build/deb/libplbuf0_*.deb ./build/deb/libplbuf-dev_*.deb \
	./build/deb/plbuf_*.deb ./build/deb/python3-plbuf_*.deb >/dev/null && r pass deb-install || { r fail deb-install; exit 1; }
mkdir -p /tmp/user && cp examples/hello.c /tmp/user/ && cd /tmp/user
cc hello.c $(pkg-config --cflags --libs plbuf) -o hello && ./hello | grep -q "give the IP 0x" &&
	r pass deb-readme-c-example || r fail deb-readme-c-example "pkg-config build or run failed"
cc -static hello.c $(pkg-config --static --cflags --libs plbuf) -o hello-static 2>/dev/null &&
	./hello-static | grep -q "give the IP 0x" && r pass deb-readme-c-example-static || r fail deb-readme-c-example-static
man -w plbuf_allocate >/dev/null 2>&1 || [ -e /usr/share/man/man3/plbuf_allocate.3.gz ] && r pass deb-man-pages || r fail deb-man-pages
cat > example.py <<EOF
from plbuf import allocate
input_buffer = allocate(shape=(5,), dtype="u4")
input_buffer[:] = range(5)
input_buffer.flush()
print(hex(input_buffer.device_address), input_buffer.coherent)
EOF
/usr/bin/python3 example.py && r pass deb-readme-python-example || r fail deb-readme-python-example
# pip over the installed C library, in place of python3-plbuf.
apt-get remove -y -q python3-plbuf >/dev/null
apt-get install -y -q --no-install-recommends python3-pip python3-setuptools >/dev/null
cd /root/project
if pip install -q --no-build-isolation --no-index --break-system-packages . ; then r pass pip-install; else r fail pip-install; exit 1; fi
cd /tmp/user && /usr/bin/python3 -c "import plbuf; print(plbuf.__file__, plbuf.library_path)" &&
	/usr/bin/python3 example.py && r pass pip-readme-python-example || r fail pip-readme-python-example
'
rc=$?
if [ $rc != 0 ] || grep -q '^RESULT fail' "$log/packages.log"; then
	tail_of packages
	[ $rc != 0 ] && ! grep -q '^RESULT fail' "$log/packages.log" && echo "RESULT fail fresh/packages exit $rc"
fi
exit 0
