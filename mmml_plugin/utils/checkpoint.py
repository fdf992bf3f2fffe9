"""Let ``torch.load(weights_only=True)`` read the checkpoints mmengine writes.

Since torch 2.6 ``torch.load`` defaults to ``weights_only=True``, which refuses every class it
does not know; mmengine 0.10.7 stores a few of its own objects (the message hub's
``HistoryBuffer``) and numpy arrays/scalars in ``meta``, so ``--resume`` fails with an
``UnpicklingError``. Instead of turning the safety off we allow-list exactly those classes.
"""
import numpy as np
import torch


def _numpy_globals():
    """Return the numpy callables/classes that pickled arrays, scalars and dtypes reference."""
    try:
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy < 2
        from numpy.core.multiarray import _reconstruct, scalar
    dtypes = [type(np.dtype(t)) for t in (np.float16, np.float32, np.float64, np.int8, np.int16,
                                          np.int32, np.int64, np.uint8, np.bool_)]
    return [_reconstruct, scalar, np.ndarray, np.dtype, *dtypes]


def checkpoint_safe_globals():
    """The exact list of non-tensor classes found in mmengine 0.10.7 checkpoints."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.config.config import ConfigDict
    return [HistoryBuffer, ConfigDict, *_numpy_globals()]


def register_checkpoint_safe_globals() -> None:
    """Add :func:`checkpoint_safe_globals` to torch's ``weights_only`` allow-list (idempotent)."""
    if hasattr(torch.serialization, 'add_safe_globals'):
        torch.serialization.add_safe_globals(checkpoint_safe_globals())
