"""Can anything that is not a Buffer still reach an allocation's memory?  freebuffer() asks before
it gives the memory back.

freebuffer() empties every Buffer of the allocation (the root allocate() returned and its Buffer
views: numpy gives them no way to be re-pointed but __setstate__, which we use).  What it cannot
empty are raw holders: numpy arrays that are not Buffers (np.asarray(b), b.view(np.ndarray),
np.frombuffer(b)), memoryviews, ctypes objects.  Each of them holds a reference to the root or to
a Buffer view.  Everything else that refers to them is harmless once they are emptied: variables,
lists, tuples, dicts, attributes, cells, bound methods.  So the memory may go back at once when every reference to
the root and to its Buffer views is explained as harmless:

    extra = sys.getrefcount(x) - BASE   (BASE: the count for an object referred to by nothing)
    extra -= references found in the variables of the calling frames, their globals and the
             attribute dicts of objects those frames hold              (fast: no heap scan)
    if extra: recount with gc.get_referrers(): containers, cells, Buffer views (and theirs)

and extra == 0 for all of them.  A reference this cannot explain (a raw holder, or a container it
does not know) makes freebuffer() leave the memory to the garbage collector: it errs on the side
of waiting.  BASE is measured at import on a probe that goes through the same statements, and a
self-test checks that each kind of reference adds what it should; if it fails (an interpreter that
counts otherwise), freebuffer() always waits.

Python <= 3.12 keeps, per function frame, one dict snapshot of its variables (frame.f_locals, the
same dict locals() returns).  It is synced before counting, so that its references are all in the
count, and it is never cleared while anything but the frame holds it (locals() users keep theirs).
"""
import collections
import gc
import sys
import types

import numpy as np

_CO_OPTIMIZED = 0x1
_MAX_FRAMES = 8
# <= 3.12: f_locals of a function frame is a dict cached on the frame; 3.13 (PEP 667) a proxy.
_SNAPSHOTS = sys.version_info < (3, 13)


def _frames(frame):
    depth = 0
    while frame is not None and depth < _MAX_FRAMES:
        yield frame
        frame = frame.f_back
        depth += 1


def _sync(f, obj, touched):
    """Brings frame f's f_locals snapshot up to date; returns by how much that changed obj's
    reference count (the snapshot's references are then all in the count, and counted)."""
    if not (_SNAPSHOTS and f.f_code.co_flags & _CO_OPTIMIZED):
        return 0
    before = sys.getrefcount(obj)
    d = f.f_locals  # the access is the sync
    touched.append(f)
    touched.append(d)
    del d
    return sys.getrefcount(obj) - before


def release_snapshots(touched):
    """Drops the references our syncs put in snapshots nobody holds (they would keep every local
    alive until the function returns).  A snapshot someone holds (d = locals()) is left alone."""
    # touched: frame, its snapshot, frame, snapshot...  Each snapshot is held by its frame, by
    # touched and by getrefcount's argument when nobody else holds it.
    for i in range(1, len(touched), 2):
        if type(touched[i]) is dict and sys.getrefcount(touched[i]) <= SNAPSHOT_UNHELD:
            touched[i].clear()
    del touched[:]


def _instance_dict(v):
    """v's own attribute dict, or None: never one a property named __dict__ would make up (a dict
    made now holds references that were not in the count)."""
    if isinstance(v, type):
        return None
    for klass in type(v).__mro__:
        desc = klass.__dict__.get("__dict__")
        if desc is not None:
            if type(desc) is not types.GetSetDescriptorType:
                return None
            d = desc.__get__(v, type(v))
            return d if type(d) is dict else None
    return None


def _count(values, x):
    # A loop, not a generator expression: a closure over x would be one more reference to it
    # (a cell), which gc.get_referrers() would find and count as harmless.
    n = 0
    for v in values:
        if v is x:
            n += 1
    return n


