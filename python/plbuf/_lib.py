"""libplbuf.so through ctypes: finding the library, the C prototypes, and C errors as exceptions.

The library is looked for, in this order, at $PLBUF_LIBRARY, at ../../build/libplbuf.so from this
package (the repository's own build), then wherever the dynamic loader finds libplbuf.so.0
(ldconfig's cache: `make install`).
"""
import ctypes
import ctypes.util
import errno as _errno
import os

_HERE = os.path.dirname(os.path.abspath(__file__))


def _candidates():
    env = os.environ.get("PLBUF_LIBRARY")
    if env:
        # An explicit choice is the only one: silently loading another copy would hide mistakes.
        return [env]
    out = [os.path.normpath(os.path.join(_HERE, "..", "..", "build", "libplbuf.so"))]
    found = ctypes.util.find_library("plbuf")
    out.append(found or "libplbuf.so.0")
    return out


def _load():
    errors = []
    for path in _candidates():
        if os.sep in path and not os.path.exists(path):
            errors.append("%s: no such file" % path)
            continue
        try:
            return ctypes.CDLL(path, use_errno=True), path
        except OSError as e:
            errors.append(str(e))
    raise ImportError(
        "plbuf: cannot load libplbuf.so (%s). Build it with `make` at the top of the "
        "repository, install it with `make install` (then run ldconfig), or set "
        "PLBUF_LIBRARY to its path." % "; ".join(errors))


lib, path = _load()

MAXDIM = 32
DTYPE_STRLEN = 64
NAMELEN = 32
NO_ADDRESS = (1 << 64) - 1
CACHEABLE_DEFAULT, CACHEABLE_YES, CACHEABLE_NO = 0, 1, 2

c_int64_p = ctypes.POINTER(ctypes.c_int64)

# The mirrors of plbuf.h's structs, field for field, reserved bytes included (python/tests/
# test_abi.py compares them with the C compiler's sizes and offsets).  On 32-bit systems a pointer
# in the options struct is followed by 4 reserved bytes (PLBUF_PTR_PAD_).  Their runs of alike
# fields are deliberate: each class is one C struct, and building them from shared pieces would
# spoil reading them line by line against plbuf.h.
_PTR_PAD = [("reserved1", ctypes.c_uint32)] if ctypes.sizeof(ctypes.c_void_p) == 4 else []


class DtypeInfo(ctypes.Structure):
    _fields_ = [
        ("str", ctypes.c_char * DTYPE_STRLEN),
        ("kind", ctypes.c_char),
        ("byteorder", ctypes.c_char),
        ("reserved0", ctypes.c_char * 2),
        ("nfields", ctypes.c_int),
        ("itemsize", ctypes.c_uint64),
        ("alignment", ctypes.c_uint64),
        ("subndim", ctypes.c_int),
        ("reserved1", ctypes.c_int32),
        ("subshape", ctypes.c_int64 * MAXDIM),
        ("base", ctypes.c_char * DTYPE_STRLEN),
        ("base_itemsize", ctypes.c_uint64),
        ("base_alignment", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64 * 10),
    ]


class BankInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char * NAMELEN),
        ("base", ctypes.c_uint64),
        ("size", ctypes.c_uint64),
        ("free", ctypes.c_uint64),
        ("largest", ctypes.c_uint64),
        ("coherent", ctypes.c_int),
        ("reserved0", ctypes.c_int32),
        ("reserved", ctypes.c_uint64 * 7),
    ]


class ProbeInfo(ctypes.Structure):
    _fields_ = [
        ("name", ctypes.c_char_p),
        ("summary", ctypes.c_char_p),
        ("usable", ctypes.c_int),
        ("rank", ctypes.c_int),
        ("why", ctypes.c_char * 256),
        ("reserved", ctypes.c_uint64 * 5),
    ]


class AllocOpts(ctypes.Structure):
    _fields_ = [
        ("order", ctypes.c_char),
        ("reserved0", ctypes.c_char * 3),
        ("cacheable", ctypes.c_int),
        ("bank", ctypes.c_char_p),
    ] + _PTR_PAD + [
        ("alignment", ctypes.c_uint64),
        ("zero", ctypes.c_int),
        ("reserved2", ctypes.c_int32),
        ("max_device_address", ctypes.c_uint64),
        ("reserved", ctypes.c_uint64 * 8),
    ]
    # The options in the order of their names, as positional arguments (the reserved bytes
    # between them stay zero, as the library requires).
    _OPTIONS = ("order", "cacheable", "bank", "alignment", "zero", "max_device_address")

    def __init__(self, *args, **kw):
        super().__init__(**dict(zip(self._OPTIONS, args)), **kw)


class SimAccess(ctypes.Structure):
    """struct plbuf_sim_access: one driver access to a device model's window."""
    _fields_ = [
        ("window", ctypes.c_int),
        ("write", ctypes.c_int),
        ("width", ctypes.c_int),
        ("reserved0", ctypes.c_uint32),
        ("offset", ctypes.c_uint64),
        ("value", ctypes.c_uint64),
        ("seq", ctypes.c_uint32),
        ("reserved1", ctypes.c_uint32),
        ("reserved", ctypes.c_uint64 * 4),
    ]


