#!/bin/bash
# QEMU's ZynqMP board model (tests/qemu/zynqmp.sh): Debian's arm64 kernel with its own ZCU102
# device tree on -M xlnx-zcu102, and the SoC's GDMA copying through the addresses of the reserved,
# hugepage, zocl and u-dma-buf backends.  One RESULT line per case.
exec bash "$(dirname "$0")/../qemu/zynqmp.sh" "$@"
