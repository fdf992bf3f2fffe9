from .atomic_checkpoint_hook import AtomicCheckpointHook
from .bad_image_report_hook import BadImageReportHook
from .epoch_seed_hook import EpochSeedHook
from .initial_weights_ema_hook import InitialWeightsEMAHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook
from .split_classes_hook import SplitClassesHook

__all__ = [
    'AtomicCheckpointHook', 'BadImageReportHook', 'EpochSeedHook', 'InitialWeightsEMAHook',
    'NonFiniteLossError', 'NonFiniteLossHook', 'SplitClassesHook'
]
