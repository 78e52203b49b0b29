#!/usr/bin/env python3
"""Writes the seed corpora tests/fuzz/corpus/<target>/ (run from the repository root).

The seeds are valid inputs of each target's format (see the comment at the top of each
tests/fuzz/fz_*.c), taken from the test corpora where there are some, so that the fuzzers start
from the interesting parts of each grammar.  Generated once and committed; libFuzzer adds what it
finds to a corpus in the build directory, never here.
"""
import hashlib
import os
import re
import struct
import sys

OUT = "tests/fuzz/corpus"


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def unescape(s):
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            n = s[i + 1]
            if n == "x":
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"\\": b"\\", "t": b"\t", "n": b"\n", "r": b"\r", "v": b"\v", "f": b"\f",
                    "e": b""}.get(n, n.encode())
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def dtype():
    for line in open("tests/dtype_corpus.txt", encoding="utf-8"):
        line = line.rstrip("\n")
        if line and not line.startswith("#"):
            put("fz_dtype", unescape(line))


def slices():
    for line in open("tests/slice_corpus.txt"):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("R "):
            continue
        src, _, idx = line.partition("|")
        dims = [int(x) for x in re.findall(r"\d+", src.split("[")[0])][:4]
        hdr = bytes([len(dims) + (10 if "T" in src else 0)]) + bytes(
            (dims + [1, 1, 1, 1])[:4]) + bytes([2])
        put("fz_slice", hdr + idx.strip().encode() + b"|" + bytes([0xff, 2]))


def options():
    for s in ["sim\nbanks=DDR0@0x40000000:512M\n",
              "sim\nbanks=A@0:4K,B@0x1000:8K:coherent line=128\ncoherent=1",
              "sim\nname=x banks=A@0x1000:1M:noncoherent\n",
              "\n\nbanks=DDR0@0x40000000:16M",
              "hugepage\npagesize=2M coherent=1 max_pages=0x10\n",
              "reserved\nregions=buf@0x8000000:16M,0x9000000:4K\n",
              "reserved\nuio=dma@uio0:map1,uio1\n",
              "udmabuf\ndevices=udmabuf0,udmabuf1 sync=driver uncached=keep\n",
              "vfio\ndevice=0000:00:03.0 base=0x100000 last=0xffffffff\n",
              "zocl\nbanks=bank0,HP0 coherent=0\n",
              "nope\na=b\n", "sim\nkey\n", "sim\n=v\n", "sim\nline=16k\nline=0x40",
              "\n\n\nbuf@0x8000000:16M\n", "reserved\n\n\n\nuio0:1,x@mybuf",
              "=sim\nbanks=A@0:1M\n", "=auto\n\ncoherent=1", "=nope\n"]:
        put("fz_options", s)


def physmem():
    iomem = ("00000000-00000fff : Reserved\n00001000-0009fbff : System RAM\n"
             "000a0000-000bffff : PCI Bus 0000:00\n00100000-bfffffff : System RAM\n"
             "  01000000-01ffffff : Kernel code\nc0000000-c0ffffff : reserved\n")
    for start, size, region, uio in [(0xc0000000, 0x1000000, "buf@0xc0000000:16M", "uio0"),
                                     (0x100000, 0x1000, "0x100000:4K", "dma@uio0:map0"),
                                     (0, 1, "a@1:1", "mybuf:1")]:
        put("fz_physmem", struct.pack("<QQ", start, size) + "|".join(
            [iomem, region, uio, "mybuf", "0x40000000", "0x100000", ""]).encode())
    put("fz_physmem", struct.pack("<QQ", 0x1000, 0x1000) +
        b"00000000-00000000 : System RAM\n|x@0:1|uio0:map0|n|0x0|0x1000|0x10")
    put("fz_physmem", struct.pack("<QQ", 0, 0) + b"|a@1:2|uio2147483648:map4096|n|1|1|")


