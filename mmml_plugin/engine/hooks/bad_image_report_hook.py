"""End-of-epoch report of the images skipped with ``skip_bad_images=True``."""
from typing import List, Optional

from mmengine.dist import all_gather_object
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


def _skipped_key() -> str:
    # imported late: mmml_plugin.datasets re-exports this hook, so a module-level import of the
    # datasets package from here would be circular
    from mmml_plugin.datasets.bad_images import SKIPPED_KEY
    return SKIPPED_KEY


@HOOKS.register_module()
class BadImageReportHook(Hook):
    """Counts the image files skipped with ``skip_bad_images=True`` and reports them per epoch.

    A file is counted once however often it was drawn. The number of distinct files skipped so
    far is also stored in the message hub as ``skipped_bad_images``.

    Args:
        max_listed (int): at most this many paths are listed per report. Defaults to 20.
    """

    priority = 'LOW'

    def __init__(self, max_listed: int = 20):
        self.max_listed = max_listed
        self._epoch_paths: List[str] = []
        self._all_paths = set()
        self.total = 0

    def after_train_iter(self,
                         runner,
                         batch_idx: int,
                         data_batch: Optional[dict] = None,
                         outputs=None) -> None:
        if not isinstance(data_batch, dict):
            return
        samples = data_batch.get('data_samples') or []
        for sample in samples:
            metainfo = getattr(sample, 'metainfo', None) or {}
            self._epoch_paths.extend(metainfo.get(_skipped_key(), []))

    def after_train_epoch(self, runner) -> None:
        self._report(runner, f'epoch {runner.epoch + 1}')  # runner.epoch is 0-based here

    def after_train(self, runner) -> None:
        self._report(runner, 'end of training')

    def _report(self, runner, when: str) -> None:
        # A file drawn twice is skipped twice: count files, not skip events.
        gathered = [p for rank_paths in all_gather_object(self._epoch_paths) for p in rank_paths]
        paths = sorted(set(gathered))
        self._epoch_paths = []
        if not paths:
            return
        self._all_paths.update(paths)
        self.total = len(self._all_paths)
        runner.message_hub.update_info(_skipped_key(), self.total)
        listed = ', '.join(
            paths[:self.max_listed]) + (' ...' if len(paths) > self.max_listed else '')
        runner.logger.warning(
            f'{when}: skipped {len(paths)} bad image file(s) (skip_bad_images=True; '
            f'{self.total} distinct in total): {listed}. Fix or remove these files.')
