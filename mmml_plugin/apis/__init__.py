"""Entry points: train/test runners and the checkpoint a test run scores (light), multi-label
inference (loads ``mmpretrain.apis`` and matplotlib, so imported on first use)."""
from mmml_plugin.utils.lazy import lazy_attributes

from .checkpoints import checkpoint_epoch, resolve_checkpoint
from .train_test import build_runner, load_config, run_test, run_train, write_results_json

# Heavy (mmpretrain.apis, matplotlib): imported on first use (one per line).
__getattr__, __dir__ = lazy_attributes(
    __name__, {
        'MultiLabelInferencer': '.inference',
        'inference_multilabel': '.inference',
        'init_model': '.inference',
        'select_labels': '.inference',
    })

__all__ = [
    'checkpoint_epoch', 'resolve_checkpoint', 'build_runner', 'load_config', 'run_test',
    'run_train', 'write_results_json', 'MultiLabelInferencer', 'inference_multilabel', 'init_model',
    'select_labels'
]
