"""C failures become Python exceptions carrying plbuf_errmsg(): ValueError for bad arguments,
MemoryError for exhaustion (and for no memory below max_device_address), BufferError for a freed
buffer or a copy, OSError (FileNotFoundError, PermissionError, ...) for the system's refusals."""
import errno

import pytest

import plbuf
from plbuf import allocate


def test_bad_shapes(ctx):
    with pytest.raises(ValueError, match="shape\\[0\\] is 0"):
        allocate(0, ctx=ctx)
    with pytest.raises(ValueError, match="negative"):
        allocate((2, -1), ctx=ctx)
    with pytest.raises(ValueError, match="dimensions"):
        allocate((1,) * 33, ctx=ctx)
    with pytest.raises(ValueError, match="overflow|exceeds"):
        allocate((1 << 40, 1 << 40), "u1", ctx=ctx)
    with pytest.raises(TypeError):
        allocate(2.5, ctx=ctx)
    with pytest.raises(TypeError):
        allocate(("a",), ctx=ctx)


def test_bad_options(ctx):
    with pytest.raises(ValueError, match="power of two"):
        allocate(4, alignment=3, ctx=ctx)
    with pytest.raises(ValueError, match="order"):
        allocate(4, order="K", ctx=ctx)
    with pytest.raises(TypeError):
        allocate(4, ctx=ctx, bogus=1)
    with pytest.raises(TypeError, match="target"):
        allocate(4, target=3.5, ctx=ctx)
    e = pytest.raises(ValueError, allocate, 4, target="DDR9", ctx=ctx).value
    assert "DDR9" in str(e) and "DDR0" in str(e) and e.errno == errno.ENOENT
    other = plbuf.Context("sim")
    with pytest.raises(ValueError, match="another context"):
        allocate(4, target=other.DDR0, ctx=ctx)
    other.close()


def test_exhaustion_says_how_much(ctx):
    e = pytest.raises(MemoryError, allocate, 600 << 20, "u1", ctx=ctx).value
    assert e.errno == errno.ENOMEM and "allocate" in str(e) and len(str(e)) > 40
    e = pytest.raises(MemoryError, allocate, 16, max_device_address=0x1000, ctx=ctx).value
    assert e.errno == errno.ERANGE
    assert ctx.live_buffers == 0


def test_contexts():
    with pytest.raises(ValueError, match="no backend 'nope'.*sim"):
        plbuf.Context("nope")
    with pytest.raises(ValueError, match="bogus"):
        plbuf.Context("sim", "bogus=1")
    with pytest.raises(ValueError):
        plbuf.Context("sim", "banks=DDR0@0x1000:3")
    c = plbuf.Context("sim")
    assert c.close() is True
    with pytest.raises(ValueError, match="closed"):
        allocate(1, ctx=c)
    with pytest.raises(ValueError, match="no bank"):
        plbuf.Context("sim").bank("HBM0")
    with pytest.raises(AttributeError):
        plbuf.Context("sim").HBM0


def test_sync_outside_the_buffer_is_refused(ctx):
    import numpy as np
    b = allocate(16, "u1", ctx=ctx)
    # A view numpy lets you make past the end: plbuf will not sync memory that is not the buffer's.
    wild = np.lib.stride_tricks.as_strided(b, shape=(2,), strides=(64,), subok=True)
    with pytest.raises(ValueError, match="outside"):
        wild.flush()


def test_a_nul_in_a_name_or_options_is_an_error_not_a_truncation(ctx):
    # C would stop reading at the NUL: "coherent=0\0bogus=1" would silently open with coherent=0.
    with pytest.raises(ValueError, match="NUL"):
        plbuf.Context("sim", "coherent=0\0bogus=1")
    with pytest.raises(ValueError, match="NUL"):
        plbuf.Context("sim\0hugepage")
    with pytest.raises(ValueError, match="NUL"):
        allocate(4, target="DDR0\0HBM1", ctx=ctx)

    class Named:
        name = "DDR0\0"
    with pytest.raises(ValueError, match="NUL"):
        allocate(4, target=Named(), ctx=ctx)
    with pytest.raises(ValueError, match="NUL"):
        plbuf.sim.attach(ctx.sim_name + "\0x")
    with pytest.raises(ValueError, match="NUL"):
        allocate(4, "u4\0", ctx=ctx)
    assert ctx.live_buffers == 0


def test_calls_on_a_closed_context_are_refused(ctx):
    c = plbuf.Context("sim")
    bank = c.DDR0
    c.close()
    with pytest.raises(ValueError, match="closed"):
        bank.free
    with pytest.raises(ValueError, match="closed"):
        c.allocate(1)
    assert "closed" in repr(bank)
