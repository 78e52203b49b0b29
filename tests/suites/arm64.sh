#!/bin/bash
# The arm64 QEMU guest (tests/qemu/arm64.sh): the real zocl driver (fixed, and unfixed under
# slub_debug), the per-buffer benchmark, and the PC backends and u-dma-buf proven by edu DMA on
# -M virt.  One RESULT line per case.
exec bash "$(dirname "$0")/../qemu/arm64.sh" "$@"
