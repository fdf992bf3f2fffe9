"""Let ``torch.load(weights_only=True)`` read the checkpoints mmengine writes.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which refuses every class it
does not know; mmengine 0.10.7 stores a few of its own objects (the message hub's
``HistoryBuffer``) and numpy arrays/scalars in ``meta``, so ``--resume`` fails with an
``UnpicklingError``. Instead of turning the safety off we allow-list exactly those classes.
"""
import pickle

import numpy as np
import torch


def _numpy_globals():
    """Return the numpy callables/classes that pickled arrays, scalars and dtypes reference."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [
        type(np.dtype(t)) for t in (np.float16, np.float32, np.float64, np.int8, np.int16, np.int32,
                                    np.int64, np.uint8, np.bool_)
    ]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


# The anneal functions mmengine's ``OneCycleParamScheduler`` (and so its ``OneCycleLR``) keeps as
# ``self.anneal_func``: its state dict pickles them as ``getattr(OneCycleParamScheduler, name)``.
_ONE_CYCLE_ANNEAL = ('_annealing_cos', '_annealing_linear')


def _history_buffer_getattr(obj, name):
    """The only ``getattr`` an mmengine checkpoint needs: a ``HistoryBuffer`` statistics method
    or a one-cycle scheduler's anneal function.

    The message hub pickles ``HistoryBuffer._statistics_methods`` (``min``, ``max``, ``current``,
    ``mean``, plus any registered ones) as ``getattr(HistoryBuffer, name)``; the state of
    mmengine's ``OneCycleLR`` holds ``getattr(OneCycleParamScheduler, '_annealing_cos')``.
    Allowing the builtin ``getattr`` would let a crafted file reach any attribute of any allowed
    object, so the checkpoint's ``builtins.getattr`` is bound to this narrow version instead.
    """
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
    if obj is HistoryBuffer and (name in ('min', 'max', 'current', 'mean')
                                 or name in HistoryBuffer._statistics_methods):
        return getattr(HistoryBuffer, name)
    if obj is OneCycleParamScheduler and name in _ONE_CYCLE_ANNEAL:
        return getattr(OneCycleParamScheduler, name)
    raise pickle.UnpicklingError(
        f'getattr({obj!r}, {name!r}) is not allowed: only HistoryBuffer statistics methods and '
        'one-cycle anneal functions may be looked up by a checkpoint.')


def checkpoint_safe_globals():
    """The exact list of non-tensor globals found in mmengine 0.10.7 checkpoints."""
    from mmengine.config.config import ConfigDict
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.optim.scheduler.param_scheduler import OneCycleParamScheduler
    return [
        HistoryBuffer, ConfigDict, OneCycleParamScheduler,
        (_history_buffer_getattr, 'builtins.getattr'), *_numpy_globals()
    ]


def register_checkpoint_safe_globals() -> None:
    """Add :func:`checkpoint_safe_globals` to torch's ``weights_only`` allow-list (idempotent)."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
