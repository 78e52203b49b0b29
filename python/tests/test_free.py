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


def test_freebuffer_with_live_buffer_views_gives_the_memory_back_now(ctx):
    b = allocate(100, "u4", ctx=ctx)
    b[:] = 7
    v = b[10:20]
    w = b.reshape(10, 10)[:, 3]
    addr = b.device_address
    assert b.freebuffer() is True
    assert ctx.live_buffers == 0
    assert b.freed and v.freed and w.freed
    # Every Buffer of the allocation was emptied: none of them reaches the memory any more.
    for x in (b, v, w):
        assert x.size == 0 and x.shape == (0,)
        with pytest.raises(BufferError, match="freed"):
            x.device_address
        with pytest.raises(BufferError, match="freed"):
            x.invalidate()
    n = allocate(100, "u4", ctx=ctx)
    assert n.device_address == addr  # the pool has it again, at once
    n[:] = 1
    assert v.sum() == 0 and w.sum() == 0  # what a stale array sees: nothing
    v[:] = 99  # writing to it writes nothing (an empty array)
    w[...] = 5
    assert (n == 1).all()
    with pytest.raises(IndexError):
        v[0]
    with pytest.raises(IndexError):
        w[0] = 3


@pytest.mark.parametrize("holder", ["plain view", "memoryview", "ctypes", "frombuffer",
                                    "plain view of a Buffer view"])
def test_raw_holders_keep_the_memory_until_they_go(ctx, holder):
    # Arrays that are not Buffers (and memoryviews, ctypes objects) cannot be emptied: while one
    # exists the memory stays with it, valid; freebuffer() says so with False.
    b = allocate(64, "u1", ctx=ctx)
    b[:] = 3
    addr = b.device_address
    if holder == "plain view":
        h = np.asarray(b)[8:]
    elif holder == "memoryview":
        h = memoryview(b)
    elif holder == "ctypes":
        h = (np.ctypeslib.as_ctypes_type(np.uint8) * 64).from_buffer(b)
    elif holder == "frombuffer":
        h = np.frombuffer(b, "u4")
    else:
        h = b.reshape(8, 8).T.view(np.ndarray)
    assert b.freebuffer() is False
    assert b.size == 0  # the buffer itself is emptied all the same
    del b
    gc.collect()
    assert ctx.live_buffers == 1
    other = allocate(64, "u1", ctx=ctx)
    assert other.device_address != addr
    other[:] = 9
    assert (np.asarray(h).view("u1") == 3).all()
    del h
    gc.collect()
    assert ctx.live_buffers == 1


def test_frames_in_a_list_go_back_at_once_on_a_small_bank():
    # PYNQ users keep frames in lists and free them with freebuffer(); with little CMA the next
    # allocations only fit if the memory came back at once.
    with plbuf.Context("sim", "banks=DDR0@0x40000000:4M") as c:
        frames = [allocate((720, 1280), "u1", ctx=c) for _ in range(4)]
        rows = [f[100] for f in frames]  # Buffer views kept elsewhere too
        with pytest.raises(MemoryError):
            allocate((720, 1280), "u1", ctx=c)
        for f in frames:
            assert f.freebuffer() is True
        assert c.live_buffers == 0
        again = [allocate((720, 1280), "u1", ctx=c) for _ in range(4)]
        for i, f in enumerate(again):
            f[:] = i + 1
        assert all(f.size == 0 for f in frames) and all(r.size == 0 for r in rows)
        del again, frames, rows


def test_freebuffer_keeps_the_callers_locals_and_returns_true(ctx):
    # Python <= 3.12 keeps one dict per function frame for locals(): freebuffer() must count it,
    # never empty it.
    def work():
        buf = allocate(16, ctx=ctx)
        other = 5
        snap = locals()
        r = buf.freebuffer()
        return r, snap, locals()
    r, snap, after = work()
    assert r is True and ctx.live_buffers == 0
    assert snap["other"] == 5 and "buf" in snap and after["other"] == 5


def test_freebuffer_does_not_keep_other_locals_alive(ctx):
    def work():
        a = allocate(16, ctx=ctx)
        b = allocate(16, ctx=ctx)
        r = b.freebuffer()
        del a  # must go now, not when work() returns
        return r, ctx.live_buffers
    assert work() == (True, 0)


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


