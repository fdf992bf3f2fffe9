"""Run Python code in a fresh interpreter where some modules cannot be imported.

Used by the import-boundary tests: ``mmcv._ext`` (mmcv's compiled ops) is made unavailable as
if mmcv-lite were installed, and matplotlib / mmdet while ``import mmml_plugin`` runs.
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Prepended to every child script: after ``block(*names)``, ``name`` and its submodules are not
# found, exactly as if not installed (``import`` raises ModuleNotFoundError,
# ``importlib.util.find_spec`` returns None), and each attempt is recorded in ``ATTEMPTS``;
# ``unblock(*names)`` lifts it.
PRELUDE = '''
import importlib.abc
import json
import sys

BLOCKED = set()
ATTEMPTS = []


def _blocked(name):
    return any(name == b or name.startswith(b + '.') for b in BLOCKED)


class _Hiding(importlib.abc.MetaPathFinder):
    """Wraps a finder: a blocked name is not found (as if not installed)."""

    def __init__(self, finder):
        self.finder = finder

    def find_spec(self, name, path=None, target=None):
        if _blocked(name):
            ATTEMPTS.append(name)
            return None
        find_spec = getattr(self.finder, 'find_spec', None)
        return find_spec(name, path, target) if find_spec else None

    def invalidate_caches(self):
        if hasattr(self.finder, 'invalidate_caches'):
            self.finder.invalidate_caches()


sys.meta_path[:] = [_Hiding(finder) for finder in sys.meta_path]


def block(*names):
    """Modules already imported stay (a blocked name's new submodules are not found)."""
    BLOCKED.update(names)


def unblock(*names):
    BLOCKED.difference_update(names)


def report(**values):
    print('RESULT ' + json.dumps(values))
'''


def run_guarded(code: str, timeout: int = 600) -> dict:
    """Run ``PRELUDE + code`` in a new interpreter (repository root as the working directory)
    and return the dict it passed to ``report``."""
    script = PRELUDE + textwrap.dedent(code)
    proc = subprocess.run([sys.executable, '-c', script],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=timeout)
    lines = [line for line in proc.stdout.splitlines() if line.startswith('RESULT ')]
    if proc.returncode != 0 or not lines:
        raise AssertionError(f'child process failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-6000:]}')
    return json.loads(lines[-1][len('RESULT '):])
