"""Code written the way PYNQ users and PYNQ's drivers write it, run against plbuf: one test per row
of docs/python.md's table "PYNQ behaviour -> plbuf behaviour" (the row is named in each docstring).
PYNQ's behaviour is read from its source (Xilinx/PYNQ pynq/buffer.py, pynq/pl_server/xrt_device.py,
pynq/lib/dma.py, pynq/lib/video/dma.py and drm.py, tests/test_buffer.py)."""
import pickle
import warnings

import numpy as np
import pytest

import plbuf
from plbuf import allocate
from plbuf.buffer import PynqBuffer  # where PYNQ code imports it from (pynq.buffer)


class SimDma:
    """A DMA engine in the manner of PYNQ's pynq/lib/dma.py, over the sim device: flush before
    MM2S, invalidate after S2MM, buffer.physical_address + start programmed into the engine, the
    alignment checked."""

    def __init__(self, dev, align=8):
        self.dev, self.align = dev, align
        self.staged = None

    def send(self, array, nbytes=0, start=0):  # MM2S
        nbytes = nbytes or array.nbytes
        if (array.physical_address + start) % self.align:
            raise RuntimeError("DMA does not support unaligned transfers")
        array.flush()
        self.staged = self.dev.read(array.physical_address + start, nbytes)

    def recv(self, array, nbytes=0, start=0):  # S2MM
        nbytes = nbytes or array.nbytes
        self.dev.write(array.physical_address + start, self.staged[:nbytes])
        array.invalidate()


def test_row_allocate_signature_and_default_dtype(ctx):
    """allocate(shape, dtype='u4', target=None, **kwargs)"""
    b = allocate(shape=(5,), ctx=ctx)
    assert b.dtype == np.uint32 and isinstance(b, PynqBuffer)
    b = allocate((2, 3), np.int16, None, ctx=ctx)
    assert b.shape == (2, 3) and b.dtype == np.int16


def test_row_target_none_is_the_default_device(monkeypatch):
    """target=None: PYNQ's Device.active_device; plbuf's default context"""
    monkeypatch.setenv("PLBUF_BACKEND", "sim")
    monkeypatch.setattr(plbuf.context, "_default", None)
    b = allocate(4, target=None)
    assert b.device is plbuf.default_context() and b.context.backend == "sim"
    ctx = b.context
    del b
    ctx.close()


def test_row_target_with_an_allocate_method(ctx):
    """target=obj with only allocate(): target.allocate(shape, dtype, **kwargs)"""
    class Memory:  # a user's memory object, as PYNQ's XrtMemory is
        def __init__(self):
            self.calls = []

        def allocate(self, shape, dtype, **kwargs):
            self.calls.append((shape, dtype, kwargs))
            buf = ctx.allocate(shape, dtype, **kwargs)
            buf.memory = self  # as PYNQ's XrtMemory.allocate does
            return buf
    m = Memory()
    b = allocate((4, 4), "u2", target=m, cacheable=0)
    assert m.calls == [((4, 4), "u2", {"cacheable": 0})] and b.shape == (4, 4)
    assert b.memory is m and b[1].memory is m

    class SelfNamed:  # an allocate() that comes back with target=self: taken by its name
        name = "DDR0"

        def allocate(self, shape, dtype, **kwargs):
            return plbuf.allocate(shape, dtype, target=self, ctx=ctx, **kwargs)
    assert allocate(8, target=SelfNamed()).bank == "DDR0"


def test_row_target_bank_objects():
    """target=ol.DDR0 (a memory bank): ctx.DDR0, a Bank, a name"""
    with plbuf.Context("sim", "banks=DDR0@0x40000000:16M,HBM1@0x80000000:16M") as c:
        ol = c  # an overlay's banks are attributes, as in PYNQ
        b = allocate((64,), "u4", target=ol.HBM1)
        assert b.bank == "HBM1" and b.memory is c.HBM1
        assert allocate(4, target="DDR0", ctx=c).memory.name == "DDR0"


def test_row_kwarg_cacheable(ctx):
    """cacheable=0/1"""
    u = allocate(16, cacheable=0, ctx=ctx)
    c = allocate(16, cacheable=1, ctx=ctx)
    assert u.cacheable is False and u.coherent is True
    assert c.cacheable is True and c.coherent is False


def test_row_unknown_kwargs_are_refused_by_name(ctx):
    """other kwargs"""
    with pytest.raises(TypeError, match="bogus"):
        allocate(4, ctx=ctx, bogus=1)


