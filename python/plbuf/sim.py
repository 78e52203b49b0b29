"""The sim backend's device side: play the device from Python.

    ctx = plbuf.Context("sim", "coherent=0")
    dev = plbuf.sim.attach(ctx)            # or attach(ctx.sim_name), from another process too
    buf = ctx.allocate(16, "u1")
    dev.read(buf.device_address, 16)       # what the device sees: DRAM, not the CPU's cache

The device reaches memory by device address only and sees what was flushed, never the CPU's
unflushed writes; what it writes the CPU sees after invalidate().
"""
import ctypes
import errno

import numpy as np

from . import _lib

__all__ = ["attach", "Device"]


class _Attachment:
    """One plbuf_sim_attach(); detached when collected, i.e. once the Device and every array
    translate() returned are gone, so that no array outlives the mapping."""

    __slots__ = ("h",)

    def __init__(self, h):
        self.h = h

    def __del__(self):
        h, self.h = self.h, None
        if h and _lib is not None and _lib.plbuf_sim_detach is not None:
            _lib.plbuf_sim_detach(h)


class _Window:
    """An __array_interface__ over device memory that keeps the attachment alive."""

    def __init__(self, att, ptr, nbytes, dtype):
        self.att = att
        self.__array_interface__ = {"data": (ptr, False), "shape": (nbytes // dtype.itemsize,),
                                    "typestr": dtype.str, "version": 3}


def _range_error(what):
    # ERANGE here is an address outside every bank (a bus error on a board), not exhaustion.
    return _lib.error(ctypes.get_errno(), what, ValueError)


class Device:
    """The device's view of a sim context's memory."""

    def __init__(self, name):
        from .context import _text_arg
        h = _lib.plbuf_sim_attach(_text_arg("sim memory name", name))
        if not h:
            raise _lib.error(0, "sim attach %r" % name)
        self.name = name
        self._att = _Attachment(h)

    def _h(self):
        att = self._att
        if att is None:
            raise ValueError("sim device %r is detached" % self.name)
        return att.h

    def read(self, addr, n):
        """n bytes of device memory at device address addr."""
        out = ctypes.create_string_buffer(n)
        ret = _lib.plbuf_sim_read(self._h(), addr, out, n)
        if ret < 0:
            raise _lib.error(-ret, "sim read", ValueError if -ret == errno.ERANGE else None)
        return out.raw

    def write(self, addr, data):
        """Writes bytes (or any contiguous buffer, a numpy array) at device address addr."""
        if isinstance(data, np.ndarray):
            data = np.ascontiguousarray(data).tobytes()
        else:
            data = bytes(data)
        ret = _lib.plbuf_sim_write(self._h(), addr, data, len(data))
        if ret < 0:
            raise _lib.error(-ret, "sim write", ValueError if -ret == errno.ERANGE else None)

    def translate(self, addr, n, dtype="u1"):
        """A writable numpy array over n bytes of device memory at addr (zero-copy).  It keeps
        the attachment alive, even after detach()."""
        dt = np.dtype(dtype)
        if n % dt.itemsize:
            raise ValueError("sim translate: %d bytes is not a whole number of %s" % (n, dt))
        p = _lib.plbuf_sim_translate(self._h(), addr, n)
        if not p:
            raise _range_error("sim translate")
        return np.asarray(_Window(self._att, p, n, dt))

    def detach(self):
        """No more access through this Device; the mapping goes when the arrays from
        translate() are gone too."""
        self._att = None

    close = detach

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.detach()

    def __repr__(self):
        return "<plbuf.sim.Device %r%s>" % (self.name, "" if self._att else " detached")


def attach(target):
    """Attaches to a sim context's memory: target is a plbuf.Context of the sim backend, or the
    name its sim_name gives (which another process can use)."""
    name = getattr(target, "sim_name", target)
    if not isinstance(name, str):
        raise ValueError("sim attach: %r is not a sim context or a sim memory name" % (target,))
    return Device(name)
