"""Asymmetric loss (Ridnik et al. ICCV 2021) with a constant focusing weight, as trained by
Query2Label (``--dtgfl``: SlongLiu/query2labels lib/models/aslloss.py:55-115, README "Train")."""
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS


@MODELS.register_module()
class DetachedAsymmetricLoss(nn.Module):
    """``L = -Σ_c w_c [y_c log p_c + (1 - y_c) log p⁻_c]``, summed over classes, averaged over
    images (``avg_factor`` = B from the head), times ``loss_weight``, where

    * ``p = σ(x)``, ``p⁻ = min(1 - p + clip, 1)`` (aslloss.py:82-87), logs of values
      clamped at ``eps`` (aslloss.py:90-91);
    * ``w = (1 - p_t)^{γ⁺ y + γ⁻ (1 - y)}`` with ``p_t = p y + p⁻ (1 - y)``, computed WITHOUT
      gradient (``disable_torch_grad_focal_loss``, aslloss.py:94-105). mmpretrain's
      ``AsymmetricLoss`` back-propagates through w, which changes the gradient.

    The official loss is then divided by C and multiplied by 1000 (aslloss.py:112-113): give
    ``loss_weight=1000 / C`` to match it.

    Args:
        gamma_pos (float): γ⁺. Defaults to 0 (README "Train": ``--gamma_pos 0``).
        gamma_neg (float): γ⁻. Defaults to 2 (``--gamma_neg 2``).
        clip (float): probability margin of the negatives. Defaults to 0 (``--loss_clip``
            default, main_mlc.py:64).
        eps (float): log clamp. Defaults to 1e-5 (main_mlc.py:54).
        loss_weight (float): Defaults to 1.
    """

    def __init__(self,
                 gamma_pos: float = 0.,
                 gamma_neg: float = 2.,
                 clip: float = 0.,
                 eps: float = 1e-5,
                 loss_weight: float = 1.):
        super().__init__()
        self.gamma_pos, self.gamma_neg = gamma_pos, gamma_neg
        self.clip, self.eps, self.loss_weight = clip, eps, loss_weight

    def forward(self,
                pred: torch.Tensor,
                target: torch.Tensor,
                weight: Optional[torch.Tensor] = None,
                avg_factor: Optional[float] = None,
                reduction_override: Optional[str] = None) -> torch.Tensor:
        """Args: pred (B, C) logits; target (B, C) in {0, 1}; avg_factor: divisor of the sum
        (default B); ``weight`` (B,) per-image weights; ``reduction_override`` 'none' gives
        the (B, C) terms."""
        if pred.shape != target.shape:
            raise ValueError(f'{type(self).__name__}: pred {tuple(pred.shape)} and target '
                             f'{tuple(target.shape)} differ; use one-hot targets '
                             '(data_preprocessor to_onehot=True).')
        target = target.type_as(pred)
        prob = pred.sigmoid()
        prob_neg = 1 - prob
        if self.clip and self.clip > 0:
            prob_neg = (prob_neg + self.clip).clamp(max=1)
        loss = target * prob.clamp(min=self.eps).log() + (1 - target) * prob_neg.clamp(
            min=self.eps).log()
        if self.gamma_pos > 0 or self.gamma_neg > 0:
            with torch.no_grad():  # w is a constant: --dtgfl
                p_t = prob * target + prob_neg * (1 - target)
                focusing = (1 - p_t).pow(self.gamma_pos * target + self.gamma_neg * (1 - target))
            loss = loss * focusing
        loss = -loss
        if weight is not None:
            loss = loss * weight.reshape(-1, 1).type_as(loss)
        if reduction_override == 'none':
            return self.loss_weight * loss
        return self.loss_weight * loss.sum() / (pred.shape[0] if avg_factor is None else avg_factor)