class FrameCache:
    """PYNQ's pynq/lib/video/dma.py frame cache, as a user would write it."""

    def __init__(self, ctx, shape, capacity=2):
        self.ctx, self.shape, self.capacity = ctx, shape, capacity
        self.cache = []

    def getframe(self):
        if self.cache:
            return allocate(shape=self.shape, dtype="u1", cacheable=0, ctx=self.ctx,
                            pointer=self.cache.pop(), cache=self)
        return allocate(shape=self.shape, dtype=np.uint8, cacheable=0, ctx=self.ctx, cache=self)

    def return_pointer(self, pointer):
        if len(self.cache) < self.capacity:
            self.cache.append(pointer)


def test_row_kwargs_pointer_and_cache(ctx):
    """pointer=, cache= (frame caches), return_pointer()"""
    fc = FrameCache(ctx, (48, 64, 3))
    f1 = fc.getframe()
    addr = f1.device_address
    assert f1.return_to is fc and f1.pointer is not None
    f1[:] = 7
    r = f1.freebuffer()
    assert r is True and len(fc.cache) == 1 and f1.size == 0
    assert ctx.live_buffers == 1  # the cache holds the memory, not plbuf's pool
    f2 = fc.getframe()  # reuses it
    assert f2.device_address == addr and fc.cache == [] and f2.shape == (48, 64, 3)
    f2[:] = 1
    del f2  # collected: back to the cache too, as PYNQ's __del__ does
    assert len(fc.cache) == 1 and ctx.live_buffers == 1
    fc.cache.clear()  # the cache lets go: back to plbuf
    assert ctx.live_buffers == 0
    with pytest.raises(ValueError, match="pointer"):
        allocate(4, ctx=ctx, pointer=(10, None, 0x1000))  # PYNQ's XRT (bo, buf, addr) tuple
    with pytest.raises(ValueError, match="return_pointer"):
        allocate(4, ctx=ctx, cache=object())


def test_row_pynqbuffer_name_and_constructor():
    """PynqBuffer: the class, pynq.buffer.PynqBuffer, its constructor"""
    assert plbuf.PynqBuffer is plbuf.Buffer is PynqBuffer
    mem = bytearray(64)
    b = PynqBuffer((16,), "u4", buffer=mem, device_address=0x1000, coherent=True, bo=3,
                   device="dev")
    assert b.device_address == 0x1000 and b.physical_address == 0x1000
    assert b.coherent is True and b.cacheable is False and b.bo == 3 and b.device == "dev"
    assert b[4:].device_address == 0x1010 and b[4:].offset == 16
    b.flush()  # coherent: nothing to do, as in PYNQ
    d = PynqBuffer((4,), "u1", buffer=bytearray(4))  # PYNQ's defaults
    assert d.device_address == 0 and d.bo == 0 and d.coherent is False and d.device is None


def test_row_device_address_and_views(ctx):
    """device_address; a view's is its base's plus the offset (PYNQ's test_slices)"""
    buf = allocate((1024, 1024), "u4", ctx=ctx)
    base = buf.device_address
    for idx, off in [((), 0), ((1,), 4096), ((1, slice(512, None)), 6144),
                     ((slice(None),), 0)]:
        sub = buf
        for i in idx:
            sub = sub[i]
        assert sub.device_address == base + off and sub.offset == off
        assert sub.physical_address == base + off


def test_row_physical_address_is_device_address(ctx, dev):
    """physical_address: the alias PYNQ's DMA driver uses (physical_address + start)"""
    dma = SimDma(dev)
    src = allocate(256, "u4", ctx=ctx)
    dst = allocate(256, "u4", ctx=ctx)
    src[:] = np.arange(256)
    assert src.physical_address == src.device_address
    dma.send(src, 512, start=0)
    dma.recv(dst, 512, start=512)
    assert (dst[128:] == np.arange(128)).all()
    cpu = src.cpu_physical_address  # the truthful CPU physical address, or None
    assert cpu is None or isinstance(cpu, int)


def test_row_virtual_address(ctx):
    """virtual_address"""
    b = allocate(8, "u8", ctx=ctx)
    assert b.virtual_address == b.ctypes.data and b[1:].virtual_address == b.ctypes.data + 8


