"""Refuse a checkpoint that leaves model weights uninitialised (scoring a random head).

mmengine loads ``load_from`` with ``strict=False``: missing and unexpected keys, and tensors of
the wrong shape, are only logged, and the model keeps its random initialisation there. For
fine-tuning that is wanted; for evaluation and inference it means scoring a randomly initialised
head (SSGRL weights tested with the baseline config: mAP 23.96, exit code 0). The check here names
the keys and the config the checkpoint was trained with.
"""
import glob
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from mmml_plugin.utils.paths import config_roots


class CheckpointMismatchError(RuntimeError):
    """A checkpoint does not provide every weight of the model (or provides others)."""


def _revise(state_dict: Dict[str, torch.Tensor],
            revise_keys: Sequence[Tuple[str, str]]) -> Dict[str, torch.Tensor]:
    for pattern, replacement in revise_keys:
        state_dict = {re.sub(pattern, replacement, k): v for k, v in state_dict.items()}
    return state_dict


def likely_config(meta: Optional[dict]) -> Optional[str]:
    """The config a checkpoint was trained with, from mmengine's ``meta.experiment_name``.

    Args:
        meta (dict, optional): the checkpoint's ``meta`` (``experiment_name`` is
            ``<config name>_<YYYYmmdd_HHMMSS>``).

    Returns:
        str | None: the path of ``configs/**/<config name>.py`` if the plugin ships it, else the
        bare config name, or None when the checkpoint does not say.
    """
    name = re.sub(r'_\d{8}_\d{6}$', '', str((meta or {}).get('experiment_name') or ''))
    if not name:
        return None
    for root in config_roots():
        found = sorted(glob.glob(osp.join(root, '**', f'{name}.py'), recursive=True))
        if found:
            return found[0]
    return f'{name}.py'


def check_checkpoint_matches_model(
        model: torch.nn.Module,
        checkpoint: dict,
        filename: str,
        config: Optional[str] = None,
        revise_keys: Sequence[Tuple[str, str]] = ((r'^module\.', ''), ),
) -> None:
    """Raise unless ``checkpoint`` holds exactly the model's weights, with the same shapes.

    Args:
        model (nn.Module): the built model (unwrapped).
        checkpoint (dict): as loaded (``{'state_dict': ..., 'meta': ...}`` or a bare state dict).
        filename (str): the checkpoint's path, for the message.
        config (str, optional): the config being used, for the message.
        revise_keys (Sequence[tuple[str, str]]): ``(pattern, replacement)`` applied to the
            checkpoint's keys first, as mmengine's ``load_checkpoint`` does.

    Raises:
        CheckpointMismatchError: naming the missing, unexpected and mis-shaped keys and the
            config the checkpoint was trained with.
    """
    state_dict = checkpoint.get('state_dict', checkpoint) if isinstance(checkpoint, dict) else {}
    state_dict = _revise(dict(state_dict), revise_keys)
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    shapes = [
        f'{k}: checkpoint {tuple(state_dict[k].shape)}, model {tuple(v.shape)}'
        for k, v in expected.items() if k in state_dict and torch.is_tensor(state_dict[k])
        and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    if not (missing or unexpected or shapes):
        return

    def listed(keys: List[str]) -> str:
        return ', '.join(keys[:8]) + (f' (+{len(keys) - 8} more)' if len(keys) > 8 else '')

    problems = []
    if missing:
        problems.append(f'{len(missing)} model weight(s) missing from the checkpoint, which '
                        f'would stay randomly initialised: {listed(missing)}')
    if unexpected:
        problems.append(f'{len(unexpected)} checkpoint weight(s) the model does not have: '
                        f'{listed(unexpected)}')
    if shapes:
        problems.append(f'{len(shapes)} weight(s) of another shape: {listed(shapes)}')
    trained = likely_config(checkpoint.get('meta') if isinstance(checkpoint, dict) else None)
    hint = (f'It was trained with {trained}; test it with that config'
            if trained else 'Test it with the config it was trained with')
    raise CheckpointMismatchError(
        f'{filename} does not match the model of {config or "this config"}: ' +
        '; '.join(problems) + f'. {hint} (or pass strict=False / --cfg-options '
        'strict_checkpoint=False to score a partly random model on purpose).')
