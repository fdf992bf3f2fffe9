"""Training-time reliability: crash-safe checkpoints, NaN stops, deterministic resumption,
weights-only checkpoint loading, CPU distributed training; the EMA and momentum schedule of
the official recipes. Hooks, schedulers and the runner register into mmengine's root registries,
visible from the mmpretrain and mmdet scopes."""
from .atomic_file_backend import AtomicLocalBackend, atomic_write_bytes, atomic_write_text
from .dist import init_cpu_dist, slurm_to_torch_env
from .hooks import (AtomicCheckpointHook, EpochSeedHook, InitialWeightsEMAHook, NonFiniteLossError,
                    NonFiniteLossHook)
from .mmml_runner import MMMLRunner
from .model_classes import dataset_classes, fill_model_classes
from .safe_checkpoint_loader import UnsafeCheckpointError, load_from_local_weights_only
from .schedulers import OneCycleMomentum

__all__ = [
    'AtomicLocalBackend', 'atomic_write_bytes', 'atomic_write_text', 'init_cpu_dist',
    'slurm_to_torch_env', 'AtomicCheckpointHook', 'EpochSeedHook', 'InitialWeightsEMAHook',
    'NonFiniteLossError', 'OneCycleMomentum', 'NonFiniteLossHook', 'dataset_classes',
    'fill_model_classes', 'MMMLRunner', 'UnsafeCheckpointError', 'load_from_local_weights_only'
]
