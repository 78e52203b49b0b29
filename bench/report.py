#!/usr/bin/python3
"""bench/report.py RESULTS.csv MACHINE.txt [--docs docs/benchmarks.md] [--img docs/img]

Turns bench/run.sh's CSV into markdown tables (every figure beside its peer from the same run, with
the ratio) and PNG plots (gnuplot, bench/plot.gp).  Prints the markdown; with --docs, also puts it
between the <!-- bench:begin --> and <!-- bench:end --> lines of that file.
"""
import csv
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ALLOC = ["plbuf-sim", "plbuf-hugepage", "dpdk-malloc", "dpdk-memzone", "glibc", "kernel"]
SMALL = 64 << 10
LARGE = 2 << 20


def load(path):
    rows = {}
    for r in csv.DictReader(open(path)):
        key = (r["bench"], r["contender"], r["op"], int(r["size"]), r["state"], int(r["threads"]))
        for k in ("p50", "p99", "mean"):
            r[k] = float(r[k])
        rows[key] = r
    return rows


def ns(v):
    if v is None:
        return "-"
    if v < 1000:
        return "%.1f ns" % v if v < 100 else "%.0f ns" % v
    if v < 1e6:
        return "%.1f µs" % (v / 1e3)
    return "%.2f ms" % (v / 1e6)


def size(b):
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if b >= 1 << shift and b % (1 << shift) == 0:
            return "%d %s" % (b >> shift, unit)
    return "%d B" % b


def ratio(a, b):
    if a is None or not b:
        return "-"
    r = a / b
    return "%.2f×" % r if r >= 0.01 else "%.2g×" % r


