"""A ``CheckpointHook`` whose checkpoints and ``last_checkpoint`` pointer survive a kill."""
import glob
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmengine.registry import HOOKS

from ..atomic_file_backend import PARTIAL_TAG, atomic_write_text


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """Save checkpoints like ``CheckpointHook``, but crash-safely.

    Three differences from mmengine 0.10.7's ``CheckpointHook``, all about a run that dies while
    saving (SIGKILL, pre-emption, disk full):

    1. checkpoints are written through :class:`AtomicLocalBackend` (temporary file, ``fsync``,
       ``os.replace``), so ``epoch_N.pth`` is either complete or absent;
    2. the ``last_checkpoint`` pointer that ``--resume auto`` reads is replaced the same way;
    3. with ``max_keep_ckpts`` the oldest checkpoint is deleted only *after* the new one and the
       pointer are on disk (mmengine deletes it first, so ``max_keep_ckpts=1`` plus a kill while
       saving leaves no checkpoint at all and a pointer to a deleted file).

    Leftover temporary files of a killed run are removed when training starts. All arguments are
    those of ``CheckpointHook``; ``backend_args`` defaults to ``dict(backend='atomic_local')``.
    """

    def __init__(self, *args, backend_args=None, **kwargs):
        if backend_args is None and kwargs.get('file_client_args') is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, backend_args=backend_args, **kwargs)

    def before_train(self, runner) -> None:
        super().before_train(runner)
        if not is_main_process() or not osp.isdir(str(self.out_dir)):
            return
        for stale in glob.glob(osp.join(str(self.out_dir), f'.*{PARTIAL_TAG}*')):
            runner.logger.warning(f'Removing {stale}: a checkpoint whose saving was interrupted.')
            os.remove(stale)

    def _save_checkpoint_with_step(self, runner, step, meta):
        outdated = []
        if self.max_keep_ckpts > 0 and (not self.keep_ckpt_ids or self.keep_ckpt_ids[-1] != step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                outdated.append(self.keep_ckpt_ids.popleft())
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids', list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir, ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write_text(self.last_ckpt, osp.join(runner.work_dir, 'last_checkpoint'))

        for old_step in outdated:
            old = self.file_backend.join_path(self.out_dir, self.filename_tmpl.format(old_step))
            if self.file_backend.isfile(old):
                self.file_backend.remove(old)
            elif self.file_backend.isdir(old):  # DeepSpeed/FSDP save folders
                self.file_backend.rmtree(old)
