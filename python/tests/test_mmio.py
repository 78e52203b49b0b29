"""plbuf.MMIO (PYNQ's MMIO) and plbuf.IRQ: /dev/mem and UIO windows in a fixture tree (PLBUF_ROOT
prefixes /dev and /sys), and a sim window served by a device model in a Python thread."""
import ctypes
import os
import threading

import pytest

import plbuf
from plbuf import _lib


@pytest.fixture
def root(tmp_path, monkeypatch):
    monkeypatch.setenv("PLBUF_ROOT", str(tmp_path))
    (tmp_path / "dev").mkdir()
    return tmp_path


def test_devmem_read_write(root):
    with open(root / "dev" / "mem", "wb") as f:
        f.truncate(0x43c10000)
    ip = plbuf.MMIO(0x43c00000, 0x100)
    assert ip.base_addr == 0x43c00000 and ip.length == 0x100
    ip.write(0x10, 0xdeadbeef)
    ip.write(0x14, -1)                      # PYNQ takes negative 32-bit values
    ip.write(0x20, b"\x01\x02\x03\x04\x05\x06\x07\x08")
    ip.write(0x30, 0x1122334455667788, length=8)
    assert ip.read(0x10) == 0xdeadbeef
    assert ip.read(0x14) == 0xffffffff
    assert ip.read(0x20) == 0x04030201 and ip.read(0x24, 2) == 0x0605
    assert ip.read(0x30, 8) == 0x1122334455667788
    with open(root / "dev" / "mem", "rb") as f:
        f.seek(0x43c00010)
        assert f.read(4) == b"\xef\xbe\xad\xde"
    with pytest.raises(IndexError):
        ip.read(0x100)
    with pytest.raises(ValueError):
        ip.read(0x2)
    with pytest.raises(ValueError):
        ip.write(0x0, b"\x01\x02")
    ip.close()
    with pytest.raises(ValueError):
        ip.read(0)


def test_devmem_missing(root):
    with pytest.raises(FileNotFoundError, match="/dev/mem"):
        plbuf.MMIO(0x43c00000, 0x100)


def test_uio_by_name(root):
    d = root / "sys" / "class" / "uio" / "uio4"
    (d / "maps" / "map0").mkdir(parents=True)
    (d / "name").write_text("my_ip\n")
    (d / "maps" / "map0" / "addr").write_text("0xa0000000\n")
    (d / "maps" / "map0" / "size").write_text("0x1000\n")
    (d / "maps" / "map0" / "offset").write_text("0x0\n")
    with open(root / "dev" / "uio4", "wb") as f:
        f.truncate(4096)
    with plbuf.MMIO.uio("my_ip") as ip:
        assert ip.base_addr == 0xa0000000 and ip.length == 0x1000
        ip.write(0xffc, 7)
        assert ip.read(0xffc) == 7
    with pytest.raises(FileNotFoundError):
        plbuf.MMIO.uio("not_there")


# The device model's side, for the sim test: plbuf_sim_model_* through ctypes.
# struct plbuf_sim_access, mirrored once in _lib (python/tests/test_abi.py checks it against C).
Access = _lib.SimAccess


def _model_api():
    p = _lib._proto
    return (p("plbuf_sim_model_open", ctypes.c_void_p, ctypes.c_char_p),
            p("plbuf_sim_model_close", None, ctypes.c_void_p),
            p("plbuf_sim_model_window", ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p,
              ctypes.c_uint64, ctypes.c_void_p, ctypes.c_void_p),
            p("plbuf_sim_model_next", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(Access),
              ctypes.c_int),
            p("plbuf_sim_model_reply", ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(Access),
              ctypes.c_uint64, ctypes.c_int),
            p("plbuf_sim_model_irq", ctypes.c_int, ctypes.c_void_p, ctypes.c_int))


def test_sim_window_and_irq():
    mopen, mclose, mwindow, mnext, mreply, mirq = _model_api()
    ctx = plbuf.Context("sim")
    m = mopen(ctx.sim_name.encode())
    assert m and mwindow(m, b"regs", 0x40, None, None) == 0
    regs = {}
    stop = threading.Event()

    def serve():  # a register file; a write to 0x3c raises line 2
        a = Access()
        while not stop.is_set():
            if mnext(m, ctypes.byref(a), 20) != 1:
                continue
            if a.write:
                regs[a.offset] = a.value
                if a.offset == 0x3c:
                    mirq(m, 2)
                mreply(m, ctypes.byref(a), 0, 0)
            else:
                mreply(m, ctypes.byref(a), regs.get(a.offset, 0), 0)

    t = threading.Thread(target=serve)
    t.start()
    try:
        ip = plbuf.MMIO.sim(ctx, "regs")
        irq = plbuf.IRQ.sim(ctx, 2)
        assert ip.length == 0x40 and ip.base_addr is None
        ip.write(0x8, 0x12345678)
        assert ip.read(0x8) == 0x12345678
        with pytest.raises(TimeoutError):
            irq.wait(0.01)
        ip.write(0x3c, 1)
        assert irq.wait(5) == 1
        assert irq.fileno() >= 0
        irq.enable()
        with pytest.raises(FileNotFoundError):
            plbuf.MMIO.sim(ctx, "nothing")
        irq.close()
        ip.close()
    finally:
        stop.set()
        t.join()
        mclose(m)
        ctx.close()
