"""An mmengine ``Runner`` that can also train distributed on CPU-only machines."""
import datetime

import torch
from mmengine.dist import is_distributed
from mmengine.model import is_model_wrapper
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from .dist import init_cpu_dist
from .model_classes import fill_model_classes


@RUNNERS.register_module()
class MMMLRunner(Runner):
    """mmengine's ``Runner`` plus CPU distributed training.

    Select it with ``runner_type = 'MMMLRunner'``. On a machine with a GPU it behaves exactly like
    ``Runner``. Without one, and with a launcher (``torchrun`` or ``srun``), it

    * starts the process group with :func:`init_cpu_dist` (mmengine would call
      ``torch.cuda.set_device`` and fail), using ``env_cfg.dist_cfg`` (``backend='gloo'``);
    * wraps the model in ``MMDistributedDataParallel`` with ``device_ids=None`` (DDP refuses
      device ids for CPU modules), unless ``model_wrapper_cfg`` says otherwise.
    """

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
            model_wrapper_cfg = dict(
                type='MMDistributedDataParallel', device_ids=None, broadcast_buffers=False,
                find_unused_parameters=self.cfg.get('find_unused_parameters', False))
        return super().wrap_model(model_wrapper_cfg, model)

    def build_model(self, model):
        # The dataset's class names reach the head/neck; class counts checked (model_classes.py).
        if isinstance(model, dict):
            model = fill_model_classes(
                model, dict(train_dataloader=self._train_dataloader,
                            val_dataloader=self._val_dataloader,
                            test_dataloader=self._test_dataloader))
        return super().build_model(model)
