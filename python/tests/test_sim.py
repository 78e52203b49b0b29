"""The sim backend's device side from Python: a test can play the device."""
import os
import subprocess
import sys

import numpy as np
import pytest

import plbuf
from plbuf import allocate


def test_read_write_translate(ctx, dev):
    b = allocate(32, "u1", zero=True, ctx=ctx)
    dev.write(b.device_address + 4, b"\xaa\xbb")
    assert dev.read(b.device_address, 8) == b"\0\0\0\0\xaa\xbb\0\0"
    win = dev.translate(b.device_address, 32)
    assert win.dtype == np.uint8 and win.shape == (32,) and win.flags.writeable
    win[10:12] = [1, 2]  # zero-copy: the same DRAM the device reads
    assert dev.read(b.device_address + 10, 2) == b"\x01\x02"
    w32 = dev.translate(b.device_address, 32, "u4")
    assert w32.shape == (8,) and w32[1] == 0xBBAA
    b.invalidate()
    assert b[4] == 0xAA and b[11] == 2


def test_a_device_that_copies_like_a_dma_engine(ctx, dev):
    src = allocate(256, "u4", ctx=ctx)
    dst = allocate(256, "u4", zero=True, ctx=ctx)
    src[:] = np.arange(256)
    src.flush()                      # as PYNQ's DMA driver does before MM2S
    dev.write(dst.device_address, dev.read(src.device_address, src.nbytes))
    dst.invalidate()                 # and after S2MM
    assert (dst == np.arange(256)).all()


def test_errors(ctx, dev):
    with pytest.raises(ValueError, match="bank"):
        dev.read(0x10, 4)  # below every bank: a bus error on a board
    with pytest.raises(ValueError):
        dev.translate(ctx.DDR0.base + ctx.DDR0.size - 8, 16)
    with pytest.raises(ValueError):
        dev.translate(ctx.DDR0.base, 6, "u4")
    with pytest.raises(FileNotFoundError, match="plbuf-no-such"):
        plbuf.sim.attach("plbuf-no-such-memory")
    with pytest.raises(ValueError, match="not a sim"):
        plbuf.sim.attach(42)


def test_detach_keeps_translated_arrays_valid(ctx):
    d = plbuf.sim.attach(ctx.sim_name)
    b = allocate(4, "u1", ctx=ctx)
    win = d.translate(b.device_address, 4)
    d.detach()
    with pytest.raises(ValueError, match="detached"):
        d.read(b.device_address, 4)
    win[:] = 6  # the mapping lives as long as the array
    with ctx.device() as d2:
        assert d2.read(b.device_address, 4) == b"\x06" * 4


def test_another_process_plays_the_device(ctx):
    b = allocate(8, "u4", zero=True, ctx=ctx)
    b[:] = np.arange(8)
    b.flush()
    code = ("import sys, plbuf, numpy as np\n"
            "d = plbuf.sim.attach(sys.argv[1]); a = int(sys.argv[2])\n"
            "x = np.frombuffer(d.read(a, 32), 'u4')\n"
            "d.write(a, (x * 10).astype('u4'))\n")
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(plbuf.__file__)))
    subprocess.run([sys.executable, "-c", code, ctx.sim_name, str(b.device_address)],
                   check=True, env=env, timeout=60)
    assert (b == np.arange(8)).all()
    b.invalidate()
    assert (b == np.arange(8) * 10).all()
