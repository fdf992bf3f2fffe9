"""Class names travel with the weights: a checkpoint whose ``meta.dataset_meta.classes`` differ
(in order or set) from the classes of the config's dataset is refused by ``tools/test.py``, by
``val``, by ``load_from`` and by ``--resume``, naming the first difference and the fix, instead
of scoring every class against another class's column.

The checkpoint is a genuine one-epoch demo run whose stored class list is reversed (what a model
trained with the reversed class order carries).
"""
import sys

import pytest
import torch
from reliability_helpers import DEMO_CONFIG, REPO_ROOT, cli, run

from mmml_plugin.apis import build_runner, load_config, run_test, run_train
from mmml_plugin.utils.label_files import ClassOrderError

TEST = str(REPO_ROOT / 'tools/test.py')


@pytest.fixture(scope='module')
def reversed_checkpoint(tmp_path_factory, one_epoch_run):
    """``epoch_1.pth`` of the demo run, its class list reversed."""
    checkpoint = torch.load(one_epoch_run['checkpoint'], map_location='cpu', weights_only=True)
    classes = list(checkpoint['meta']['dataset_meta']['classes'])
    checkpoint['meta']['dataset_meta']['classes'] = classes[::-1]
    path = tmp_path_factory.mktemp('reversed') / 'reversed_epoch_1.pth'
    torch.save(checkpoint, path)
    return dict(path=str(path), classes=classes)


def _assert_explains(message, reversed_checkpoint):
    classes = reversed_checkpoint['classes']
    assert reversed_checkpoint['path'] in message
    assert 'position 0' in message and repr(classes[-1]) in message and repr(classes[0]) in message
    assert 'the same classes in another order' in message
    assert 'trained with' in message  # the fix


def test_tools_test_refuses_a_checkpoint_with_another_class_order(tmp_path, reversed_checkpoint,
                                                                  one_epoch_run):
    proc = run([
        sys.executable, TEST, DEMO_CONFIG, reversed_checkpoint['path'], '--work-dir',
        str(tmp_path / 'test')
    ] + cli(one_epoch_run['options']),
               expect_ok=False)
    assert proc.returncode != 0
    assert 'error: class names of' in proc.stderr  # one line, no traceback (tools/test.py)
    _assert_explains(proc.stderr, reversed_checkpoint)
    assert 'test_dataloader' in proc.stderr


def test_the_genuine_checkpoint_is_still_scored(tmp_path, one_epoch_run):
    metrics = run_test(DEMO_CONFIG,
                       str(one_epoch_run['checkpoint']),
                       work_dir=str(tmp_path / 'test'),
                       cfg_options=one_epoch_run['options'])
    assert 'multi-label/mAP' in metrics


def test_val_scores_the_genuine_checkpoint(tmp_path, one_epoch_run):
    """``runner.val()`` alone (no training): the checkpoint hook saves no best checkpoint."""
    cfg = load_config(DEMO_CONFIG, one_epoch_run['options'], work_dir=str(tmp_path / 'val'))
    cfg.load_from = str(one_epoch_run['checkpoint'])
    assert 'multi-label/mAP' in build_runner(cfg).val()
    assert not list((tmp_path / 'val').glob('*.pth'))


def test_val_refuses_it(tmp_path, reversed_checkpoint, one_epoch_run):
    cfg = load_config(DEMO_CONFIG, one_epoch_run['options'], work_dir=str(tmp_path / 'val'))
    cfg.load_from = reversed_checkpoint['path']
    with pytest.raises(ClassOrderError) as err:
        build_runner(cfg).val()
    _assert_explains(str(err.value), reversed_checkpoint)


def test_load_from_refuses_it(tmp_path, reversed_checkpoint, one_epoch_run):
    options = dict(one_epoch_run['options'], load_from=reversed_checkpoint['path'])
    with pytest.raises(ClassOrderError) as err:
        run_train(DEMO_CONFIG, work_dir=str(tmp_path / 'train'), cfg_options=options)
    _assert_explains(str(err.value), reversed_checkpoint)
    assert 'check_checkpoint_classes=False' in str(err.value)  # fine-tuning on purpose
    assert not (tmp_path / 'train' / 'epoch_1.pth').exists()


def test_resume_refuses_it(tmp_path, reversed_checkpoint, one_epoch_run):
    options = dict(one_epoch_run['options'], **{'train_cfg.max_epochs': 2})
    with pytest.raises(ClassOrderError) as err:
        run_train(DEMO_CONFIG,
                  work_dir=str(tmp_path / 'train'),
                  resume=reversed_checkpoint['path'],
                  cfg_options=options)
    _assert_explains(str(err.value), reversed_checkpoint)
    assert 'train_dataloader' in str(err.value)
    assert not (tmp_path / 'train' / 'epoch_2.pth').exists()
