"""The official-checkpoint converters (SSGRL, ML-GCN, Query2Label) share one base: each strips
the ``module.`` prefix of DataParallel files, adds the BatchNorm counters old and frozen-BN files
lack, and refuses a foreign state dict naming the missing and unexpected keys, the same way; all
of them, and every head, are exported from ``mmml_plugin.models``."""
import pytest
import torch

import mmml_plugin.models as models
from mmml_plugin.models import converters, heads
from mmml_plugin.models.converters import (MLGCNConverter, OfficialConverter, Query2LabelConverter,
                                           SSGRLConverter)
from mmml_plugin.models.converters.ssgrl import OFFICIAL_HEAD_KEYS

C, D = 3, 4


def _ssgrl_state():
    state = {k: torch.zeros(2) for k in OFFICIAL_HEAD_KEYS}
    for g in ('fc_eq3', 'fc_eq4', 'fc_eq5'):
        for p in 'wu':
            state[f'graph_net.{g}_{p}.weight'] = torch.zeros(D, D)
            state[f'graph_net.{g}_{p}.bias'] = torch.zeros(D)
    state['resnet_101.bn1.running_mean'] = torch.zeros(2)
    return state, 'backbone.bn1.num_batches_tracked'


def _mlgcn_state():
    return {
        'features.1.running_mean': torch.zeros(2),
        'gc1.weight': torch.zeros(5, 6),
        'gc2.weight': torch.zeros(6, 7),
        'A': torch.eye(C)
    }, 'backbone.bn1.num_batches_tracked'


def _query2label_state():
    return {
        'backbone.0.body.bn1.running_mean': torch.zeros(2),
        'backbone.1.pe': torch.zeros(1),
        'fc.W': torch.zeros(1, C, D),
        'fc.b': torch.zeros(1, C),
        'query_embed.weight': torch.zeros(C, D),
        'transformer.decoder.norm.weight': torch.zeros(D)
    }, 'backbone.bn1.num_batches_tracked'


CASES = [(SSGRLConverter, _ssgrl_state, 'SSGRL'), (MLGCNConverter, _mlgcn_state, 'ML-GCN'),
         (Query2LabelConverter, _query2label_state, 'Query2Label')]


@pytest.mark.parametrize('converter,state,name', CASES)
def test_every_converter_runs_the_common_template(converter, state, name):
    assert issubclass(converter, OfficialConverter)
    assert 'convert_keys' in vars(converter) and '__call__' not in vars(converter)
    official, counter = state()
    wrapped = {'module.' + k: v for k, v in official.items()}  # as DataParallel saves it
    out, _ = converter()(wrapped)
    plain, _ = converter()(official)
    assert list(out) == list(plain) and not any(k.startswith('module.') for k in out)
    assert out[counter].dtype == torch.long and int(out[counter]) == 0
    # a custom prefix reaches both the backbone and the head keys
    prefixed, _ = converter(backbone_prefix='b.', head_prefix='h.')(official)
    assert all(k.startswith(('b.', 'h.')) for k in prefixed)


@pytest.mark.parametrize('converter,state,name', CASES)
def test_a_foreign_state_dict_is_refused_the_same_way(converter, state, name):
    official, _ = state()
    required = next(k for k in official
                    if not k.startswith(('resnet_101.', 'features.', 'backbone.')))
    official.pop(required)
    official['extra.weight'] = torch.zeros(1)
    with pytest.raises(KeyError,
                       match=rf"not an official {name}.*missing \['{required}'\], "
                       r"unexpected \['extra.weight'\]; expected the keys of "):
        converter()(official)


def test_one_converter_home_and_every_head_and_converter_exported():
    assert set(converters.__all__) <= set(models.__all__)
    assert set(heads.__all__) <= set(models.__all__)
    for name in models.__all__:
        assert getattr(models, name) is not None
    with pytest.raises(ImportError):
        from mmml_plugin.models import official_converter  # noqa: F401
