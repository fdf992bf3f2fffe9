"""One linear classifier over pooled features: the ResNet baseline's head."""
from typing import Optional

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .multi_label_head import Feats, MultiLabelHead


@MODELS.register_module()
class MultiLabelLinearHead(MultiLabelHead):
    """``ŷ = W x + b`` on the (B, D) pooled features: mmpretrain's ``MultiLabelLinearClsHead``
    (same ``fc`` layer, so its checkpoints load unchanged, and the same default initialisation)
    with the plugin's float64 scores and optional loss average over classes
    (:class:`MultiLabelHead`).

    Args:
        num_classes (int): C.
        in_channels (int): D.
        avg_over_classes (bool): see :class:`MultiLabelHead`. Defaults to False.
        loss (dict): a loss of mmpretrain's registry. Defaults to sigmoid BCE.
        thr, topk: as :class:`MultiLabelHead`.
        init_cfg (dict, optional): Defaults to ``Normal(std=0.01)`` on the linear layer, as
            mmpretrain's ``MultiLabelLinearClsHead``.

    Shapes:
        feats: tuple whose last item is (B, D); output logits (B, C).
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 avg_over_classes: bool = False,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 thr: Optional[float] = None,
                 topk: Optional[int] = None,
                 init_cfg: Optional[dict] = dict(type='Normal', layer='Linear', std=0.01)):
        if not isinstance(num_classes, int) or num_classes <= 0:
            raise ValueError(f'{type(self).__name__}: num_classes must be a positive integer, '
                             f'got {num_classes!r}; set it in the config\'s head.')
        super().__init__(avg_over_classes=avg_over_classes,
                         loss=loss,
                         thr=thr,
                         topk=topk,
                         init_cfg=init_cfg)
        self.num_classes = num_classes
        self.in_channels = in_channels
        self.fc = nn.Linear(in_channels, num_classes)

    def pre_logits(self, feats: Feats) -> torch.Tensor:
        """The pooled features x, (B, D)."""
        x = feats[-1] if isinstance(feats, (tuple, list)) else feats
        if x.dim() != 2 or x.shape[1] != self.in_channels:
            raise ValueError(f'{type(self).__name__} expects (B, {self.in_channels}) pooled '
                             f'features, got {tuple(x.shape)}: use a pooling neck and set '
                             'in_channels to its output channels.')
        return x

    def forward(self, feats: Feats) -> torch.Tensor:
        """Logits ŷ, (B, C)."""
        return self.fc(self.pre_logits(feats))
