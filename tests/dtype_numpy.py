#!/usr/bin/python3
"""numpy's reading of each dtype string in a corpus, for tests/t_dtype_numpy.c.

Usage: dtype_numpy.py CORPUS

CORPUS holds one dtype string per line.  Lines starting with '#' and empty lines are skipped.
Escapes: \\\\ \\t \\n \\r \\v \\f, \\xHH (one byte; bytes are then read as UTF-8), and \\e, which
stands for nothing (a line "\\e" is the empty string).  tests/t_dtype_numpy.c decodes the same way.

For each string, prints one line:
  OK <itemsize> <kind> <str> <alignment> <nfields> <byteorder> <subndim> <base.str> \
<base.itemsize> <shape>
where nfields is len(dtype.fields) (0 when not a record), subndim is len(dtype.shape) and shape
is dtype.shape joined with ',' ('-' when empty); or
  ERR <why>
when numpy rejects the string, and also where plbuf rejects it on purpose: object dtypes (DMA
cannot carry Python object pointers), dtypes numpy 1.24 gives a negative itemsize or field offset
("S-1": its C int wraps), and strings that crash numpy ("M8[s/0]": SIGFPE).  Each string is tried
in a forked child so that a crash costs one line, not the run.

Exits 77 after printing "SKIP: ..." when numpy cannot be imported.
"""
import os
import sys
import warnings


def decode(line):
    out = bytearray()
    i = 0
    while i < len(line):
        b = line[i]
        if b != 0x5C:  # backslash
            out.append(b)
            i += 1
            continue
        esc = line[i + 1:i + 2]
        simple = {b'\\': 0x5C, b't': 9, b'n': 10, b'r': 13, b'v': 11, b'f': 12}
        if esc in simple:
            out.append(simple[esc])
            i += 2
        elif esc == b'e':
            i += 2
        elif esc == b'x' and len(line) >= i + 4:
            out.append(int(line[i + 2:i + 4], 16))
            i += 4
        else:
            raise ValueError('bad escape in corpus line %r' % line)
    return bytes(out)


def read_corpus(path):
    with open(path, 'rb') as f:
        lines = f.read().split(b'\n')
    if lines and lines[-1] == b'':
        lines.pop()
    return [decode(ln) for ln in lines if ln and not ln.startswith(b'#')]


def printable(msg):
    return ''.join(ch if ' ' <= ch <= '~' else '?' for ch in msg)[:160]


def negative(d):
    """numpy 1.24 builds some dtypes with a negative size or offset (its C ints wrap)."""
    if d.itemsize < 0:
        return True
    if d.subdtype is not None and negative(d.subdtype[0]):
        return True
    for field in (d.fields or {}).values():
        if field[1] < 0 or negative(field[0]):
            return True
    return False


def answer(np, raw):
    try:
        s = raw.decode('utf-8')
    except UnicodeDecodeError:
        return 'ERR not UTF-8'
    try:
        d = np.dtype(s)
    except Exception as e:  # TypeError, ValueError, SyntaxError (from ast.literal_eval), ...
        return 'ERR numpy: %s: %s' % (type(e).__name__, printable(str(e)))
    if d.hasobject:
        return 'ERR object'
    if negative(d):
        return 'ERR negative itemsize or offset'
    shape = ','.join(str(n) for n in d.shape) or '-'
    return 'OK %d %s %s %d %d %s %d %s %d %s' % (
        d.itemsize, d.kind, d.str, d.alignment, len(d.fields) if d.fields else 0,
        d.byteorder, len(d.shape), d.base.str, d.base.itemsize, shape)


def isolated(np, raw):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            msg = answer(np, raw)
        except BaseException as e:  # noqa: B902 - anything at all is numpy refusing
            msg = 'ERR python: %s' % type(e).__name__
        os.write(w, msg.encode('ascii', 'replace') + b'\n')
        os._exit(0)
    os.close(w)
    chunks = []
    while True:
        chunk = os.read(r, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return 'ERR numpy crashed with signal %d' % os.WTERMSIG(status)
    text = b''.join(chunks).decode('ascii', 'replace').strip()
    return text or 'ERR no answer'


def main():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: dtype_numpy.py CORPUS\n')
        return 2
    try:
        import numpy as np
    except ImportError as e:
        print('SKIP: numpy cannot be imported by %s (%s); install python3-numpy'
              % (sys.executable, e))
        return 77
    warnings.simplefilter('ignore')  # FutureWarning for "1i4", DeprecationWarning for "\x1a"
    corpus = read_corpus(sys.argv[1])
    sys.stdout.write('# numpy %s\n' % np.__version__)
    for raw in corpus:
        sys.stdout.write(isolated(np, raw) + '\n')
        sys.stdout.flush()
    return 0


if __name__ == '__main__':
    sys.exit(main())
