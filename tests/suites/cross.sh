#!/bin/bash
# Cross-architecture suite (docs/cache.md).  Builds the library, the CLI and every unit test for
# aarch64 and armhf with Debian's cross compilers and runs each test under qemu-user-static, on
# the cores of the boards: Cortex-A53 (ZynqMP) and Cortex-A9 (Zynq-7000):
#   RESULT pass|fail|skip <arch>/<test>
# On aarch64 the cache tests (t_arch_*, t_cache_*) run under three emulated CPUs whose CTR_EL0
# reports 32-, 64- and 256-byte lines, with every DC and DSB instruction executed inside
# plbuf__arch_clean / plbuf__arch_clean_inval recorded by QEMU (-d exec,cpu): the lines each call
# cleaned must be exactly those of the range the test announced ("EXPECT-DC op VA LEN"), at the
# CPU's line size, each call ending with one DSB:
#   RESULT pass|fail aarch64@<cpu>/<test>
# Two kinds of test are not run under qemu-user; their native run in the same `make check` covers
# them, and they are listed by name, not reported as skips:
#  - tests that ask the host's numpy (python3) for reference answers: the host's numpy describes
#    x86_64 (sizes of long, long double...), not the emulated target;
#  - tests that map hugetlb memory: qemu-user (7.2) chooses mapping addresses itself, 4 KiB-aligned,
#    and the kernel refuses a hugetlb mapping there (EINVAL) though the same test passes natively.
# Run from the repository root (tests/run.sh does); builds go to $PLBUF_TEST_BUILD/cross/<arch>.
set -u
out=${PLBUF_TEST_BUILD:-build}/cross
timeout_s=${TEST_TIMEOUT:-300}
jobs=$(nproc 2>/dev/null || echo 2)
python=/usr/bin/python3
# cpu:line size its CTR_EL0 reports (QEMU 7.2's models; "max" is qemu-aarch64's default)
aarch64_cpus="max:32 cortex-a53:64 a64fx:256"

# one instruction per translation block, so that QEMU logs each DC (renamed in QEMU 8.1)
one_insn=-singlestep
qemu-aarch64-static --help 2>/dev/null | grep -q one-insn-per-tb && one_insn=-one-insn-per-tb

result() { echo "RESULT $*"; }
indent() { sed 's/^/    /' | tail -n "${1:-40}"; }

# Why a test cannot run under qemu-user (see the top), or nothing.
host_only() {
	local src=tests/$1.c
	[ -f "$src" ] || return 0
	if grep -q python3 "$src"; then
		echo "asks the host's numpy"
	elif grep -qE 'hugepages\.h|HUGETLB|plbuf_open\("hugepage"' "$src"; then
		echo "maps hugetlb memory"
	fi
}

# Runs one test binary under qemu-user; prints its RESULT.  $1 arch, $2 qemu, $3 sysroot, $4 build,
# $5 binary, $6 result name, then extra qemu options.
run_one() {
	local arch=$1 qemu=$2 root=$3 b=$4 t=$5 name=$6 log rc
	shift 6
	log=$(mktemp)
	QEMU_LD_PREFIX=$root PLBUF_TEST_BUILD=$b timeout "$timeout_s" "$qemu" "$@" "$t" >"$log" 2>&1
	rc=$?
	case $rc in
	0) result pass "$name" ;;
	77) result skip "$name" "$(grep -m1 -i skip "$log" || tail -n1 "$log")" ;;
	*) result fail "$name" "(exit $rc)"; indent <"$log" ;;
	esac
	rm -f "$log"
	return $rc
}

