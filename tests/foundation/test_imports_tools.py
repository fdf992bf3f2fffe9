"""Tools and tests import the library, never one another's files through ``sys.path``: a
test that runs a tool loads it from its file (``load_tool`` in tests/conftest.py, as
``python tools/X.py`` runs it), a tool imports only the library and the private helpers of its
own folder (``tools/benchmarks/_*.py``, which Python finds beside the script it runs). Logic that
a test or another tool needs lives in the library (e.g. ``mmml_plugin.apis.checkpoints``)."""
import ast
from pathlib import Path
from typing import Iterator, Tuple

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / 'tools'
TESTS = ROOT / 'tests'


def _top_level_imports(path: Path) -> Iterator[Tuple[str, int]]:
    """(first name of the imported module, line) of every absolute import in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split('.')[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split('.')[0], node.lineno


def _sys_path_uses(path: Path) -> Iterator[int]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if (isinstance(node, ast.Attribute) and node.attr == 'path'
                and isinstance(node.value, ast.Name) and node.value.id == 'sys'):
            yield node.lineno


def test_no_tool_or_test_edits_sys_path():
    violations = [
        f'{path.relative_to(ROOT)}:{line}: touches sys.path' for folder in (TOOLS, TESTS)
        for path in sorted(folder.rglob('*.py')) for line in _sys_path_uses(path)
    ]
    assert not violations, ('tools and tests import the library as installed, and load a tool '
                            'from its file (tests/conftest.py load_tool):\n' +
                            '\n'.join(violations))


def test_tests_never_import_a_tool_by_name():
    test_modules = {p.stem for p in TESTS.rglob('*.py')}
    tool_modules = {p.stem for p in TOOLS.rglob('*.py')} - test_modules
    violations = [
        f'{path.relative_to(ROOT)}:{line}: imports the tool module {name!r}'
        for path in sorted(TESTS.rglob('*.py')) for name, line in _top_level_imports(path)
        if name in tool_modules
    ]
    assert not violations, ('load the tool from its file (tests/conftest.py load_tool), or move '
                            'what the test needs into the library:\n' + '\n'.join(violations))


def test_tools_import_only_the_private_helpers_of_their_own_folder():
    violations = []
    for path in sorted(TOOLS.rglob('*.py')):
        others = {p.stem: p for p in TOOLS.rglob('*.py') if p != path}
        for name, line in _top_level_imports(path):
            helper = others.get(name)
            if helper is not None and not (name.startswith('_') and helper.parent == path.parent):
                violations.append(f'{path.relative_to(ROOT)}:{line}: imports the tool '
                                  f'{helper.relative_to(ROOT)}')
    assert not violations, ('a tool imports the library, not another tool; move the shared '
                            'logic into mmml_plugin/:\n' + '\n'.join(violations))
