"""The binding's ctypes mirrors against the C compiler: every struct's size and every field's offset
and size, and the constants, as plbuf.h gives them.  A small C program built against the header
prints the C side; a struct or constant that changes in plbuf.h without its mirror fails here."""
import ctypes
import os
import shutil
import subprocess
import tempfile

import pytest

from plbuf import _lib

HERE = os.path.dirname(os.path.abspath(__file__))
INCLUDE = os.path.join(HERE, "..", "..", "include")

STRUCTS = {
    "plbuf_dtype_info": _lib.DtypeInfo,
    "plbuf_bank_info": _lib.BankInfo,
    "plbuf_probe_info": _lib.ProbeInfo,
    "plbuf_alloc_opts": _lib.AllocOpts,
    "plbuf_sim_access": _lib.SimAccess,
}
CONSTANTS = {
    "PLBUF_MAXDIM": _lib.MAXDIM,
    "PLBUF_DTYPE_STRLEN": _lib.DTYPE_STRLEN,
    "PLBUF_NAMELEN": _lib.NAMELEN,
    "PLBUF_NO_ADDRESS": _lib.NO_ADDRESS,
    "PLBUF_CACHEABLE_DEFAULT": _lib.CACHEABLE_DEFAULT,
    "PLBUF_CACHEABLE_YES": _lib.CACHEABLE_YES,
    "PLBUF_CACHEABLE_NO": _lib.CACHEABLE_NO,
}


def c_layout():
    """{struct: (size, {field: (offset, size)})} and {constant: value}, from the C compiler."""
    lines = ["#include <stddef.h>", "#include <stdio.h>", "#include <plbuf.h>", "int main(void) {"]
    for s, mirror in STRUCTS.items():
        lines.append('printf("S %s %%zu\\n", sizeof(struct %s));' % (s, s))
        for f, _ in mirror._fields_:
            lines.append('printf("F %s %s %%zu %%zu\\n", offsetof(struct %s, %s), '
                         'sizeof(((struct %s *)0)->%s));' % (s, f, s, f, s, f))
    for c in CONSTANTS:
        lines.append('printf("C %s %%llu\\n", (unsigned long long)(%s));' % (c, c))
    lines.append("return 0; }")
    cc = os.environ.get("CC") or shutil.which("cc") or shutil.which("gcc")
    if not cc:
        pytest.skip("no C compiler (cc) to ask for the C layout: install build-essential")
    with tempfile.TemporaryDirectory() as d:
        src, exe = os.path.join(d, "abi.c"), os.path.join(d, "abi")
        with open(src, "w") as f:
            f.write("\n".join(lines))
        # A C field the mirror names but C lacks is a compile error, reported here in full.
        r = subprocess.run([cc, "-std=c11", "-I", INCLUDE, src, "-o", exe], capture_output=True,
                           text=True)
        assert r.returncode == 0, "the mirror names fields plbuf.h does not have:\n" + r.stderr
        out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    structs, consts = {}, {}
    for line in out.splitlines():
        w = line.split()
        if w[0] == "S":
            structs[w[1]] = (int(w[2]), {})
        elif w[0] == "F":
            structs[w[1]][1][w[2]] = (int(w[3]), int(w[4]))
        else:
            consts[w[1]] = int(w[2])
    return structs, consts


@pytest.fixture(scope="module")
def layout():
    return c_layout()


@pytest.mark.parametrize("name", sorted(STRUCTS))
def test_struct_mirror_matches_c(layout, name):
    mirror = STRUCTS[name]
    size, fields = layout[0][name]
    assert ctypes.sizeof(mirror) == size, "%s: ctypes %d bytes, C %d" % (
        name, ctypes.sizeof(mirror), size)
    for f, _ in mirror._fields_:
        d = getattr(mirror, f)
        assert (d.offset, d.size) == fields[f], "%s.%s: ctypes offset/size %s, C %s" % (
            name, f, (d.offset, d.size), fields[f])
    # Field sizes adding up to the struct's: no padding hole on either side.
    assert sum(s for _, s in fields.values()) == size


def test_constants_match_c(layout):
    assert {c: v for c, v in CONSTANTS.items()} == layout[1]


def test_options_keep_their_positional_order():
    o = _lib.AllocOpts(b"F", 2, b"DDR1", 4096, 1, 0xffffffff)
    assert (o.order, o.cacheable, o.bank, o.alignment, o.zero, o.max_device_address) == (
        b"F", 2, b"DDR1", 4096, 1, 0xffffffff)
    assert not any(o.reserved) and o.reserved2 == 0


def test_the_loaded_library_has_the_headers_version():
    with open(os.path.join(INCLUDE, "plbuf.h")) as f:
        text = f.read()
    nums = [int(text.split("#define PLBUF_VERSION_%s " % k)[1].split()[0])
            for k in ("MAJOR", "MINOR", "PATCH")]
    assert _lib.text(_lib.plbuf_version()) == "%d.%d.%d" % tuple(nums)