# The trace check: which DC / DSB instructions plbuf__arch_clean(_inval) hold (objdump), then the
# instructions QEMU logged against the test's EXPECT-DC lines.
trace_check() { # mode(filter|check) objdump-file [trace-log stdout-log line]
	"$python" - "$@" <<'PY'
import re, sys
mode, dump = sys.argv[1], sys.argv[2]
insns, fn = {}, None
for l in open(dump):
    m = re.match(r'^[0-9a-f]+ <(\w+)>:', l)
    if m:
        fn = m.group(1)
        continue
    if fn not in ('plbuf__arch_clean', 'plbuf__arch_clean_inval'):
        continue
    m = re.match(r'^\s*([0-9a-f]+):\s+(dc|dsb)\s+(\w+)(?:,\s*x(\d+))?', l)
    if m:
        insns[int(m.group(1), 16)] = (m.group(2) + ' ' + m.group(3), int(m.group(4) or -1))
ops = sorted(set(v[0] for v in insns.values()))
if mode == 'filter':
    if not any(o.startswith('dc c') for o in ops) or 'dsb sy' not in ops:
        sys.exit('plbuf__arch_clean(_inval) hold %s: expected dc cvac, dc civac, dsb sy' % ops)
    print(','.join('%#x+4' % a for a in sorted(insns)))
    sys.exit(0)
trace, stdout, line = sys.argv[3], sys.argv[4], int(sys.argv[5])
got, pc = [], None
for l in open(trace):
    m = re.match(r'^Trace \d+: \S+ \[[0-9a-f]+/([0-9a-f]+)/', l)
    if m:
        pc = int(m.group(1), 16)
        if pc not in insns:
            sys.exit('QEMU logged %#x, which is no DC or DSB of plbuf__arch_clean(_inval)' % pc)
        op, reg = insns[pc]
        if reg < 0:
            got.append((op, None))
            pc = None
        continue
    if pc is not None:
        op, reg = insns[pc]
        m = re.search(r'X%02d=([0-9a-f]+)' % reg, l)
        if m:
            got.append((op, int(m.group(1), 16)))
            pc = None
want, calls = [], 0
for l in open(stdout):
    f = l.split()
    if len(f) == 4 and f[0] == 'EXPECT-DC':
        va, n = int(f[2], 16), int(f[3])
        calls += 1
        if n == 0:
            continue
        a = va & ~(line - 1)
        while a < va + n:
            want.append(('dc ' + f[1], a))
            a += line
        want.append(('dsb sy', None))
if not calls:
    sys.exit('the test announced no EXPECT-DC call')
show = lambda e: '%s %s' % (e[0], '' if e[1] is None else hex(e[1]))
for i in range(max(len(got), len(want))):
    g = got[i] if i < len(got) else None
    w = want[i] if i < len(want) else None
    if g != w:
        sys.exit('event %d: executed %s, expected %s (%d executed, %d expected)' % (
            i, show(g) if g else 'nothing', show(w) if w else 'nothing', len(got), len(want)))
dcs = sum(1 for e in got if e[0].startswith('dc'))
print('%d calls: %d DC instructions at %d-byte stride and %d DSB, as expected' % (
    calls, dcs, line, len(got) - dcs))
PY
}

