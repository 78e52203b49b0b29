#!/usr/bin/python3
"""Prints what numpy does for each case of a slice corpus (see tests/slice_corpus.txt for the
format), one line per case, for tests/t_slice_numpy.c to compare with plbuf's own results:

    LINENO OK SHAPE STRIDES OFFSET     e.g. "12 OK 2,4 -32,4 36", "13 OK () () 8"
    LINENO ERR Type: message           numpy raised, or reshape would have copied

Strides and offsets are in bytes for 4-byte items; the offset is that of the result's first
element from the first element of the base array the case starts from."""
import re
import sys

import numpy as np

ITEMSIZE = 4
SRC_RE = re.compile(r"^\s*(\(\)|[-0-9, ]*?)\s*(T)?\s*(?:\[(.*)\])?\s*$")


class Capture:
    """c[...] returns the index object exactly as Python parses the brackets."""

    def __getitem__(self, key):
        return key


NAMES = {"__builtins__": {}, "c": Capture(), "np": np, "numpy": np,
         "newaxis": np.newaxis, "Ellipsis": Ellipsis}


def parse_shape(text):
    text = text.strip()
    if text == "()":
        return ()
    return tuple(int(x) for x in text.split(",") if x.strip())


def index_of(text):
    # An empty index means a[()], which Python cannot spell as "a[]".
    if text.strip() == "":
        return ()
    return eval("c[" + text + "]", NAMES)


def view(arr, text):
    """arr[text] as an array view: a scalar result is redone with '...' so that it stays a view."""
    idx = index_of(text)
    r = arr[idx]
    if not isinstance(r, np.ndarray):
        idx = idx if isinstance(idx, tuple) else (idx,)
        r = arr[idx + (Ellipsis,)]
    return r


def is_view_of(r, base):
    b = r.base
    while b is not None:
        if b is base:
            return True
        b = b.base
    return False


def source(text):
    m = SRC_RE.match(text)
    if not m:
        raise SyntaxError("bad source: " + text)
    base = np.zeros(parse_shape(m.group(1)), np.int32)
    arr = base.T if m.group(2) else base
    if m.group(3) is not None:
        arr = view(arr, m.group(3))
    return base, arr


def csv(t):
    return ",".join(str(x) for x in t) if len(t) else "()"


def run_case(line):
    if line.startswith("R "):
        src, order, newshape = line[2:].split("|", 2)
        base, arr = source(src)
        order = order.strip()
        r = arr.reshape(parse_shape(newshape), order=order)
        if not is_view_of(r, base):
            return "ERR copy: numpy would copy"
    else:
        src, text = line.split("|", 1)
        base, arr = source(src)
        r = view(arr, text)
    off = r.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return "OK %s %s %d" % (csv(r.shape), csv(r.strides), off)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            try:
                out = run_case(line)
            except Exception as e:  # numpy's verdict, whatever it is
                out = "ERR %s: %s" % (type(e).__name__, str(e).replace("\n", " "))
            print(n, out)


if __name__ == "__main__":
    main()
