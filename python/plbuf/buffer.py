"""allocate() and Buffer: a numpy.ndarray over plbuf memory, with PYNQ's Buffer interface.

Lifetime.  One _Alloc owns each C allocation and gives it back to plbuf when it is garbage
collected.  Every array that can reach the memory keeps the _Alloc alive: the Buffer allocate()
returns (the root) holds it, every numpy view of the root holds the root through its .base chain
(numpy collapses view chains onto the root, whose own base is not an array), and Buffer views hold
it directly too.  So the memory can never go away under a live array.

freebuffer() marks the allocation freed at once (its device address and sync raise BufferError from
then on, in every view) and gives the memory back now when nothing but variables refers to the
root: the root then becomes an empty array, so no array is left pointing at the memory.  Otherwise
(views, memoryviews, containers) the memory goes back when the last of them is collected.  _refs.py
tells variables from the rest.
"""
import ctypes
import errno
import operator
import sys

import numpy as np

from . import _lib, _refs
from .context import Bank, Context, default_context

__all__ = ["allocate", "Buffer", "dtype_info"]

_I64 = [ctypes.c_int64 * n for n in range(_lib.MAXDIM + 1)]


class _Alloc:
    """One C allocation.  Released (plbuf_free) by release() or when collected."""

    __slots__ = ("h", "ctx", "ptr", "nbytes", "freed", "_dev", "_coherent")

    def __init__(self, h, ctx, ptr, nbytes):
        self.h, self.ctx, self.ptr, self.nbytes = h, ctx, ptr, nbytes
        self.freed = False
        self._dev = None
        self._coherent = None

    def release(self):
        h, self.h = self.h, None
        self.freed = True
        if h:
            ctx = self.ctx
            if ctx.handle:
                _lib.plbuf_free(h)
            ctx._released()

    def __del__(self):
        if _lib is not None and _lib.plbuf_free is not None:  # not during interpreter teardown
            self.release()

    def handle(self, what):
        if self.freed:
            raise BufferError("%s: the buffer was freed (freebuffer/close/with): it has no device "
                              "address any more" % what)
        return self.h

    def dev(self):
        d = self._dev
        if d is None:
            d = self._dev = _lib.plbuf_device_address(self.h)
        return d

    def coherent(self):
        c = self._coherent
        if c is None:
            c = self._coherent = bool(_lib.plbuf_coherent(self.h))
        return c


def _addr(a):
    return a.__array_interface__["data"][0]


_NOT_DMA = ("this array is a copy in ordinary memory (from arithmetic, astype, fancy indexing, "
            "unpickling...), not plbuf memory: it has no device address.  Copy data into a buffer "
            "with buf[:] = data, or allocate() one.")


