"""freebuffer(), close(), the context manager and collection: when memory goes back to plbuf, and
that no array is ever left pointing at memory that went back (the pool would hand it out again)."""
import gc

import numpy as np
import pytest

import plbuf
from plbuf import allocate
from plbuf import _refs


def freebuffer(b):
    # Not inside an assert: pytest's assertion rewriting keeps the bound method b.freebuffer in a
    # variable, a reference to b that plbuf cannot tell from an array's, so the free would wait.
    r = b.freebuffer()
    return r


def test_the_reference_count_baseline_was_calibrated():
    # CPython: immediate frees are on; where the self-test fails freebuffer waits for collection.
    assert _refs.ENABLED


def test_freebuffer_alone_gives_the_memory_back_now(ctx):
    b = allocate(100, "u4", ctx=ctx)
    addr = b.device_address
    assert ctx.live_buffers == 1
    assert freebuffer(b) is True
    assert ctx.live_buffers == 0
    assert b.freed and b.shape == (0,) and b.size == 0  # the root no longer points at the memory
    with pytest.raises(BufferError, match="freed"):
        b.device_address
    with pytest.raises(BufferError, match="freed"):
        b.flush()
    with pytest.raises(IndexError):
        b[0]
    assert freebuffer(b) is True  # twice is harmless
    assert allocate(100, "u4", ctx=ctx).device_address == addr  # the pool has it again


def test_freebuffer_with_a_live_view_waits_for_it(ctx):
    b = allocate(100, "u4", ctx=ctx)
    b[:] = 7
    v = b[10:20]
    addr = b.device_address
    assert b.freebuffer() is False
    assert b.freed and v.freed
    with pytest.raises(BufferError, match="freed"):
        v.device_address  # a freed buffer has no address for the IP, in any view
    with pytest.raises(BufferError, match="freed"):
        v.invalidate()
    # The memory is still the view's: a new allocation cannot land on it.
    n = allocate(100, "u4", ctx=ctx)
    assert n.device_address != addr
    n[:] = 1
    assert (v == 7).all() and (b == 7).all()
    assert ctx.live_buffers == 2
    del v
    assert ctx.live_buffers == 2  # b itself still reaches it
    del b
    assert ctx.live_buffers == 1
    assert allocate(100, "u4", ctx=ctx).device_address == addr


@pytest.mark.parametrize("holder", ["plain view", "memoryview", "ctypes", "list", "frombuffer",
                                    "buffer view"])
def test_anything_that_reaches_the_memory_keeps_it(ctx, holder):
    b = allocate(64, "u1", ctx=ctx)
    b[:] = 3
    addr = b.device_address
    if holder == "plain view":
        h = np.asarray(b)[8:]
    elif holder == "memoryview":
        h = memoryview(b)
    elif holder == "ctypes":
        h = (np.ctypeslib.as_ctypes_type(np.uint8) * 64).from_buffer(b)
    elif holder == "list":
        h = [b]
    elif holder == "frombuffer":
        h = np.frombuffer(b, "u4")
    else:
        h = b.reshape(8, 8).T
    assert b.freebuffer() is False
    del b
    gc.collect()
    assert ctx.live_buffers == 1
    other = allocate(64, "u1", ctx=ctx)
    assert other.device_address != addr
    other[:] = 9
    assert (np.asarray(h if holder != "list" else h[0]).view("u1") == 3).all()
    del h
    gc.collect()
    assert ctx.live_buffers == 1


def test_a_temporary_and_a_local_name_free_at_once(ctx):
    allocate(16, ctx=ctx).freebuffer()
    assert ctx.live_buffers == 0

    def work():
        buf = allocate(16, ctx=ctx)
        buf[:] = 1
        buf.flush()
        return buf.freebuffer()
    assert work() is True and ctx.live_buffers == 0


class Holder:
    pass


def test_attribute_and_global_names(ctx):
    h = Holder()
    h.buf = allocate(16, ctx=ctx)
    h.buf.freebuffer()  # an attribute of a variable: self.buf.freebuffer() frees at once
    assert h.buf.freed and h.buf.size == 0 and ctx.live_buffers == 0
    h.bufs = [allocate(16, ctx=ctx)]
    h.bufs[0].freebuffer()  # in a list: not looked into, so it waits for the list
    assert h.bufs[0].freed and ctx.live_buffers == 1
    del h.bufs
    assert ctx.live_buffers == 0
    g = globals()
    g["GLOBAL_BUF"] = allocate(16, ctx=ctx)
    r = GLOBAL_BUF.freebuffer()  # noqa: F821 - a module variable is a name
    assert r is True
    del g["GLOBAL_BUF"]
    assert ctx.live_buffers == 0


