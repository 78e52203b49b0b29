"""plbuf.Context: an open backend (plbuf_open / plbuf_close), its banks, and the default context."""
import atexit
import os
import threading
import weakref

from . import _lib

__all__ = ["Context", "Bank", "backends", "default_context"]


class Bank:
    """A memory bank of a context, usable as allocate()'s target (like PYNQ's ol.DDR0).
    free and largest are read from the pool each time."""

    __slots__ = ("context", "index", "name")

    def __init__(self, context, index, name):
        self.context, self.index, self.name = context, index, name

    def _info(self):
        h = self.context.handle
        if not h:
            raise ValueError("bank %s: its context is closed" % self.name)
        info = _lib.BankInfo()
        _lib.check(_lib.plbuf_ctx_bank(h, self.index, info), "bank")
        return info

    base = property(lambda self: self._info().base, doc="lowest device address (0: unknown)")
    size = property(lambda self: self._info().size, doc="bytes the bank holds (0: unknown)")
    free = property(lambda self: self._info().free, doc="bytes not allocated")
    largest = property(lambda self: self._info().largest, doc="largest allocation possible now")
    coherent = property(lambda self: bool(self._info().coherent),
                        doc="cached buffers in this bank need no flush/invalidate")

    def allocate(self, shape, dtype="u4", **kwargs):
        from .buffer import allocate
        return allocate(shape, dtype, target=self, **kwargs)

    def __repr__(self):
        i = self._info() if self.context.handle else None
        if i is None:
            return "<plbuf.Bank %s (context closed)>" % self.name
        return "<plbuf.Bank %s base=0x%x size=%d free=%d coherent=%s>" % (
            self.name, i.base, i.size, i.free, bool(i.coherent))


_open_contexts = weakref.WeakSet()


class Context:
    """An open plbuf backend: Context("sim", "coherent=0 line=16"), Context() for the automatic
    choice.  Buffers allocated from it keep it open: close() while some are alive closes it when
    the last of them is released (plbuf_close would otherwise take their memory away)."""

    def __init__(self, backend=None, options=None):
        self.handle = None
        self._live = 0          # allocations not yet returned to plbuf
        self._closing = False
        self._lock = threading.Lock()
        if backend is not None and backend != "auto" and backend not in backends():
            raise ValueError("no backend %r in this libplbuf (%s); it has: %s"
                             % (backend, _lib.path, ", ".join(backends())))
        h = _lib.plbuf_open(backend.encode() if backend else None,
                            options.encode() if options else None)
        if not h:
            raise _lib.error(0, "plbuf_open(%r)" % (backend or "auto"))
        self.handle = h
        self.backend = _lib.text(_lib.plbuf_ctx_backend(h))
        self.reason = _lib.text(_lib.plbuf_ctx_reason(h))
        self.line_size = _lib.plbuf_ctx_line_size(h)
        n = _lib.check(_lib.plbuf_ctx_nbanks(h), "banks")
        self.banks = []
        for i in range(n):
            info = _lib.BankInfo()
            _lib.check(_lib.plbuf_ctx_bank(h, i, info), "bank")
            self.banks.append(Bank(self, i, _lib.text(info.name)))
        name = _lib.plbuf_sim_name(h)
        self.sim_name = _lib.text(name) if name else None
        _open_contexts.add(self)

    def _handle(self):
        """The C context, for a new allocation."""
        if not self.handle:
            raise ValueError("plbuf context (%s) is closed" % getattr(self, "backend", "?"))
        if self._closing:
            raise ValueError("plbuf context (%s) is closing: it allocates no more" % self.backend)
        return self.handle

    def bank(self, name):
        for b in self.banks:
            if b.name == name:
                return b
        raise ValueError("no bank %r in backend %s; its banks are: %s"
                         % (name, self.backend, ", ".join(b.name for b in self.banks)))

    def __getattr__(self, name):
        # ctx.DDR0, as PYNQ's overlay exposes its memories; only for names of banks.
        banks = self.__dict__.get("banks")
        if banks:
            for b in banks:
                if b.name == name:
                    return b
        raise AttributeError(name)

    def allocate(self, shape, dtype="u4", target=None, **kwargs):
        from .buffer import allocate
        return allocate(shape, dtype, target, ctx=self, **kwargs)

    def device(self):
        """The sim backend's device side, attached to this context's memory (plbuf.sim.attach)."""
        from . import sim
        return sim.attach(self)

    @property
    def closed(self):
        return self.handle is None

    @property
    def live_buffers(self):
        """Allocations of this context whose memory has not gone back to plbuf yet."""
        return self._live

    def close(self):
        """Closes the context now, or, while buffers from it are still alive, as soon as the last
        of them is released.  Returns True when it was closed now."""
        with self._lock:
            if not self.handle:
                return True
            self._closing = True
            if self._live:
                return False
            h, self.handle = self.handle, None
        _lib.plbuf_close(h)
        return True

    # Allocation bookkeeping, called by buffer.py.
    def _acquired(self):
        with self._lock:
            self._live += 1

    def _released(self):
        with self._lock:
            self._live -= 1
            if self._live or not self._closing or not self.handle:
                return
            h, self.handle = self.handle, None
        _lib.plbuf_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Only reached when no buffer refers to the context any more.
        h, self.handle = getattr(self, "handle", None), None
        if h and _lib is not None and _lib.plbuf_close is not None:
            _lib.plbuf_close(h)

    def __repr__(self):
        state = "closed" if not self.handle else ("closing" if self._closing else "open")
        return "<plbuf.Context %s %s, banks %s, %d live buffers>" % (
            getattr(self, "backend", "?"), state,
            ", ".join(b.name for b in getattr(self, "banks", [])), self._live)


def backends():
    """Names of the backends compiled into the loaded libplbuf."""
    info = _lib.ProbeInfo()
    n = _lib.plbuf_probe(-1, None)
    names = []
    for i in range(n):
        _lib.plbuf_probe(i, info)
        names.append(_lib.text(info.name))
    return names


def probe():
    """[(name, usable, rank, why)] for every backend, as `plbuf info` shows them."""
    info = _lib.ProbeInfo()
    out = []
    for i in range(_lib.plbuf_probe(-1, None)):
        _lib.plbuf_probe(i, info)
        out.append((_lib.text(info.name), bool(info.usable), info.rank, _lib.text(info.why)))
    return out


_default = None
_default_lock = threading.Lock()


def default_context():
    """The context allocate() uses without ctx=: Context() (PLBUF_BACKEND / PLBUF_OPTIONS apply),
    opened on first use."""
    global _default
    d = _default
    if d is not None and d.handle and not d._closing:
        return d
    with _default_lock:
        if _default is None or not _default.handle or _default._closing:
            _default = Context()
        return _default


@atexit.register
def _at_exit():
    # A context with buffers still alive (a module-level `buf = allocate(...)`) is not closed: its
    # memory must outlive every array until the process is gone.  The sim backend's memory file
    # would outlive the process, though: unlink its name now; the mapping stays valid until exit.
    for ctx in list(_open_contexts):
        if not ctx.handle:
            continue
        if ctx._live == 0:
            ctx.close()
        elif ctx.sim_name:
            try:
                os.unlink("/dev/shm/" + ctx.sim_name)
            except OSError:
                pass
