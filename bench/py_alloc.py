#!/usr/bin/python3
"""Python allocate + free latency through the plbuf binding (issue 6's target: p50 <= 10 us).

Usage: PYTHONPATH=python bench/py_alloc.py [--backend sim] [--options "coherent=1"]
           [--iterations 10000] [--sizes 64,4096,65536,1048576] [--dtype u1]

For each size, times N rounds of each way of freeing, one round at a time with perf_counter_ns:
  del         b = allocate(n); del b                 (freed when the last reference goes)
  freebuffer  b = allocate(n); b.freebuffer()        (PYNQ's explicit free)
  with        with allocate(n) as b: pass
and prints p50 / p99 / max in microseconds.  The garbage collector stays on, as in a program.
The library is the one plbuf finds: $PLBUF_LIBRARY, build/libplbuf.so, or the installed one.
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))

import plbuf  # noqa: E402
from plbuf import allocate  # noqa: E402


def rounds_del(n, dtype, ctx, count):
    out = []
    clock = time.perf_counter_ns
    for _ in range(count):
        t = clock()
        b = allocate(n, dtype, ctx=ctx)
        del b
        out.append(clock() - t)
    return out


def rounds_freebuffer(n, dtype, ctx, count):
    out = []
    clock = time.perf_counter_ns
    for _ in range(count):
        t = clock()
        b = allocate(n, dtype, ctx=ctx)
        b.freebuffer()
        out.append(clock() - t)
    return out


def rounds_with(n, dtype, ctx, count):
    out = []
    clock = time.perf_counter_ns
    for _ in range(count):
        t = clock()
        with allocate(n, dtype, ctx=ctx):
            pass
        out.append(clock() - t)
    return out


def pct(sorted_ns, p):
    return sorted_ns[min(len(sorted_ns) - 1, int(len(sorted_ns) * p))] / 1000.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--backend", default="sim")
    ap.add_argument("--options", default=None)
    ap.add_argument("--iterations", type=int, default=10000)
    ap.add_argument("--sizes", default="64,4096,65536,1048576")
    ap.add_argument("--dtype", default="u1")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    ctx = plbuf.Context(args.backend, args.options)
    print("plbuf %s (%s), backend %s%s, %d rounds per row, times in us"
          % (plbuf.library_version(), plbuf.library_path, ctx.backend,
             " (%s)" % args.options if args.options else "", args.iterations))
    print("%-9s %-11s %8s %8s %8s" % ("bytes", "free by", "p50", "p99", "max"))
    itemsize = plbuf.dtype_info(args.dtype)["itemsize"]
    for size in sizes:
        for name, fn in (("del", rounds_del), ("freebuffer", rounds_freebuffer),
                         ("with", rounds_with)):
            n = max(1, size // itemsize)
            fn(n, args.dtype, ctx, min(1000, args.iterations))  # warm the pool and the caches
            t = sorted(fn(n, args.dtype, ctx, args.iterations))
            print("%-9d %-11s %8.2f %8.2f %8.2f" % (size, name, pct(t, 0.5), pct(t, 0.99),
                                                    t[-1] / 1000.0))
    ctx.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
