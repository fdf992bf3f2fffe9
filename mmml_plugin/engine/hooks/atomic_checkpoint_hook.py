"""A ``CheckpointHook`` whose checkpoints and ``last_checkpoint`` pointer survive a kill."""
import glob
import logging
import os
import os.path as osp
import re
import shutil
import tempfile
from contextlib import contextmanager
from typing import Optional

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.logging import MMLogger
from mmengine.registry import HOOKS

from ..atomic_file_backend import PARTIAL_TAG, _fsync_dir
from ..work_dir import pointer_text

# What mmengine 0.10.7's CheckpointHook.before_train logs on every run, though the hook only
# builds a FileClient for backward compatibility and never uses it (backend_args is set).
_DEPRECATION_NOISE = ('"FileClient" will be deprecated', '"HardDiskBackend" is the alias')


class _DropMessages(logging.Filter):

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(m in record.getMessage() for m in _DEPRECATION_NOISE)


class _DeferredRemoval:
    """A file backend whose ``remove``/``rmtree`` are recorded instead of run."""

    def __init__(self, backend):
        self._backend = backend
        self.pending = []

    def remove(self, path):
        self.pending.append((self._backend.remove, path))

    def rmtree(self, path):
        self.pending.append((self._backend.rmtree, path))

    def __getattr__(self, name):
        return getattr(self._backend, name)


