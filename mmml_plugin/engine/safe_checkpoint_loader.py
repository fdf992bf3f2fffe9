"""Load local checkpoints with ``torch.load(weights_only=True)``, whatever the environment says.

mmengine's local loader calls ``torch.load(filename, map_location=...)`` and relies on torch's
default, which ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (a common "fix" for unpickling errors)
silently turns back into full pickle, i.e. arbitrary code execution for a downloaded ``.pth``.
This loader, registered for plain paths in mmengine's ``CheckpointLoader`` (used by
``load_from``, ``--resume``, ``init_cfg=dict(type='Pretrained')`` and ``tools/test.py``), always
passes ``weights_only=True``; the classes mmengine checkpoints legitimately contain are
allow-listed in :mod:`mmml_plugin.utils.checkpoint`. A file asking for anything else is refused
with :class:`UnsafeCheckpointError` before any of its code can run.
"""
import os.path as osp
import pickle

import torch
from mmengine.runner.checkpoint import CheckpointLoader


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint references Python objects outside the weights-only allow-list."""


def _reason(error: Exception) -> str:
    """torch's account of what was refused, without its advice to turn the check off."""
    text = str(error).split('WeightsUnpickler error:')[-1]
    kept = [p for p in text.split('\n\n') if p.strip() and not p.strip().startswith(
        ('Weights only load failed', 'Check the documentation'))]
    return ' '.join(' '.join(kept).split()) or str(error)


@CheckpointLoader.register_scheme(prefixes='', force=True)
def load_from_local_weights_only(filename: str, map_location=None) -> dict:
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): path of the ``.pth`` file.
        map_location: as in :func:`torch.load`.

    Returns:
        dict: the checkpoint.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the pickle references a global that is not allow-listed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise UnsafeCheckpointError(
            f'Refusing to load {filename}: it contains Python objects outside the weights-only '
            'allow-list (tensors, numbers, containers and the classes in '
            'mmml_plugin/utils/checkpoint.py), so unpickling it could run arbitrary code. If you '
            'trust its origin, convert it in an isolated environment to a plain state dict '
            "(torch.save({'state_dict': ...}, path)); if it is an mmengine checkpoint that "
            'should load, add the class named in the reason to checkpoint_safe_globals(). '
            f'Reason: {_reason(e)}') from None
