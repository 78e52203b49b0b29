"""allocate() and Buffer (PYNQ's PynqBuffer): a numpy.ndarray over plbuf memory, with PYNQ's Buffer
interface.

Lifetime.  One _Alloc owns each C allocation and gives it back to plbuf when it is garbage
collected.  Every array that can reach the memory keeps the _Alloc alive: the Buffer allocate()
returns (the root) holds it, every numpy view of the root holds the root through its .base chain
(numpy collapses view chains onto the root, whose own base is not an array), and Buffer views hold
it directly too.  So the memory can never go away under a live array.

freebuffer() gives the memory back at once, as PYNQ does, and makes every array that could still
reach it harmless first: the root and every Buffer view of it (kept in a weak registry) become
empty arrays of their own (numpy's __setstate__ re-points an array), so they can never read or write
the memory once another buffer owns it, and touching them raises IndexError at worst.  What cannot
be re-pointed is a raw holder (a numpy array that is not a Buffer, a memoryview, a ctypes object):
while one exists (_refs.py counts), the memory stays with it, valid, until it goes.

Why not remap the freed range (mmap MAP_FIXED) instead: the CPU mapping belongs to plbuf's pool,
which hands the same addresses to the next buffer, and small buffers share pages (slabs); a
mapping swapped under the pool would be another buffer's memory gone, not a stale array made safe.
"""
import ctypes
import errno
import operator
import sys
import threading
import warnings
import weakref

import numpy as np

from . import _lib, _refs
from .context import Bank, Context, _text_arg, default_context

__all__ = ["allocate", "Buffer", "PynqBuffer", "dtype_info"]

_I64 = [ctypes.c_int64 * n for n in range(_lib.MAXDIM + 1)]


class _Pointer:
    """What freebuffer() hands to cache.return_pointer() for a buffer allocated with cache=: the
    memory itself, for allocate(..., pointer=p, cache=...) to reuse (PYNQ's frame caches).  The
    memory goes back to plbuf when the cache drops it."""

    __slots__ = ("_alloc", "device_address", "nbytes", "__weakref__")

    def __init__(self, device_address, nbytes):
        self._alloc = None
        self.device_address, self.nbytes = device_address, nbytes

    def __repr__(self):
        return "<plbuf pointer 0x%x, %d bytes, %s>" % (
            self.device_address, self.nbytes, "free" if self._alloc else "in use")