def sysfs():
    put("fz_sysfs", b"\x00\x00" + b"0x1000\n|0000:00:03.0|../../bus/pci/drivers/vfio-pci")
    put("fz_sysfs", b"\x00\x00" + b"18446744073709551615|00:1f.7|../../../kernel/iommu_groups/12")
    for flags, f in [(0, ["5.2.0", "", "0x40000000", "1048576", "", "", "1", "devices=udmabuf0"]),
                     (15, ["4.4.1", "2", "1073741824", "4096", "1", "3", "3", "sync=driver"]),
                     (2, ["4.0.0-rc1", "", "0", "65536", "0", "", "0", "uncached=keep"])]:
        put("fz_sysfs", bytes([1, flags]) + "|".join(f).encode())
    for flags, f in [(1, ["2048,1048576", "Hugepagesize:       2048 kB\n", "16", "0", "16", ""]),
                     (1, ["2048", "MemTotal: 1 kB\n", "4", "4", "8", "pagesize=2M"]),
                     (0, ["64", "", "1", "0", "1", "pagesize=64K"])]:
        put("fz_sysfs", bytes([2, flags]) + "|".join(f).encode())
    put("fz_sysfs", b"\x03\x00" + b"0000:00:03.0|../../../bus/pci/drivers/vfio-pci|"
        b"../../../kernel/iommu_groups/7")
    put("fz_sysfs", b"\x03\x00" + b"00:04.1|../e1000e|")
    put("fz_sysfs", b"\x04\x00" + b"4.19.0-xilinx-v2019.1|CmaTotal:         131072 kB\n|"
        b"nr_free_pages 1000\nnr_free_cma 30000\n|sync=driver")
    put("fz_sysfs", b"\x04\x00" + b"4.9.0-xilinx-v2017.4|MemTotal: 1 kB\n||force=1")
    put("fz_sysfs", b"\x05\x00" + b"renderD128,renderD129,card0,renderD2|device=/dev/dri/renderD129")
    # what the fuzzers found (docs/robustness.md), kept as seeds so that they stay fixed
    put("fz_sysfs", b"\x00\x00" + b" -5|x|")
    put("fz_sysfs", b"\x04\x00" + b"x|CmaTotal: 5 kB\n|nr_free_cma 99999999999999999999\n|")
    put("fz_sysfs", b"\x05\x00" + b"renderD4294967295,renderD2147483647,renderD4294967294,"
        b"renderD2147483646|")


def pagemap():
    present = 1 << 63
    for n, dense, pfns in [(2, 0x80, [5, 3, 4, 9]), (3, 0x80, [1, 2, 3, 4, 6]),
                           (1, 0, [0x123456, 0]), (4, 0x81, list(range(20, 0, -1)))]:
        recs = b"".join(struct.pack("<Q", (present | p) if p else p) for p in pfns)
        put("fz_pagemap", bytes([dense, n, 21]) + struct.pack("<Q", 0xffffffff) + recs)


def memtopo():
    def mem(type_, used, kib, base, tag):
        return struct.pack("<BB6xQQ16s", type_, used, kib, base, tag.encode())
    topo = struct.pack("<i4x", 3) + mem(1, 1, 2 << 20, 0, "HP0") + \
        mem(3, 1, 7, 0, "stream") + mem(10, 0, 1 << 20, 0x800000000, "HOST[0]")
    put("fz_memtopo", b"\x00" + topo)
    put("fz_memtopo", b"\x00" + struct.pack("<i4x", 0))
    hdr = bytearray(456)
    hdr[0:8] = b"xclbin2\x00"
    struct.pack_into("<I", hdr, 448, 2)
    secs = struct.pack("<I16sQQ", 0, b"BITSTREAM", 0, 0) + \
        struct.pack("<I16sQQ", 6, b"MEM_TOPOLOGY", 456 + 80, len(topo))
    put("fz_memtopo", b"\x01" + bytes(hdr) + secs + topo)


def iova():
    # struct vfio_iommu_type1_info {argsz, flags, iova_pgsizes (u64), cap_offset, pad}: 24 bytes;
    # cap header {id u16, version u16, next u32}; IOVA_RANGE cap: header, nr_iovas u32, reserved
    # u32, then {start, end} u64 pairs.
    ranges = [(0, 0xfedfffff), (0xfef00000, 0xffffffffffff)]
    cap = struct.pack("<HHIII", 1, 1, 0, len(ranges), 0) + b"".join(
        struct.pack("<QQ", s, e) for s, e in ranges)
    info = struct.pack("<IIQII", 24 + len(cap), 3, 0x40201000, 24, 0) + cap
    ops = bytes([0, 20, 0, 21, 40, 0, 12, 5, 12, 64, 1, 0, 0, 0, 0, 0, 30, 0, 30, 32])
    put("fz_iova", struct.pack("<H", len(info)) + info + struct.pack("<QQ", 0x100000,
                                                                      0xffffffffffff) + b"\x01" + ops)
    put("fz_iova", struct.pack("<H", 24) + struct.pack("<IIQII", 24, 1, 0x1000, 0, 0) +
        struct.pack("<QQ", 0, 0xfffffff) + b"\x00" + ops)


def pool():
    put("fz_pool", bytes([0, 10, 0, 0x80, 0, 200, 8, 0x80, 3, 0, 0, 0, 4, 1, 2, 0, 2, 0, 0, 0,
                          5, 0, 0, 0, 0, 250, 0x40, 0x80, 0, 255, 0x20, 0x45]))
    put("fz_pool", bytes([1, 5, 0x10, 6, 1, 5, 0x10, 6, 1, 5, 0x10, 6, 2, 1, 0, 0, 3, 0, 0, 0]))
    put("fz_pool", bytes([0, 230, 0x48, 0x80] * 8 + [2, 3, 0, 0] * 4))


def main():
    os.chdir(sys.argv[1] if len(sys.argv) > 1 else ".")
    for f in (dtype, slices, options, physmem, sysfs, pagemap, memtopo, iova, pool):
        f()


main()
