"""``MMMLRunner``: mmengine's ``Runner`` with the plugin's run-level guarantees (``runner_type``),
which hold under ``tools/train.py``/``tools/test.py`` and under ``mim train/test`` alike."""
import copy
import datetime
import logging
import time
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.dist import is_distributed
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmml_plugin.utils.label_files import check_class_order

from .checkpoint_match import CheckpointMismatchError, check_checkpoint_matches_model, likely_config
from .data_root import reroot_data
from .dataloader_fit import fit_dataloader_to_machine
from .dist import init_cpu_dist
from .hooks.split_classes_hook import SplitClassesHook
from .model_classes import fill_model_classes
from .schedule_change import warn_on_schedule_change
from .work_dir import latest_checkpoint, work_dir_lock

_USED_TIMESTAMPS = set()


def unique_timestamp(timestamp: str) -> str:
    """``timestamp`` (``%Y%m%d_%H%M%S``), or the next second's if a runner of this process took it.

    mmengine names a run's logger, visualizer and message hub ``<config>_<timestamp>`` and gets
    existing instances by name: a second runner of the same config built within the same second
    in one process (tests, notebooks, the demo's stages) would write its logs and scalars into the
    first run's folder. Waiting for the next second keeps mmengine's timestamp format.

    Args:
        timestamp (str): the timestamp mmengine chose.

    Returns:
        str: a timestamp no other runner of this process has.
    """
    while timestamp in _USED_TIMESTAMPS:
        time.sleep(1.0 - time.time() % 1.0 + 1e-3)
        timestamp = time.strftime('%Y%m%d_%H%M%S', time.localtime())
    _USED_TIMESTAMPS.add(timestamp)
    return timestamp