# One aarch64 cache test under one CPU model, traced when it announces its calls.
run_traced() { # build binary name cpu line
	local b=$1 t=$2 name=$3 cpu=$4 line=$5 src=tests/$3.c tb dump filter log trace rc msg
	if ! grep -q EXPECT-DC "$src"; then
		PLBUF_EXPECT_DLINE=$line run_one aarch64 qemu-aarch64-static /usr/aarch64-linux-gnu \
			"$b" "$t" "aarch64@$cpu/$name" -cpu "$cpu"
		return
	fi
	# A non-PIE copy (same library archive, same test source), so that the addresses objdump
	# gives are the addresses QEMU runs at.
	tb=$b/trace/$name
	mkdir -p "$b/trace"
	if ! aarch64-linux-gnu-gcc -Iinclude -Isrc -Itests/lib -D_GNU_SOURCE -std=c11 -O2 -g -no-pie \
		-pthread -o "$tb" "$src" $(ls "$b"/obj/tests/lib/*.o 2>/dev/null) "$b/libplbuf.a" \
		-pthread -lrt >"$b/trace/$name.cc.log" 2>&1; then
		result fail "aarch64@$cpu/$name" "(cannot build the non-PIE copy)"
		indent <"$b/trace/$name.cc.log"
		return
	fi
	dump=$b/trace/$name.dis
	aarch64-linux-gnu-objdump -d --no-show-raw-insn "$tb" >"$dump"
	if ! filter=$(trace_check filter "$dump" 2>&1); then
		result fail "aarch64@$cpu/$name" "$filter"
		return
	fi
	log=$b/trace/$name.$cpu.out
	trace=$b/trace/$name.$cpu.trace
	QEMU_LD_PREFIX=/usr/aarch64-linux-gnu PLBUF_TEST_BUILD=$b PLBUF_EXPECT_DLINE=$line \
		timeout "$timeout_s" qemu-aarch64-static -cpu "$cpu" $one_insn -d exec,nochain,cpu \
		-dfilter "$filter" -D "$trace" "$tb" >"$log" 2>&1
	rc=$?
	if [ $rc != 0 ]; then
		result fail "aarch64@$cpu/$name" "(exit $rc)"
		indent <"$log"
	elif msg=$(trace_check check "$dump" "$trace" "$log" "$line" 2>&1); then
		result pass "aarch64@$cpu/$name" "$msg"
		rm -f "$trace"
	else
		result fail "aarch64@$cpu/$name" "trace: $msg"
		indent <"$log" 10
	fi
}

# The automatic choice prefers hugepage memory when the kernel has free hugepages, and qemu-user
# cannot map it (above): tests that let plbuf choose then fail under emulation.  make check runs
# this suite after the native tests have given back the pages they reserved, so normally none are
# free; say so when some are.
free_hp=$(cat /sys/kernel/mm/hugepages/hugepages-*/free_hugepages 2>/dev/null | awk '{s += $1} END {print s + 0}')
[ "$free_hp" = 0 ] || echo "note: $free_hp hugepages are free: tests that use the automatic backend choice pick hugepage, which qemu-user cannot map"

# arch triplet qemu cpu
for spec in "aarch64 aarch64-linux-gnu qemu-aarch64-static cortex-a53" \
	"armhf arm-linux-gnueabihf qemu-arm-static cortex-a9"; do
	set -- $spec
	arch=$1 tri=$2 qemu=$3 cpu=$4 root=/usr/$2 b=$out/$1
	missing=""
	command -v "$tri-gcc" >/dev/null || missing="$missing gcc-$tri"
	[ -f "$root/include/stdio.h" ] || missing="$missing libc6-dev-${arch/aarch64/arm64}-cross"
	command -v "$qemu" >/dev/null || missing="$missing qemu-user-static"
	if [ -n "$missing" ]; then
		result skip "$arch/build" "missing Debian packages:$missing (tests/deps.sh installs them as root)"
		continue
	fi
	echo "== $arch: make CC=$tri-gcc BUILD=$b"
	mkdir -p "$b"
	if ! make -s -j"$jobs" CC="$tri-gcc" AR="$tri-ar" BUILD="$b" all >"$b/make.log" 2>&1; then
		result fail "$arch/build" "(make failed)"
		indent 60 <"$b/make.log"
		continue
	fi
	result pass "$arch/build"
	if [ "$arch" = aarch64 ]; then
		if aarch64-linux-gnu-objdump -d "$b/libplbuf.a" | grep -Eq '\sdc\s+ivac'; then
			result fail aarch64/no-dc-ivac "libplbuf.a holds DC IVAC, which traps at EL0"
		else
			result pass aarch64/no-dc-ivac
		fi
	fi
	not_run=""
	for t in "$b"/tests/t_*; do
		[ -x "$t" ] || continue
		name=${t##*/}
		why=$(host_only "$name")
		if [ -n "$why" ]; then
			not_run="$not_run $name ($why)"
			continue
		fi
		case $arch/$name in
		aarch64/t_arch_* | aarch64/t_cache_*)
			for c in $aarch64_cpus; do
				run_traced "$b" "$t" "$name" "${c%%:*}" "${c##*:}"
			done
			;;
		*) run_one "$arch" "$qemu" "$root" "$b" "$t" "$arch/$name" -cpu "$cpu" ;;
		esac
	done
	[ -z "$not_run" ] || echo "$arch: not run under qemu-user, covered by their native run:$not_run"
done
exit 0
