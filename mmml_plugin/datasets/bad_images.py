"""Opt-in skipping of damaged images during training, and the end-of-epoch report.

With ``skip_bad_images=True`` a dataset turns a :class:`BadImageError` raised by its pipeline into
a skip: mmengine's ``BaseDataset.__getitem__`` then draws another image (never a zero image). The
skipped paths ride along in the metainfo of the next sample the same worker returns (pipelines
ending in ``PackInputs``), so :class:`BadImageReportHook` sees them in the main process whatever
``num_workers`` is, and reports them at the end of each epoch (all ranks gathered). Evaluation
never skips: every image of the split must be scored, so a bad image there stays an error.
"""
from typing import List, Optional

from mmengine.dist import all_gather_object
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.registry import HOOKS

from .transforms.loading import BadImageError

SKIPPED_KEY = 'skipped_bad_images'


class SkipBadImagesMixin:
    """``prepare_data`` for mmengine datasets that honours ``self.skip_bad_images``."""

    skip_bad_images = False

    def prepare_data(self, idx: int):
        data_info = self.get_data_info(idx)
        try:
            data = self.pipeline(data_info)
        except BadImageError as e:
            if not self.skip_bad_images:
                raise
            if self.test_mode:
                raise BadImageError(
                    f'{e} (skip_bad_images applies to training only: evaluation must score '
                    'every image of the split, so fix or remove this file.)') from None
            print_log(f'skipping bad image: {e}', logger='current', level=30)
            self._pending_skipped().append(data_info.get('img_path', f'index {idx}'))
            return None
        pending = self._pending_skipped()
        if data is not None and pending:
            samples = data.get('data_samples') if isinstance(data, dict) else None
            if hasattr(samples, 'set_metainfo'):  # pipelines ending in PackInputs
                samples.set_metainfo({SKIPPED_KEY: list(pending)})
            pending.clear()
        return data

    def _pending_skipped(self) -> List[str]:
        if '_skipped_paths' not in self.__dict__:
            self._skipped_paths = []
        return self._skipped_paths


@HOOKS.register_module()
class BadImageReportHook(Hook):
    """Counts the images skipped with ``skip_bad_images=True`` and reports them per epoch.

    The total is also stored in the message hub as ``skipped_bad_images``.
    """

    priority = 'LOW'

    def __init__(self, max_listed: int = 20):
        self.max_listed = max_listed
        self._epoch_paths: List[str] = []
        self.total = 0

    def after_train_iter(self, runner, batch_idx: int, data_batch: Optional[dict] = None,
                         outputs=None) -> None:
        if not isinstance(data_batch, dict):
            return
        samples = data_batch.get('data_samples') or []
        for sample in samples:
            metainfo = getattr(sample, 'metainfo', None) or {}
            self._epoch_paths.extend(metainfo.get(SKIPPED_KEY, []))

    def after_train_epoch(self, runner) -> None:
        self._report(runner, f'epoch {runner.epoch + 1}')  # runner.epoch is 0-based here

    def after_train(self, runner) -> None:
        self._report(runner, 'end of training')

    def _report(self, runner, when: str) -> None:
        paths = [p for rank_paths in all_gather_object(self._epoch_paths) for p in rank_paths]
        self._epoch_paths = []
        if not paths:
            return
        self.total += len(paths)
        runner.message_hub.update_info(SKIPPED_KEY, self.total)
        listed = ', '.join(paths[:self.max_listed]) + (' ...' if len(paths) > self.max_listed
                                                       else '')
        runner.logger.warning(
            f'{when}: skipped {len(paths)} bad image(s) (skip_bad_images=True; {self.total} in '
            f'total): {listed}. Fix or remove these files.')
