"""Convert state dicts of the official Query2Label code (SlongLiu/query2labels) to this plugin.

Official ``Qeruy2Label`` (lib/models/query2label.py:50-69, ResNet-101 backbone) key -> plugin key
(``ImageClassifier(ResNet, Query2LabelHead)``):

===========================================================  ======================================
``backbone.0.body.*`` (torchvision ResNet, frozen BN)        ``backbone.*`` (mmpretrain ResNet)
``backbone.1.pe`` (fixed sine encoding buffer)               dropped (recomputed for any map size)
``input_proj.*`` (only with ``--keep_input_proj``)           ``head.input_proj.*``
``transformer.encoder.layers.N.self_attn.*``                 ``head.encoder.N.self_attn.*``
``transformer.encoder.layers.N.linear{1,2}.*``               ``head.encoder.N.ffn.linear{1,2}.*``
``transformer.encoder.layers.N.norm{1,2}.*``                 ``head.encoder.N.norm{1,2}.*``
``transformer.decoder.layers.N.multihead_attn.*``            ``head.decoder.N.cross_attn.*``
``transformer.decoder.layers.N.linear{1,2}.*``               ``head.decoder.N.ffn.linear{1,2}.*``
``transformer.decoder.layers.N.norm{2,3}.*``                 ``head.decoder.N.norm{1,2}.*``
``transformer.decoder.norm.*``                               ``head.decoder_norm.*``
``query_embed.weight`` (C, d)                                ``head.query_embed.weight``
``fc.W`` (1, C, d) / ``fc.b`` (1, C)                         ``head.classifier.weight`` (C, d) /
                                                             ``.bias`` (C,)
===========================================================  ======================================

Decoder self-attention (``self_attn``, ``norm1``) exists only with ``--keep_*_self_attn_dec``
(transformer.py:60-75); such checkpoints are refused.
"""
import re
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from .base import OfficialConverter

_RULES = [  # (official regex, plugin replacement) applied to head keys
    (r'^input_proj\.(weight|bias)$', r'input_proj.\1'),
    (r'^transformer\.encoder\.layers\.(\d+)\.(self_attn\..+)$', r'encoder.\1.\2'),
    (r'^transformer\.encoder\.layers\.(\d+)\.(linear[12]\..+)$', r'encoder.\1.ffn.\2'),
    (r'^transformer\.encoder\.layers\.(\d+)\.(norm[12]\..+)$', r'encoder.\1.\2'),
    (r'^transformer\.decoder\.layers\.(\d+)\.multihead_attn\.(.+)$', r'decoder.\1.cross_attn.\2'),
    (r'^transformer\.decoder\.layers\.(\d+)\.(linear[12]\..+)$', r'decoder.\1.ffn.\2'),
    (r'^transformer\.decoder\.layers\.(\d+)\.norm2\.(.+)$', r'decoder.\1.norm1.\2'),
    (r'^transformer\.decoder\.layers\.(\d+)\.norm3\.(.+)$', r'decoder.\1.norm2.\2'),
    (r'^transformer\.decoder\.norm\.(.+)$', r'decoder_norm.\1'),
    (r'^query_embed\.weight$', 'query_embed.weight'),
]
_DROPPED = ('backbone.1.pe', )
_BACKBONE = 'backbone.0.body.'
_REQUIRED = ('fc.W', 'fc.b', 'query_embed.weight', 'transformer.decoder.norm.weight')


class Query2LabelConverter(OfficialConverter):
    """Map an official Query2Label (ResNet backbone) state dict onto
    ``ImageClassifier(ResNet, Query2LabelHead)``.

    A state dict without ``backbone.0.body.*`` keys converts to the head alone.

    Args:
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.
    """

    model = 'Query2Label ResNet'
    expected = ('SlongLiu/query2labels lib/models/query2label.py with a ResNet backbone and the '
                'default decoder without self-attention')

    def convert_keys(self, sd: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
        out, dropped, unknown = OrderedDict(), [], []
        for key, value in sd.items():
            if key.startswith(_BACKBONE):
                out[self.backbone_prefix + key[len(_BACKBONE):]] = value
            elif key in _DROPPED:
                dropped.append(key)
            elif key == 'fc.W':
                out[self.head_prefix + 'classifier.weight'] = value.reshape(value.shape[-2:])
            elif key == 'fc.b':
                out[self.head_prefix + 'classifier.bias'] = value.reshape(-1)
            else:
                for pattern, repl in _RULES:
                    if re.match(pattern, key):
                        out[self.head_prefix + re.sub(pattern, repl, key)] = value
                        break
                else:
                    unknown.append(key)
        self.check_keys([k for k in _REQUIRED if k not in sd], unknown)
        return out, dropped


def convert_official_query2label(state_dict: Dict[str, torch.Tensor],
                                 backbone_prefix: str = 'backbone.',
                                 head_prefix: str = 'head.') -> Tuple[OrderedDict, List[str]]:
    """Map an official Query2Label (ResNet backbone) state dict onto
    ``ImageClassifier(ResNet, Query2LabelHead)`` (:class:`Query2LabelConverter`).

    Args:
        state_dict (dict): the official ``checkpoint['state_dict']`` (main_mlc.py:401-407; the
            ``module.`` prefix of DDP is accepted, as the official ``clean_state_dict``).
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.

    Returns:
        tuple: the converted state dict and the official keys dropped (the position buffer).
        A state dict without ``backbone.0.body.*`` keys converts to the head alone.

    Raises:
        KeyError: naming the keys that are not those of an official R101 Query2Label model.
    """
    return Query2LabelConverter(backbone_prefix, head_prefix)(state_dict)
