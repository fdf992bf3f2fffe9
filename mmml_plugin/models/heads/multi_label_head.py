"""The loss and predictions step shared by every multi-label head of the plugin."""
from typing import List, Optional, Sequence, Tuple, Union

import torch
from mmpretrain.models.heads import MultiLabelClsHead

Feats = Union[torch.Tensor, Tuple[torch.Tensor, ...]]

# Largest logit up to which distinct float32 logits always get distinct float64 sigmoids
# (every float32 in [16, 22.875] checked by tests/models/test_head_scores.py).
EXACT_RANKING_LOGIT = 22.875


class MultiLabelHead(MultiLabelClsHead):
    """mmpretrain's ``loss``/``predict`` template (``forward`` -> ``_get_loss`` /
    ``_get_predictions``) with the two steps every plugin head shares.

    Loss: mmpretrain's loss of the logits averaged over the B images
    (``sum_{b,c} l_bc / B``); with ``avg_over_classes`` also divided by C, the mean over the
    B·C elements of ``BCEWithLogitsLoss`` / ``MultiLabelSoftMarginLoss``::

        L = 1/(B·C) · sum_{b,c} l(ŷ_bc, y_bc)

    Predictions: ``pred_score = sigmoid(ŷ)`` computed in float64 (float32 rounds it to exactly
    1.0 above ŷ ≈ 16.6, tying confident positives and negatives in the ranking that AP reads).
    The float64 sigmoid kept the order of every pair of float32 logits checked, and gives
    distinct scores to distinct float32 logits in [-128, -2^-28] and [2^-28, 22.875]
    (``EXACT_RANKING_LOGIT``; every float32 there checked once, [16, 22.875] and its mirror by
    the tests). Beyond 22.875 two logits closer than about 2^-53·e^ŷ (1.2e-3 at ŷ = 30) can
    share a score, and above 36.7 every score is 1.0: no float64 probability can do better, as
    there are fewer float64 numbers between sigmoid(22.875) and 1 (about 1e6) than float32
    logits above 22.875. Logits within 2^-28 of 0 can share the score 0.5.

    Subclasses build their layers and define ``pre_logits`` and ``forward`` (logits (B, C)).

    Args:
        avg_over_classes (bool): divide the loss by C as well (see above); False keeps
            mmpretrain's average over images only. Defaults to False.
        loss (dict): a loss of mmpretrain's registry. Defaults to sigmoid BCE.
        thr (float, optional): score threshold of ``pred_label``, as mmpretrain's
            ``MultiLabelClsHead`` (0.5 when neither ``thr`` nor ``topk`` is set).
        topk (int, optional): number of top classes of ``pred_label`` when ``thr`` is None.
        init_cfg (dict, optional): mmengine initialisation config of the head's layers.
    """

    def __init__(self,
                 avg_over_classes: bool = False,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        self.avg_over_classes = avg_over_classes

    def _get_loss(self, cls_score: torch.Tensor, data_samples: Sequence, **kwargs) -> dict:
        """``{'loss': L}`` of the (B, C) logits and the samples' targets."""
        losses = super()._get_loss(cls_score, data_samples, **kwargs)  # sum / B
        if self.avg_over_classes:
            losses['loss'] = losses['loss'] / cls_score.size(-1)  # sum / (B·C)
        return losses

    def _get_predictions(self, cls_score: torch.Tensor, data_samples: Optional[Sequence]) -> List:
        """Data samples with ``pred_score = sigmoid(ŷ)`` (C,) in float64 and ``pred_label``."""
        return super()._get_predictions(cls_score.double(), data_samples)
