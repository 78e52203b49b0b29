#!/bin/sh
# Installs, with apt-get, the Debian packages that the tests need and this machine lacks.
# Each line of tests/packages.txt is a package name; comments start with '#'.
set -eu
here=$(dirname "$0")
# The arm64 guest (tests/qemu/arm64.sh) fetches arm64 packages (kernel, headers, busybox-static)
# with apt-get download: apt must know the architecture.
if [ "$(dpkg --print-architecture)" != arm64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
	if [ "$(id -u)" = 0 ]; then
		echo "deps: adding the arm64 foreign architecture"
		dpkg --add-architecture arm64
		apt-get update -q >/dev/null || apt-get update -q
	else
		echo "deps: the arm64 foreign architecture is missing (dpkg --add-architecture arm64, as root)" >&2
	fi
fi
missing=""
for p in $(sed -e 's/#.*//' "$here/packages.txt"); do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "deps: missing packages:$missing (run as root, or install them; the tests that need them will skip)" >&2
	exit 0
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null || apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
