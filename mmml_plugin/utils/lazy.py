"""Lazy package attributes (PEP 562): names that import their module on first use.

``import mmml_plugin`` must stay light (docs/architecture.md): it registers the plugin's modules
and nothing else. Plotting (matplotlib), inference (``mmpretrain.apis``) and the mmdet-side
metric (``mmdet``) are reached through names such as ``mmml_plugin.visualization.plot_pr_curves``
that import their module only when they are first looked up::

    __getattr__, __dir__ = lazy_attributes(__name__, {
        'plot_pr_curves': '.pr_curves',
    })
"""
import importlib
import importlib.util
import sys
import types
from typing import Callable, Dict, List, Tuple


def lazy_attributes(
        package: str,
        attributes: Dict[str, str]) -> Tuple[Callable[[str], object], Callable[[], List[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for a package with lazy names.

    A lazy name wins over a submodule of the same name (``visualization.per_class_ap``, the
    function, not the module ``per_class_ap.py``): importing a submodule binds its name on the
    package, so each look-up puts back the lazy names that a submodule import has shadowed.

    Args:
        package (str): the package's ``__name__``.
        attributes (Dict[str, str]): attribute name -> module that defines it, relative to
            ``package`` (``'.pr_curves'``). The attribute is that module's member of the same
            name or, when the module has none, the module itself (``'apis': '.apis'``).

    Returns:
        tuple: ``(__getattr__, __dir__)`` to assign at the package's top level.
    """
    module = importlib.import_module(package)
    targets = {
        name: importlib.util.resolve_name(where, package)
        for name, where in attributes.items()
    }

    def resolve(name: str, target: types.ModuleType) -> object:
        return getattr(target, name) if hasattr(target, name) else target

    def restore_shadowed() -> None:
        for name, target_name in targets.items():
            current = vars(module).get(name)
            target = sys.modules.get(target_name)
            if (isinstance(current, types.ModuleType) and current is not target
                    and target is not None):
                setattr(module, name, resolve(name, target))

    def __getattr__(name: str) -> object:
        if name not in attributes:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        value = resolve(name, importlib.import_module(targets[name]))
        setattr(module, name, value)  # later look-ups skip __getattr__
        restore_shadowed()
        return value

    def __dir__() -> List[str]:
        return sorted(set(vars(module)) | set(attributes))

    return __getattr__, __dir__