def test_freebuffer_on_a_view_frees_the_allocation_when_the_arrays_are_gone(ctx):
    b = allocate((4, 4), ctx=ctx)
    r = b[1]
    assert r.freebuffer() is False  # as in PYNQ, it frees the whole allocation...
    with pytest.raises(BufferError, match="freed"):
        b.device_address
    del b, r  # ...once nothing reaches it
    assert ctx.live_buffers == 0


def test_close_is_freebuffer(ctx):
    b = allocate(16, ctx=ctx)
    r = b.close()
    assert r is True and b.freed and ctx.live_buffers == 0


def test_with_frees_at_the_end_of_the_block(ctx):
    with allocate(16, "u4", ctx=ctx) as b:
        b[:] = 2
        b.flush()
        assert ctx.live_buffers == 1
    assert b.freed and b.shape == (0,) and ctx.live_buffers == 0
    with allocate(16, "u4", ctx=ctx) as b:
        keep = b[4:]
    assert b.freed and ctx.live_buffers == 1  # the view outlives the block: memory waits
    keep[:] = 5  # and stays valid
    del keep, b
    assert ctx.live_buffers == 0
    with pytest.raises(ZeroDivisionError):
        with allocate(16, ctx=ctx):
            1 / 0
    assert ctx.live_buffers == 0


def test_collection_frees(ctx):
    b = allocate(1000, ctx=ctx)
    v = b[::3]
    del b
    assert ctx.live_buffers == 1
    del v
    assert ctx.live_buffers == 0
    lst = [allocate(10, ctx=ctx) for _ in range(50)]
    lst.append(lst)  # a cycle: the cyclic collector frees it
    del lst
    gc.collect()
    assert ctx.live_buffers == 0


def test_copies_cannot_be_freed(ctx):
    b = allocate(4, ctx=ctx)
    f = b[[0, 1]]
    with pytest.raises(BufferError, match="copy"):
        f.freebuffer()


def test_closing_a_context_waits_for_its_buffers():
    ctx = plbuf.Context("sim", "coherent=0")
    name = ctx.sim_name
    b = allocate(16, "u1", ctx=ctx)
    b[:] = 4
    assert ctx.close() is False and not ctx.closed  # closing, not closed: b is still there
    with pytest.raises(ValueError, match="closing"):
        allocate(1, ctx=ctx)
    b.flush()
    with plbuf.sim.attach(name) as dev:
        assert dev.read(b.device_address, 16) == b"\x04" * 16
    del b
    assert ctx.closed  # the last buffer closed it
    with pytest.raises(FileNotFoundError):
        plbuf.sim.attach(name)  # the sim memory file is gone
    assert ctx.close() is True
    with plbuf.Context("sim") as c2:
        pass
    assert c2.closed


def test_references_that_only_look_like_variables_still_wait(ctx):
    # The root reached through a view (no variable holds it): the view's reference is not a name.
    v = allocate(64, "u1", ctx=ctx)[8:]
    v[:] = 1
    r = v.base.freebuffer()
    assert r is False and (v == 1).all()
    p = np.asarray(allocate(64, "u1", ctx=ctx))
    r = p.base.freebuffer()
    assert r is False and p.size == 64 and not p.flags.owndata
    # A closure's cell is one reference, seen from two frames: counted once.
    b = allocate(64, "u1", ctx=ctx)
    keep = b[1:]

    def inner():
        r = b.freebuffer()
        return r
    assert inner() is False
    keep[:] = 2
    del keep, v, p, b, inner
    gc.collect()
    assert ctx.live_buffers == 0


def test_passing_a_buffer_down_frees_at_once(ctx):
    def cleanup(buf):
        return buf.freebuffer()

    def middle(x):
        return cleanup(x)
    b = allocate(64, "u1", ctx=ctx)
    r = middle(b)  # three frames of variables, no array
    assert r is True and ctx.live_buffers == 0 and b.size == 0


def test_the_memory_is_never_reused_under_a_live_array(ctx):
    # Whatever the order of frees, a live array's bytes are never handed out again.
    import random
    rnd = random.Random(5)
    live = []
    for i in range(300):
        b = allocate(rnd.choice([16, 64, 300, 4096]), "u1", ctx=ctx)
        b[:] = i % 251
        kind = rnd.randrange(4)
        if kind == 0:
            live.append((i % 251, b[rnd.randrange(b.size):]))
            b.freebuffer()
        elif kind == 1:
            live.append((i % 251, memoryview(b)))
            b.freebuffer()
        elif kind == 2:
            live.append((i % 251, b))
        else:
            b.freebuffer()
        del b
        if rnd.random() < 0.3 and live:
            live.pop(rnd.randrange(len(live)))
    for val, arr in live:
        assert (np.asarray(arr) == val).all()
