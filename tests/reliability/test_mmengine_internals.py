"""Every private method of mmengine/mmpretrain the plugin overrides, and every
private attribute it reads, is pinned here: these tests fail if a new mmengine/mmpretrain
changes what the plugin relies on (then the override must be revisited, not the test)."""
import inspect

import torch
from mmengine.dataset import BaseDataset
from mmengine.hooks import CheckpointHook
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import checkpoint as mme_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader


def _params(func):
    return list(inspect.signature(func).parameters)


def test_checkpoint_hook_save_with_step_is_what_atomic_checkpoint_hook_wraps():
    """``AtomicCheckpointHook._save_checkpoint_with_step`` calls the parent with the deletions
    of ``self.file_backend`` deferred and ``runner.work_dir`` redirected for the pointer."""
    assert _params(CheckpointHook._save_checkpoint_with_step) == ['self', 'runner', 'step', 'meta']
    source = inspect.getsource(CheckpointHook._save_checkpoint_with_step)
    assert "osp.join(runner.work_dir, 'last_checkpoint')" in source  # the only work_dir use
    assert source.count('runner.work_dir') == 1
    assert 'self.file_backend.remove(' in source and 'self.file_backend.rmtree(' in source
    assert 'runner.save_checkpoint(' in source and 'self.out_dir' in source
    caller = inspect.getsource(CheckpointHook._save_checkpoint)
    assert 'self._save_checkpoint_with_step(runner, step, meta=meta)' in caller


def test_checkpoint_hook_save_best_is_what_atomic_checkpoint_hook_wraps():
    """``AtomicCheckpointHook._save_best_checkpoint`` defers the parent's removal of the previous
    best (``self.file_backend.remove``/``rmtree``) until the new best is written."""
    assert _params(CheckpointHook._save_best_checkpoint) == ['self', 'runner', 'metrics']
    source = inspect.getsource(CheckpointHook._save_best_checkpoint)
    assert 'self.file_backend.remove(best_ckpt_path)' in source
    assert 'self.file_backend.rmtree(best_ckpt_path)' in source
    assert source.index('self.file_backend.remove(') < source.index('runner.save_checkpoint(')
    caller = inspect.getsource(CheckpointHook.after_val_epoch)
    assert 'self._save_best_checkpoint(runner, metrics)' in caller


def test_atomic_checkpoint_hook_keeps_one_checkpoint_and_a_true_pointer(tmp_path):
    """The wrapped parent on a real Runner: ``max_keep_ckpts=1`` keeps the newest checkpoint,
    the pointer names it, and no temporary pointer folder is left."""
    from mmengine.model import BaseModel
    from mmengine.runner import Runner

    class Toy(BaseModel):

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Linear(2, 1)

        def forward(self, inputs, data_samples=None, mode='tensor'):
            out = self.w(torch.stack(inputs) if isinstance(inputs, list) else inputs)
            return dict(loss=out.pow(2).mean()) if mode == 'loss' else out

    data = [dict(inputs=torch.ones(2)) for _ in range(4)]
    runner = Runner(model=Toy(),
                    work_dir=str(tmp_path),
                    train_dataloader=dict(dataset=data,
                                          batch_size=2,
                                          collate_fn=dict(type='default_collate'),
                                          sampler=dict(type='DefaultSampler', shuffle=False)),
                    train_cfg=dict(by_epoch=True, max_epochs=3),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.1)),
                    default_hooks=dict(
                        checkpoint=dict(type='AtomicCheckpointHook', interval=1, max_keep_ckpts=1)),
                    log_level='WARNING')
    runner.train()
    assert sorted(p.name for p in tmp_path.glob('*.pth')) == ['epoch_3.pth']
    # absolute under mmengine's Runner, which reads it relative to the current directory
    assert (tmp_path / 'last_checkpoint').read_text() == str(tmp_path / 'epoch_3.pth')
    assert not list(tmp_path.glob('.last_checkpoint-*'))


def test_checkpoint_hook_best_bookkeeping_is_what_atomic_checkpoint_hook_reconciles():
    """On resume ``AtomicCheckpointHook`` reads and rewrites the message hub's ``best_ckpt`` and
    ``best_score`` (single key indicator) and reads ``best_score`` from a best checkpoint's
    ``message_hub['runtime_info']``."""
    from mmengine.logging import MessageHub
    save_best = inspect.getsource(CheckpointHook._save_best_checkpoint)
    assert "best_score_key = 'best_score'" in save_best
    assert "runtime_best_ckpt_key = 'best_ckpt'" in save_best
    before_train = ' '.join(inspect.getsource(CheckpointHook.before_train).split())
    assert "self.best_ckpt_path = runner.message_hub.get_info( 'best_ckpt')" in before_train
    assert 'runtime_info=saved_info' in inspect.getsource(MessageHub.state_dict)


def test_base_dataset_serialize_data_is_what_coco_multilabel_overrides(tiny_demo):
    assert _params(BaseDataset._serialize_data) == ['self']
    assert 'self.data_bytes, self.data_address = self._serialize_data()' in \
        inspect.getsource(BaseDataset.full_init)
    from mmml_plugin.datasets import CocoMultiLabelDataset
    kwargs = dict(data_root=tiny_demo['data_root'],
                  ann_file='annotations/instances_train.json',
                  data_prefix='train/',
                  pipeline=[])
    serialized = CocoMultiLabelDataset(serialize_data=True, **kwargs)
    plain = CocoMultiLabelDataset(serialize_data=False, **kwargs)
    assert len(serialized) == len(plain) == 16
    for i in range(len(plain)):
        a, b = serialized.get_data_info(i), plain.get_data_info(i)
        assert a['img_path'] == b['img_path'] and list(a['gt_label']) == list(b['gt_label'])


def test_multilabel_head_get_loss_is_what_per_class_linear_head_overrides():
    from mmpretrain.models.heads import MultiLabelClsHead
    assert _params(MultiLabelClsHead._get_loss) == ['self', 'cls_score', 'data_samples', 'kwargs']
    assert 'self._get_loss(cls_score, data_samples, **kwargs)' in \
        inspect.getsource(MultiLabelClsHead.loss)


def test_history_buffer_statistics_methods_the_checkpoint_allow_list_reads():
    assert {'min', 'max', 'current', 'mean'} <= set(HistoryBuffer._statistics_methods)


def test_checkpoint_loader_scheme_table_the_weights_only_loaders_replace():
    assert isinstance(CheckpointLoader._schemes, dict)
    assert '_schemes' in inspect.getsource(CheckpointLoader._get_checkpoint_loader)
    assert 'cls._get_checkpoint_loader(filename)' in \
        inspect.getsource(CheckpointLoader.load_checkpoint)
    assert _params(mme_checkpoint._get_mmengine_home) == []
    assert _params(mme_checkpoint._process_mmcls_checkpoint) == ['checkpoint']
    assert 'CheckpointLoader.load_checkpoint' in inspect.getsource(mme_checkpoint._load_checkpoint)
