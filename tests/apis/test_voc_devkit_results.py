"""VOC 2012 as the paper: ``tools/test.py`` with the VOC 2012 config writes the evaluation
server's classification files (VOC devkit format, ``comp<N>_cls_test_<class>.txt``, N from the
config) for the test images, on a tiny generated VOC 2012."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from foundation.voc_data import VOC_CLASSES, make_tiny_voc
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

from mmml_plugin.evaluation.metrics.voc_devkit_writer import write_voc_cls_results

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def test_write_voc_cls_results_format(tmp_path):
    scores = np.array([[0.9, 0.1], [0.25, 0.5]])
    files = write_voc_cls_results(str(tmp_path), ['2012_000001', '2012_000002'],
                                  scores, ['aeroplane', 'bicycle'],
                                  comp=2)
    assert [osp.relpath(f, tmp_path) for f in files] == [
        'results/VOC2012/Main/comp2_cls_test_aeroplane.txt',
        'results/VOC2012/Main/comp2_cls_test_bicycle.txt'
    ]
    assert open(files[1]).read() == '2012_000001 0.1\n2012_000002 0.5\n'
    with pytest.raises(ValueError, match='classes differ'):
        write_voc_cls_results(str(tmp_path), ['a'], scores, ['aeroplane', 'bicycle'])
    with pytest.raises(ValueError, match='comp'):
        write_voc_cls_results(str(tmp_path), ['a', 'b'], scores, ['aeroplane', 'bicycle'], 3)


def test_test_tool_writes_the_devkit_files(tmp_path, load_tool):
    test_tool = load_tool('test.py')
    ids = make_tiny_voc(str(tmp_path / 'voc'), {'VOC2012': {
        'trainval': 2,
        'test': 5
    }},
                        size=(64, 48))[('VOC2012', 'test')]
    base = osp.join(REPO, 'configs', '_base_')
    config = tmp_path / 'tiny_voc12.py'
    config.write_text(f"""
_base_ = [{base!r} + '/models/resnet101_multilabel.py',
          {base!r} + '/datasets/voc12_multilabel_576px.py',
          {base!r} + '/schedules/adam_1e-5_bs4.py',
          {base!r} + '/default_runtime.py']
model = dict(backbone=dict(depth=18, base_channels=8, init_cfg=None),
             head=dict(num_classes=20, in_channels=64))
test_dataloader = dict(batch_size=2, num_workers=0, persistent_workers=False)
val_cfg = None
""")
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(str(config))
    assert cfg.test_evaluator.comp == cfg.voc_devkit_comp == 1
    torch.manual_seed(0)
    checkpoint = str(tmp_path / 'tiny.pth')
    torch.save(dict(state_dict=MODELS.build(cfg.model).state_dict(), meta=dict(epoch=200)),
               checkpoint)
    work = tmp_path / 'work'
    data_root = str(tmp_path / 'voc' / 'VOC2012') + '/'
    metrics, scored = test_tool.main([
        str(config), checkpoint, '--work-dir',
        str(work), '--cfg-options', f'data_root={data_root}'
    ])
    assert scored == checkpoint
    assert metrics == {'voc-devkit/files': 20, 'voc-devkit/images': 5}
    folder = work / 'voc_devkit_results' / 'results' / 'VOC2012' / 'Main'
    assert sorted(os.listdir(folder)) == sorted(f'comp1_cls_test_{c}.txt' for c in VOC_CLASSES)
    table = {}
    for c in VOC_CLASSES:
        lines = [line.split() for line in open(folder / f'comp1_cls_test_{c}.txt')]
        assert sorted(i for i, _ in lines) == sorted(ids)
        table[c] = [float(s) for _, s in sorted(lines)]
    scores = np.array(list(table.values()))
    assert ((scores > 0) & (scores < 1)).all() and len(np.unique(scores)) > 20

    # N comes from the config
    test_tool.main([
        str(config), checkpoint, '--work-dir',
        str(work), '--cfg-options', f'data_root={data_root}', 'test_evaluator.comp=2'
    ])
    assert len([f for f in os.listdir(folder) if f.startswith('comp2_cls_test_')]) == 20