class Buffer(np.ndarray):
    """A numpy array over plbuf DMA memory (see allocate()).  Slices, reshapes and other views
    are Buffers too, with their own device address and sync span."""

    # ---------------------------------------------------------------- numpy protocol
    def __array_finalize__(self, obj):
        a = getattr(obj, "_plbuf", None)
        if a is not None:
            # A view of our memory, or a fresh array numpy made from one of ours (a copy)?
            p = _addr(self)
            if a.h is None or not a.ptr <= p <= a.ptr + a.nbytes:
                a = None
        self._plbuf = a

    def __array_wrap__(self, arr, context=None, return_scalar=None):
        # Results of ufuncs and reductions live in new memory: plain arrays, scalars for 0-d,
        # exactly what numpy gives for an ndarray.  Only out= one of our views stays a Buffer.
        # (numpy 2 says whether it wants a scalar; numpy 1 wants one for every 0-d result.)
        if getattr(arr, "_plbuf", None) is not None:
            return arr
        r = arr.view(np.ndarray)
        if return_scalar is None:
            return_scalar = r.ndim == 0
        return r[()] if return_scalar and r.ndim == 0 else r

    @property
    def base(self):
        # The root's real base is a raw memoryview over the C memory that would not keep it alive:
        # hand out the allocation itself instead, which does.
        b = np.ndarray.base.__get__(self)
        if type(b) is memoryview and self._plbuf is not None:
            return self._plbuf
        return b

    def copy(self, order="C"):
        """A copy in ordinary memory: a plain numpy.ndarray (it has no device address)."""
        return np.array(self, order=order, copy=True, subok=False)

    def astype(self, *args, **kwargs):
        """A converted copy in ordinary memory (a plain numpy.ndarray), or self (copy=False)."""
        r = np.ndarray.astype(self, *args, **kwargs)
        return r if getattr(r, "_plbuf", None) is not None else r.view(np.ndarray)

    def __copy__(self):
        return self.copy(order="K")

    def __deepcopy__(self, memo):
        return self.copy(order="K")

    def __reduce__(self):
        # Pickles as the plain array it would unpickle to anyway.
        return np.ndarray.__reduce__(np.asarray(self))

    # ---------------------------------------------------------------- where it is
    def _alloc(self, what):
        a = self._plbuf
        if a is None:
            raise BufferError("%s: %s" % (what, _NOT_DMA))
        return a

    @property
    def device_address(self):
        """Address of this array's first element for the IP (a view: its base's plus the offset)."""
        a = self._alloc("device_address")
        a.handle("device_address")
        return a.dev() + (_addr(self) - a.ptr)

    @property
    def physical_address(self):
        """CPU physical address of the first element, or None where the backend cannot know it
        (VFIO, XRT): give the IP device_address, which is what PYNQ's alias meant."""
        a = self._alloc("physical_address")
        p = _lib.plbuf_physical_address(a.handle("physical_address"))
        if p == _lib.NO_ADDRESS:
            return None
        return p + (_addr(self) - a.ptr)

    @property
    def virtual_address(self):
        """CPU address of the first element."""
        a = self._plbuf
        if a is not None:
            a.handle("virtual_address")
        return _addr(self)

    @property
    def coherent(self):
        """True when the device and the CPU see the same data without flush/invalidate."""
        a = self._alloc("coherent")
        a.handle("coherent")
        return a.coherent()

    @property
    def cacheable(self):
        """True when the CPU's mapping of the memory is cached."""
        a = self._alloc("cacheable")
        return bool(_lib.plbuf_cacheable(a.handle("cacheable")))

    @property
    def bank(self):
        a = self._alloc("bank")
        return _lib.text(_lib.plbuf_bank(a.handle("bank")))

    @property
    def backend(self):
        return self._alloc("backend").ctx.backend

    @property
    def context(self):
        return self._alloc("context").ctx

    @property
    def freed(self):
        """True once freebuffer()/close() was called on this allocation (or any of its views)."""
        a = self._plbuf
        return a is not None and a.freed

    # ---------------------------------------------------------------- sync
    def _sync(self, whole, ranged, what):
        a = self._alloc(what)
        h = a.handle(what)
        if a.coherent():
            _lib.check(whole(h), what)  # a fence, whatever the view
            return
        p = _addr(self)
        lo, hi = 0, self.itemsize
        for n, s in zip(self.shape, self.strides):
            if n == 0:
                return
            e = (n - 1) * s
            if e < 0:
                lo += e
            else:
                hi += e
        off = p - a.ptr + lo
        if off == 0 and hi - lo == a.nbytes:
            _lib.check(whole(h), what)
        else:
            _lib.check(ranged(h, off, hi - lo), what)

    def flush(self):
        """Makes the CPU's writes to the bytes this array spans visible to the device."""
        self._sync(_lib.plbuf_flush, _lib.plbuf_flush_range, "flush")

    def invalidate(self):
        """Makes the device's writes to the bytes this array spans visible to the CPU."""
        self._sync(_lib.plbuf_invalidate, _lib.plbuf_invalidate_range, "invalidate")

    sync_to_device = flush
    sync_from_device = invalidate

    # ---------------------------------------------------------------- freeing
    def freebuffer(self):
        """Frees the allocation: see the module's docstring.  Returns True when the memory went
        back to plbuf now, False when it waits for the arrays still referring to it."""
        n = sys.getrefcount(self)  # first: _refs measured its baseline at exactly this point
        return _free(self, n, _refs.BASE_CALL, sys._getframe(1))

    close = freebuffer  # PYNQ made close() a no-op; here it frees, so contextlib.closing works

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        n = sys.getrefcount(self)
        _free(self, n, _refs.BASE_EXIT, sys._getframe(1))
        return False


def _free(b, n, base, frame):
    a = b._plbuf
    if a is None:
        raise BufferError("freebuffer: " + _NOT_DMA)
    if a.h is None:
        return True
    a.freed = True
    if not _refs.ENABLED or np.ndarray.base.__get__(b).__class__ is not memoryview:
        return False  # a view: the root and its other views still reach the memory
    left = _refs.unexplained(n, base, b, frame)
    del frame
    if left != 0:
        return False
    # Only variables refer to the root: swap its memory for an empty array of its own, then give
    # the C memory back.
    np.ndarray.__setstate__(b, (1, (0,), b.dtype, False, b""))
    a.release()
    return True


# ---------------------------------------------------------------- allocate
def dtype_info(dtype):
    """plbuf's C parse of a dtype string (plbuf_dtype_parse), as a dict of its fields."""
    info = _lib.DtypeInfo()
    _lib.check(_lib.plbuf_dtype_parse(dtype.encode(), info), "dtype %r" % dtype)
    return {
        "str": _lib.text(info.str), "kind": _lib.text(info.kind),
        "byteorder": _lib.text(info.byteorder), "nfields": info.nfields,
        "itemsize": info.itemsize, "alignment": info.alignment,
        "shape": tuple(info.subshape[:info.subndim]), "base": _lib.text(info.base),
        "base_itemsize": info.base_itemsize, "base_alignment": info.base_alignment,
    }


