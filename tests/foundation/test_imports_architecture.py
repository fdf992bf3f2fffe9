"""The package map of docs/architecture.md, checked on the source (``ast``), not by convention:
which sub-package may import which, where the heavy imports may live, that no file of the library
imports itself back through others (module-level or inside a function), and that the library
never reaches into ``tools/`` or ``tests/``."""
import ast
from pathlib import Path
from typing import Dict, Iterator, List, Set, Tuple

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


def module_file(module: str, root: Path = ROOT) -> Path:
    """The file a module name imports: ``a/b.py``, or ``a/b/__init__.py`` for a package; a name
    imported from a module (``from a.b import C`` recorded as ``a.b``) falls back to its
    module. None outside the tree."""
    parts = module.split('.')
    while parts:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix('.py'), base / '__init__.py'):
            if candidate.is_file():
                return candidate
        parts = parts[:-1]
    return None


def import_graph(package: Path = PACKAGE, root: Path = ROOT) -> Dict[Path, Set[Path]]:
    """File -> the files of the package it imports, at module level or inside functions."""
    graph = {}
    for path in sorted(package.rglob('*.py')):
        name = '.'.join(path.relative_to(root).with_suffix('').parts)
        name = name[:-len('.__init__')] if name.endswith('.__init__') else name
        targets = set()
        for target, _, _ in imports(path, name):
            if target and target.split('.')[0] == package.name:
                found = module_file(target, root)
                if found is not None and found != path:
                    targets.add(found)
        graph[path] = targets
    return graph


def import_cycles(graph: Dict[Path, Set[Path]]) -> List[List[Path]]:
    """The import loops of ``graph``: every strongly connected component of more than one file
    (Tarjan's algorithm, iterative), each as a sorted list."""
    index, low, on_stack, stack, cycles = {}, {}, set(), [], []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    cycles.append(sorted(component))
    return cycles


def test_no_file_of_the_library_imports_itself_back():
    """No import loop between files, also through imports inside functions (a loop works only
    as long as nobody reorders the imports, and hides that two modules are one concept)."""
    graph = import_graph()
    assert len(graph) > 20
    cycles = import_cycles(graph)
    assert not cycles, ('import loops inside mmml_plugin (move what both files need into a third '
                        'module that imports neither):\n' +
                        '\n'.join(' <-> '.join(p.relative_to(ROOT).as_posix() for p in cycle)
                                  for cycle in cycles))


def test_the_cycle_checker_sees_a_function_level_loop(tmp_path):
    """A loop closed by an import inside a function, through a package ``__init__``."""
    pkg = tmp_path / 'mmml_plugin'
    (pkg / 'sub').mkdir(parents=True)
    (pkg / '__init__.py').write_text('')
    (pkg / 'sub' / '__init__.py').write_text('from .a import A\n')
    (pkg / 'sub' / 'a.py').write_text('from mmml_plugin.sub.b import B\nA = 1\n')
    (pkg / 'sub' / 'b.py').write_text('B = 2\n\n\ndef f():\n    from . import A\n')
    (pkg / 'c.py').write_text('from .sub.a import A\n')
    graph = import_graph(pkg, tmp_path)
    assert graph[pkg / 'sub' / 'b.py'] == {pkg / 'sub' / '__init__.py'}
    cycles = import_cycles(graph)
    assert cycles == [
        sorted([pkg / 'sub' / '__init__.py', pkg / 'sub' / 'a.py', pkg / 'sub' / 'b.py'])
    ]
    (pkg / 'sub' / 'b.py').write_text('B = 2\n')
    assert import_cycles(import_graph(pkg, tmp_path)) == []
