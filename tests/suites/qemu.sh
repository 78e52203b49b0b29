#!/bin/bash
# Proof by DMA in QEMU (tests/qemu/run.sh): one RESULT line per case of every boot.
exec bash "$(dirname "$0")/../qemu/run.sh" "$@"
