"""Convert state dicts of the official SSGRL code (HCPLab-SYSU/SSGRL) to this plugin's model.

Official key -> plugin key (``backbone.``/``head.``: ``ImageClassifier`` with an ``SSGRLHead``):

===========================================  ================================================
``resnet_101.*`` (torchvision names)         ``backbone.*`` (mmpretrain ``ResNet``, same names)
``word_semantic.fc_1.weight`` (U)            ``head.decoupling.img_proj.weight``
``word_semantic.fc_2.weight`` (V)            ``head.decoupling.word_proj.weight``
``word_semantic.fc_3.*`` (P)                 ``head.decoupling.joint_proj.*``
``word_semantic.fc_a.*`` (f_a)               ``head.decoupling.attn_fc.*``
``graph_net.fc_eq{3,4,5}_w.*``               ``head.ggnn.msg_proj.*`` (stacked, weight transposed)
``graph_net.fc_eq3_u.*`` [+ ``fc_eq4_u.*``]  ``head.ggnn.gate_proj.*`` (idem; ``fc_eq4_u``: 'paper')
``graph_net.fc_eq5_u.*``                     ``head.ggnn.cand_proj.*`` (weight transposed)
``fc_output.*``                              ``head.out_proj.*``
``classifiers.weight`` / ``.bias``           ``head.classifier.weight`` / ``.bias``
===========================================  ================================================

The official forward never uses ``graph_net.fc_eq4_u`` (its reset gate reuses ``fc_eq3_u``), so
with ``reset_gate='official'`` that layer is reported as dropped.
"""
from collections import OrderedDict
from typing import Dict, List, Tuple

import torch

from .base import OfficialConverter

_DIRECT = {
    'word_semantic.fc_1.weight': 'decoupling.img_proj.weight',
    'word_semantic.fc_2.weight': 'decoupling.word_proj.weight',
    'word_semantic.fc_3.weight': 'decoupling.joint_proj.weight',
    'word_semantic.fc_3.bias': 'decoupling.joint_proj.bias',
    'word_semantic.fc_a.weight': 'decoupling.attn_fc.weight',
    'word_semantic.fc_a.bias': 'decoupling.attn_fc.bias',
    'fc_output.weight': 'out_proj.weight',
    'fc_output.bias': 'out_proj.bias',
    'classifiers.weight': 'classifier.weight',
    'classifiers.bias': 'classifier.bias',
}
_GATES = ('fc_eq3', 'fc_eq4', 'fc_eq5')  # z, r, h
# plugin GGNN layer -> the official layers stacked into it (ReusedLinear: weights stored (in, out))
_STACKED = {
    'official': {
        'msg_proj': [f'{g}_w' for g in _GATES],
        'gate_proj': ['fc_eq3_u'],
        'cand_proj': ['fc_eq5_u']
    },
    'paper': {
        'msg_proj': [f'{g}_w' for g in _GATES],
        'gate_proj': ['fc_eq3_u', 'fc_eq4_u'],
        'cand_proj': ['fc_eq5_u']
    },
}
OFFICIAL_HEAD_KEYS = tuple(_DIRECT) + tuple(f'graph_net.{g}_{p}.{t}' for g in _GATES for p in 'wu'
                                            for t in ('weight', 'bias'))


class SSGRLConverter(OfficialConverter):
    """Map an official SSGRL state dict onto ``ImageClassifier(ResNet, SSGRLHead)``.

    Args:
        reset_gate (str): the ``reset_gate`` of the target head, 'official' or 'paper'.
            Defaults to 'official'.
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.
    """

    model = 'SSGRL'
    expected = ('HCPLab-SYSU/SSGRL models.py (resnet_101.*, word_semantic.*, graph_net.*, '
                'fc_output.*, classifiers.*)')

    def __init__(self,
                 reset_gate: str = 'official',
                 backbone_prefix: str = 'backbone.',
                 head_prefix: str = 'head.'):
        if reset_gate not in _STACKED:
            raise ValueError(f"reset_gate must be 'official' or 'paper', got {reset_gate!r}.")
        super().__init__(backbone_prefix, head_prefix)
        self.reset_gate = reset_gate

    def convert_keys(self, sd: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
        self.check_keys(
            [k for k in OFFICIAL_HEAD_KEYS if k not in sd],
            [k for k in sd if k not in OFFICIAL_HEAD_KEYS and not k.startswith('resnet_101.')])
        out = OrderedDict((self.backbone_prefix + k[len('resnet_101.'):], v) for k, v in sd.items()
                          if k.startswith('resnet_101.'))
        out.update((self.head_prefix + new, sd[old]) for old, new in _DIRECT.items())
        for layer, sources in _STACKED[self.reset_gate].items():
            prefix = f'{self.head_prefix}ggnn.{layer}.'
            out[prefix + 'weight'] = torch.cat([sd[f'graph_net.{s}.weight']
                                                for s in sources]).t().contiguous()
            out[prefix + 'bias'] = torch.cat([sd[f'graph_net.{s}.bias'] for s in sources])
        dropped = [f'graph_net.fc_eq4_u.{t}'
                   for t in ('weight', 'bias')] if self.reset_gate == 'official' else []
        return out, dropped


def convert_official_ssgrl(state_dict: Dict[str, torch.Tensor],
                           reset_gate: str = 'official',
                           backbone_prefix: str = 'backbone.',
                           head_prefix: str = 'head.') -> Tuple[OrderedDict, List[str]]:
    """Map an official SSGRL state dict onto ``ImageClassifier(ResNet, SSGRLHead)``
    (:class:`SSGRLConverter`).

    Args:
        state_dict (dict): the official ``checkpoint['state_dict']`` (a ``module.`` prefix from
            ``DataParallel`` is accepted).
        reset_gate (str): the ``reset_gate`` of the target head. Defaults to 'official'.
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.

    Returns:
        tuple: the converted state dict and the official keys deliberately dropped.

    Raises:
        KeyError: if an official key is missing or a key is not an SSGRL key.
    """
    return SSGRLConverter(reset_gate, backbone_prefix, head_prefix)(state_dict)