@RUNNERS.register_module()
class MMMLRunner(Runner):
    """mmengine's ``Runner`` plus:

    * CPU distributed training: without a GPU, and with a launcher (``torchrun`` or ``srun``),
      the process group is started with :func:`init_cpu_dist` (mmengine would call
      ``torch.cuda.set_device`` and fail), using ``env_cfg.dist_cfg`` (``backend='gloo'``), and
      the model is wrapped in ``MMDistributedDataParallel`` with ``device_ids=None`` unless
      ``model_wrapper_cfg`` says otherwise;
    * ``--cfg-options data_root=...`` re-roots every path the config derived from the old root
      (datasets, evaluators, label files), see :func:`~mmml_plugin.engine.data_root.reroot_data`;
    * ``test()``/``val()`` refuse a ``load_from`` checkpoint that does not provide every weight of
      the model (``strict_checkpoint=False`` in the config to allow it);
    * the training dataset's class names reach the heads/necks that read label files, and every
      class count is checked in one place (:func:`~mmml_plugin.engine.fill_model_classes`);
    * ``--resume`` with a changed schedule (``max_epochs``, ``param_scheduler``) warns that the
      restored schedulers keep the old one; the config text saved in the checkpoint is read as
      data, never run (:mod:`~mmml_plugin.engine.schedule_change`);
    * class names travel with the weights: ``test()``, ``val()``, ``load_from`` and ``--resume``
      refuse a checkpoint whose ``meta.dataset_meta.classes`` differ (order or set) from the
      classes of the config's dataset (:func:`~mmml_plugin.utils.label_files.check_class_order`);
    * ``--resume`` refuses a checkpoint of another model (missing, unexpected or mis-shaped
      weights) naming both the checkpoint and the configs, instead of torch's optimizer-group
      ``ValueError``;
    * ``--resume auto`` reads a ``last_checkpoint`` relative to the work dir (what
      :class:`~mmml_plugin.engine.AtomicCheckpointHook` writes), so a moved work dir resumes;
    * ``train()`` locks the work dir (rank 0, :func:`~mmml_plugin.engine.work_dir.work_dir_lock`):
      a second training on the same work dir is refused while the first runs, and one whose
      validation split lists other classes than its training split is refused
      (:class:`~mmml_plugin.engine.hooks.SplitClassesHook`);
    * two runners of one process never share a timestamp (:func:`unique_timestamp`), so their
      logs and scalars never mix;
    * every dataloader fits the machine: ``num_workers`` at most the CPUs this process may use,
      ``pin_memory`` only with CUDA
      (:func:`~mmml_plugin.engine.dataloader_fit.fit_dataloader_to_machine`).

    Select it with ``runner_type = 'MMMLRunner'``. The training loop, the optimizer steps and
    the hooks are ``Runner``'s; what changes is listed above (configs, checks, the work dir).
    """

    @staticmethod
    def build_dataloader(dataloader, seed: Optional[int] = None, diff_rank_seed: bool = False):
        return Runner.build_dataloader(fit_dataloader_to_machine(dataloader), seed, diff_rank_seed)

    @classmethod
    def from_cfg(cls, cfg: Config) -> 'MMMLRunner':
        cfg = copy.deepcopy(cfg)
        reroot_data(cfg)
        return super().from_cfg(cfg)

    def setup_env(self, env_cfg: dict) -> None:
        if self.distributed and not is_distributed() and not torch.cuda.is_available():
            dist_cfg = dict(env_cfg.get('dist_cfg', {}))
            if dist_cfg.get('timeout') is not None:
                dist_cfg['timeout'] = datetime.timedelta(seconds=dist_cfg['timeout'])
            init_cpu_dist(self.launcher, **dist_cfg)
        super().setup_env(env_cfg)
        if not self.distributed:
            self._timestamp = unique_timestamp(self._timestamp)

    def wrap_model(self, model_wrapper_cfg, model):
        if (self.distributed and model_wrapper_cfg is None and not torch.cuda.is_available()
                and not is_model_wrapper(model)):
            model_wrapper_cfg = dict(type='MMDistributedDataParallel',
                                     device_ids=None,
                                     broadcast_buffers=False,
                                     find_unused_parameters=self.cfg.get(
                                         'find_unused_parameters', False))
        return super().wrap_model(model_wrapper_cfg, model)

    def build_model(self, model):
        # The dataset's class names reach the head/neck; class counts checked (model_classes.py).
        if isinstance(model, dict):
            model = fill_model_classes(
                model,
                dict(train_dataloader=self._train_dataloader,
                     val_dataloader=self._val_dataloader,
                     test_dataloader=self._test_dataloader))
        return super().build_model(model)

    # AtomicCheckpointHook writes last_checkpoint relative to the work dir (load_or_resume reads it)
    reads_relative_pointer = True

    # Evaluation: the checkpoint must provide every weight of the model.
    _strict_checkpoint: Optional[bool] = None
    # The split whose dataset classes a loaded checkpoint must have (train for load_from/resume).
    _classes_split: str = 'train_dataloader'

    def train(self):
        self._classes_split = 'train_dataloader'
        if not any(isinstance(hook, SplitClassesHook) for hook in self._hooks):
            self.register_hook(SplitClassesHook())
        with work_dir_lock(self.work_dir, enabled=self.rank == 0):
            return super().train()

    def test(self) -> dict:
        self._strict_checkpoint = self.cfg.get('strict_checkpoint', True)
        self._classes_split = 'test_dataloader'
        return super().test()

    def val(self) -> dict:
        self._strict_checkpoint = self.cfg.get('strict_checkpoint', True)
        self._classes_split = 'val_dataloader'
        return super().val()

    def load_or_resume(self) -> None:
        # mmengine reads last_checkpoint as a path relative to the current directory
        if not self._has_loaded and self._resume and self._load_from is None:
            latest = latest_checkpoint(self.work_dir)
            if latest is not None:
                self.logger.info(f'Auto resumed from the latest checkpoint {latest}.')
                self.resume(latest)
                self._has_loaded = True
                return
        super().load_or_resume()

    def _config_name(self) -> str:
        return self.cfg.filename or 'this config'

    def _check_classes(self, checkpoint: dict, filename: str) -> None:
        """Refuse a checkpoint trained with other class names, or another order, than the
        dataset it is about to be trained, validated or tested on."""
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        dataset_meta = meta.get('dataset_meta') if isinstance(meta, dict) else None
        found = dataset_meta.get('classes') if isinstance(dataset_meta, dict) else None
        if found is None or not self.cfg.get('check_checkpoint_classes', True):
            return
        split = self._classes_split
        try:
            dataset = getattr(self, split).dataset
        except Exception:  # no such split built: nothing to compare against
            return
        expected = (getattr(dataset, 'metainfo', None) or {}).get('classes')
        trained = likely_config(meta)
        check_class_order(
            found, expected, f'{filename} (meta.dataset_meta.classes)',
            f'the {split} dataset of {self._config_name()}',
            'Scores and labels are matched by class position, so this checkpoint would be '
            'trained or scored against the wrong classes. Use the config (and class list) it '
            f'was trained with{f" ({trained})" if trained else ""}, or a checkpoint trained '
            'with these classes (to fine-tune on other classes on purpose: --cfg-options '
            'check_checkpoint_classes=False).')

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):
        checkpoint = super().load_checkpoint(filename, map_location, strict, revise_keys)
        meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
        if isinstance(meta, dict) and 'config' in meta:
            # mmengine's resume runs Config.fromstring on meta['config'] (an mmcv-era key to
            # compare gpu_ids): text from a checkpoint must never be executed
            meta.pop('config')
            print_log(
                f'{filename}: ignoring its meta["config"] (the config text of an mmcv-era '
                'checkpoint); it is never executed.',
                logger='current',
                level=logging.WARNING)
        self._loaded_meta = meta if isinstance(meta, dict) else None
        self._loaded_cfg_text = (meta or {}).get('cfg') if isinstance(meta, dict) else None
        model = self.model.module if is_model_wrapper(self.model) else self.model
        if self._resume:
            self._check_resumed_model(model, checkpoint, filename, revise_keys)
        elif self._strict_checkpoint:
            check_checkpoint_matches_model(model,
                                           checkpoint,
                                           filename,
                                           config=self.cfg.filename,
                                           revise_keys=revise_keys)
        self._check_classes(checkpoint, filename)
        return checkpoint

    def _check_resumed_model(self, model, checkpoint: dict, filename: str, revise_keys) -> None:
        """Resuming continues the same model: every weight must be there, with its shape (a
        checkpoint of another model would end in torch's optimizer-group ``ValueError``)."""
        try:
            check_checkpoint_matches_model(model,
                                           checkpoint,
                                           filename,
                                           config=self.cfg.filename,
                                           revise_keys=revise_keys)
        except CheckpointMismatchError as e:
            trained = likely_config(checkpoint.get('meta'))
            raise CheckpointMismatchError(
                f'Cannot resume {self._config_name()} from {filename}: it is a checkpoint of '
                f'another model ({trained or "a config that is not this one"}). '
                f'{str(e).split(": ", 1)[1].split(". It was trained")[0]}. Resume with the '
                'config it was trained with, or start a new run from its weights with '
                'load_from (no --resume).') from None

    def resume(self, filename: str, *args, **kwargs) -> None:
        try:
            super().resume(filename, *args, **kwargs)
        except ValueError as e:
            if 'parameter group' not in str(e):
                raise
            trained = likely_config((getattr(self, '_loaded_meta', None) or {}))
            raise CheckpointMismatchError(
                f'Cannot resume {self._config_name()} from {filename}: its optimizer state does '
                f'not fit this model\'s optimizer ({e}). It was saved by another model or '
                f'optimizer config{f" ({trained})" if trained else ""}; resume with that config, '
                'or start a new run from its weights with load_from (no --resume).') from None
        warn_on_schedule_change(getattr(self, '_loaded_cfg_text', None), self.cfg, filename)
