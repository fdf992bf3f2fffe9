"""``MMMLRunner``: mmengine's ``Runner`` with the plugin's run-level guarantees (``runner_type``),
which hold under ``tools/train.py``/``tools/test.py`` and under ``mim train/test`` alike."""
import copy
import datetime
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .checkpoint_match import check_checkpoint_matches_model
from .data_root import reroot_data
from .dist import init_cpu_dist
from .model_classes import fill_model_classes
from .schedule_change import warn_on_schedule_change


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
      restored schedulers keep the old one.

    Select it with ``runner_type = 'MMMLRunner'``; on a GPU machine training is exactly
    ``Runner``'s.
    """

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

    # Evaluation: the checkpoint must provide every weight of the model.
    _strict_checkpoint: Optional[bool] = None

    def test(self) -> dict:
        self._strict_checkpoint = self.cfg.get('strict_checkpoint', True)
        return super().test()

    def val(self) -> dict:
        self._strict_checkpoint = self.cfg.get('strict_checkpoint', True)
        return super().val()

    def load_checkpoint(self,
                        filename: str,
                        map_location='cpu',
                        strict: bool = False,
                        revise_keys: list = [(r'^module.', '')]):
        checkpoint = super().load_checkpoint(filename, map_location, strict, revise_keys)
        self._loaded_cfg_text = (checkpoint.get('meta') or {}).get('cfg')
        if self._strict_checkpoint and not self._resume:
            model = self.model.module if is_model_wrapper(self.model) else self.model
            check_checkpoint_matches_model(model,
                                           checkpoint,
                                           filename,
                                           config=self.cfg.filename,
                                           revise_keys=revise_keys)
        return checkpoint

    def resume(self, filename: str, *args, **kwargs) -> None:
        super().resume(filename, *args, **kwargs)
        warn_on_schedule_change(getattr(self, '_loaded_cfg_text', None), self.cfg, filename)
