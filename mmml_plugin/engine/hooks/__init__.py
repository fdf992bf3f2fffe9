from .atomic_checkpoint_hook import AtomicCheckpointHook
from .epoch_seed_hook import EpochSeedHook
from .non_finite_loss_hook import NonFiniteLossError, NonFiniteLossHook

__all__ = ['AtomicCheckpointHook', 'EpochSeedHook', 'NonFiniteLossError', 'NonFiniteLossHook']
