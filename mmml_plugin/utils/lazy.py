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
from typing import Callable, Dict, List, Tuple


def lazy_attributes(package: str,
                    attributes: Dict[str, str]) -> Tuple[Callable[[str], object],
                                                         Callable[[], List[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for a package with lazy names.

    Args:
        package (str): the package's ``__name__``.
        attributes (Dict[str, str]): attribute name -> module that defines it, relative to
            ``package`` (``'.pr_curves'``). A name equal to the last part of its module (``'apis':
            '.apis'``) stands for the module itself.

    Returns:
        tuple: ``(__getattr__, __dir__)`` to assign at the package's top level.
    """
    module = importlib.import_module(package)

    def __getattr__(name: str) -> object:
        if name not in attributes:
            raise AttributeError(f'module {package!r} has no attribute {name!r}')
        target = importlib.import_module(attributes[name], package)
        value = target if target.__name__.rsplit('.', 1)[-1] == name else getattr(target, name)
        setattr(module, name, value)  # later look-ups skip __getattr__
        return value

    def __dir__() -> List[str]:
        return sorted(set(vars(module)) | set(attributes))

    return __getattr__, __dir__
