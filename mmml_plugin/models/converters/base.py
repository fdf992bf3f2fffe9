"""The common base of the official-checkpoint converters: one template for SSGRL, ML-GCN and
Query2Label.

:meth:`OfficialConverter.__call__` strips the ``module.`` prefix of (Distributed)DataParallel
state dicts, lets the subclass map the keys (:meth:`OfficialConverter.convert_keys`, which refuses
a foreign state dict through :meth:`OfficialConverter.check_keys`), then adds the BatchNorm
counters that mmpretrain's ResNet expects and old or frozen-BN official files lack.
"""
from collections import OrderedDict
from typing import Dict, List, Sequence, Tuple

import torch


def strip_module_prefix(state_dict: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drop the ``module.`` prefix of (Distributed)DataParallel state dicts."""
    return OrderedDict(
        (k[len('module.'):] if k.startswith('module.') else k, v) for k, v in state_dict.items())


def add_bn_counters(out: Dict[str, torch.Tensor]) -> None:
    """Adds ``num_batches_tracked`` next to every ``running_mean`` that lacks one (torch < 0.4.1
    files and frozen BatchNorm have none; mmpretrain's BatchNorm expects it)."""
    for key in list(out):
        if key.endswith('.running_mean'):
            counter = key[:-len('running_mean')] + 'num_batches_tracked'
            out.setdefault(counter, torch.tensor(0, dtype=torch.long))


class OfficialConverter:
    """Map an official state dict onto ``ImageClassifier(ResNet, <head>)`` of this plugin.

    Subclasses set :attr:`model` and :attr:`expected` and implement :meth:`convert_keys`.

    Args:
        backbone_prefix (str): target prefix of the backbone. Defaults to 'backbone.'.
        head_prefix (str): target prefix of the head. Defaults to 'head.'.
    """

    #: the official model, as named in the refusal message
    model = ''
    #: where its keys come from (repository, file, key patterns), for the refusal message
    expected = ''

    def __init__(self, backbone_prefix: str = 'backbone.', head_prefix: str = 'head.'):
        self.backbone_prefix = backbone_prefix
        self.head_prefix = head_prefix

    def __call__(self, state_dict: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
        """Convert ``state_dict``.

        Args:
            state_dict (dict): the official ``checkpoint['state_dict']`` (a ``module.`` prefix
                is accepted).

        Returns:
            tuple: the converted state dict and the official keys deliberately dropped.

        Raises:
            KeyError: naming the missing and unexpected keys of a foreign state dict.
        """
        out, dropped = self.convert_keys(strip_module_prefix(state_dict))
        add_bn_counters(out)
        return out, dropped

    def convert_keys(self, state_dict: Dict[str, torch.Tensor]) -> Tuple[OrderedDict, List[str]]:
        """The key mapping of one official model (``state_dict`` without ``module.``)."""
        raise NotImplementedError

    def check_keys(self, missing: Sequence[str], unexpected: Sequence[str]) -> None:
        """Refuse a state dict with ``missing`` or ``unexpected`` keys, naming both."""
        if missing or unexpected:
            more = ' ...' if len(unexpected) > 10 else ''
            raise KeyError(f'not an official {self.model} state dict: missing {list(missing)}, '
                           f'unexpected {list(unexpected)[:10]}{more}; expected the keys of '
                           f'{self.expected}.')