class Report:
    def __init__(self, rows):
        self.rows = rows
        self.out = []

    def get(self, bench, contender, op, sz, state="warm", threads=1, field="p50"):
        r = self.rows.get((bench, contender, op, sz, state, threads))
        return r[field] if r else None

    def sizes(self, bench, state):
        return sorted({k[3] for k in self.rows if k[0] == bench and k[4] == state})

    def line(self, s=""):
        self.out.append(s)

    def table(self, head, body):
        self.line("| " + " | ".join(head) + " |")
        self.line("|" + "|".join("---:" if i else ":---" for i in range(len(head))) + "|")
        for b in body:
            self.line("| " + " | ".join(b) + " |")
        self.line()

    # ------------------------------------------------------------------ allocation
    def alloc(self, state, field):
        present = [c for c in ALLOC if any(k[1] == c and k[0] == "alloc" for k in self.rows)]
        body = []
        for sz in self.sizes("alloc", state):
            v = {c: self.get("alloc", c, "alloc+free", sz, state, 1, field) for c in present}
            hp = v.get("plbuf-hugepage")
            # glibc's ratio only where its memory could stand in (small, warm); the kernel's only
            # where it is the limit (whole hugepages).
            body.append([size(sz)] + [ns(v[c]) for c in present] +
                        [ratio(hp, v.get("dpdk-malloc")), ratio(hp, v.get("dpdk-memzone")),
                         ratio(hp, v.get("glibc")) if sz <= SMALL else "-",
                         ratio(hp, v.get("kernel")) if sz >= LARGE else "-"])
        head = ["size"] + present + ["hugepage / dpdk-malloc", "hugepage / memzone",
                                     "hugepage / glibc", "hugepage / kernel"]
        self.table(head, body)

    def worst(self, a, b, sizes, state="warm"):
        """Largest ratio a/b over sizes, and the size where it is."""
        best = None
        for sz in sizes:
            x = self.get("alloc", a, "alloc+free", sz, state)
            y = self.get("alloc", b, "alloc+free", sz, state)
            if x is not None and y:
                if best is None or x / y > best[0]:
                    best = (x / y, sz)
        return best

    def targets(self):
        small = [s for s in self.sizes("alloc", "warm") if s <= SMALL]
        large = [s for s in self.sizes("alloc", "warm") if s >= LARGE]
        body = []

        def add(what, r, limit, how):
            if r is None:
                body.append([what, "not measured", limit, "gap: " + how])
                return
            met = r[0] <= float(limit.split("×")[0].lstrip("≤ "))
            body.append([what, "%.2f× (worst at %s)" % (r[0], size(r[1])), limit,
                         "met" if met else "**not met**"])

        for plb in ("plbuf-hugepage", "plbuf-sim"):
            add("small ≤ 64 KiB warm p50: %s / dpdk-malloc" % plb,
                self.worst(plb, "dpdk-malloc", small), "≤ 0.5×", "no DPDK rows")
            add("small ≤ 64 KiB warm p50: %s / glibc" % plb, self.worst(plb, "glibc", small),
                "≤ 3×", "no rows")
        add("large ≥ 2 MiB warm p50: plbuf-hugepage / kernel",
            self.worst("plbuf-hugepage", "kernel", large), "≤ 1.15×", "no hugepage rows")
        add("large ≥ 2 MiB cold p50: plbuf-hugepage / kernel",
            self.worst("plbuf-hugepage", "kernel",
                       [s for s in self.sizes("alloc", "cold") if s >= LARGE], "cold"),
            "≤ 1.15×", "no hugepage rows")
        for c in ("plbuf-hugepage", "plbuf-sim"):
            v = self.get("addr", c, "plbuf_device_address", 4096)
            body.append(["plbuf_device_address (%s)" % c, ns(v), "≤ 5 ns",
                         "-" if v is None else "met" if v <= 5 else "**not met**"])
        for c in ("plbuf-hugepage", "plbuf-sim"):
            for sz in (64, 4096):
                one = self.get("threads", c, "alloc+free", sz, "warm", 1)
                two = self.get("threads", c, "alloc+free", sz, "warm", 2)
                c1 = self.get("threads", c, "alloc+free per CPU", sz, "warm", 1)
                c2 = self.get("threads", c, "alloc+free per CPU", sz, "warm", 2)
                paired = self.get("threads", c, "2/1 paired", sz, "warm", 2)
                if one and two:
                    sc = paired if paired else two / one
                    note = " (per CPU-second: %.2f×)" % (c2 / c1) if c1 and c2 else ""
                    body.append(["2 threads / 1 thread, %s, %s" % (c, size(sz)),
                                 "%.2f×%s" % (sc, note), "≥ 1.5×",
                                 "met" if sc >= 1.5 else "**not met**"])
        for c in ("plbuf-sim", "plbuf-hugepage"):
            for state in ("cold", "warm"):
                v = self.get("open", c, "plbuf_open", 0, state)
                if v is not None:
                    body.append(["plbuf_open (%s, %s)" % (c, state), ns(v), "≤ 1 ms",
                                 "met" if v <= 1e6 else "**not met**"])
        py = [(k, r) for k, r in self.rows.items() if k[0] == "python"
              and k[1].startswith("plbuf-py")]
        if py:
            k, r = max(py, key=lambda kr: kr[1]["p50"])
            body.append(["Python allocate+free p50 (worst: %s, %s, %s)" % (k[1], k[2], size(k[3])),
                         ns(r["p50"]), "≤ 10 µs", "met" if r["p50"] <= 1e4 else "**not met**"])
        else:
            body.append(["Python allocate+free", "not measured", "≤ 10 µs",
                         "gap: bench/py_alloc.py did not run"])
        self.table(["target (issue 6)", "measured", "limit", ""], body)

    def misc(self):
        self.line("### Device-address lookup (p50 per call)")
        self.line()
        body = []
        ref = self.get("addr", "dpdk-malloc", "rte_malloc_virt2iova", 4096)
        for (b, c, op, sz, st, th), r in sorted(self.rows.items()):
            if b == "addr":
                body.append([c, "`%s`" % op, ns(r["p50"]), ns(r["p99"]), ratio(r["p50"], ref)])
        self.table(["contender", "call", "p50", "p99", "/ rte_malloc_virt2iova"], body)

        self.line("### Opening a context")
        self.line()
        body = []
        ref = self.get("open", "dpdk", "rte_eal_init", 0, "cold")
        for (b, c, op, sz, st, th), r in sorted(self.rows.items()):
            if b == "open":
                body.append([c, "`%s`" % op, st, ns(r["p50"]), ns(r["p99"]),
                             ratio(r["p50"], ref) if op != "plbuf_close" else "-"])
        self.table(["contender", "call", "state", "p50", "p99 (cold: slowest)",
                    "/ rte_eal_init"], body)

        self.line("### Flush / invalidate of a whole buffer, sim non-coherent (GB/s, median; "
                  "DMA-API checker off / on)")
        self.line()
        body = []
        ops = ("flush (clean)", "flush (dirty)", "invalidate")
        for sz in self.sizes("sync", "warm"):
            m = self.get("sync", "memcpy", "memcpy", sz)
            row = [size(sz)]
            for op in ops:
                off = self.get("sync", "plbuf-sim", op, sz)
                on = self.get("sync", "plbuf-sim-checked", op, sz)
                row.append("-" if off is None or on is None else "%.1f / %.1f" % (off, on))
            if m is None:
                continue
            body.append(row + ["%.1f" % m])
        self.table(["size"] + list(ops) + ["memcpy"], body)
        body = []
        for (b, c, op, sz, st, th), r in sorted(self.rows.items()):
            if b == "sync" and r["unit"] == "ns":
                body.append([c, op, ns(r["p50"]), ns(r["p99"])])
        if body:
            self.line("Flush of a coherent buffer (a fence, no system call):")
            self.line()
            self.table(["contender", "op", "p50", "p99"], body)

        self.line("### One thread against two (allocate+free pairs, Mops/s, median of 15)")
        self.line()
        self.line("\"per CPU-second\" divides by the CPU time the threads got rather than by the "
                  "wall clock: 1.00× there means no contention inside the allocator, whatever "
                  "other work on the machine took from the second CPU (in a virtual machine, "
                  "time the hypervisor stole still counts as the threads' CPU time).")
        self.line()
        body = []
        for c in ("plbuf-sim", "plbuf-hugepage", "glibc", "dpdk-malloc"):
            for sz in (64, 4096):
                one = self.get("threads", c, "alloc+free", sz, "warm", 1)
                two = self.get("threads", c, "alloc+free", sz, "warm", 2)
                c1 = self.get("threads", c, "alloc+free per CPU", sz, "warm", 1)
                c2 = self.get("threads", c, "alloc+free per CPU", sz, "warm", 2)
                paired = self.get("threads", c, "2/1 paired", sz, "warm", 2)
                if one:
                    body.append([c, size(sz), "%.1f" % one, "%.1f" % two if two else "-",
                                 "%.2f×" % paired if paired else ratio(two, one),
                                 ratio(c2, c1)])
        self.table(["contender", "size", "1 thread", "2 threads",
                    "2 / 1 (wall clock, median of paired runs)", "2 / 1 per CPU-second"], body)

        self.line("### Python allocate+free (p50 / p99 per round)")
        self.line()
        body = []
        for (b, c, op, sz, st, th), r in sorted(self.rows.items()):
            if b == "python":
                ref = self.get("python", "numpy-empty", "alloc+free (del)", sz)
                body.append([c, op, size(sz), ns(r["p50"]), ns(r["p99"]), ratio(r["p50"], ref)])
        self.table(["contender", "op", "size", "p50", "p99", "/ numpy.empty"], body)

    # ------------------------------------------------------------------ plots
    def plots(self, imgdir, datadir):
        os.makedirs(datadir, exist_ok=True)
        made = {}
        for state in ("warm", "cold"):
            names = []
            for c in ALLOC:
                pts = [(sz, self.get("alloc", c, "alloc+free", sz, state),
                        self.get("alloc", c, "alloc+free", sz, state, 1, "p99"))
                       for sz in self.sizes("alloc", state)]
                pts = [p for p in pts if p[1] is not None]
                if pts:
                    with open(os.path.join(datadir, "%s_%s.dat" % (state, c)), "w") as f:
                        for p in pts:
                            f.write("%d %g %g\n" % p)
                    names.append(c)
            made[state] = names
        sync = []
        for c, op in (("plbuf-sim", "flush (clean)"), ("plbuf-sim", "flush (dirty)"),
                      ("plbuf-sim", "invalidate"), ("plbuf-sim-checked", "invalidate"),
                      ("memcpy", "memcpy")):
            pts = [(sz, self.get("sync", c, op, sz)) for sz in self.sizes("sync", "warm")]
            pts = [p for p in pts if p[1] is not None]
            if pts:
                # gnuplot's word() splits on spaces: "plbuf-sim-flush-clean"
                name = op if c == "memcpy" else c + "-" + \
                    op.replace(" (", "-").replace(")", "")
                with open(os.path.join(datadir, "sync_%s.dat" % name), "w") as f:
                    for p in pts:
                        f.write("%d %g\n" % p)
                sync.append(name)
        os.makedirs(imgdir, exist_ok=True)
        cmd = ["gnuplot", "-e", "datadir='%s'; imgdir='%s'; warm='%s'; cold='%s'; sync='%s'"
               % (datadir, imgdir, " ".join(made["warm"]), " ".join(made["cold"]),
                  " ".join(sync)), os.path.join(HERE, "plot.gp")]
        try:
            subprocess.run(cmd, check=True)
        except (OSError, subprocess.CalledProcessError) as e:
            print("report: gnuplot failed (%s): no plots" % e, file=sys.stderr)
            return []
        return ["alloc_warm.png", "alloc_cold.png", "sync.png"]


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    rows = load(argv[1])
    machine = open(argv[2]).read().strip().splitlines()
    docs = argv[argv.index("--docs") + 1] if "--docs" in argv else None
    img = argv[argv.index("--img") + 1] if "--img" in argv else None
    r = Report(rows)
    r.line("Generated by `bench/run.sh` (bench/report.py) from `bench/out/results.csv`.")
    r.line()
    r.line("Machine:")
    r.line()
    for m in machine:
        r.line("- " + m)
    r.line()
    r.line("### Targets")
    r.line()
    r.targets()
    r.line("### Allocate+free, warm, p50")
    r.line()
    r.line("Each ratio column compares plbuf's hugepage backend with a peer measured in the same "
           "run (below 1× plbuf is faster).")
    r.line()
    r.alloc("warm", "p50")
    r.line("### Allocate+free, warm, p99")
    r.line()
    r.alloc("warm", "p99")
    r.line("### Allocate+free, cold (first in a fresh process), p50 of 7")
    r.line()
    r.alloc("cold", "p50")
    r.misc()
    if img:
        pngs = r.plots(img, os.path.join(os.path.dirname(argv[1]), "plot"))
        if pngs:
            r.line("### Plots")
            r.line()
            rel = os.path.relpath(img, os.path.dirname(docs)) if docs else img
            for p in pngs:
                r.line("![%s](%s/%s)" % (p[:-4], rel, p))
                r.line()
    text = "\n".join(r.out).rstrip() + "\n"
    print(text)
    if docs:
        doc = open(docs).read()
        a, b = "<!-- bench:begin -->", "<!-- bench:end -->"
        if a in doc and b in doc:
            doc = doc[:doc.index(a) + len(a)] + "\n" + text + doc[doc.index(b):]
        else:
            doc = doc.rstrip() + "\n\n" + a + "\n" + text + b + "\n"
        open(docs, "w").write(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
