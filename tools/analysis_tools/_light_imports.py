"""Import the plugin's numpy/matplotlib modules without ``import mmml_plugin``'s registration.

``import mmml_plugin`` registers the plugin's models, datasets, hooks and metrics into
mmpretrain's and mmengine's registries (what ``custom_imports`` needs), and so imports torch and
mmpretrain: about 3 s before a plot tool could read its first array. The plotting tools only read
result files (numpy) and draw (matplotlib). :func:`light_import` loads such a module with the
plugin's top-level package and its direct sub-packages (``evaluation``, ``visualization``,
``utils``, ...) entered as bare packages whose ``__init__`` is not run; everything below them
(``evaluation.functional``, ...) is imported as usual. In a process that has already imported
``mmml_plugin`` (tests, a training script) it is a plain import.
"""
import importlib
import importlib.machinery
import importlib.util
import os
import os.path as osp
import sys
import types

PACKAGE = 'mmml_plugin'


def _bare_package(name: str, path: str) -> types.ModuleType:
    spec = importlib.machinery.ModuleSpec(name, None, is_package=True)
    spec.submodule_search_locations = [path]
    module = importlib.util.module_from_spec(spec)
    module.__path__ = [path]
    return module


def light_import(name: str) -> types.ModuleType:
    """Import ``mmml_plugin.<...>`` module ``name`` without running the registering packages.

    Args:
        name (str): a module whose own imports are light (numpy, matplotlib, the plugin's pure
            numpy modules), e.g. ``'mmml_plugin.evaluation.results_io'``.

    Returns:
        module: the imported module.
    """
    if PACKAGE not in sys.modules:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise ImportError(f'{PACKAGE} is not installed: run `make env` (tools/setup_env.sh).')
        root = list(spec.submodule_search_locations)[0]
        sys.modules[PACKAGE] = _bare_package(PACKAGE, root)
        for entry in sorted(os.listdir(root)):
            if osp.isfile(osp.join(root, entry, '__init__.py')):
                sub = f'{PACKAGE}.{entry}'
                sys.modules.setdefault(sub, _bare_package(sub, osp.join(root, entry)))
    return importlib.import_module(name)
