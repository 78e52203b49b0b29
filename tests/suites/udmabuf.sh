#!/bin/bash
# The real u-dma-buf driver in the x86_64 QEMU guest (tests/qemu/udmabuf.sh): one RESULT line per
# case.  The shim's side of the ABI comparison is t_udmabuf_abi, which every build runs.
exec bash "$(dirname "$0")/../qemu/udmabuf.sh" "$@"