def _fast_locals(obj, frame, seen, with_snapshots, touched, need=None):
    """-> (found, delta): references to obj held by the variables of the calling frames, and how
    much syncing their snapshots changed obj's count.  with_snapshots: also those of their f_locals
    dicts, their globals and the attribute dicts of objects they hold (the fast count); without:
    only the frames' own slots (the rest is for gc.get_referrers).  Stops once found reaches
    need + delta (the references left to explain)."""
    found = delta = 0
    for f in _frames(frame):
        if need is not None and found >= need + delta:
            break
        if f not in touched:
            delta += _sync(f, obj, touched)
        code = f.f_code
        loc = f.f_locals
        optimized = code.co_flags & _CO_OPTIMIZED
        if not optimized:
            # Module or class body: f_locals is a real dict (globals for a module).
            if with_snapshots and id(loc) not in seen:
                seen.add(id(loc))
                found += _count(loc.values(), obj)
        else:
            cells, free = code.co_cellvars, code.co_freevars
            snap = type(loc) is dict
            if with_snapshots and snap:
                seen.add(id(loc))
            vals = []
            for k, v in loc.items():
                vals.append(v)
                if v is not obj:
                    continue
                if k in free:
                    # The cell is the owner frame's to count; a snapshot entry is this frame's.
                    found += 1 if (with_snapshots and snap) else 0
                elif k in cells:
                    found += (1 if with_snapshots else 0) + (1 if (with_snapshots and snap) else 0)
                else:
                    found += 1 + (1 if (with_snapshots and snap) else 0)
            if with_snapshots and (need is None or found < need + delta):
                for v in vals:
                    d = None if v is obj else _instance_dict(v)
                    if d is not None and id(d) not in seen:
                        seen.add(id(d))
                        found += _count(d.values(), obj)
            del vals
        del loc
        if with_snapshots:
            g = f.f_globals
            if id(g) not in seen:
                seen.add(id(g))
                found += _count(g.values(), obj)
    return found, delta


def unexplained(n, base, obj, frame, touched):
    """-> (left, n): how many of obj's n references (sys.getrefcount, first thing in
    freebuffer/__exit__) are not variables, and n as the snapshot syncs changed it.  The frames
    synced are added to touched (for release_snapshots)."""
    extra = n - base
    if extra > 0:
        found, delta = _fast_locals(obj, frame, set(), True, touched, extra)
        n += delta
        extra += delta - found
    return extra, n


_CONTAINERS = (list, tuple, collections.deque)


def _harmless_in(r, x):
    """References to x held by referrer r, when r cannot reach memory through them."""
    t = type(r)
    if t in _CONTAINERS:
        return _count(r, x)
    if isinstance(r, dict):
        return _count(r.values(), x)
    if t is types.MethodType:  # b.freebuffer kept somewhere: it reaches only the emptied b
        # (but not the with statement's own bound __exit__: BASE_EXIT counts that one)
        return 1 if r.__self__ is x and r.__func__.__name__ != "__exit__" else 0
    if t is types.CellType:
        try:
            return 1 if r.cell_contents is x else 0
        except ValueError:
            return 0
    return 0


def recount(root, n_root, base, frame, views, touched):
    """The thorough count, with gc.get_referrers: how many references to the root and to its live
    Buffer views (the list `views`, its only holder here) are neither variables, nor containers,
    nor one of these arrays' base.  (numpy's base links are invisible to gc: they are counted from
    the arrays themselves.)"""
    # No generator expression or closure here: see _count().  Every frame synced first, so that
    # n_root and the snapshots gc.get_referrers() will see agree.
    for f in _frames(frame):
        if f not in touched:
            n_root += _sync(f, root, touched)
    cand = [root]
    cand.extend(views)
    args = tuple(cand)
    refs = []
    for r in gc.get_referrers(*args):
        if r is cand or r is views or r is args or type(r) is types.FrameType:
            continue
        refs.append(r)
    r = None
    del cand, args
    bases = []
    for v in views:
        bases.append(np.ndarray.base.__get__(v))
    v = None
    left = n_root - base - _fast_locals(root, frame, set(), False, touched)[0] - _count(bases, root)
    for r in refs:
        left -= _harmless_in(r, root)
    r = None
    for i in range(len(views)):
        # views[i] is held by `views` and by getrefcount's argument.
        nv = sys.getrefcount(views[i]) - VIEW_BASE
        nv -= _fast_locals(views[i], frame, set(), False, touched)[0] + _count(bases, views[i])
        for r in refs:
            nv -= _harmless_in(r, views[i])
        r = None
        left += max(nv, 0)
    del refs, bases
    return left


