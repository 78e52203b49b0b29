"""allocate()'s signature and results, Buffer's properties, views' device addresses, and that
results of arithmetic and copies are not Buffers."""
import copy
import pickle

import numpy as np
import pytest

import plbuf
from plbuf import Buffer, allocate


def test_is_a_zero_copy_ndarray(ctx):
    b = allocate((3, 4), "u2", ctx=ctx)
    assert isinstance(b, np.ndarray) and isinstance(b, Buffer)
    assert b.shape == (3, 4) and b.dtype == np.dtype("u2") and b.flags.c_contiguous
    assert b.flags.writeable and not b.flags.owndata
    b[:] = np.arange(12).reshape(3, 4)
    # The C library sees the same bytes: its memory is the array's memory.
    assert b.virtual_address == b.__array_interface__["data"][0]
    assert b.base.ptr == b.virtual_address and b.base.nbytes == b.nbytes == 24


def test_signature_like_numpy(ctx):
    assert allocate(7, ctx=ctx).shape == (7,)
    assert allocate(7, ctx=ctx).dtype == np.dtype("u4")  # PYNQ's default dtype
    assert allocate(np.int64(3), ctx=ctx).shape == (3,)
    assert allocate([2, 3], "f8", ctx=ctx).shape == (2, 3)
    assert allocate((), "f4", ctx=ctx).shape == ()
    assert allocate(shape=(2,), dtype=np.float32, ctx=ctx).dtype == np.float32
    assert allocate((2,), float, ctx=ctx).dtype == np.float64
    assert allocate((2,), np.dtype(">i4"), ctx=ctx).dtype == np.dtype(">i4")
    f = allocate((3, 5), "i2", order="F", ctx=ctx)
    assert f.flags.f_contiguous and f.strides == (2, 6)
    assert f[:, 1].device_address == f.device_address + 6


def test_subarray_dtype_extends_the_shape_as_numpy_does(ctx):
    b = allocate((4,), "(2,3)f4", ctx=ctx)
    ref = np.ndarray((4,), "(2,3)f4")
    assert b.shape == ref.shape == (4, 2, 3) and b.dtype == ref.dtype
    o = allocate(2, np.dtype(("<i2", (5,))), ctx=ctx)
    assert o.shape == (2, 5) and o.dtype == np.dtype("<i2")


def test_record_dtypes_round_trip(ctx):
    for dt in [np.dtype([("a", "<u2"), ("b", "<f8")]),
               np.dtype([("a", "<u2"), ("b", "<f8")], align=True),
               np.dtype({"names": ["x", "y"], "formats": ["u1", "(2,)i4"], "offsets": [0, 8],
                         "itemsize": 24}),
               np.dtype([("hdr", [("len", ">u4"), ("id", "u1")]), ("data", "f4", (3,))])]:
        b = allocate(5, dt, ctx=ctx)
        assert b.dtype == dt and b.dtype.descr == dt.descr and b.nbytes == 5 * dt.itemsize
        assert b.device_address % max(dt.alignment, 1) == 0
        b["a" if "a" in dt.names else dt.names[0]] = 1
    s = allocate(3, "i4,f8", ctx=ctx)  # a string record: through the C parser
    assert s.dtype == np.dtype("i4,f8") and s.dtype.names == ("f0", "f1")


def test_properties(ctx, cctx):
    b = allocate(16, "u4", ctx=ctx)
    bank = ctx.DDR0
    assert bank.base <= b.device_address < bank.base + bank.size
    assert b.physical_address == b.device_address  # sim: no IOMMU
    assert b.coherent is False and b.cacheable is True  # cached mapping, needs flush: Zynq HP
    assert b.bank == "DDR0" and b.backend == "sim" and b.context is ctx and not b.freed
    u = allocate(16, "u4", cacheable=False, ctx=ctx)
    assert u.cacheable is False and u.coherent is True  # uncached: nothing to flush
    u0 = allocate(16, "u4", cacheable=0, ctx=ctx)  # PYNQ spells it 0/1
    assert u0.cacheable is False
    c = allocate(16, "u4", ctx=cctx)
    assert c.cacheable is True and c.coherent is True  # a coherent port: cached and coherent
    c.flush()
    c.invalidate()


