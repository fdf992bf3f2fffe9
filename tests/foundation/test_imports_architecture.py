"""The package map of docs/architecture.md, checked on the source (``ast``), not by convention:
which sub-package may import which, where the heavy imports may live, and that the library never
reaches into ``tools/`` or ``tests/``."""
import ast
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / 'mmml_plugin'

# sub-package -> the sub-packages it may import (docs/architecture.md, "What may import what")
ALLOWED = {
    'utils': set(),
    'datasets': {'utils'},
    'models': {'utils'},
    'evaluation': {'utils'},
    'engine': {'utils', 'datasets', 'models', 'evaluation'},
    'visualization': {'utils', 'evaluation'},
    'apis': {'utils', 'datasets', 'models', 'evaluation', 'engine', 'visualization'},
}
# top-level modules the library must not import at module level outside the given folders:
# they are heavy (matplotlib), need the detection toolbox (mmdet) or compiled ops (mmcv.ops)
HEAVY = {
    'matplotlib': ('mmml_plugin/visualization/', ),
    'mmdet': ('mmml_plugin/evaluation/metrics/detection_multilabel.py', ),
    'mmcv.ops': (),
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imports(path: Path, name: str = None) -> Iterator[Tuple[str, int, bool]]:
    """(absolute module name, line, at module level) of every import in ``path``, whose module
    name is ``name`` (default: from its place under the repository)."""
    tree = ast.parse(path.read_text(), str(path))
    name = name or module_name(path)
    package = name if path.name == '__init__.py' else name.rsplit('.', 1)[0]
    top_level = {id(node) for node in tree.body}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno, id(node) in top_level
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = '.'.join(package.split('.')[:len(package.split('.')) - node.level + 1])
                if node.module:
                    yield f'{base}.{node.module}', node.lineno, id(node) in top_level
                else:  # from . import a, b
                    for alias in node.names:
                        yield f'{base}.{alias.name}', node.lineno, id(node) in top_level
            else:
                yield node.module, node.lineno, id(node) in top_level


def library_files() -> List[Path]:
    files = sorted(PACKAGE.rglob('*.py'))
    assert len(files) > 20, f'no sources found under {PACKAGE}'
    return files


def sub_package(module: str) -> str:
    parts = module.split('.')
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ALLOWED) else ''


def test_every_sub_package_is_in_the_map():
    found = {p.name for p in PACKAGE.iterdir() if (p / '__init__.py').is_file()}
    assert found == set(ALLOWED), ('add the new sub-package to docs/architecture.md and ALLOWED',
                                   found ^ set(ALLOWED))


def test_sub_packages_import_only_what_the_map_allows():
    violations = []
    for path in library_files():
        source = sub_package(module_name(path))
        if not source:
            continue  # mmml_plugin/__init__.py and version.py import the sub-packages
        for target, line, _ in imports(path):
            if not target.startswith('mmml_plugin.'):
                continue
            dest = target.split('.')[1]
            if dest != source and dest in ALLOWED and dest not in ALLOWED[source]:
                violations.append(f'{path.relative_to(ROOT)}:{line}: {source} imports {target}')
    assert not violations, ('import rules of docs/architecture.md broken (move the shared code '
                            'down to a package both may import):\n' + '\n'.join(violations))


@pytest.mark.parametrize('rule', [('models', 'datasets'), ('evaluation', 'models'),
                                  ('evaluation', 'datasets'), ('datasets', 'models')])
def test_named_rules_hold_in_the_map(rule):
    """The rules issue 14 names (models never import datasets, metrics never import models)
    are part of ALLOWED, so the test above enforces them."""
    source, dest = rule
    assert dest not in ALLOWED[source]


def test_library_never_imports_tools_or_tests():
    violations = []
    for path in library_files():
        for target, line, _ in imports(path):
            if target.split('.')[0] in ('tools', 'tests', 'conftest', 'ssgrl_reference'):
                violations.append(f'{path.relative_to(ROOT)}:{line}: imports {target}')
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Attribute) and node.attr == 'path'
                    and isinstance(node.value, ast.Name) and node.value.id == 'sys'):
                violations.append(f'{path.relative_to(ROOT)}:{node.lineno}: touches sys.path')
    assert not violations, ('the library must not reach into tools/ or tests/ (move what it '
                            'needs into the package):\n' + '\n'.join(violations))


def test_heavy_imports_live_only_in_lazily_loaded_modules():
    violations = []
    for path in library_files():
        rel = path.relative_to(ROOT).as_posix()
        for target, line, top in imports(path):
            for heavy, allowed in HEAVY.items():
                if (top and (target == heavy or target.startswith(heavy + '.'))
                        and not rel.startswith(allowed)):
                    violations.append(f'{rel}:{line}: imports {target} at module level')
    assert not violations, (
        'matplotlib, mmdet and mmcv.ops are imported at module level only where the map says '
        '(else `import mmml_plugin` gets heavy: import inside the function that needs them):\n' +
        '\n'.join(violations))


def test_lazy_modules_are_not_imported_by_the_package_init():
    """``mmml_plugin/__init__.py`` imports the registering sub-packages only."""
    names = {t for t, _, top in imports(PACKAGE / '__init__.py') if top}
    assert {
        'mmml_plugin.datasets', 'mmml_plugin.engine', 'mmml_plugin.evaluation', 'mmml_plugin.models'
    } <= names
    assert not names & {'mmml_plugin.apis', 'mmml_plugin.visualization'}


def test_the_checker_sees_a_violation(tmp_path):
    """The ast walk resolves relative imports and tells module-level from function-level."""
    probe = tmp_path / 'probe.py'
    probe.write_text('from ...datasets import x\nimport matplotlib\nfrom . import a, b\n\n\n'
                     'def f():\n    from mmdet.registry import METRICS\n')
    found = list(imports(probe, 'mmml_plugin.models.heads.probe'))
    assert found == [('mmml_plugin.datasets', 1, True), ('matplotlib', 2, True),
                     ('mmml_plugin.models.heads.a', 3, True),
                     ('mmml_plugin.models.heads.b', 3, True), ('mmdet.registry', 7, False)]
    assert sub_package('mmml_plugin.models.heads.probe') == 'models'