def _proto(name, restype, *argtypes):
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


vp, i64, u64, cint = ctypes.c_void_p, ctypes.c_int64, ctypes.c_uint64, ctypes.c_int

plbuf_errmsg = _proto("plbuf_errmsg", ctypes.c_char_p)
plbuf_strerror = _proto("plbuf_strerror", ctypes.c_char_p, cint)
plbuf_version = _proto("plbuf_version", ctypes.c_char_p)
plbuf_dtype_parse = _proto("plbuf_dtype_parse", cint, ctypes.c_char_p, ctypes.POINTER(DtypeInfo))

plbuf_open = _proto("plbuf_open", vp, ctypes.c_char_p, ctypes.c_char_p)
plbuf_close = _proto("plbuf_close", None, vp)
plbuf_ctx_backend = _proto("plbuf_ctx_backend", ctypes.c_char_p, vp)
plbuf_ctx_reason = _proto("plbuf_ctx_reason", ctypes.c_char_p, vp)
plbuf_ctx_line_size = _proto("plbuf_ctx_line_size", ctypes.c_size_t, vp)
plbuf_ctx_nbanks = _proto("plbuf_ctx_nbanks", cint, vp)
plbuf_ctx_bank = _proto("plbuf_ctx_bank", cint, vp, cint, ctypes.POINTER(BankInfo))
plbuf_probe = _proto("plbuf_probe", cint, cint, ctypes.POINTER(ProbeInfo))

plbuf_allocate = _proto("plbuf_allocate", vp, vp, cint, c_int64_p, ctypes.c_char_p,
                        ctypes.POINTER(AllocOpts))
plbuf_free = _proto("plbuf_free", cint, vp)
plbuf_data = _proto("plbuf_data", vp, vp)
plbuf_device_address = _proto("plbuf_device_address", u64, vp)
plbuf_physical_address = _proto("plbuf_physical_address", u64, vp)
plbuf_nbytes = _proto("plbuf_nbytes", u64, vp)
plbuf_dtype = _proto("plbuf_dtype", ctypes.POINTER(DtypeInfo), vp)
plbuf_coherent = _proto("plbuf_coherent", cint, vp)
plbuf_cacheable = _proto("plbuf_cacheable", cint, vp)
plbuf_backend = _proto("plbuf_backend", ctypes.c_char_p, vp)
plbuf_bank = _proto("plbuf_bank", ctypes.c_char_p, vp)

plbuf_flush = _proto("plbuf_flush", cint, vp)
plbuf_invalidate = _proto("plbuf_invalidate", cint, vp)
plbuf_flush_range = _proto("plbuf_flush_range", cint, vp, i64, u64)
plbuf_invalidate_range = _proto("plbuf_invalidate_range", cint, vp, i64, u64)

plbuf_sim_name = _proto("plbuf_sim_name", ctypes.c_char_p, vp)
plbuf_sim_attach = _proto("plbuf_sim_attach", vp, ctypes.c_char_p)
plbuf_sim_detach = _proto("plbuf_sim_detach", None, vp)
plbuf_sim_translate = _proto("plbuf_sim_translate", vp, vp, u64, u64)
plbuf_sim_read = _proto("plbuf_sim_read", cint, vp, u64, vp, u64)
plbuf_sim_write = _proto("plbuf_sim_write", cint, vp, u64, vp, u64)

# A writable memoryview over C memory, owned by nobody: the Buffer's lifetime rules keep the memory
# alive (buffer.py).  A memoryview rather than a ctypes array: ctypes caches one array type per
# length for ever.
_mv_from_memory = ctypes.pythonapi.PyMemoryView_FromMemory
_mv_from_memory.restype = ctypes.py_object
_mv_from_memory.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t, ctypes.c_int]
_PyBUF_WRITE = 0x200


def memory(ptr, nbytes):
    return _mv_from_memory(ptr, nbytes, _PyBUF_WRITE)


def text(b):
    return b.decode("utf-8", "replace") if b is not None else None


# errno -> exception class.  Argument errors are ValueError (as numpy raises for bad shapes),
# exhaustion is MemoryError, a freed handle is BufferError; the rest are OSError with the errno,
# which Python turns into FileNotFoundError, PermissionError, ... by itself.
_EXC = {
    _errno.EINVAL: ValueError,
    _errno.EOVERFLOW: ValueError,
    _errno.ENOMEM: MemoryError,
    _errno.ERANGE: MemoryError,
    _errno.EBADF: BufferError,
}


def error(err, what=None, exc=None):
    """The exception for a failed C call: its class from the errno, its text plbuf_errmsg()."""
    err = abs(err) if err else (ctypes.get_errno() or _errno.EIO)
    msg = text(plbuf_errmsg()) or text(plbuf_strerror(err))
    if what:
        msg = "%s: %s" % (what, msg)
    cls = exc or _EXC.get(err)
    if cls is None:
        return OSError(err, msg)
    e = cls(msg)
    e.errno = err
    return e


def check(ret, what=None, exc=None):
    if ret < 0:
        raise error(-ret, what, exc)
    return ret
