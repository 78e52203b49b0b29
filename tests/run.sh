#!/bin/bash
# plbuf's test runner.
#
#   tests/run.sh [--programs|--suites] [-x NAME]... [BUILD_DIR]... [NAME]...
#
# Runs the test programs BUILD_DIR/tests/t_* of each build directory given (default: build, or,
# when installed by `make install-tests`, the programs beside this script), exit 0 pass, 77 skip,
# else fail; then every suite tests/suites/*.sh, which may report several results with lines
# "RESULT pass|fail|skip NAME [reason]" (otherwise its exit status counts as one result).
#   NAME        run only these: a test program (t_views), a suite (cli, or suite/cli.sh), or a shell
#               pattern of them ('t_zocl_*'); a directory holding tests/t_* is a build directory
#   -x NAME     leave these out (same forms; may be repeated)
#   --programs  only the t_* programs (`make test`);  --suites  only the suites (`make check-S`)
#   -j N        run N test programs at a time (default 1; suites always run one at a time)
# A suite that needs a tool says so in a header line "# needs: TOOL[=PACKAGE] ...", where TOOL is a
# command, "A|B" for either of two, or "python3:MODULE"; when one is missing the suite is reported
# as skipped with the reason, loudly, instead of failing in its own way.
# The last line is "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
pass=0 fail=0 skip=0
failed=()
builds=() names=() excludes=()
do_programs=1 do_suites=1 jobs=1
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# The sim's DMA-API checker reports (on stderr) in every test and suite that does not choose
# otherwise with check= (docs/backends/sim.md); PLBUF_SIM_CHECK=0 turns it off.
export PLBUF_SIM_CHECK=${PLBUF_SIM_CHECK:-1}

while [ $# -gt 0 ]; do
	case $1 in
	--programs) do_suites=0 ;;
	--suites) do_programs=0 ;;
	-x) shift; excludes+=("${1:?-x needs a name}") ;;
	-x*) excludes+=("${1#-x}") ;;
	-j) shift; jobs=${1:?-j needs a number} ;;
	-j*) jobs=${1#-j} ;;
	-h|--help) sed -n '2,/^# The last line/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	# A build directory holds test programs (or a recorded configuration): python/ and cli/ of
	# the source tree are not builds, and "cli" then names the suite.
	*) if compgen -G "${1%/}/tests/t_*" >/dev/null || [ -f "${1%/}/config.mk" ]; then
		builds+=("${1%/}")
	   else
		names+=("$1")
	   fi ;;
	esac
	shift
done
if [ ${#builds[@]} = 0 ]; then
	# Installed by `make install-tests`: the programs sit beside this script.
	if compgen -G "$here/t_*" >/dev/null && [ ! -d "$here/suites" ]; then builds=("$top"); else builds=(build); fi
fi

# Does the short name $1 (t_views, cli) match the NAME arguments / the -x ones?
matches() { # name pattern...
	local n=$1 p
	shift
	for p in "$@"; do
		p=${p#suite/}; p=${p%.sh}
		# shellcheck disable=SC2053
		[[ $n == $p ]] && return 0
	done
	return 1
}
wanted() {
	{ [ ${#names[@]} = 0 ] || matches "$1" "${names[@]}"; } &&
		{ [ ${#excludes[@]} = 0 ] || ! matches "$1" "${excludes[@]}"; }
}

record() { # status name reason
	case $1 in
	pass) pass=$((pass + 1)); printf 'PASS  %s\n' "$2" ;;
	skip) skip=$((skip + 1)); printf 'SKIP  %s: %s\n' "$2" "${3:-}" ;;
	*)    fail=$((fail + 1)); failed+=("$2"); printf 'FAIL  %s %s\n' "$2" "${3:-}" ;;
	esac
}

# What a suite's "# needs:" line asks for and this machine lacks, as a sentence; "" when nothing.
missing_tools() { # suite file
	local need tool pkg alt ok miss=""
	for need in $(sed -n 's/^# needs: *//p' "$1"); do
		tool=${need%%=*}; pkg=
		[ "$tool" != "$need" ] && pkg=" (Debian package ${need#*=})"
		ok=0
		for alt in ${tool//|/ }; do
			case $alt in
			python3:*) /usr/bin/python3 -c "import ${alt#python3:}" 2>/dev/null && ok=1 ;;
			*) command -v "$alt" >/dev/null 2>&1 && ok=1 ;;
			esac
		done
		[ $ok = 1 ] || miss="$miss ${tool//|/ or }$pkg"
	done
	[ -n "$miss" ] && echo "missing:$miss; install it (tests/deps.sh installs tests/packages.txt as root)"
}

# One test program, its output in $2.log and its exit status in $2.rc.
run_program() { # build test out
	(cd "$top" && PLBUF_TEST_BUILD="$1" timeout "$TEST_TIMEOUT" "$2") >"$3.log" 2>&1
	echo $? >"$3.rc"
}

if [ $do_programs = 1 ]; then
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	list=()
	for b in "${builds[@]}"; do
		for t in "$b"/tests/t_*; do
			[ -x "$t" ] || continue
			wanted "${t##*/}" || continue
			list+=("$b" "$t")
		done
	done
	# Started in order, up to $jobs at a time; reported in order as each finishes in turn.
	i=0 started=0
	report() { # index
		local b=${list[$(( $1 * 2 ))]} t=${list[$(( $1 * 2 + 1 ))]} out=$work/$1 rc
		while [ ! -s "$out.rc" ]; do wait -n 2>/dev/null || sleep 0.05; done
		rc=$(cat "$out.rc")
		name="$b/${t##*/}"
		case $rc in
		0) record pass "$name" ;;
		77) record skip "$name" "$(grep -m1 -i 'skip' "$out.log" || tail -n1 "$out.log")" ;;
		*) record fail "$name" "(exit $rc)"; sed 's/^/    | /' "$out.log" | tail -n 40 ;;
		esac
	}
	n=$(( ${#list[@]} / 2 ))
	while [ $i -lt $n ]; do
		while [ $started -lt $n ] && [ $((started - i)) -lt "$jobs" ]; do
			run_program "${list[$(( started * 2 ))]}" "${list[$(( started * 2 + 1 ))]}" "$work/$started" &
			started=$((started + 1))
		done
		report $i
		i=$((i + 1))
	done
	wait
fi

if [ $do_suites = 1 ]; then
	for s in "$here"/suites/*.sh; do
		[ -f "$s" ] || continue
		short=${s##*/}; short=${short%.sh}
		wanted "$short" || continue
		name="suite/${s##*/}"
		why=$(missing_tools "$s")
		if [ -n "$why" ]; then
			record skip "$name" "$why"
			continue
		fi
		log=$(mktemp)
		(cd "$top" && PLBUF_TEST_BUILD="${builds[0]}" timeout "${SUITE_TIMEOUT:-1800}" bash "$s") >"$log" 2>&1
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
fi

total=$((pass + fail + skip))
if [ $total = 0 ] && [ ${#names[@]} -gt 0 ]; then
	echo "run.sh: nothing matched ${names[*]} (test programs are t_*, suites are $(cd "$here/suites" 2>/dev/null && ls | sed 's/\.sh$//' | tr '\n' ' '))" >&2
	fail=1
fi
if [ ${#failed[@]} -gt 0 ]; then
	echo "failed: ${failed[*]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
