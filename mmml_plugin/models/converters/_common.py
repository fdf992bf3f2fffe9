"""Helpers shared by the official-checkpoint converters."""
from collections import OrderedDict
from typing import Dict

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
