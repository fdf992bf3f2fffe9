"""A checkpoint that leaves model weights uninitialised (SSGRL weights tested
with the baseline config) is refused by ``tools/test.py``/``run_test``, by ``MMMLRunner.test``
(``mim test``) and by the inference API, naming the keys and the config it was trained with."""
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from reliability_helpers import DEMO_CONFIG, REPO_ROOT, demo_options

from mmml_plugin.apis import init_model, load_config, run_test
from mmml_plugin.engine.checkpoint_match import CheckpointMismatchError

BASELINE_CONFIG = str(REPO_ROOT / 'configs/demo/resnet18_demo.py')


@pytest.fixture(scope='module')
def ssgrl_checkpoint(tmp_path_factory, tiny_demo):
    """Weights of the demo SSGRL model (not trained: only the keys matter), saved as mmengine
    does, with the experiment name of a run of configs/demo/ssgrl_r18_demo.py."""
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    init_default_scope('mmpretrain')
    cfg = load_config(DEMO_CONFIG, demo_options(tiny_demo))
    model = MODELS.build(cfg.model)
    path = tmp_path_factory.mktemp('ckpt') / 'epoch_12.pth'
    torch.save(
        {
            'state_dict': model.state_dict(),
            'meta': {
                'experiment_name': 'ssgrl_r18_demo_20260101_120000',
                'dataset_meta': {
                    'classes': tiny_demo['classes']
                }
            }
        }, path)
    return str(path)


def _baseline_options(tiny_demo):
    options = demo_options(tiny_demo)
    # the baseline's head is sized like the SSGRL demo's: 10 classes
    return {k: v for k, v in options.items() if not k.startswith('model.head')}


def _assert_names_keys_and_config(message, ckpt):
    assert ckpt in message and 'resnet18_demo.py' in message
    assert 'missing from the checkpoint' in message and 'head.fc.weight' in message
    assert 'checkpoint weight(s) the model does not have' in message
    assert 'configs/demo/ssgrl_r18_demo.py' in message  # the likely config


def test_run_test_refuses_a_checkpoint_of_another_model(tmp_path, tiny_demo, ssgrl_checkpoint):
    with pytest.raises(CheckpointMismatchError) as err:
        run_test(BASELINE_CONFIG,
                 ssgrl_checkpoint,
                 work_dir=str(tmp_path),
                 cfg_options=_baseline_options(tiny_demo))
    _assert_names_keys_and_config(str(err.value), ssgrl_checkpoint)


def test_without_strict_the_random_head_is_scored(tmp_path, tiny_demo, ssgrl_checkpoint):
    """Control (what happened before): non-strict loading scores a random head, exit code 0."""
    metrics = run_test(BASELINE_CONFIG,
                       ssgrl_checkpoint,
                       work_dir=str(tmp_path),
                       cfg_options=_baseline_options(tiny_demo),
                       strict=False)
    assert 0 <= metrics['multi-label/mAP'] <= 100


def test_mim_test_path_refuses_it_too(tmp_path, tiny_demo, ssgrl_checkpoint):
    """What mmpretrain's tools/test.py (``mim test``) does: fromfile, merge, RUNNERS.build."""
    cfg = Config.fromfile(BASELINE_CONFIG)
    cfg.merge_from_dict(_baseline_options(tiny_demo))
    cfg.work_dir, cfg.load_from = str(tmp_path), ssgrl_checkpoint
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        cfg[loader].collate_fn = dict(type='default_collate')
    runner = RUNNERS.build(cfg)
    assert type(runner).__name__ == 'MMMLRunner'
    with pytest.raises(CheckpointMismatchError) as err:
        runner.test()
    _assert_names_keys_and_config(str(err.value), ssgrl_checkpoint)


def test_inference_api_refuses_it(tiny_demo, ssgrl_checkpoint):
    with pytest.raises(CheckpointMismatchError) as err:
        init_model(BASELINE_CONFIG, ssgrl_checkpoint, cfg_options=_baseline_options(tiny_demo))
    _assert_names_keys_and_config(str(err.value), ssgrl_checkpoint)
    # the matching config loads it
    model = init_model(DEMO_CONFIG, ssgrl_checkpoint, cfg_options=demo_options(tiny_demo))
    assert model.dataset_meta['classes'] == list(tiny_demo['classes'])


def test_inference_refuses_nan_weights(tmp_path, tiny_demo, ssgrl_checkpoint):
    """``tools/image_demo.py`` printed NaN scores from NaN weights."""
    ckpt = torch.load(ssgrl_checkpoint, map_location='cpu', weights_only=True)
    name = next(k for k, v in ckpt['state_dict'].items() if v.is_floating_point())
    ckpt['state_dict'][name] = torch.full_like(ckpt['state_dict'][name], float('nan'))
    bad = tmp_path / 'nan.pth'
    torch.save(ckpt, bad)
    with pytest.raises(ValueError, match=f'{bad}: weights {name}.*NaN'):
        init_model(DEMO_CONFIG, str(bad), cfg_options=demo_options(tiny_demo))
