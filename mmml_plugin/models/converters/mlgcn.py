"""Convert state dicts of the official ML-GCN code (Megvii-Nanjing/ML-GCN) to this plugin.

The official ``GCNResnet`` (models.py:43-64) keeps torchvision's ResNet-101 up to ``layer4`` in
an ``nn.Sequential`` called ``features`` (models.py:46-55), so its keys are numbered:

=========================  =======================================================
official key               plugin key (``ImageClassifier(ResNet, MLGCNHead)``)
=========================  =======================================================
``features.0.*``           ``backbone.conv1.*``
``features.1.*``           ``backbone.bn1.*``
``features.{4,5,6,7}.*``   ``backbone.layer{1,2,3,4}.*`` (torchvision names = mmpretrain's)
``gc1.weight`` (E, 1024)   ``head.gc1.weight`` (same layout, ``input @ weight``)
``gc2.weight`` (1024, D)   ``head.gc2.weight``
``A`` (C, C)               ``head.correlation`` (the re-weighted matrix, models.py:63-64)
=========================  =======================================================

Only ``A`` depends on the class order: the GCN is permutation-equivariant, so with the
embeddings and ``A`` permuted alike, the generated classifiers are permuted alike. ML-GCN's COCO
files are in alphabetical class order (coco.py:66), this plugin's COCO dataset in category-id
order: pass ``class_order`` (e.g. from ``mmml_plugin.datasets.class_names``) to reorder ``A``.
"""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence, Tuple

import torch

from .base import OfficialConverter

_FEATURES = {'0': 'conv1', '1': 'bn1', '4': 'layer1', '5': 'layer2', '6': 'layer3', '7': 'layer4'}
_HEAD = {'gc1.weight': 'gc1.weight', 'gc2.weight': 'gc2.weight', 'A': 'correlation'}


class MLGCNConverter(OfficialConverter):
    """Map an official ML-GCN state dict onto ``ImageClassifier(ResNet, MLGCNHead)``.

    A state dict without ``features.*`` keys converts to the head alone.

    Args:
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.
        class_order (Sequence[int], optional): for each target class, its row in the official
            files; default: the same order.
    """

    model = 'ML-GCN'
    expected = ('Megvii-Nanjing/ML-GCN models.py GCNResnet (features.{0,1,4-7}.*, gc1.weight, '
                'gc2.weight, A)')

    def __init__(self,
                 backbone_prefix: str = 'backbone.',
                 head_prefix: str = 'head.',
                 class_order: Optional[Sequence[int]] = None):
        super().__init__(backbone_prefix, head_prefix)
        self.class_order = class_order

    def convert_keys(self, sd: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
        self.check_keys([k for k in _HEAD if k not in sd], [
            k for k in sd
            if k not in _HEAD and not (k.startswith('features.') and k.split('.')[1] in _FEATURES)
        ])
        out = OrderedDict()
        for key, value in sd.items():
            if key.startswith('features.'):
                _, index, rest = key.split('.', 2)
                out[f'{self.backbone_prefix}{_FEATURES[index]}.{rest}'] = value
        out.update((self.head_prefix + new, sd[old].float()) for old, new in _HEAD.items())
        if self.class_order is not None:
            order = torch.as_tensor(list(self.class_order), dtype=torch.long)
            num_classes = sd['A'].shape[0]
            if sorted(order.tolist()) != list(range(num_classes)):
                raise ValueError(f'class_order must be a permutation of range({num_classes}) '
                                 f'(the official A is {num_classes}x{num_classes}), got '
                                 f'{order.tolist()}.')
            key = self.head_prefix + 'correlation'
            out[key] = out[key][order][:, order]
        return out, []


def convert_official_mlgcn(
        state_dict: Dict[str, torch.Tensor],
        backbone_prefix: str = 'backbone.',
        head_prefix: str = 'head.',
        class_order: Optional[Sequence[int]] = None) -> Tuple[OrderedDict, List[str]]:
    """Map an official ML-GCN state dict onto ``ImageClassifier(ResNet, MLGCNHead)``
    (:class:`MLGCNConverter`).

    Args:
        state_dict (dict): the official ``checkpoint['state_dict']`` (engine.py:209-214; a
            ``module.`` prefix from ``DataParallel`` is accepted).
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.
        class_order (Sequence[int], optional): for each target class, its row in the official
            files; default: the same order.

    Returns:
        tuple: the converted state dict and the official keys dropped (none for ML-GCN). A
        state dict without ``features.*`` keys converts to the head alone.

    Raises:
        KeyError: naming the missing / unexpected keys if this is not an ML-GCN state dict.
    """
    return MLGCNConverter(backbone_prefix, head_prefix, class_order)(state_dict)
