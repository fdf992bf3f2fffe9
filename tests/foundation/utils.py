"""Run the project's tools in a subprocess, as a user would."""
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
