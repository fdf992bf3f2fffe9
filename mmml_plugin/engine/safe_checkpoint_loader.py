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
        reason = [line for line in str(e).splitlines() if 'GLOBAL' in line] or [str(e)]
        raise UnsafeCheckpointError(
            f'Refusing to load {filename}: it contains Python objects outside the weights-only '
            'allow-list (tensors, numbers, containers and the classes in '
            'mmml_plugin/utils/checkpoint.py), so unpickling it could run arbitrary code. If you '
            'trust its origin, convert it in an isolated environment to a plain state dict '
            "(torch.save({'state_dict': ...}, path)); if it is an mmengine checkpoint that "
            'should load, add the missing class it names below to checkpoint_safe_globals(). '
            f'Reason: {reason[0].strip()}') from None
