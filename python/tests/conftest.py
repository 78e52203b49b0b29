"""Fixtures: sim contexts (non-coherent with 16-byte lines, so that sync granularity is visible,
and coherent) and the device side attached to them."""
import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # python/, for running pytest without PYTHONPATH

import plbuf  # noqa: E402

LINE = 16


@pytest.fixture
def ctx():
    c = plbuf.Context("sim", "coherent=0 line=%d" % LINE)
    yield c
    c.close()


@pytest.fixture
def cctx():
    c = plbuf.Context("sim", "coherent=1")
    yield c
    c.close()


@pytest.fixture
def dev(ctx):
    d = plbuf.sim.attach(ctx)
    yield d
    d.detach()
