"""plbuf.Context: an open backend (plbuf_open / plbuf_close), its banks, and the default context.

Every call into libplbuf that uses a context's C handle runs between Context._enter() and _leave(): a count of
calls in flight, taken under the context's lock, so that close() (from another thread, or the exit
hook while a daemon thread is still allocating) never frees the C context under a running call.
A close() that finds calls in flight or live buffers only marks the context closing; the last call
or buffer to leave closes it.

Processes.  A context belongs to the process that opened it.  In a child made by fork() it is
inherited: its buffers stay mapped and usable, but it allocates nothing (the child would be handed
device memory the parent also holds) and the child never frees or closes anything of it (that
would free the parent's memory, BOs or files).  default_context() opens a fresh one in the child.
"""
import atexit
import errno
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
        info = _lib.BankInfo()
        h = self.context._enter("bank %s" % self.name, allocating=False)
        try:
            _lib.check(_lib.plbuf_ctx_bank(h, self.index, info), "bank")
        finally:
            self.context._leave()
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
        try:
            i = self._info()
        except (ValueError, OSError):
            i = None
        if i is None:
            return "<plbuf.Bank %s (context closed)>" % self.name
        return "<plbuf.Bank %s base=0x%x size=%d free=%d coherent=%s>" % (
            self.name, i.base, i.size, i.free, bool(i.coherent))


_open_contexts = weakref.WeakSet()
_pid = [os.getpid()]  # this process's id, kept up to date at fork (os.getpid() is a system call)


def _text_arg(what, value):
    """A str for the C library: UTF-8, and no NUL (C would silently cut the string there)."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise TypeError("%s must be a str, not %s" % (what, type(value).__name__))
    if "\0" in value:
        raise ValueError("%s %r contains a NUL character" % (what, value))
    try:
        return value.encode()
    except UnicodeEncodeError:
        raise ValueError("%s %r is not valid text" % (what, value)) from None


def _inherited_error(ctx, what):
    e = OSError(errno.ECHILD, "%s: this plbuf context (%s) was opened by process %d and inherited "
                "by fork() into process %d: it allocates nothing here, or the child would be "
                "handed device memory the parent holds.  Open a Context in the child, or use "
                "plbuf.allocate() without ctx= (the default context reopens in the child)"
                % (what, ctx.backend, ctx.pid, os.getpid()))
    return e


class Context:
    """An open plbuf backend: Context("sim", "coherent=0 line=16"), Context() for the automatic
    choice.  Buffers allocated from it keep it open: close() while some are alive closes it when
    the last of them is released (plbuf_close would otherwise take their memory away)."""

    def __init__(self, backend=None, options=None):
        self.handle = None
        self._live = 0          # allocations not yet returned to plbuf
        self._busy = 0          # calls into libplbuf in flight on this context
        self._closing = False
        self._lock = threading.Lock()
        self.pid = _pid[0]
        cname = _text_arg("backend name", backend)
        copts = _text_arg("options", options)
        if backend is not None and backend != "auto" and backend not in backends():
            raise ValueError("no backend %r in this libplbuf (%s); it has: %s"
                             % (backend, _lib.path, ", ".join(backends())))
        h = _lib.plbuf_open(cname, copts)
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

    @property
    def inherited(self):
        """True in a process that got this context by fork() rather than opening it."""
        return self.pid != os.getpid()

    def _enter(self, what, allocating=True):
        """The C handle, for a call into libplbuf: the context cannot be closed until the matching
        _leave().  allocating: refused while closing and in a forked child.  (A pair of methods,
        not a context manager: this is on allocate()'s hot path.)"""
        with self._lock:
            h = self.handle
            if not h:
                raise ValueError("%s: plbuf context (%s) is closed"
                                 % (what, getattr(self, "backend", "?")))
            if allocating:
                if self.pid != _pid[0]:
                    raise _inherited_error(self, what)
                if self._closing:
                    raise ValueError("%s: plbuf context (%s) is closing: it allocates no more"
                                     % (what, self.backend))
            self._busy += 1
        return h

    def _leave(self, acquired=False):
        """The call is over; acquired: it made an allocation (a live buffer)."""
        with self._lock:
            self._busy -= 1
            if acquired:
                self._live += 1
            h = self._take_if_done()
        if h:
            _lib.plbuf_close(h)

    def _take_if_done(self):
        """Under the lock: the C handle to close now, if close() was asked and nothing uses the
        context any more; None otherwise."""
        if not self._closing or self._busy or self._live or not self.handle:
            return None
        h, self.handle = self.handle, None
        if self.pid != _pid[0]:
            return None  # inherited: the parent's; forget it, never close it here
        return h

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
        """Closes the context now, or, while buffers from it are still alive or another thread is
        inside a call on it, as soon as the last of them is done.  Returns True when it was closed
        now.  In a forked child an inherited context is only forgotten: the parent's stays open."""
        with self._lock:
            if not self.handle:
                return True
            self._closing = True
            h = self._take_if_done()
            if not h and self.handle:
                return False
        if h:
            _lib.plbuf_close(h)
        return True

    def _released(self, alloc):
        """An allocation goes: plbuf_free (not in a forked child: the parent's memory), and close
        the context if it was waiting for this.  The handle is taken under the lock, so that two
        threads freeing one buffer free it once."""
        with self._lock:
            h, alloc.h = alloc.h, None
            if not h:
                return
            if self.handle and self.pid == _pid[0]:
                _lib.plbuf_free(h)
            self._live -= 1
            h = self._take_if_done()
        if h:
            _lib.plbuf_close(h)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        # Only reached when no buffer and no call refers to the context any more.
        h, self.handle = getattr(self, "handle", None), None
        if (h and getattr(self, "pid", None) == os.getpid() and _lib is not None
                and _lib.plbuf_close is not None):
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


def _usable(d):
    return d is not None and d.handle and not d._closing and d.pid == os.getpid()


def default_context():
    """The context allocate() uses without ctx=: Context() (PLBUF_BACKEND / PLBUF_OPTIONS apply),
    opened on first use, and opened afresh in a forked child (the parent's is inherited: it
    allocates nothing there)."""
    global _default
    d = _default
    if _usable(d):
        return d
    with _default_lock:
        if not _usable(_default):
            _default = Context()
        return _default


def _after_fork_in_child():
    # A lock another thread of the parent held at fork() would never be released in the child.
    global _default_lock
    _pid[0] = os.getpid()
    _default_lock = threading.Lock()
    for ctx in list(_open_contexts):
        ctx._lock = threading.Lock()
        ctx._busy = 0  # the threads inside calls were the parent's


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@atexit.register
def _at_exit():
    # A context with buffers still alive (a module-level `buf = allocate(...)`) is not closed: its
    # memory must outlive every array until the process is gone; nor one a (daemon) thread is
    # inside a call on: close() leaves it to that call, which never returns to Python once the
    # interpreter is gone, so the process exits with it open.  The sim backend's memory file would
    # outlive the process, though: unlink its name now; the mapping stays valid until exit.
    for ctx in list(_open_contexts):
        if not ctx.handle or ctx.pid != os.getpid():
            continue
        if not ctx.close() and ctx.sim_name:
            try:
                os.unlink("/dev/shm/" + ctx.sim_name)
            except OSError:
                pass