def test_row_coherent_and_cacheable(ctx, cctx):
    """coherent, cacheable (PYNQ: cacheable = not coherent)"""
    nc = allocate(4, ctx=ctx)  # a Zynq HP port: cached, needs flushes
    assert nc.coherent is False and nc.cacheable is True
    uc = allocate(4, cacheable=0, ctx=ctx)  # uncached: coherent
    assert uc.coherent is True and uc.cacheable is False
    co = allocate(4, ctx=cctx)  # a coherent port (or x86): cached AND coherent, where PYNQ
    assert co.coherent is True and co.cacheable is True  # would say cacheable False


def test_row_bo_device_offset_memory(ctx):
    """bo, device, offset, memory"""
    b = allocate((4, 8), "u2", ctx=ctx)
    assert b.bo is None  # plbuf keeps BOs to itself
    assert b.device is ctx and b[1].device is ctx
    assert b.offset == 0 and b[1, 2:].offset == 16 + 4
    assert b.memory is ctx.DDR0 and b.memory.name == "DDR0"
    with pytest.raises(AttributeError, match="plbuf"):
        b.device_address = 0x1234  # plbuf memory's address is not the user's to set


def test_row_flush_invalidate_and_sync_aliases(ctx, dev):
    """flush, invalidate, sync_to_device, sync_from_device"""
    b = allocate(16, "u1", ctx=ctx)
    b[:] = 5
    b.sync_to_device()
    assert dev.read(b.device_address, 16) == b"\x05" * 16
    dev.write(b.device_address, b"\x06" * 16)
    b.sync_from_device()
    assert (b == 6).all()


def test_row_freebuffer_gives_the_memory_back_now(ctx):
    """freebuffer()"""
    frames = [allocate((32, 32), "u1", ctx=ctx) for _ in range(3)]
    rows = [f[1:] for f in frames]
    for f in frames:
        f.freebuffer()
    assert ctx.live_buffers == 0 and all(r.size == 0 for r in rows)


def test_row_close_is_a_deprecated_no_op(ctx):
    """close()"""
    b = allocate(16, ctx=ctx)
    b[:] = 3
    with pytest.warns(DeprecationWarning, match="freebuffer"):
        r = b.close()
    assert r is None and not b.freed and (b == 3).all() and b.device_address
    b.flush()  # old code carries on using the buffer after close()


def test_row_context_manager(ctx):
    """with allocate(...) as buf:"""
    with allocate(16, ctx=ctx) as buf:
        buf[:] = 1
    assert buf.freed and ctx.live_buffers == 0


def test_row_del_frees(ctx):
    """__del__ (collection)"""
    b = allocate(16, ctx=ctx)
    del b
    assert ctx.live_buffers == 0


def test_row_freed(ctx):
    """freed"""
    b = allocate(16, ctx=ctx)
    assert b.freed is False
    b.freebuffer()
    assert b.freed is True


def test_row_results_are_plain_arrays(ctx):
    """b + 1, b.copy(), b.sum(): PYNQ returns PynqBuffers with a meaningless address"""
    b = allocate(4, ctx=ctx)
    assert type(b + 1) is np.ndarray and type(b.copy()) is np.ndarray
    assert not isinstance(b.sum(), PynqBuffer)


def test_row_view_over_foreign_memory(ctx):
    """arr.view(PynqBuffer) over memory plbuf did not allocate (PYNQ's drm.py)"""
    returned = []

    class Display:  # pynq/lib/video/drm.py's newframe(), as written there
        def newframe(self):
            raw = np.frombuffer(bytearray(4 * 6 * 3), dtype="u1").reshape(4, 6, 3)
            view = raw.view(PynqBuffer)
            view.pointer = 42
            view.device_address = 0x30000000
            view.return_to = self
            return view

        def return_pointer(self, pointer):
            returned.append(pointer)
    frame = Display().newframe()
    assert frame.device_address == 0x30000000 and frame.physical_address == 0x30000000
    assert frame[1].device_address == 0x30000000 + 18
    frame.device_address = 0x30001000  # settable, as in PYNQ
    assert frame[1, 1].device_address == 0x30001000 + 21
    assert frame.freebuffer() is True and returned == [42]
    with pytest.raises(BufferError, match="not plbuf memory"):
        frame.flush()  # no coherent= said, and plbuf cannot sync memory it does not know


def test_row_pickling(ctx):
    """pickle"""
    b = allocate(4, ctx=ctx)
    b[:] = 2
    r = pickle.loads(pickle.dumps(b))
    assert type(r) is np.ndarray and (r == 2).all()


def test_no_deprecation_warnings_elsewhere(ctx):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = allocate(4, ctx=ctx)
        b.flush()
        b.freebuffer()
