"""Is anything but variables still referring to an array?  freebuffer() asks before it frees.

Every numpy array, memoryview or ctypes object that can reach a Buffer's memory holds a reference to
the root Buffer (numpy's base chain ends there; buffer exports hold the exporter).  Variables,
lists, attribute dictionaries and frames hold references too, and those are harmless: once the
root has been emptied they only see an empty array.  freebuffer() may give the memory back at once
only when every reference but its own is known to be harmless:

    extra = sys.getrefcount(root) - BASE   (BASE: the count for a root referred to by nothing)
    extra -= references found in the variables of the calling frames (and of their globals, and
             the attribute dictionaries of objects the caller holds: self.buf)

and extra == 0.  A reference this cannot explain (a view, or a container it does not look into)
makes freebuffer() leave the memory to the garbage collector: it errs on the side of waiting.
BASE is measured at import on a probe that goes through the same statements, and a self-test checks
that each kind of reference adds what it should; if it fails (an interpreter that counts otherwise),
freebuffer() always waits.
"""
import sys
import types

import numpy as np

_CO_OPTIMIZED = 0x1
_MAX_FRAMES = 8


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


def harmless(obj, frame, need):
    """References to obj found in variables: frames from `frame` outwards, their globals, and the
    attribute dicts of objects in those frames' variables.  Stops once `need` are found.
    Each container is looked at once, so no reference is counted twice."""
    seen = set()
    found = 0
    depth = 0
    while frame is not None and depth < _MAX_FRAMES:
        code = frame.f_code
        loc = frame.f_locals
        vals = ()
        if id(loc) not in seen:
            seen.add(id(loc))
            # A free variable is a cell owned by an enclosing frame, which counts it itself.
            free = code.co_freevars
            vals = [v for k, v in loc.items() if k not in free] if free else list(loc.values())
            if type(loc) is dict and code.co_flags & _CO_OPTIMIZED:
                # A function's f_locals is a snapshot that would otherwise keep every local alive
                # (and count twice next time) until the function returns.
                loc.clear()
            found += sum(1 for v in vals if v is obj)
            if found >= need:
                return found
        g = frame.f_globals
        if id(g) not in seen:
            seen.add(id(g))
            found += sum(1 for v in g.values() if v is obj)
            if found >= need:
                return found
        for v in vals:
            d = None if v is obj else _instance_dict(v)
            if d is not None and id(d) not in seen:
                seen.add(id(d))
                found += sum(1 for x in d.values() if x is obj)
        if found >= need:
            return found
        del vals
        frame = frame.f_back
        depth += 1
    return found


def unexplained(n, base, obj, frame):
    """How many of obj's n references (sys.getrefcount in freebuffer/__exit__) are not variables."""
    extra = n - base
    if extra > 0:
        extra -= harmless(obj, frame, extra)
    return extra


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


def _calibrate():
    if not hasattr(sys, "getrefcount") or not hasattr(sys, "_getframe"):
        return 0, 0, False
    base_call = _root().freebuffer()[0]
    with _root():
        pass
    base_exit = _seen.pop()[0]

    def left(p):
        n, frame = p.freebuffer()
        try:
            return unexplained(n, base_call, p, frame)
        finally:
            del frame  # a frame referring to itself would keep p until the cyclic collector runs

    ok = []
    p = _root()
    n, frame = p.freebuffer()
    ok.append(unexplained(n, base_call, p, frame) == 0)  # the caller's variable
    ok.append(left(p) == 0)  # and the variable of the caller's caller
    v = p.view(np.ndarray)
    ok.append(left(p) == 1 and v.base is p)
    m = memoryview(p)
    ok.append(left(p) == 2)
    w = p[1:]
    ok.append(left(p) == 3 and w.base is p)
    del v, m, w
    ok.append(left(p) == 0)
    lst = [p]
    ok.append(left(p) == 1)  # a list: not looked into, so it counts as unexplained
    del lst
    o = _Obj()
    o.buf = p
    ok.append(left(p) == 0)  # an attribute of an object the caller holds is a variable
    del o

    def closure():
        n, frame = q.freebuffer()
        try:
            return unexplained(n, base_call, q, frame)
        finally:
            del frame
    q = p
    del p
    ok.append(closure() == 0)
    keep = q[2:]
    ok.append(closure() == 1)  # the cell is counted once, the view is not explained
    del keep
    with _root() as r:
        pass
    n, frame = _seen.pop()
    ok.append(unexplained(n, base_exit, r, frame) == 0)
    with _root() as r:
        keep = r[1:]
    n, frame = _seen.pop()
    ok.append(unexplained(n, base_exit, r, frame) == 1)
    del frame, keep
    return base_call, base_exit, all(ok)


BASE_CALL, BASE_EXIT, ENABLED = _calibrate()
