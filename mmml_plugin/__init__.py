"""mmml_plugin: multi-label image recognition (SSGRL) for mmpretrain and mmdet.

Importing the package registers every module: classification pieces into mmpretrain's
registries, detection-side pieces into mmdet's, hooks into mmengine's root registry (visible from
both scopes). See docs/registration.md.
"""
from .version import __version__
from .utils import register_checkpoint_safe_globals

register_checkpoint_safe_globals()

from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401
from . import apis  # noqa: E402,F401

__all__ = ['__version__']