def test_target_bank_by_name_object_or_context():
    with plbuf.Context("sim", "banks=DDR0@0x40000000:16M,HBM1@0x80000000:16M:coherent") as c:
        assert [x.name for x in c.banks] == ["DDR0", "HBM1"]
        assert allocate(4, target="HBM1", ctx=c).bank == "HBM1"
        b = allocate(4, "u4", c.HBM1)  # like PYNQ's allocate(..., target=ol.HBM1)
        assert b.bank == "HBM1" and b.coherent and b.device_address >= 0x80000000

        class Memory:  # any object with a name, like PYNQ's memory objects
            name = "DDR0"
        assert allocate(4, target=Memory(), ctx=c).bank == "DDR0"
        assert allocate(4, target=c).context is c
        assert c.bank("HBM1").allocate(2).bank == "HBM1"
        assert c.allocate(2, target="HBM1").bank == "HBM1"
        with pytest.raises(ValueError, match="HBM1"):
            allocate(4, target="DDR7", ctx=c)


def test_alignment_zero_and_max_device_address(ctx, dev):
    for align in (64, 4096, 1 << 16):
        assert allocate(3, "u1", alignment=align, ctx=ctx).device_address % align == 0
    dirty = allocate(256, "u1", ctx=ctx)
    dirty[:] = 0xAB
    dirty.flush()
    addr = dirty.device_address
    dirty.freebuffer()
    z = allocate(256, "u1", zero=True, ctx=ctx)
    assert z.device_address == addr  # the pool gave the same memory back...
    assert not z.any()  # ...zeroed for the CPU
    assert dev.read(z.device_address, 256) == bytes(256)  # and for the device
    low = allocate(8, max_device_address=ctx.DDR0.base + (1 << 20), ctx=ctx)
    assert low.device_address + low.nbytes - 1 <= ctx.DDR0.base + (1 << 20)


def test_views_keep_their_device_address(ctx):
    b = allocate((8, 16), "u4", ctx=ctx)
    d = b.device_address
    assert b[3].device_address == d + 3 * 64
    assert b[2:5, 4:].device_address == d + 2 * 64 + 16
    assert b[:, 1].device_address == d + 4
    assert b[::-1].device_address == d + 7 * 64  # first element of the view: the last row
    assert b[::-1, ::-1].device_address == d + 8 * 64 - 4
    assert b.T.device_address == d and b.T[1].device_address == d + 4
    assert b.reshape(16, 8)[5].device_address == d + 5 * 32
    assert b.reshape(-1)[100:].device_address == d + 400
    assert b.ravel().device_address == d  # contiguous: a view
    assert b.view("u1")[1, 7:].device_address == d + 64 + 7
    e = b[5:5]  # empty: numpy leaves its pointer where it likes (at the start); so do we
    assert e.device_address - d == e.virtual_address - b.virtual_address
    assert b[1:][2:][3].device_address == d + 6 * 64  # views of views
    assert isinstance(b[3], Buffer) and b[3].base is b  # numpy's view chains end at the root
    for v in (b[3], b.T, b[::-1, 2], b.reshape(2, -1)):
        assert v.virtual_address - b.virtual_address == v.device_address - d
    assert type(b[3, 4]) is np.uint32  # a scalar is a copy


def test_results_of_arithmetic_and_copies_are_plain_arrays(ctx):
    b = allocate((4, 4), "u4", ctx=ctx)
    b[:] = 1
    for r in (b + 1, b * b, -b, b > 0, np.add(b, 1), np.sqrt(b), b.copy(), np.copy(b),
              b.astype("f8"), b.sum(axis=0), b.sum(keepdims=True), np.concatenate([b, b]),
              copy.copy(b), copy.deepcopy(b), pickle.loads(pickle.dumps(b)), np.array(b)):
        assert type(r) is np.ndarray, type(r)
        assert not hasattr(r, "device_address")
    assert b.sum() == 16 and type(b.sum()) is np.uint64  # a numpy scalar, as for an ndarray
    assert type(b.max()) is np.uint32
    # Results numpy still builds as Buffers (fancy indexing, ...) have no device address.
    f = b[[0, 2]]
    assert np.shares_memory(f, b) is False
    with pytest.raises(BufferError, match="copy"):
        f.device_address
    with pytest.raises(BufferError, match="copy"):
        f.flush()
    # out= a buffer writes into the buffer and stays one.
    r = np.add(b, 1, out=b)
    assert r is b and b[0, 0] == 2
    r = np.multiply(b[1], 3, out=b[1])
    assert isinstance(r, Buffer) and r.device_address == b.device_address + 16
    assert b.astype("u4", copy=False) is b


def test_repr_and_bank_info(ctx):
    b = allocate(3, ctx=ctx)
    assert "Buffer" in repr(b)
    assert "DDR0" in repr(ctx.DDR0) and "sim" in repr(ctx)
    assert ctx.DDR0.free <= ctx.DDR0.size and ctx.DDR0.largest <= ctx.DDR0.free
    assert ctx.line_size == 16 and ctx.backend == "sim" and ctx.sim_name
    assert "sim" in plbuf.backends()
    assert plbuf.library_version().count(".") == 2