class _Alloc:
    """One C allocation.  Released (plbuf_free) by release() or when collected."""

    __slots__ = ("h", "ctx", "ptr", "nbytes", "freed", "_dev", "_coherent", "views", "pointer",
                 "return_to", "memory", "__weakref__")

    def __init__(self, h, ctx, ptr, nbytes):
        self.h, self.ctx, self.ptr, self.nbytes = h, ctx, ptr, nbytes
        self.freed = False
        self._dev = None
        self._coherent = None
        self.views = None       # weak references to the Buffer views, made on the first one
        self.pointer = None     # PYNQ's pointer / return_to (a frame cache)
        self.return_to = None
        self.memory = None      # what the code that allocated it said (PYNQ: buf.memory = self)

    def take(self):
        """A new owner of the C allocation (for a cache); this one lets go of it."""
        a = _Alloc(self.h, self.ctx, self.ptr, self.nbytes)
        a._dev, a._coherent = self._dev, self._coherent
        self.h = None
        self.freed = True
        return a

    def release(self):
        self.freed = True
        if self.h:
            self.ctx._released(self)

    def give_back(self):
        """Memory no array can reach any more: to the cache it was allocated for, or to plbuf."""
        tok, cache = self.pointer, self.return_to
        if self.h and isinstance(tok, _Pointer) and cache is not None and tok._alloc is None:
            tok._alloc = self.take()
            self.pointer = 0
            cache.return_pointer(tok)
        else:
            self.release()

    def __del__(self):
        if _lib is None or _lib.plbuf_free is None:  # interpreter teardown
            return
        try:
            self.give_back()
        except Exception:
            self.release()

    def add_view(self, v):
        # A list of weak references (arrays are not hashable: no WeakSet), pruned of the dead
        # whenever it has doubled since the last pruning.
        vs = self.views
        if vs is None:
            vs = self.views = [0]
        vs.append(weakref.ref(v))
        if len(vs) > 2 * vs[0] + 16:
            vs[1:] = [r for r in vs[1:] if r() is not None]
            vs[0] = len(vs) - 1

    def live_views(self):
        vs = self.views
        out = []
        if vs:
            for r in vs[1:]:
                v = r()
                if v is not None and isinstance(np.ndarray.base.__get__(v), np.ndarray):
                    out.append(v)
            v = None
        return out

    def handle(self, what):
        if self.freed:
            raise BufferError("%s: the buffer was freed (freebuffer/with): it has no device "
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


def _empty(arr):
    """Re-points arr at an empty array of its own: it no longer reaches any memory of ours."""
    np.ndarray.__setstate__(arr, (1, (0,), arr.dtype, False, b""))


_NOT_DMA = ("this array is a copy in ordinary memory (from arithmetic, astype, fancy indexing, "
            "unpickling...), not plbuf memory: it has no device address.  Copy data into a buffer "
            "with buf[:] = data, or allocate() one.")

# PYNQ attributes an array over memory plbuf did not allocate may carry (set by the code that made
# it, as PYNQ's video driver does with arr.view(PynqBuffer)); views inherit them, shifted.
_FOREIGN = ("device_address", "coherent", "bo", "device", "offset", "memory", "pointer",
            "return_to")


def _pynq_attr(name, doc):
    """One of PYNQ's settable attributes (pointer, return_to): kept on the plbuf allocation while
    the buffer is plbuf's, else on the array's foreign-memory record."""
    def get(self):
        a = self._plbuf
        return getattr(a, name) if a is not None else self._foreign(name, name)

    def set_(self, value):
        a = self._plbuf
        if a is not None:
            setattr(a, name, value)
        else:
            self._set_foreign(name, value)
    return property(get, set_, doc=doc)


class Buffer(np.ndarray):
    """A numpy array over plbuf DMA memory (see allocate()).  Slices, reshapes and other views
    are Buffers too, with their own device address and sync span.  PynqBuffer is the same class."""

    _plbuf = None
    _pynq = None

    def __new__(cls, *args, device=None, device_address=0, bo=0, coherent=False, **kwargs):
        # PYNQ's constructor, with its defaults: an array over given memory (buffer=...) that
        # says where it is.
        self = np.ndarray.__new__(cls, *args, **kwargs)
        self._pynq = {"device_address": device_address, "coherent": coherent, "bo": bo,
                      "device": device, "offset": 0}
        return self

    # ---------------------------------------------------------------- numpy protocol
    def __array_finalize__(self, obj):
        a = getattr(obj, "_plbuf", None)
        if a is not None:
            # A view of our memory, or a fresh array numpy made from one of ours (a copy)?  Of a
            # freed buffer (emptied): it reaches nothing, and says the buffer was freed.
            if not a.freed:
                p = _addr(self)
                if not a.ptr <= p <= a.ptr + a.nbytes:
                    a = None
                else:  # a view (a copy numpy made is elsewhere)
                    a.add_view(self)
            self._plbuf = a
            return
        f = getattr(obj, "_pynq", None)
        if f is not None and isinstance(obj, np.ndarray):
            # A view of a foreign PYNQ array: PYNQ's own rule, device address and offset shifted.
            d = _addr(self) - _addr(obj)
            f = dict(f)
            f["pointer"] = f["return_to"] = None
            if f.get("device_address") is not None:
                f["device_address"] += d
            f["offset"] = (f.get("offset") or 0) + d
            self._pynq = f

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

    def _foreign(self, name, what):
        f = self._pynq
        if f is None:
            if name in ("device_address", "coherent"):
                raise BufferError("%s: %s" % (what, _NOT_DMA))
            return None
        return f.get(name)

    def _set_foreign(self, name, value):
        if self._plbuf is not None:
            raise AttributeError("%s of plbuf memory is plbuf's to say; it can be set only on an "
                                 "array over other memory (arr.view(PynqBuffer))" % name)
        f = self._pynq
        if f is None:
            f = self._pynq = {}
        f[name] = value

    @property
    def device_address(self):
        """Address of this array's first element for the IP (a view: its base's plus the offset).
        Settable on an array over memory plbuf did not allocate (arr.view(PynqBuffer)), as in
        PYNQ."""
        a = self._plbuf
        if a is None:
            return self._foreign("device_address", "device_address")
        a.handle("device_address")
        return a.dev() + (_addr(self) - a.ptr)

    @device_address.setter
    def device_address(self, value):
        self._set_foreign("device_address", None if value is None else operator.index(value))

    @property
    def physical_address(self):
        """PYNQ's alias of device_address (its DMA driver programs physical_address + offset):
        the address for the IP, on every backend.  The CPU physical address is
        cpu_physical_address."""
        return self.device_address

    @property
    def cpu_physical_address(self):
        """CPU physical address of the first element (plbuf_physical_address), or None where the
        backend cannot know it (VFIO, XRT).  Equal to device_address without an IOMMU."""
        a = self._alloc("cpu_physical_address")
        p = _lib.plbuf_physical_address(a.handle("cpu_physical_address"))
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
        a = self._plbuf
        if a is None:
            return self._foreign("coherent", "coherent")
        a.handle("coherent")
        return a.coherent()

    @coherent.setter
    def coherent(self, value):
        self._set_foreign("coherent", value)

    @property
    def cacheable(self):
        """True when the CPU's mapping of the memory is cached (PYNQ: not coherent; here the two
        are independent: a cached buffer on a coherent port is both)."""
        a = self._plbuf
        if a is None:
            c = self._foreign("coherent", "cacheable")
            return None if c is None else not c
        return bool(_lib.plbuf_cacheable(a.handle("cacheable")))

    @property
    def bank(self):
        a = self._alloc("bank")
        return _lib.text(_lib.plbuf_bank(a.handle("bank")))

    @property
    def memory(self):
        """PYNQ's memory bank object: the Bank (ctx.DDR0) the buffer came from, or what a target's
        allocate() set (PYNQ's memory objects set buf.memory = self)."""
        a = self._plbuf
        if a is None:
            return self._foreign("memory", "memory")
        if a.memory is not None:
            return a.memory
        return a.ctx.bank(self.bank)

    @memory.setter
    def memory(self, value):
        a = self._plbuf
        if a is not None:
            a.memory = value
        else:
            self._set_foreign("memory", value)

    # bo, device and offset below look alike (plbuf's answer, else the foreign record's; setting
    # only on foreign memory) but each getter says something different for plbuf memory, so they
    # stay written out; pointer and return_to, whose logic is the same, share _pynq_attr.
    @property
    def bo(self):
        """PYNQ's buffer-object handle: None for plbuf memory (libplbuf keeps its BOs to itself;
        flush()/invalidate() do what PYNQ's device.flush(bo) did)."""
        return None if self._plbuf is not None else self._foreign("bo", "bo")

    @bo.setter
    def bo(self, value):
        self._set_foreign("bo", value)

    @property
    def device(self):
        """PYNQ's device: the plbuf.Context the buffer came from."""
        a = self._plbuf
        return a.ctx if a is not None else self._foreign("device", "device")

    @device.setter
    def device(self, value):
        self._set_foreign("device", value)

    @property
    def offset(self):
        """Byte offset of this array's first element in its allocation (PYNQ's offset in the BO)."""
        a = self._plbuf
        if a is None:
            return self._foreign("offset", "offset")
        a.handle("offset")
        return _addr(self) - a.ptr

    @offset.setter
    def offset(self, value):
        self._set_foreign("offset", value)

    pointer = _pynq_attr("pointer", "PYNQ's pointer: with allocate(..., cache=c), what freebuffer() "
                         "hands to c.return_pointer() for allocate(..., pointer=p) to reuse; else "
                         "None (or what was set).")
    return_to = _pynq_attr("return_to", "PYNQ's return_to: the cache freebuffer() returns the "
                           "pointer to, or None.")

    @property
    def plbuf_handle(self):
        """The C plbuf_buf pointer (an int), for passing the buffer to C code; None once freed."""
        a = self._plbuf
        return a.h if a is not None and not a.freed else None

    @property
    def backend(self):
        return self._alloc("backend").ctx.backend

    @property
    def context(self):
        return self._alloc("context").ctx

    @property
    def freed(self):
        """True once freebuffer() was called on this allocation (or any of its views)."""
        a = self._plbuf
        return a is not None and a.freed

    # ---------------------------------------------------------------- sync
    def _sync(self, whole, ranged, what):
        a = self._plbuf
        if a is None and self._pynq is not None and self._pynq.get("coherent"):
            return  # a foreign array said to be coherent: nothing to do, as in PYNQ
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

    def sync_to_device(self):
        """PYNQ's name for flush()."""
        self.flush()

    def sync_from_device(self):
        """PYNQ's name for invalidate()."""
        self.invalidate()

    # ---------------------------------------------------------------- freeing
    def freebuffer(self):
        """Gives the memory back now (see the module's docstring) and empties this buffer and
        its Buffer views.  Returns True when the memory went back now, False when raw holders
        (memoryviews, non-Buffer numpy views, ctypes objects) keep it until they go."""
        n = sys.getrefcount(self)  # first: _refs measured its baseline at exactly this point
        return _free(self, n, _refs.BASE_CALL, sys._getframe(1))

    def close(self):
        """Does nothing, as in PYNQ 2.6 and later (which warns the same way): free a buffer with
        freebuffer(), a with block, or by dropping it."""
        warnings.warn("Buffer.close() does nothing (as in PYNQ >= 2.6): free the buffer with "
                      "freebuffer(), a with block, or by dropping it", DeprecationWarning,
                      stacklevel=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        n = sys.getrefcount(self)
        _free(self, n, _refs.BASE_EXIT, sys._getframe(1))
        return False


PynqBuffer = Buffer  # PYNQ's name: from plbuf.buffer import PynqBuffer


def _free(b, n, base, frame):
    touched = []
    try:
        a = b._plbuf
        if a is None:
            f = b._pynq
            if f is None:
                raise BufferError("freebuffer: " + _NOT_DMA)
            # An array over foreign memory (arr.view(PynqBuffer)): PYNQ hands its pointer back.
            if f.get("pointer") and f.get("return_to") is not None:
                ptr, f["pointer"] = f["pointer"], 0
                f["return_to"].return_pointer(ptr)
            return True
        if a.h is None:
            if b.size and a.freed:
                _empty(b)
            return True
        if not isinstance(np.ndarray.base.__get__(b), (memoryview, bytes, type(None))):
            # A view: the root and its other views still reach the memory, which goes back
            # when they are all gone.
            a.freed = True
            return False
        a.freed = True
        if a.pointer and not isinstance(a.pointer, _Pointer) and a.return_to is not None:
            ptr, a.pointer = a.pointer, 0  # PYNQ: a pointer the caller set goes back to return_to
            a.return_to.return_pointer(ptr)
        left, n = _refs.unexplained(n, base, b, frame, touched) if _refs.ENABLED else (1, n)
        views = a.live_views()
        if _refs.ENABLED and (left > 0 or views):
            left = _refs.recount(b, n, base, frame, views, touched)
        for v in views:
            _empty(v)
        del views
        _empty(b)
        if left != 0:
            return False
        a.give_back()
        return True
    finally:
        _refs.release_snapshots(touched)
        del frame


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
                        "name attribute or an allocate() method, or a Context, not %r" % (target,))
    _text_arg("allocate: target bank name", name)
    return name, ctx


# Targets whose allocate() this thread is inside: if it calls plbuf.allocate(target=self) again,
# the target is taken by its name instead of calling it for ever.
_inside = threading.local()


def allocate(shape, dtype="u4", target=None, **kwargs):
    """allocate(shape, dtype='u4', target=None, **kwargs) -> Buffer, like pynq.allocate.

    shape, dtype, order: as numpy.ndarray().  target: a bank by name or object (ctx.DDR0, or
    anything with a .name), a Context, or, as in PYNQ, any object with an allocate() method, which
    is called as target.allocate(shape, dtype, **kwargs).  Keyword arguments: cacheable (None for
    the backend's choice, cached wherever range sync is correct; true or false to force it),
    alignment (of the device address, a power of two), zero (fill with zeros, visible to the
    device), max_device_address (the highest address the IP can reach: 0xffffffff for a 32-bit
    master), ctx (a plbuf.Context; without it, plbuf.default_context()), and PYNQ's cache and
    pointer (frame caches: see docs/python.md)."""
    if (target is not None and not isinstance(target, (str, Bank, Context))
            and callable(getattr(target, "allocate", None))):
        busy = getattr(_inside, "ids", None)
        if busy is None:
            busy = _inside.ids = set()
        if id(target) not in busy:
            busy.add(id(target))
            try:
                return target.allocate(shape, dtype, **kwargs)
            finally:
                busy.discard(id(target))
    return _allocate(shape, dtype, target, **kwargs)


def _allocate(shape, dtype="u4", target=None, *, order="C", cacheable=None, alignment=0,
              zero=False, max_device_address=0, ctx=None, cache=None, pointer=None):
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
    if cache is not None and not callable(getattr(cache, "return_pointer", None)):
        raise ValueError("allocate: cache= must have a return_pointer(pointer) method (PYNQ's "
                         "frame caches): %r has none" % (cache,))
    bank, ctx = _bank_of(target, ctx)
    if pointer is not None:
        return _reuse(pointer, shape, dtype, dt, order, cache, ctx)
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
    hctx = ctx._enter("allocate")
    a = None
    try:
        h = _lib.plbuf_allocate(hctx, ndim, _I64[ndim](*shape), cdtype, opts)
        if not h:
            err = ctypes.get_errno()
            raise _lib.error(err, "allocate", ValueError if err == errno.ENOENT else None)
        ptr = _lib.plbuf_data(h)
        nbytes = _lib.plbuf_nbytes(h)
        try:
            if dt is None:
                dt = np.dtype(dtype)
                if dt.hasobject:
                    raise ValueError("dtype %s holds Python objects, which DMA cannot carry" % dt)
            b = _array(shape, dt, order, ptr, nbytes, dtype)
        except BaseException:
            _lib.plbuf_free(h)
            raise
        a = _Alloc(h, ctx, ptr, nbytes)
    finally:
        ctx._leave(a is not None)
    b._plbuf = a
    if cache is not None:
        a.return_to = cache
        a.pointer = _Pointer(a.dev(), nbytes)
    return b


def _array(shape, dt, order, ptr, nbytes, dtype):
    try:
        b = np.ndarray.__new__(Buffer, shape, dt, buffer=_lib.memory(ptr, nbytes), order=order)
    except Exception as e:
        raise RuntimeError("allocate: libplbuf sized %r %s as %d bytes but numpy disagrees (%s); "
                           "please report it" % (dtype, shape, nbytes, e)) from None
    return b


def _reuse(tok, shape, dtype, dt, order, cache, ctx):
    """allocate(..., pointer=p): a new Buffer over the memory a cache got from freebuffer()."""
    if not isinstance(tok, _Pointer):
        raise ValueError("allocate: pointer= takes what plbuf handed to a cache's return_pointer() "
                         "(PYNQ's frame caches), not %r: plbuf does not adopt memory it did not "
                         "allocate" % (tok,))
    a = tok._alloc
    if a is None:
        raise ValueError("allocate: pointer %r is in use by a buffer: a cache may hand out each "
                         "pointer it got once" % (tok,))
    if ctx is not None and ctx is not a.ctx:
        raise ValueError("allocate: pointer %r belongs to another context" % (tok,))
    if dt is None:
        dt = np.dtype(dtype)
    need = dt.itemsize
    for n in shape:
        need *= n
    if need > a.nbytes or need <= 0:
        raise ValueError("allocate: shape %s of %s needs %d bytes; pointer %r has %d"
                         % (shape, dt, need, tok, a.nbytes))
    b = _array(shape, dt, order, a.ptr, need, dtype)
    tok._alloc = None
    b._plbuf = a
    a.pointer, a.return_to = tok, cache
    return b