def left(n, base, obj, frame, views=None):
    """unexplained(), then recount() when it leaves references (with the views given), then the
    snapshots released: what freebuffer() does, for the self-test and the tests."""
    touched = []
    try:
        r, n = unexplained(n, base, obj, frame, touched)
        if views is not None and (r or views):
            r = recount(obj, n, base, frame, views, touched)
        return r
    finally:
        release_snapshots(touched)


# ---------------------------------------------------------------- calibration and self-test
_seen = []


class _Probe(np.ndarray):
    # The same first statements as Buffer.freebuffer and Buffer.__exit__.
    def freebuffer(self):
        n = sys.getrefcount(self)
        return n, sys._getframe(1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        n = sys.getrefcount(self)
        _seen.append((n, sys._getframe(1)))
        return False


def _root():
    return np.ndarray.__new__(_Probe, (4,), "u1", buffer=memoryview(bytearray(4)))


class _Obj:
    pass


def _unheld_snapshot_count():
    def f():
        touched = [None, sys._getframe().f_locals]
        return sys.getrefcount(touched[1])
    return f()  # the frame, the list and the argument, as in release_snapshots


SNAPSHOT_UNHELD = 0
VIEW_BASE = 2


def _calibrate():
    global SNAPSHOT_UNHELD
    if not hasattr(sys, "getrefcount") or not hasattr(sys, "_getframe"):
        return 0, 0, False
    SNAPSHOT_UNHELD = _unheld_snapshot_count() if _SNAPSHOTS else 0
    base_call = _root().freebuffer()[0]
    with _root():
        pass
    base_exit = _seen.pop()[0]

    def lft(p, views=None):
        n, frame = p.freebuffer()
        try:
            return left(n, base_call, p, frame, views)
        finally:
            del frame  # a frame referring to itself would keep p until the cyclic collector runs

    ok = []
    p = _root()
    n, frame = p.freebuffer()
    ok.append(left(n, base_call, p, frame) == 0)  # the caller's variable
    del frame
    ok.append(lft(p) == 0)  # and the variable of the caller's caller
    v = p.view(np.ndarray)
    ok.append(lft(p) == 1 and lft(p, []) == 1 and v.base is p)
    m = memoryview(p)
    ok.append(lft(p) == 2 and lft(p, []) == 2)
    del v, m
    w = p[1:]  # a probe view: explained by the thorough count
    ok.append(lft(p) == 1 and lft(p, [w]) == 0 and w.base is p)
    w2 = w[1:]
    ok.append(lft(p, [w, w2]) == 0)
    del w2
    wm = memoryview(w)  # ... unless something raw holds the view
    ok.append(lft(p, [w]) == 1)
    del wm
    lst = [w, p, (p,)]
    ok.append(lft(p) == 3 and lft(p, [w]) == 0)  # containers: the thorough count looks in
    del w, lst
    ok.append(lft(p) == 0)
    loc = locals()  # a snapshot someone holds is counted, and kept
    ok.append(lft(p) == 0 and loc.get("p") is p and lft(p) == 0)
    del loc
    o = _Obj()
    o.buf = p
    ok.append(lft(p) == 0)  # an attribute of an object the caller holds is a variable
    del o

    def closure():
        n, frame = q.freebuffer()
        try:
            return left(n, base_call, q, frame)
        finally:
            del frame
    q = p
    del p
    ok.append(closure() == 0)
    keep = q[2:].view(np.ndarray)
    ok.append(closure() == 1)  # the cell is counted once, the raw view is not explained
    del keep
    with _root() as r:
        pass
    n, frame = _seen.pop()
    ok.append(left(n, base_exit, r, frame) == 0)
    with _root() as r:
        keep = r[1:].view(np.ndarray)
    n, frame = _seen.pop()
    ok.append(left(n, base_exit, r, frame) == 1)
    with _root() as r:
        w = r[1:]
    n, frame = _seen.pop()
    ok.append(left(n, base_exit, r, frame, [w]) == 0)
    del frame, keep, w
    if "PLBUF_REFS_DEBUG" in __import__("os").environ:
        print(ok)
    return base_call, base_exit, all(ok)


BASE_CALL, BASE_EXIT, ENABLED = _calibrate()