def test_attribute_container_and_global_names(ctx):
    h = Holder()
    h.buf = allocate(16, ctx=ctx)
    h.buf.freebuffer()  # an attribute of a variable: self.buf.freebuffer() frees at once
    assert h.buf.freed and h.buf.size == 0 and ctx.live_buffers == 0
    h.bufs = [allocate(16, ctx=ctx)]
    h.bufs[0].freebuffer()  # in a list
    assert h.bufs[0].freed and ctx.live_buffers == 0
    d = {"k": (allocate(16, ctx=ctx),)}
    d["k"][0].freebuffer()  # in a tuple in a dict
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


def test_with_frees_at_the_end_of_the_block(ctx):
    with allocate(16, "u4", ctx=ctx) as b:
        b[:] = 2
        b.flush()
        assert ctx.live_buffers == 1
    assert b.freed and b.shape == (0,) and ctx.live_buffers == 0
    with allocate(16, "u4", ctx=ctx) as b:
        keep = b[4:]
    assert b.freed and keep.size == 0 and ctx.live_buffers == 0  # a Buffer view is emptied
    with allocate(16, "u4", ctx=ctx) as b:
        b[:] = 5
        raw = np.asarray(b)[4:]
    assert b.freed and ctx.live_buffers == 1  # a raw view keeps valid memory...
    assert (raw == 5).all()
    del raw
    gc.collect()
    del b
    assert ctx.live_buffers == 0  # ... until it goes
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
    # The root reached through a raw view (no variable holds it): the raw view is not a name.
    p = np.asarray(allocate(64, "u1", ctx=ctx))
    p[:] = 1
    r = p.base.freebuffer()
    assert r is False and p.size == 64 and (p == 1).all() and not p.flags.owndata
    # A closure's cell is one reference, seen from two frames: counted once.
    b = allocate(64, "u1", ctx=ctx)
    keep = b[1:].view(np.ndarray)

    def inner():
        r = b.freebuffer()
        return r
    assert inner() is False
    keep[:] = 2
    del keep, p, b, inner
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
    # Whatever the order of frees, an array that still reaches memory keeps seeing its own bytes
    # (never a later buffer's), and a freed Buffer reaches nothing.
    import random
    rnd = random.Random(5)
    live, stale = [], []
    for i in range(300):
        b = allocate(rnd.choice([16, 64, 300, 4096]), "u1", ctx=ctx)
        b[:] = i % 251
        kind = rnd.randrange(5)
        if kind == 0:
            stale.append(b[rnd.randrange(b.size):])
            b.freebuffer()
        elif kind == 1:
            live.append((i % 251, memoryview(b)))
            b.freebuffer()
        elif kind == 2:
            live.append((i % 251, np.asarray(b)[rnd.randrange(b.size):]))
            b.freebuffer()
        elif kind == 3:
            live.append((i % 251, b))
        else:
            b.freebuffer()
        del b
        if rnd.random() < 0.3 and live:
            live.pop(rnd.randrange(len(live)))
    for val, arr in live:
        assert (np.asarray(arr) == val).all()
    assert all(s.size == 0 for s in stale)


def test_touching_a_stale_array_never_crashes(ctx):
    import copy
    import pickle
    b = allocate((16, 16), "f4", ctx=ctx)
    views = [b[1], b[:, 2], b.T, b[::-1, ::2], b.reshape(-1), b.view("u1")]
    assert b.freebuffer() is True
    allocate((16, 16), "f4", ctx=ctx)[:] = 123  # another buffer in the same memory now
    for s in [b] + views:
        assert s.size == 0 and s.freed
        assert not (np.asarray(s) == 123).any()
        s[...] = 1
        s.fill(2)
        assert s.sum() == 0 and s.copy().size == 0 and np.add(s, 1).size == 0
        repr(s), str(s), pickle.loads(pickle.dumps(s)), copy.deepcopy(s)
        assert s[1:].size == 0 and s[1:].freed
        for op in (lambda: s[0], lambda: s.reshape(16, 16), lambda: s.max()):
            with pytest.raises((IndexError, ValueError)):
                op()
        for op in (lambda: s.device_address, s.flush, s.invalidate, lambda: s.offset):
            with pytest.raises(BufferError, match="freed"):
                op()
