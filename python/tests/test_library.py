"""Where the package finds libplbuf.so: $PLBUF_LIBRARY, the repository's build/, the loader's path."""
import os
import subprocess
import sys

import plbuf

PKG_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(plbuf.__file__)))
REPO_LIB = os.path.join(os.path.dirname(PKG_PARENT), "build", "libplbuf.so")


def run(env_lib, cwd="/"):
    env = {k: v for k, v in os.environ.items() if k != "PLBUF_LIBRARY"}
    env["PYTHONPATH"] = PKG_PARENT
    if env_lib is not None:
        env["PLBUF_LIBRARY"] = env_lib
    return subprocess.run([sys.executable, "-c", "import plbuf; print(plbuf.library_path)"],
                          env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_environment_variable_wins():
    r = run(os.path.abspath(plbuf.library_path))
    assert r.returncode == 0 and r.stdout.strip() == os.path.abspath(plbuf.library_path)


def test_a_missing_library_says_what_to_do():
    r = run("/nonexistent/libplbuf.so")
    assert r.returncode != 0
    assert "/nonexistent/libplbuf.so" in r.stderr and "PLBUF_LIBRARY" in r.stderr
    assert "make" in r.stderr


def test_without_the_variable_the_repository_build_is_used_from_any_directory():
    r = run(None)
    if os.path.exists(REPO_LIB):
        assert r.returncode == 0 and os.path.samefile(r.stdout.strip(), REPO_LIB)
    else:  # only an installed libplbuf.so.0 can be found then
        assert r.returncode == 0 or "PLBUF_LIBRARY" in r.stderr
