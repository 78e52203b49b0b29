"""Registers and interrupts of IP: PYNQ's MMIO over plbuf's register windows (docs/cosim.md).

    from plbuf import MMIO
    ip = MMIO(0x43c00000, 0x10000)      # by physical address, through /dev/mem (PYNQ's way)
    ip.write(0x10, buf.device_address)  # 32-bit, after buf.flush(): the write is ordered after it
    ip.read(0x0)

    MMIO.uio("my_ip")                   # a UIO device's map (by name, uioN, or number)
    MMIO.sim(ctx, "cdma")               # a sim device model's window (an RTL simulator's)
    MMIO.vfio(ctx, 0)                   # BAR 0 of a vfio context's device

Reads and writes are single accesses of 1, 2, 4 or 8 bytes with the barriers a driver needs;
offsets outside the window raise IndexError, misaligned ones ValueError.  IRQ waits for the IP's
interrupt and has a fileno() for select/asyncio.
"""
import ctypes
import errno

from . import _lib

__all__ = ["MMIO", "IRQ"]

_vp, _u64, _int, _cp = ctypes.c_void_p, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p
_open_phys = _lib._proto("plbuf_mmio_open_phys", _vp, _u64, _u64)
_open_uio = _lib._proto("plbuf_mmio_open_uio", _vp, _cp, _int)
_open_sim = _lib._proto("plbuf_mmio_open_sim", _vp, _vp, _cp)
_open_vfio = _lib._proto("plbuf_mmio_open_vfio", _vp, _vp, _int)
_close = _lib._proto("plbuf_mmio_close", None, _vp)
_length = _lib._proto("plbuf_mmio_length", _u64, _vp)
_address = _lib._proto("plbuf_mmio_address", _u64, _vp)
_read = _lib._proto("plbuf_mmio_read", _int, _vp, _u64, _int, ctypes.POINTER(_u64))
_write = _lib._proto("plbuf_mmio_write", _int, _vp, _u64, _int, _u64)
_irq_uio = _lib._proto("plbuf_irq_open_uio", _vp, _cp)
_irq_sim = _lib._proto("plbuf_irq_open_sim", _vp, _vp, _int)
_irq_vfio = _lib._proto("plbuf_irq_open_vfio", _vp, _vp, _int, _int)
_irq_wait = _lib._proto("plbuf_irq_wait", _int, _vp, _int)
_irq_fd = _lib._proto("plbuf_irq_fd", _int, _vp)
_irq_enable = _lib._proto("plbuf_irq_enable", _int, _vp)
_irq_close = _lib._proto("plbuf_irq_close", None, _vp)


def _fail(ret, what):
    err = -ret if ret else (ctypes.get_errno() or errno.EIO)
    exc = {errno.ERANGE: IndexError, errno.EINVAL: ValueError}.get(err)
    return _lib.error(err, what, exc)


def _ctx_handle(ctx):
    h = getattr(ctx, "handle", None)
    if not h:
        raise ValueError("a plbuf.Context is needed (an open one)")
    return h


class MMIO:
    """A register window: PYNQ's pynq.MMIO(base_addr, length) with read/write by offset."""

    def __init__(self, base_addr, length=4, *, _handle=None, _keep=None):
        if _handle is None:
            _handle = _open_phys(base_addr, length)
            if not _handle:
                raise _fail(0, "MMIO(0x%x, %d)" % (base_addr, length))
        self._h = _handle
        self._keep = _keep  # the context a sim/vfio window belongs to stays open
        self.length = _length(_handle)
        addr = _address(_handle)
        self.base_addr = None if addr == _lib.NO_ADDRESS else addr

    @classmethod
    def uio(cls, device, map=0):
        h = _open_uio(str(device).encode(), map)
        if not h:
            raise _fail(0, "MMIO.uio(%r, %d)" % (device, map))
        return cls(0, _handle=h)

    @classmethod
    def sim(cls, ctx, window):
        h = _open_sim(_ctx_handle(ctx), window.encode())
        if not h:
            raise _fail(0, "MMIO.sim(%r)" % window)
        return cls(0, _handle=h, _keep=ctx)

    @classmethod
    def vfio(cls, ctx, bar):
        h = _open_vfio(_ctx_handle(ctx), bar)
        if not h:
            raise _fail(0, "MMIO.vfio(BAR %d)" % bar)
        return cls(0, _handle=h, _keep=ctx)

    def _handle(self):
        if not self._h:
            raise ValueError("the MMIO window is closed")
        return self._h

    def read(self, offset=0, length=4):
        """The register at offset as an unsigned int of length bytes (1, 2, 4 or 8)."""
        v = _u64()
        r = _read(self._handle(), offset, length, ctypes.byref(v))
        if r < 0:
            raise _fail(r, "MMIO.read(0x%x, %d)" % (offset, length))
        return v.value

    def write(self, offset, data, length=4):
        """Writes data (an int, as length bytes; or bytes, 4 at a time) at offset."""
        if isinstance(data, (bytes, bytearray, memoryview)):
            data = bytes(data)
            if len(data) % 4:
                raise ValueError("MMIO.write: bytes must be a multiple of 4 long")
            for i in range(0, len(data), 4):
                self.write(offset + i, int.from_bytes(data[i:i + 4], "little"))
            return
        value = int(data)
        if value < 0:
            value &= (1 << (8 * length)) - 1  # PYNQ accepts negative 32-bit values
        r = _write(self._handle(), offset, length, value)
        if r < 0:
            raise _fail(r, "MMIO.write(0x%x)" % offset)

    def close(self):
        h, self._h = self._h, None
        if h:
            _close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        if _lib is not None and getattr(self, "_h", None):
            self.close()


class IRQ:
    """An IP's interrupt: IRQ.uio(dev), IRQ.sim(ctx, line), IRQ.vfio(ctx, index, vector)."""

    def __init__(self, handle, keep=None):
        self._h = handle
        self._keep = keep

    @classmethod
    def uio(cls, device):
        h = _irq_uio(str(device).encode())
        if not h:
            raise _fail(0, "IRQ.uio(%r)" % device)
        return cls(h)

    @classmethod
    def sim(cls, ctx, line=0):
        h = _irq_sim(_ctx_handle(ctx), line)
        if not h:
            raise _fail(0, "IRQ.sim(%d)" % line)
        return cls(h, ctx)

    @classmethod
    def vfio(cls, ctx, index=0, vector=0):
        h = _irq_vfio(_ctx_handle(ctx), index, vector)
        if not h:
            raise _fail(0, "IRQ.vfio(%d, %d)" % (index, vector))
        return cls(h, ctx)

    def wait(self, timeout=None):
        """Waits for the interrupt (timeout in seconds, None: forever); returns how many came.
        Raises TimeoutError."""
        if not self._h:
            raise ValueError("the IRQ is closed")
        ms = -1 if timeout is None else int(timeout * 1000)
        r = _irq_wait(self._h, ms)
        if r < 0:
            raise TimeoutError(_lib.text(_lib.plbuf_errmsg())) if r == -errno.ETIMEDOUT \
                else _fail(r, "IRQ.wait")
        return r

    def enable(self):
        """Arms the line again now (after handling an interrupt seen through fileno())."""
        r = _irq_enable(self._h)
        if r < 0:
            raise _fail(r, "IRQ.enable")

    def fileno(self):
        return _irq_fd(self._h)

    def close(self):
        h, self._h = self._h, None
        if h:
            _irq_close(h)

    def __del__(self):
        if _lib is not None and getattr(self, "_h", None):
            self.close()
