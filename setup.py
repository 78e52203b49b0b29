"""Only the version, which pyproject.toml cannot read from include/plbuf.h by itself."""
import os
import re

from setuptools import setup


def version():
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "include", "plbuf.h")) as f:
        text = f.read()
    return ".".join(re.search(r"#define PLBUF_VERSION_%s (\d+)" % k, text).group(1)
                    for k in ("MAJOR", "MINOR", "PATCH"))


# setuptools' own build tree goes inside the Makefile's, not beside it.
setup(version=version(), options={"build": {"build_base": "build/python"},
                                  "egg_info": {"egg_base": "build/python"}})
