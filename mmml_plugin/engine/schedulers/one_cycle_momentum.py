"""The momentum half of torch's ``OneCycleLR``: SGD's momentum or Adam's beta1 cycled against
the learning rate."""
from typing import Optional, Union

from mmengine.optim import BaseOptimWrapper
from mmengine.optim.scheduler.momentum_scheduler import MomentumSchedulerMixin
from mmengine.optim.scheduler.param_scheduler import INF, OneCycleParamScheduler, _ParamScheduler
from mmengine.registry import PARAM_SCHEDULERS
from torch.optim import Optimizer


@PARAM_SCHEDULERS.register_module()
class OneCycleMomentum(MomentumSchedulerMixin, _ParamScheduler):
    """Cycle the momentum (Adam's beta1) as ``torch.optim.lr_scheduler.OneCycleLR`` with
    ``cycle_momentum=True`` (its default), inversely to the learning rate. Beside mmengine's
    ``OneCycleLR`` with the same ``total_steps``, ``pct_start``, ``anneal_strategy`` and
    ``three_phase`` it completes torch's schedule (mmengine's ``OneCycleParamScheduler``
    schedules the learning rate only)::

        step s in [0, pct_start·T - 1]:   m = anneal(max_momentum -> base_momentum)
        s in [pct_start·T - 1, T - 1]:     m = anneal(base_momentum -> max_momentum)
        anneal 'cos': m = end + (start - end) / 2 · (cos(π·pct) + 1),  pct = phase progress

    (three phases: max -> base until pct_start·T - 1, base -> max until 2·pct_start·T - 2, then
    max). The schedule starts at ``max_momentum`` whatever the optimizer's config says, as
    torch's.

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
        by_epoch (bool): steps are epochs (``convert_to_iter_based=True`` in a config steps it
            every iteration, as ``OneCycleLR``). Defaults to True.
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
        name = type(self).__name__
        if not 0 <= base_momentum <= max_momentum:
            raise ValueError(f'{name}: needs 0 <= base_momentum <= max_momentum, got '
                             f'{base_momentum} and {max_momentum}.')
        self.total_steps = total_steps if total_steps is not None else end - begin
        if not isinstance(self.total_steps, int) or self.total_steps <= 0:
            raise ValueError(f'{name}: total_steps must be a positive integer (or set begin and '
                             f'end), got {self.total_steps}.')
        if not isinstance(pct_start, float) or not 0 <= pct_start <= 1:
            raise ValueError(f'{name}: pct_start must be a float in [0, 1], got {pct_start}.')
        if anneal_strategy not in ('cos', 'linear'):
            raise ValueError(f'{name}: anneal_strategy must be "cos" or "linear", got '
                             f'{anneal_strategy!r}.')
        # a name, not a function, in the state dict: checkpoints load with weights_only=True
        self.anneal_strategy = anneal_strategy
        steps = self.total_steps
        # (end_step, start, end) of each phase, as torch's OneCycleLR._schedule_phases
        if three_phase:
            self.phases = [(float(pct_start * steps) - 1, max_momentum, base_momentum),
                           (float(2 * pct_start * steps) - 2, base_momentum, max_momentum),
                           (steps - 1, max_momentum, max_momentum)]
        else:
            self.phases = [(float(pct_start * steps) - 1, max_momentum, base_momentum),
                           (steps - 1, base_momentum, max_momentum)]
        super().__init__(optimizer,
                         begin=begin,
                         end=end,
                         last_step=last_step,
                         by_epoch=by_epoch,
                         verbose=verbose)

    @classmethod
    def build_iter_from_epoch(cls,
                              *args,
                              begin=0,
                              end=INF,
                              total_steps=None,
                              by_epoch=True,
                              epoch_length=None,
                              **kwargs):
        """The iteration-based scheduler of an epoch-based config (total_steps in epochs)."""
        if not by_epoch or not epoch_length or epoch_length <= 0:
            raise ValueError(f'{cls.__name__}: convert_to_iter_based needs by_epoch=True and a '
                             f'training dataloader with batches, got epoch_length={epoch_length}.')
        return cls(*args,
                   begin=int(begin * epoch_length),
                   end=end if end == INF else int(end * epoch_length),
                   total_steps=None if total_steps is None else total_steps * epoch_length,
                   by_epoch=False,
                   **kwargs)

    def _get_value(self):
        """The momentum of step ``last_step`` for every parameter group."""
        step = self.last_step
        if step > self.total_steps:
            raise ValueError(f'{type(self).__name__}: stepped {step + 1} times for '
                             f'total_steps={self.total_steps}.')
        start_step = 0
        for i, (end_step, start, end) in enumerate(self.phases):
            if step <= end_step or i == len(self.phases) - 1:
                anneal = (OneCycleParamScheduler._annealing_cos if self.anneal_strategy == 'cos'
                          else OneCycleParamScheduler._annealing_linear)
                value = anneal(start, end, (step - start_step) / (end_step - start_step))
                break
            start_step = end_step
        return [value for _ in self.optimizer.param_groups]