class _WorkDirElsewhere:
    """The runner, seen with another ``work_dir`` (where the parent writes ``last_checkpoint``)."""

    def __init__(self, runner, work_dir: str):
        self._runner = runner
        self.work_dir = work_dir

    def __getattr__(self, name):
        return getattr(self._runner, name)


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """Save checkpoints like ``CheckpointHook``, but crash-safely.

    Three differences from mmengine's ``CheckpointHook``, all about a run that dies while saving
    (SIGKILL, pre-emption, disk full):

    1. checkpoints are written through :class:`AtomicLocalBackend` (temporary file, ``fsync``,
       ``os.replace``), so ``epoch_N.pth`` is either complete or absent;
    2. the ``last_checkpoint`` pointer that ``--resume auto`` reads is replaced the same way: the
       parent writes it into a temporary folder, which is then renamed over the real one;
    3. with ``max_keep_ckpts`` the oldest checkpoint is deleted only *after* the new one and the
       pointer are on disk (mmengine deletes it first, so ``max_keep_ckpts=1`` plus a kill while
       saving leaves no checkpoint at all and a pointer to a deleted file); likewise the previous
       ``save_best`` checkpoint is deleted only after the new best is written.

    The saving itself is the parent's ``_save_checkpoint_with_step``, called with the deletions
    deferred and the pointer redirected (``tests/reliability/test_mmengine_internals.py`` fails if
    mmengine changes what that private method does). Leftover temporary files of a killed run are
    removed when training starts. Quieter than the parent: mmengine's ``FileClient`` deprecation
    lines are dropped, and ``save_param_scheduler`` is turned off when there is no scheduler
    (mmengine warns at every save). All arguments are those of ``CheckpointHook``;
    ``backend_args`` defaults to ``dict(backend='atomic_local')``.
    """

    def __init__(self, *args, backend_args=None, **kwargs):
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        with self._quiet(runner):
            super().before_train(runner)
        if runner.param_schedulers is None:
            self.save_param_scheduler = False
        if not osp.isdir(str(self.out_dir)):
            return
        if self.save_best is not None and len(self.key_indicators) == 1 and runner.iter > 0:
            self._reconcile_best_checkpoints(runner)
        if not is_main_process():
            return
        for stale in glob.glob(osp.join(str(self.out_dir), f'.*{PARTIAL_TAG}*')) + glob.glob(
                osp.join(runner.work_dir, '.last_checkpoint-*')):
            runner.logger.warning(f'Removing {stale}: a checkpoint whose saving was interrupted.')
            if osp.isdir(stale):
                shutil.rmtree(stale, ignore_errors=True)
            else:
                os.remove(stale)

    @staticmethod
    @contextmanager
    def _quiet(runner):
        logger = getattr(runner, 'logger', None) or MMLogger.get_current_instance()
        drop = _DropMessages()
        logger.addFilter(drop)
        try:
            yield
        finally:
            logger.removeFilter(drop)

    def _best_files(self):
        return sorted(glob.glob(osp.join(str(self.out_dir), 'best_*.pth')))

    @staticmethod
    def _step(path: str) -> Optional[int]:
        match = re.search(r'_(?:epoch|iter)_(\d+)\.pth$', osp.basename(path))
        return int(match.group(1)) if match else None

    @staticmethod
    def _saved_best_score(path: str):
        """The ``best_score`` a best checkpoint recorded in its own message hub (weights-only)."""
        from ..safe_checkpoint_loader import load_from_local_weights_only
        try:
            hub = load_from_local_weights_only(path, map_location='cpu').get('message_hub') or {}
            return (hub.get('runtime_info') or {}).get('best_score')
        except Exception:  # unreadable: keep the score the resumed checkpoint recorded
            return None

    def _reconcile_best_checkpoints(self, runner) -> None:
        """Leave exactly one ``best_*`` after a resume (``runner.iter > 0``): the newest one up
        to the resumed step."""
        hub = runner.message_hub
        recorded = hub.runtime_info.get('best_ckpt')
        files = [f for f in self._best_files() if self._step(f) is not None]
        current = runner.epoch if self.by_epoch else runner.iter
        usable = sorted((f for f in files if self._step(f) <= current), key=self._step)
        keep = usable[-1] if usable else None
        if keep is None and recorded is not None:
            # resumed from another work dir's checkpoint: its best is that run's, not to be
            # deleted by this one (mmengine would remove it at the next better score)
            runner.logger.info(f'{recorded} is not in {self.out_dir}: this run keeps its own '
                               'best checkpoint, starting from its first validation.')
            hub.update_info('best_ckpt', None)
            hub.runtime_info.pop('best_score', None)
            self.best_ckpt_path = None
        if keep is not None and osp.basename(keep) != osp.basename(str(recorded)):
            score = self._saved_best_score(keep)
            if score is not None:
                hub.update_info('best_score', score)
                runner.logger.warning(
                    f'{keep} is the best checkpoint (score {score}), though the resumed '
                    f'checkpoint recorded {recorded}: saving was interrupted after writing it.')
        if keep is not None:
            hub.update_info('best_ckpt', keep)
            self.best_ckpt_path = keep
        if not is_main_process():
            return
        for stale in usable[:-1]:
            runner.logger.warning(f'Removing {stale}: a best checkpoint superseded by {keep} '
                                  '(left by an interrupted save).')
            os.remove(stale)
        for later in (f for f in files if self._step(f) > current):
            moved = osp.join(osp.dirname(later), f'abandoned_{osp.basename(later)}')
            runner.logger.warning(f'Renaming {later} to {moved}: it was saved after the '
                                  'checkpoint this run resumes from, by the part being redone.')
            os.replace(later, moved)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """``save_best``: the previous best checkpoint is deleted only after the new one is on
        disk (the parent deletes it first), and without the parent's deprecation lines; if
        saving fails, a new best file already written is removed again. Nothing is saved by a
        stand-alone ``runner.val()`` (no training, so ``before_train`` never set the hook up)."""
        if not hasattr(self, 'file_backend'):
            return
        backend = self.file_backend
        self.file_backend = deferred = _DeferredRemoval(backend)
        before = set(self._best_files()) if is_main_process() else set()
        try:
            with self._quiet(runner):
                super()._save_best_checkpoint(runner, metrics)
            for remove, path in deferred.pending:
                remove(path)
        except BaseException:
            if is_main_process():
                for new in set(self._best_files()) - before:
                    runner.logger.error(f'Removing {new}: saving the best checkpoint failed, '
                                        'the previous best stays the recorded one.')
                    os.remove(new)
            raise
        finally:
            self.file_backend = backend

    def _save_checkpoint_with_step(self, runner, step, meta):
        backend = self.file_backend
        self.file_backend = deferred = _DeferredRemoval(backend)
        pointer_dir = tempfile.mkdtemp(prefix='.last_checkpoint-', dir=runner.work_dir) \
            if is_main_process() else runner.work_dir
        try:
            with self._quiet(runner):  # mmengine's save_checkpoint builds an unused FileClient too
                super()._save_checkpoint_with_step(_WorkDirElsewhere(runner, pointer_dir), step,
                                                   meta)
            if not is_main_process():
                return
            pointer = osp.join(pointer_dir, 'last_checkpoint')
            with open(pointer, 'w', encoding='utf-8') as f:  # relative: a moved work dir resumes
                f.write(
                    pointer_text(self.last_ckpt, runner.work_dir) if getattr(
                        runner, 'reads_relative_pointer', False) else self.last_ckpt)
                f.flush()
                os.fsync(f.fileno())
            os.replace(pointer, osp.join(runner.work_dir, 'last_checkpoint'))
            _fsync_dir(runner.work_dir)
            for remove, path in deferred.pending:
                remove(path)
        finally:
            self.file_backend = backend
            if pointer_dir != runner.work_dir:
                shutil.rmtree(pointer_dir, ignore_errors=True)
