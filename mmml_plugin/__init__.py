"""mmml_plugin: multi-label image recognition (SSGRL) for mmpretrain and mmdet.

Importing the package registers the classification modules into mmpretrain's registries and the
hooks and runner into mmengine's root registries (visible from both scopes), and imports
nothing heavy of its own: no compiled mmcv op, no matplotlib, no mmdet. The mmdet-side metric
registers when its module ``mmml_plugin.evaluation.metrics.detection_multilabel`` is imported
(the Faster R-CNN config names it in ``custom_imports``); ``mmml_plugin.apis`` and
``mmml_plugin.visualization`` load on first use. See docs/registration.md and
docs/architecture.md.
"""
from .utils import register_checkpoint_safe_globals
from .utils.lazy import lazy_attributes
from .version import __version__

register_checkpoint_safe_globals()

# Sub-packages that register modules (one per line).
from . import datasets  # noqa: E402,F401
from . import engine  # noqa: E402,F401
from . import evaluation  # noqa: E402,F401
from . import models  # noqa: E402,F401

# Sub-packages loaded on first use (one per line).
__getattr__, __dir__ = lazy_attributes(__name__, {
    'apis': '.apis',
    'visualization': '.visualization',
})

__all__ = ['__version__']
