"""Refuse to train when the validation split names other classes than the training split."""
from mmengine.hooks import Hook
from mmengine.registry import HOOKS

from mmml_plugin.utils.label_files import check_class_order


def _classes(dataloader):
    dataset = getattr(dataloader, 'dataset', None)
    classes = (getattr(dataset, 'metainfo', None) or {}).get('classes')
    return None if classes is None else [str(c) for c in classes]


@HOOKS.register_module()
class SplitClassesHook(Hook):
    """Before training, the validation dataset's classes must equal the training dataset's.

    Scores are indexed by class position: a validation annotation file (or a ``classes`` file)
    that lists the classes in another order or another set scores every class against another
    class's column, silently. The check reads the built datasets' ``metainfo`` (no image, no
    second read of the annotations). :class:`~mmml_plugin.engine.MMMLRunner` registers it for
    every training run; the test split is checked against the checkpoint when it is loaded.
    """

    priority = 'VERY_HIGH'

    def before_train(self, runner) -> None:
        val_loop = getattr(runner, '_val_loop', None)
        if val_loop is None or isinstance(val_loop, dict):
            return  # no validation (--no-validate), or a loop that is never built
        config = runner.cfg.filename or 'the config'
        check_class_order(_classes(val_loop.dataloader),
                          _classes(runner.train_dataloader),
                          f'val_dataloader.dataset of {config}',
                          'train_dataloader.dataset',
                          fix='Both splits must list the same classes in the same order: point '
                          'them at annotation (or classes) files of one class list.')
