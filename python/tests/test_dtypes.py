"""Every dtype string of the C dtype corpus (tests/dtype_corpus.txt) gives, through plbuf, the
array numpy.ndarray((2,), s) would have; strings numpy rejects or plbuf rejects (objects, and
dtypes that make an array of no bytes: a DMA buffer holds at least one) raise, and never crash
the process: numpy itself dies on some, so numpy's verdict comes from tests/dtype_numpy.py, which
asks it in a forked child."""
import importlib.util
import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import plbuf
from plbuf import allocate

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CORPUS = os.path.join(TOP, "tests", "dtype_corpus.txt")
ORACLE = os.path.join(TOP, "tests", "dtype_numpy.py")
BIG = 64 << 20  # larger items than this are checked for size only: the test bank is small


def oracle():
    spec = importlib.util.spec_from_file_location("dtype_numpy", ORACLE)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    raws = mod.read_corpus(CORPUS)
    out = subprocess.run([sys.executable, ORACLE, CORPUS], capture_output=True, text=True,
                         check=True, timeout=600).stdout
    verdicts = [ln for ln in out.split("\n") if ln and not ln.startswith("#")]
    assert len(verdicts) == len(raws)
    return raws, verdicts


def test_corpus_gives_numpys_dtypes(cctx):
    if not os.path.exists(CORPUS) or not os.path.exists(ORACLE):
        pytest.skip("tests/dtype_corpus.txt or tests/dtype_numpy.py is missing")
    raws, verdicts = oracle()
    bad = []
    counts = {"same": 0, "raised": 0, "size only": 0}
    warnings.simplefilter("ignore")  # numpy's FutureWarning / DeprecationWarning on odd strings
    for raw, verdict in zip(raws, verdicts):
        s = raw.decode("utf-8", "surrogateescape")
        try:
            c_ok = plbuf.dtype_info(s)
        except (ValueError, UnicodeEncodeError):
            c_ok = None
        if verdict.startswith("ERR") or c_ok is None:
            try:
                b = allocate((2,), s, ctx=cctx)
            except Exception:
                counts["raised"] += 1
                continue
            bad.append("%r: numpy says %r, plbuf C says %s, but allocate gave %s %s"
                       % (s, verdict, "ok" if c_ok else "no", b.dtype, b.shape))
            continue
        ref = np.dtype(s)  # numpy accepted it in the oracle's child: safe here
        if c_ok["itemsize"] != ref.itemsize:
            bad.append("%r: C itemsize %d, numpy %d" % (s, c_ok["itemsize"], ref.itemsize))
            continue
        if 2 * ref.itemsize > BIG:
            counts["size only"] += 1
            continue
        try:
            want = np.ndarray((2,), s)
        except ValueError:  # e.g. more than 32 dimensions with the dtype's own
            want = None
        if want is not None and want.nbytes == 0:
            want = None  # S0, "0i4": plbuf refuses buffers without a byte
        try:
            b = allocate((2,), s, ctx=cctx)
        except Exception as e:
            if want is None:
                counts["raised"] += 1
            else:
                bad.append("%r: allocate raised %s: %s" % (s, type(e).__name__, e))
            continue
        if want is None:
            bad.append("%r: numpy.ndarray((2,), s) raises, allocate gave %s" % (s, b.shape))
            continue
        if (b.dtype != want.dtype or b.dtype.str != want.dtype.str or b.shape != want.shape
                or b.strides != want.strides or b.dtype.descr != want.dtype.descr
                or b.nbytes != want.nbytes):
            bad.append("%r: plbuf %s %s, numpy %s %s" % (s, b.dtype, b.shape, want.dtype,
                                                        want.shape))
        else:
            counts["same"] += 1
        b.freebuffer()
    print("dtype corpus: %(same)d same as numpy, %(raised)d raised, %(size only)d too large "
          "(size checked)" % counts)
    assert not bad, "\n".join(bad)
    assert counts["same"] > 100 and counts["raised"] > 50


@pytest.mark.parametrize("s", ["u4", "<u4", ">f8", "|b1", "c16", "M8[ns]", "m8[us]", "<U5",
                               "S7", "V12", "(2,3)f4", "i4,f8", "(2)u1,>i2", "float32", "int16",
                               "uint8", "double", "bool", "e", "g", "q"])
def test_common_strings(ctx, s):
    want = np.ndarray((3,), s)
    b = allocate(3, s, ctx=ctx)
    assert (b.dtype, b.shape, b.strides) == (want.dtype, want.shape, want.strides)
    assert plbuf.dtype_info(s)["str"] == np.dtype(s).str


@pytest.mark.parametrize("s", ["O", "i4,O", "xyz", "", "u4\0", "(2,)O", "M8[s/0]"])
def test_rejected_strings_raise_valueerror(ctx, s):
    with pytest.raises(ValueError):
        allocate(3, s, ctx=ctx)
    assert ctx.live_buffers == 0


def test_dtype_objects(ctx):
    for dt in (np.uint16, np.dtype("<f4"), np.float64, int, float, complex, bool, np.bytes_,
               np.dtype(">c8"), np.dtype("datetime64[ms]")):
        if dt is np.bytes_:
            with pytest.raises(ValueError):  # S0: no size
                allocate(2, dt, ctx=ctx)
            continue
        assert allocate(2, dt, ctx=ctx).dtype == np.dtype(dt)
    with pytest.raises(ValueError, match="objects"):
        allocate(2, object, ctx=ctx)
    with pytest.raises(ValueError, match="objects"):
        allocate(2, np.dtype([("a", "O")]), ctx=ctx)
