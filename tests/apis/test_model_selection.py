"""Model selection as the official SSGRL code (main.py L146-159, L244-248: the best epoch by
test mAP is kept as model_best, beside the last checkpoint): default_runtime.py's checkpoint hook
with ``save_best`` keeps the best epoch although ``max_keep_ckpts`` removes its epoch file, and
``tools/test.py CONFIG best`` scores it and says which checkpoint it scored. A real Runner on the
generated demo data."""
import json
import os
import os.path as osp

import pytest

from mmml_plugin.apis import run_train
from mmml_plugin.apis.checkpoints import resolve_checkpoint

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _config(tmp_path, demo_data):
    """Tiny ResNet baseline on the demo digits with the official schedule and the default
    runtime; the learning rate drops to 0 after epoch 1 and BatchNorm statistics are frozen, so
    epochs 2 and 3 score exactly as epoch 1: the best stays epoch 1 while max_keep_ckpts=1 keeps
    only epoch_3.pth."""
    base = osp.join(REPO, 'configs', '_base_')
    path = tmp_path / 'tiny_selection.py'
    path.write_text(f"""
_base_ = [{base!r} + '/models/resnet101_multilabel.py',
          {base!r} + '/datasets/demo_multilabel.py',
          {base!r} + '/schedules/adam_1e-5_bs4.py',
          {base!r} + '/default_runtime.py']
data_root = {demo_data['data_root'].rstrip('/') + '/'!r}
model = dict(
    backbone=dict(depth=18, base_channels=16, frozen_stages=-1, norm_eval=True, init_cfg=None),
    head=dict(num_classes=10, in_channels=128, loss=dict(loss_weight=0.1)))
optim_wrapper = dict(optimizer=dict(lr=1e-3))
param_scheduler = dict(type='MultiStepLR', milestones=[1], gamma=0.0, by_epoch=True)
train_cfg = dict(max_epochs=3)
train_dataloader = dict(batch_size=16, num_workers=0, persistent_workers=False,
                        dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
default_hooks = dict(logger=dict(interval=1))
randomness = dict(seed=0)
""")
    return str(path)


def test_best_checkpoint_survives_max_keep_ckpts_and_is_scored(tmp_path, demo_data, load_tool):
    test_tool = load_tool('test.py')
    config = _config(tmp_path, demo_data)
    work = tmp_path / 'work'
    runner = run_train(config, work_dir=str(work))
    hook = next(h for h in runner.hooks if type(h).__name__ == 'AtomicCheckpointHook')
    assert hook.max_keep_ckpts == 1 and hook.key_indicators == ['multi-label/mAP']
    files = sorted(f for f in os.listdir(work) if f.endswith('.pth'))
    assert files == ['best_multi-label_mAP_epoch_1.pth', 'epoch_3.pth']
    best_score = runner.message_hub.get_info('best_score')

    out = tmp_path / 'results.json'
    metrics, scored = test_tool.main(
        [config, 'best', '--work-dir',
         str(work), '--out',
         str(out), '--out-item', 'metrics'])
    assert scored == str(work / 'best_multi-label_mAP_epoch_1.pth')
    assert metrics['multi-label/mAP'] == pytest.approx(best_score)
    results = json.loads(out.read_text())
    assert results['checkpoint'] == scored and results['checkpoint_epoch'] == 1
    assert results['checkpoint_choice'] == 'best'

    _, last = test_tool.main([config, 'last', '--work-dir', str(work)])
    assert osp.basename(last) == 'epoch_3.pth'
    with pytest.raises(FileNotFoundError, match='save_best'):
        resolve_checkpoint('best', str(tmp_path))
