"""flush / invalidate move exactly the bytes an array spans, seen from the sim device.

The contexts are non-coherent with 16-byte cache lines: the CPU writes into its own "cache" and
only flush() copies lines to the device's DRAM; invalidate() copies them back.  Buffers of shape
(8, 4, 4) u4 have 64-byte rows of four 16-byte cells, so that a column b[:, 1] spans device bytes
[16, 480) with both ends on line boundaries: the span is then exactly observable."""
import numpy as np
import pytest

from plbuf import allocate

ROW, CELL, N = 64, 16, 512


def fresh(ctx, dev):
    b = allocate((8, 4, 4), "u4", zero=True, ctx=ctx)
    assert dev.read(b.device_address, N) == bytes(N)
    return b


def device_bytes(dev, b):
    return np.frombuffer(dev.read(b.device_address, N), "u1")


def changed(dev, b):
    """[lo, hi) of the device bytes that are not zero."""
    nz = np.flatnonzero(device_bytes(dev, b))
    return (int(nz[0]), int(nz[-1]) + 1) if len(nz) else None


def test_the_device_sees_stale_data_until_flush(ctx, dev):
    b = fresh(ctx, dev)
    assert not b.coherent
    b[:] = 7
    assert changed(dev, b) is None  # still in the CPU's cache
    b.flush()
    assert (device_bytes(dev, b).view("u4") == 7).all()


def test_the_cpu_sees_stale_data_until_invalidate(ctx, dev):
    b = fresh(ctx, dev)
    b[:] = 1
    b.sync_to_device()
    dev.write(b.device_address, np.full(128, 9, "u4"))
    assert (b == 1).all()  # the CPU's cached copy
    b.sync_from_device()
    assert (b == 9).all()


@pytest.mark.parametrize("view", ["b[:, 1]", "b[::-1, 1]", "b[:, 1, ::-1]", "b[::-1, 1, ::-2]"])
def test_a_strided_view_flushes_its_whole_span(ctx, dev, view):
    b = fresh(ctx, dev)
    v = eval(view)
    b[:] = 0x03030303  # no zero byte: changed() sees every byte written
    v.flush()
    # From its lowest to its highest byte: every row's cell 1 reached the device.  (PYNQ flushes
    # nbytes = 128 from the first element: rows 2..7 would still be stale.)
    assert changed(dev, b) == (CELL, 7 * ROW + 2 * CELL)
    assert (np.frombuffer(dev.read(b.device_address, N), "u4").reshape(8, 4, 4)[:, 1] == 0x03030303).all()


def test_views_flush_only_their_span(ctx, dev):
    cases = [("b[2]", (2 * ROW, 3 * ROW)),
             ("b[2:4]", (2 * ROW, 4 * ROW)),
             ("b[5, 2]", (5 * ROW + 2 * CELL, 5 * ROW + 3 * CELL)),
             ("b.reshape(32, 4)[4:8]", (4 * CELL, 8 * CELL)),
             ("b.reshape(-1)[::-1][:16]", (N - 64, N)),
             ("b.T", (0, N)),
             ("b", (0, N))]
    for view, span in cases:
        b = fresh(ctx, dev)
        v = eval(view)
        b[:] = 0x05050505
        v.sync_to_device()
        assert changed(dev, b) == span, view
        b.freebuffer()


def test_views_invalidate_only_their_span(ctx, dev):
    b = fresh(ctx, dev)
    b[:] = 1
    b.flush()
    dev.write(b.device_address, np.full(128, 2, "u4"))
    b[::-1, 1].invalidate()
    assert (b[:, 1] == 2).all()  # PYNQ would refresh only 128 bytes: rows 0..1
    got = b.view("u1").reshape(-1)
    # Bytes in [16, 480) come from the device, the others are still the CPU's.
    flat = b.reshape(-1)
    assert (flat[:4] == 1).all() and (flat[4:120] == 2).all() and (flat[120:] == 1).all()
    assert got.size == N


def test_sync_on_coherent_memory_is_a_no_op_that_still_works(cctx):
    d = cctx.device()
    b = allocate(16, "u4", ctx=cctx)
    b[:] = 4
    assert np.frombuffer(d.read(b.device_address, 64), "u4").tolist() == [4] * 16  # no flush
    b[3:9:2].flush()
    b.T.invalidate()
    d.write(b.device_address, b"\x01\x00\x00\x00")
    assert b[0] == 1
