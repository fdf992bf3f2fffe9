"""An EMA of the weights that starts from the weights training starts from."""
from mmengine.hooks import EMAHook
from mmengine.registry import HOOKS


@HOOKS.register_module()
class InitialWeightsEMAHook(EMAHook):
    """mmengine's :class:`~mmengine.hooks.EMAHook` whose average starts from the initial
    weights θ_0 (after initialisation and ``load_from``), as the official Query2Label
    ``ModelEma`` (SlongLiu/query2labels main_mlc.py:341-342 copies the model before the first
    epoch, main_mlc.py:494-495 updates it after every step, main_mlc.py:630-631)::

        θ_ema,0 = θ_0
        θ_ema,t = (1 - m) θ_ema,t-1 + m θ_t      (m = 1 - decay = 0.0003)

    so the first update gives 0.9997 θ_0 + 0.0003 θ_1. mmengine's averaged models instead copy
    the model at their first update (θ_ema,1 = θ_1) and average from the second.

    With ``begin_iter`` / ``begin_epoch`` the EMA holds a copy of the weights until it starts
    and averages from its first update on, as the official ``--ema-epoch`` (a fresh ``ModelEma``
    at the start of that epoch, main_mlc.py:341-342). A run resumed from a checkpoint holding
    ``ema_state_dict`` continues that average.

    Args:
        **kwargs: those of :class:`~mmengine.hooks.EMAHook` (``ema_type``, ``momentum``,
            ``begin_iter``, ...); the averaged model is one of mmengine's (their ``steps``
            counter tells a first update, which copies, from the others).
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._ema_resumed = False

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        """Load the EMA as mmengine's hook; remember whether a resume brought one."""
        super().after_load_checkpoint(runner, checkpoint)
        self._ema_resumed = bool(runner._resume) and 'ema_state_dict' in checkpoint

    def before_train(self, runner) -> None:
        """Set θ_ema = θ_0 (parameters and buffers) unless a resumed EMA continues."""
        super().before_train(runner)
        if self._ema_resumed:
            return
        self.ema_model.module.load_state_dict(self.src_model.state_dict())
        self.ema_model.steps.fill_(1)  # θ_0 counts as the first update: the next one averages
