"""Stop training at the first NaN/inf loss, naming the iteration and the images of the batch."""
import math
from typing import Dict, List, Optional, Sequence

import torch
from mmengine.dist import all_gather_object, all_reduce, get_rank, is_distributed
from mmengine.hooks import Hook
from mmengine.registry import HOOKS


class NonFiniteLossError(FloatingPointError):
    """Raised when the training loss (or a parameter about to be saved) is NaN or infinite.

    Attributes:
        iteration (int | None): 1-based training iteration, as in the log.
        img_paths (list[str]): images of the offending batch (every rank's).
    """

    def __init__(self,
                 message: str,
                 iteration: Optional[int] = None,
                 img_paths: Sequence[str] = ()):
        super().__init__(message)
        self.iteration = iteration
        self.img_paths = list(img_paths)


def _img_paths(data_batch) -> List[str]:
    """The ``img_path`` of every sample in a batch (``'?'`` where the pipeline dropped it).

    Handles OpenMMLab data samples (``sample.metainfo['img_path']``) and dict batches collated
    by ``default_collate`` (``data_samples['img_path']`` is then a list).
    """
    samples = data_batch.get('data_samples') if isinstance(data_batch, dict) else None
    if isinstance(samples, dict):
        return [str(p) for p in samples.get('img_path', [])]
    return [str(getattr(s, 'metainfo', s).get('img_path', '?')) for s in samples or []]


def _loss_values(outputs) -> Dict[str, float]:
    """The scalar loss terms of ``train_step``'s log variables."""
    values = {}
    for name, value in (outputs or {}).items():
        if 'loss' in name:
            values[name] = float(value.detach().float().mean()) if torch.is_tensor(value) \
                else float(value)
    return values


@HOOKS.register_module()
class NonFiniteLossHook(Hook):
    """Raise :class:`NonFiniteLossError` as soon as a loss is NaN or infinite.

    Runs after the logger (so the bad iteration is logged) and before the checkpoint hook, so the
    diverged weights are never saved. Under distributed training the flag is all-reduced, so every
    rank stops at the same iteration (no rank is left waiting in a collective) and the message lists
    the images of every rank's batch. As a second line of defence a checkpoint whose weights contain
    NaN/inf is refused in ``before_save_checkpoint``.

    Args:
        max_paths (int): at most this many image paths are listed. Defaults to 64.
    """

    priority = 'LOW'  # after LoggerHook (BELOW_NORMAL), before CheckpointHook (VERY_LOW)

    def __init__(self, max_paths: int = 64):
        self.max_paths = max_paths

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        losses = _loss_values(outputs)
        bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
        if is_distributed():
            flag = torch.tensor(float(bool(bad)))
            all_reduce(flag, op='sum')
            if flag.item() == 0:
                return
            reports = all_gather_object((get_rank(), bad, _img_paths(data_batch)))
        else:
            if not bad:
                return
            reports = [(0, bad, _img_paths(data_batch))]
        paths = [p for _, _, rank_paths in reports for p in rank_paths]
        raise NonFiniteLossError(self._message(runner, batch_idx, reports), runner.iter + 1, paths)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        bad = [
            name for name, value in checkpoint.get('state_dict', {}).items()
            if torch.is_tensor(value) and value.is_floating_point()
            and not torch.isfinite(value).all()
        ]
        if bad:
            raise NonFiniteLossError(
                f'Refusing to save a checkpoint in epoch {runner.epoch + 1}: parameters '
                f'{", ".join(bad[:10])}{" ..." if len(bad) > 10 else ""} contain NaN/inf. '
                'Training diverged; resume from the previous checkpoint with a lower learning rate '
                'or gradient clipping (optim_wrapper.clip_grad=dict(max_norm=...)).')

    def _message(self, runner, batch_idx: int, reports: Sequence[tuple]) -> str:
        lines, paths = [], []
        for rank, bad, rank_paths in reports:
            if bad:
                terms = ', '.join(f'{k}={v}' for k, v in bad.items())
                lines.append(f'rank {rank}: {terms}' if len(reports) > 1 else terms)
            paths += rank_paths
        shown = ', '.join(paths[:self.max_paths]) or '<no img_path in the data samples>'
        if len(paths) > self.max_paths:
            shown += f' (+{len(paths) - self.max_paths} more)'
        ranks = ' (all ranks)' if len(reports) > 1 else ''
        last_ckpt: Optional[str] = runner.message_hub.get_info('last_ckpt')
        return (
            f'Non-finite loss at iteration {runner.iter + 1} (epoch {runner.epoch + 1}, batch '
            f'{batch_idx + 1}): {"; ".join(lines)}.\n'
            f'Images in this batch{ranks}: {shown}.\n'
            f'Training was stopped before saving these weights; the last good checkpoint is '
            f'{last_ckpt or "none (nothing saved yet)"}. Fix: check the images above (a corrupt or '
            'blank image, or wrong labels), then lower the learning rate or enable gradient '
            'clipping (optim_wrapper.clip_grad=dict(max_norm=...)) and resume with --resume auto.')
