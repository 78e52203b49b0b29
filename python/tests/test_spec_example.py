"""The spec's example (shared/spec/pynq-allocate.rst), verbatim but for its import line."""
import os
import re
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))

# The four code blocks of the spec's Example section, one after the other.
EXAMPLE = """\
from plbuf import allocate
input_buffer = allocate(shape=(5,), dtype='u4')
input_buffer.device_address
input_buffer[:] = range(5)
input_buffer.flush()
"""

SPEC_PATHS = [os.path.join(TOP, "..", "shared", "spec", "pynq-allocate.rst"),
              "/work/shared/spec/pynq-allocate.rst"]


def spec_example():
    for p in SPEC_PATHS:
        if os.path.exists(p):
            with open(p) as f:
                text = f.read()
            section = text[text.index("\nExample\n"):]
            blocks = re.findall(r"\.\. code-block:: Python\n\n((?:    .*\n|\n)+)", section)
            return "".join(line[4:] + "\n" for b in blocks for line in b.strip("\n").split("\n"))
    return None


def test_example_matches_the_spec():
    spec = spec_example()
    if spec is None:
        pytest.skip("shared/spec/pynq-allocate.rst is not beside the repository")
    assert spec.replace("from pynq import allocate", "from plbuf import allocate") == EXAMPLE


def run_example(env_extra):
    env = dict(os.environ)
    env.update(env_extra)
    # The example, then what it should have done, checked by the same process.
    check = ("\nimport numpy\nassert isinstance(input_buffer, numpy.ndarray)\n"
             "assert isinstance(input_buffer.device_address, int)\n"
             "assert list(input_buffer) == [0, 1, 2, 3, 4]\n"
             "assert input_buffer.dtype == numpy.dtype('u4') and input_buffer.shape == (5,)\n"
             "print('device_address', hex(input_buffer.device_address))\n")
    r = subprocess.run([sys.executable, "-c", EXAMPLE + check], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_example_runs_with_the_automatic_backend():
    assert "device_address 0x" in run_example({})


def test_example_runs_on_sim():
    assert "device_address 0x" in run_example({"PLBUF_BACKEND": "sim"})


def test_example_in_process(monkeypatch):
    # The same lines executed here, against a sim device that checks what reached DRAM.
    monkeypatch.setenv("PLBUF_BACKEND", "sim")
    monkeypatch.setenv("PLBUF_OPTIONS", "coherent=0")
    import plbuf
    monkeypatch.setattr(plbuf.context, "_default", None)
    ns = {}
    exec(EXAMPLE, ns)
    buf = ns["input_buffer"]
    assert buf.context.backend == "sim" and not buf.coherent
    dev = plbuf.sim.attach(buf.context)
    assert dev.read(buf.device_address, 20) == bytes(
        b for i in range(5) for b in i.to_bytes(4, "little"))
    dev.detach()
    ctx = buf.context
    del ns, buf
    assert ctx.live_buffers == 0
    ctx.close()
