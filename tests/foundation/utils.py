"""Run the project's tools as a user would: in a subprocess, or in this process (``runpy``)."""
import contextlib
import io
import runpy
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def run_tool(script, *args, timeout=900, check=True):
    """Run ``python tools/<script> args...`` from the repository root and return the process."""
    cmd = [sys.executable, str(REPO_ROOT / 'tools' / script), *map(str, args)]
    proc = subprocess.run(cmd, cwd=REPO_ROOT, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc


def run_tool_here(script, *args):
    """Run ``python tools/<script> args...`` in this process (``runpy``, as ``__main__``) and
    return what it printed to stdout."""
    path = str(REPO_ROOT / 'tools' / script)
    argv, sys.argv = sys.argv, [path, *map(str, args)]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(path, run_name='__main__')
    finally:
        sys.argv = argv
    return out.getvalue()
