"""plbuf: DMA buffers for FPGA and accelerator IP as numpy arrays - pynq.allocate on any Linux.

    from plbuf import allocate
    buf = allocate(shape=(5,), dtype='u4')
    buf[:] = range(5)
    buf.flush()
    ip.write(0x10, buf.device_address)

See docs/python.md.  The C library (libplbuf.so) is found at $PLBUF_LIBRARY, then in the
repository's build/ directory, then where the dynamic loader finds libplbuf.so.0.
"""
from . import _lib
from .buffer import Buffer, PynqBuffer, allocate, dtype_info
from .context import Bank, Context, backends, default_context, probe
from . import sim
from .mmio import MMIO, IRQ  # registers and interrupts (docs/cosim.md)

__version__ = "0.1.0"
library_path = _lib.path

__all__ = ["allocate", "Buffer", "PynqBuffer", "Context", "Bank", "backends", "probe", "default_context",
           "dtype_info", "sim", "library_version", "library_path"]


def library_version():
    """Version of the loaded libplbuf."""
    return _lib.text(_lib.plbuf_version())
