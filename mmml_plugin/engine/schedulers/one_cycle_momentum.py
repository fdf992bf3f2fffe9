"""The momentum half of torch's ``OneCycleLR``: SGD's momentum or Adam's beta1 cycled against
the learning rate."""
from typing import Optional, Union

from mmengine.optim import BaseOptimWrapper
from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, OneCycleParamScheduler
from mmengine.registry import PARAM_SCHEDULERS
from torch.optim import Optimizer


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, OneCycleParamScheduler):
    """Cycle the momentum (Adam's beta1) as ``torch.optim.lr_scheduler.OneCycleLR`` with
    ``cycle_momentum=True``, inversely to the learning rate; use it beside mmengine's
    ``OneCycleLR`` with the same ``total_steps``, ``pct_start``, ``anneal_strategy`` and
    ``three_phase`` to get torch's whole schedule::

        step 0 .. pct_start·T - 1:   m = anneal(max_momentum -> base_momentum)
        .. T - 1:                    m = anneal(base_momentum -> max_momentum)

    (three phases: max -> base, base -> max, then max). The schedule starts at
    ``max_momentum``, whatever the optimizer's config says, as torch's. mmengine's
    ``OneCycleParamScheduler`` runs it: its ``initial -> max -> min`` phases are
    ``max_momentum -> base_momentum -> max_momentum`` here.

    Args:
        optimizer (Optimizer | BaseOptimWrapper): with ``momentum`` or ``betas``.
        base_momentum (float): the momentum at the peak of the learning rate. Defaults to
            0.85 (torch's).
        max_momentum (float): the momentum at the start and end. Defaults to 0.95 (torch's).
        total_steps (int, optional): T; default ``end - begin``.
        pct_start (float): fraction of T spent decreasing the momentum. Defaults to 0.3.
        anneal_strategy (str): ``'cos'`` or ``'linear'``. Defaults to 'cos'.
        three_phase (bool): torch's three-phase variant. Defaults to False.
        begin (int): first step of the schedule. Defaults to 0.
        end (int): step after the last. Defaults to INF.
        last_step (int): the last step, to resume without a state dict. Defaults to -1.
        by_epoch (bool): steps are epochs (use ``convert_to_iter_based=True`` in a config to
            step every iteration, as ``OneCycleLR``). Defaults to True.
        verbose (bool): print each update. Defaults to False.
    """

    def __init__(self,
                 optimizer: Union[Optimizer, BaseOptimWrapper],
                 base_momentum: float = 0.85,
                 max_momentum: float = 0.95,
                 total_steps: Optional[int] = None,
                 pct_start: float = 0.3,
                 anneal_strategy: str = 'cos',
                 three_phase: bool = False,
                 begin: int = 0,
                 end: int = INF,
                 last_step: int = -1,
                 by_epoch: bool = True,
                 verbose: bool = False):
        if not 0 < base_momentum <= max_momentum:
            raise ValueError(f'{type(self).__name__}: needs 0 < base_momentum <= max_momentum, '
                             f'got {base_momentum} and {max_momentum}.')
        # OneCycleParamScheduler: initial = eta_max / div_factor, min = initial / final_div_factor
        super().__init__(optimizer,
                         eta_max=base_momentum,
                         total_steps=total_steps,
                         pct_start=pct_start,
                         anneal_strategy=anneal_strategy,
                         div_factor=base_momentum / max_momentum,
                         final_div_factor=1.,
                         three_phase=three_phase,
                         begin=begin,
                         end=end,
                         last_step=last_step,
                         by_epoch=by_epoch,
                         verbose=verbose)
