"""The two installs of docs/install.md: ``pip install -e .`` is the classification side (no mmdet,
no mmcv pin: mmcv-lite or the compiled build), the ``det`` extra adds mmdet and the compiled mmcv;
every test that imports mmdet or mmcv's ops carries the ``det`` marker, so that
``pytest -m "not det"`` is the classification suite (tools/ci/cls_only_install.sh runs it in a
fresh venv without mmdet)."""
import ast
import runpy
import sys
from pathlib import Path

import pytest
import setuptools
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[2]
DET_IMPORTS = ('mmdet', 'mmcv.ops', 'mmcv._ext')


@pytest.fixture(scope='module')
def setup_kwargs():
    """The keyword arguments setup.py passes to ``setuptools.setup``, read by running it."""
    captured = {}
    mp = pytest.MonkeyPatch()
    mp.setattr(setuptools, 'setup', lambda **kwargs: captured.update(kwargs))
    mp.setattr(sys, 'argv', ['setup.py'])  # no install command: setup.py makes no .mim links
    mp.chdir(ROOT)
    try:
        runpy.run_path(str(ROOT / 'setup.py'), run_name='__main__')
    finally:
        mp.undo()
    return captured


def _names(requirements):
    return {Requirement(r).name.lower() for r in requirements}


def test_plain_install_needs_no_mmdet_nor_a_particular_mmcv(setup_kwargs):
    names = _names(setup_kwargs['install_requires'])
    assert {'mmengine', 'mmpretrain'} <= names
    assert not names & {'mmdet', 'mmcv', 'mmcv-lite'}, names


def test_det_extra_adds_mmdet_and_the_compiled_mmcv(setup_kwargs):
    det = setup_kwargs['extras_require']['det']
    pins = {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in det}
    assert pins == {'mmdet': '==3.3.0', 'mmcv': '==2.1.0'}
    # the full environment (make test, make demo) installs the extra
    assert 'requirements/det.txt' in (ROOT / 'tools/setup_env.sh').read_text()


def _det_imports(node):
    """Lines of the imports of mmdet or mmcv's ops anywhere under ``node``."""
    lines = []
    for n in ast.walk(node):
        names = ([a.name for a in n.names] if isinstance(n, ast.Import) else
                 [n.module or ''] if isinstance(n, ast.ImportFrom) and not n.level else [])
        if any(m == d or m.startswith(d + '.') for m in names for d in DET_IMPORTS):
            lines.append(n.lineno)
    return lines


def _is_det_mark(node):
    """``pytest.mark.det`` (a decorator or the module's ``pytestmark``)."""
    return ast.unparse(node) == 'pytest.mark.det'


def unmarked_det_imports(path: Path, root: Path = ROOT):
    """``file:line`` (relative to ``root``) of each mmdet / mmcv.ops import in a test module
    outside ``det`` tests."""
    tree = ast.parse(path.read_text(), str(path))
    module_marked = any(
        isinstance(n, ast.Assign) and [ast.unparse(t) for t in n.targets] == ['pytestmark']
        and _is_det_mark(n.value) for n in tree.body)
    if module_marked:
        return []
    bad = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            if any(_is_det_mark(d) for d in node.decorator_list):
                continue
            bad += _det_imports(node)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            bad += _det_imports(node)
    return [f'{path.relative_to(root)}:{line}' for line in bad]


def test_every_test_importing_mmdet_is_marked_det():
    paths = sorted((ROOT / 'tests').rglob('test_*.py'))
    bad = [hit for path in paths for hit in unmarked_det_imports(path)]
    assert not bad, ('these tests import mmdet or mmcv.ops without the det marker '
                     '(@pytest.mark.det, or pytestmark = pytest.mark.det for a whole module): '
                     f'{bad}')


def test_the_check_sees_unmarked_imports(tmp_path):
    probe = tmp_path / 'test_probe.py'
    probe.write_text('import pytest\nfrom mmdet.structures import DetDataSample\n\n'
                     'def test_a():\n    import mmcv.ops\n\n'
                     '@pytest.mark.det\ndef test_b():\n    import mmdet.models\n\n'
                     'def test_c():\n    import mmcv.cnn\n')
    assert unmarked_det_imports(probe, tmp_path) == ['test_probe.py:2', 'test_probe.py:5']
    probe.write_text('import pytest\nimport mmdet\npytestmark = pytest.mark.det\n')
    assert unmarked_det_imports(probe, tmp_path) == []
