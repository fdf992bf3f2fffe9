"""Multi-label head scoring each class from its own feature vector."""
from typing import Optional

import torch
from mmpretrain.registry import MODELS

from ..layers import PerClassLinear
from .multi_label_head import Feats, MultiLabelHead


@MODELS.register_module()
class PerClassLinearClsHead(MultiLabelHead):
    """``s_c = W_c · f_c + b_c`` on per-class features f_c (the "without interaction" ablation).

    Args:
        num_classes (int): C.
        in_channels (int): D of the per-class features.
        avg_over_classes (bool): average the loss over the B·C elements, like
            ``BCEWithLogitsLoss`` and the official SSGRL code; False keeps mmpretrain's
            average over images only (sum over classes). Defaults to True.
        loss (dict): a loss of mmpretrain's registry. Defaults to sigmoid BCE.
        thr, topk, init_cfg: as :class:`MultiLabelHead`.

    Shapes:
        feats: tuple whose last item is (B, C, D), or (B, D) global features, which are given
        to every class; output logits (B, C).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 avg_over_classes: bool = True,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(avg_over_classes=avg_over_classes,
                         loss=loss,
                         thr=thr,
                         topk=topk,
                         init_cfg=init_cfg)
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.classifier = PerClassLinear(num_classes, in_channels)

    def class_features(self, feats: Feats) -> torch.Tensor:
        """The per-class input features, (B, C, D)."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() == 2:  # one global feature, shared by every class node
            x = x.unsqueeze(1).expand(-1, self.num_classes, -1)
        if x.dim() != 3 or x.shape[1:] != (self.num_classes, self.in_channels):
            raise ValueError(
                f'{type(self).__name__} expects (B, {self.num_classes}, {self.in_channels}) '
                f'per-class features (or (B, {self.in_channels})), got {tuple(x.shape)}: the '
                'neck\'s class count / channels must equal the head\'s num_classes / in_channels.')
        return x

    def pre_logits(self, feats: Feats) -> torch.Tensor:
        return self.class_features(feats)

    def forward(self, feats: Feats) -> torch.Tensor:
        """Logits (B, C)."""
        return self.classifier(self.pre_logits(feats))
