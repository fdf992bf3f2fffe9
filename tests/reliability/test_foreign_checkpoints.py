"""Checkpoints that are not what the command expects get an error naming the files and the safe
fix: ``--resume`` from another model's checkpoint (or one whose optimizer state has other
parameter groups) instead of torch's optimizer-group ``ValueError``, and an official checkpoint
needing more than weights-only unpickling in the converters, without torch's advice to turn the
check off (``weights_only=False``)."""
import argparse
import runpy
import sys

import pytest
import torch
from reliability_helpers import DEMO_CONFIG, REPO_ROOT

from mmml_plugin.apis import run_train
from mmml_plugin.engine import UnsafeCheckpointError
from mmml_plugin.engine.checkpoint_match import CheckpointMismatchError

BASELINE_CONFIG = str(REPO_ROOT / 'configs/demo/resnet18_demo.py')
CONVERTERS = ('ssgrl_official_to_mmml.py', 'mlgcn_official_to_mmml.py',
              'query2label_official_to_mmml.py')


def test_resume_from_another_models_checkpoint_names_both(tmp_path, one_epoch_run):
    # the baseline's head is sized like the SSGRL demo's (10 classes), its data the same
    options = {
        k: v
        for k, v in dict(one_epoch_run['options'], **{
            'train_cfg.max_epochs': 2
        }).items() if not k.startswith('model.head')
    }
    ssgrl = str(one_epoch_run['checkpoint'])
    with pytest.raises(CheckpointMismatchError) as err:
        run_train(BASELINE_CONFIG,
                  work_dir=str(tmp_path / 'work'),
                  resume=ssgrl,
                  cfg_options=options)
    message = str(err.value)
    assert message.startswith(f'Cannot resume {BASELINE_CONFIG} from {ssgrl}')
    assert 'configs/demo/ssgrl_r18_demo.py' in message  # the config it was trained with
    assert 'head.fc.weight' in message and 'load_from' in message


def test_resume_with_other_optimizer_groups_names_the_file(tmp_path, one_epoch_run):
    checkpoint = torch.load(one_epoch_run['checkpoint'], map_location='cpu', weights_only=True)
    groups = checkpoint['optimizer']['param_groups']
    groups.append(dict(groups[0], params=[]))  # saved with a paramwise_cfg this config lacks
    path = tmp_path / 'other_groups.pth'
    torch.save(checkpoint, path)
    options = dict(one_epoch_run['options'], **{'train_cfg.max_epochs': 2})
    with pytest.raises(CheckpointMismatchError) as err:
        run_train(DEMO_CONFIG,
                  work_dir=str(tmp_path / 'work'),
                  resume=str(path),
                  cfg_options=options)
    assert str(path) in str(err.value) and 'optimizer' in str(err.value)
    assert 'load_from' in str(err.value)


@pytest.mark.parametrize('converter', CONVERTERS)
def test_converters_refuse_unsafe_pickles_without_advising_to_disable_the_check(
        tmp_path, monkeypatch, converter):
    """Official checkpoints often pickle their ``argparse.Namespace``: not a weights-only type."""
    src = tmp_path / 'official.pth.tar'
    torch.save({'state_dict': {'w': torch.ones(1)}, 'args': argparse.Namespace(lr=0.1)}, src)
    monkeypatch.setattr(sys, 'argv', [converter, str(src), str(tmp_path / 'out.pth')])
    with pytest.raises(UnsafeCheckpointError) as err:
        runpy.run_path(str(REPO_ROOT / 'tools/model_converters' / converter), run_name='__main__')
    message = str(err.value)
    assert str(src) in message and 'Namespace' in message
    assert 'isolated environment' in message  # the safe way
    assert 'weights_only=False' not in message and 'set to `False`' not in message
    assert not (tmp_path / 'out.pth').exists()