def _c_dtype(dt):
    """The dtype string for the C library when the user gave a dtype object: numpy's dtype.str;
    records and sub-arrays become opaque bytes of the same size, aligned as numpy aligns them (the
    C library only sizes and aligns the memory; numpy lays the array out)."""
    if dt.fields is None and dt.subdtype is None:
        return dt.str.encode(), 0
    return ("|V%d" % dt.itemsize).encode(), dt.alignment


def _bank_of(target, ctx):
    if target is None:
        return None, ctx
    if isinstance(target, Context):
        if ctx is not None and ctx is not target:
            raise ValueError("allocate: target and ctx are two different contexts")
        return None, target
    if isinstance(target, Bank):
        if ctx is not None and ctx is not target.context:
            raise ValueError("allocate: bank %s belongs to another context than ctx" % target.name)
        return target.name, target.context
    name = target if isinstance(target, str) else getattr(target, "name", None)
    if not isinstance(name, str):
        raise TypeError("allocate: target must be a bank name, a Bank (ctx.DDR0), an object with a "
                        "name attribute or a Context, not %r" % (target,))
    return name, ctx


def allocate(shape, dtype="u4", target=None, *, order="C", cacheable=None, alignment=0,
             zero=False, max_device_address=0, ctx=None):
    """allocate(shape, dtype='u4', target=None, **kwargs) -> Buffer, like pynq.allocate.

    shape, dtype, order: as numpy.ndarray().  target: a bank by name or object (ctx.DDR0, or
    anything with a .name), or a Context.  cacheable: None for the backend's choice (cached
    wherever range sync is correct), true or false to force it.  alignment: of the device address,
    a power of two.  zero: fill with zeros, visible to the device.  max_device_address: the highest
    address the IP can reach (0xffffffff for a 32-bit master).  ctx: a plbuf.Context; without it,
    plbuf.default_context()."""
    if isinstance(shape, (tuple, list)):
        shape = tuple(operator.index(s) for s in shape)
    else:
        shape = (operator.index(shape),)
    ndim = len(shape)
    if ndim > _lib.MAXDIM:
        raise ValueError("allocate: %d dimensions; numpy allows at most %d" % (ndim, _lib.MAXDIM))
    # A dtype string goes to libplbuf first, unchanged: plbuf parses numpy's grammar itself and
    # refuses, with a message, the strings numpy would crash on or DMA cannot carry (objects).
    if isinstance(dtype, str):
        try:
            cdtype, dt_align, dt = dtype.encode(), 0, None
        except UnicodeEncodeError:
            raise ValueError("allocate: dtype %r is not valid text" % (dtype,)) from None
        if b"\0" in cdtype:
            raise ValueError("allocate: dtype %r contains a NUL character" % (dtype,))
    else:
        dt = np.dtype(dtype)
        if dt.hasobject:
            raise ValueError("allocate: dtype %s holds Python objects, which DMA cannot carry" % dt)
        cdtype, dt_align = _c_dtype(dt)
    if order is None:
        order = "C"
    if order not in ("C", "F"):
        raise ValueError("allocate: order must be 'C' or 'F', not %r" % (order,))
    bank, ctx = _bank_of(target, ctx)
    if ctx is None:
        ctx = default_context()
    if alignment < dt_align:
        alignment = dt_align
    opts = None
    if (order != "C" or cacheable is not None or bank or alignment or zero
            or max_device_address):
        opts = _lib.AllocOpts(order.encode(),
                              _lib.CACHEABLE_DEFAULT if cacheable is None else
                              _lib.CACHEABLE_YES if cacheable else _lib.CACHEABLE_NO,
                              bank.encode() if bank else None, alignment, 1 if zero else 0,
                              max_device_address)
    h = _lib.plbuf_allocate(ctx._handle(), ndim, _I64[ndim](*shape), cdtype, opts)
    if not h:
        err = ctypes.get_errno()
        raise _lib.error(err, "allocate", ValueError if err == errno.ENOENT else None)
    ptr = _lib.plbuf_data(h)
    nbytes = _lib.plbuf_nbytes(h)
    if dt is None:
        try:
            dt = np.dtype(dtype)
            if dt.hasobject:
                raise ValueError("dtype %s holds Python objects, which DMA cannot carry" % dt)
        except BaseException:
            _lib.plbuf_free(h)
            raise
    try:
        b = np.ndarray.__new__(Buffer, shape, dt, buffer=_lib.memory(ptr, nbytes), order=order)
        if b.nbytes != nbytes:
            raise ValueError("numpy needs %d bytes" % b.nbytes)
    except Exception as e:
        _lib.plbuf_free(h)
        raise RuntimeError("allocate: libplbuf sized %r %s as %d bytes but numpy disagrees (%s); "
                           "please report it" % (dtype, shape, nbytes, e)) from None
    a = _Alloc(h, ctx, ptr, nbytes)
    ctx._acquired()
    b._plbuf = a
    return b
