"""Class order checked by name at build time: the
runner gives the head the dataset's class names, the label files are checked against them and
against each other, every class count (data preprocessor included) is checked in one place, and
each label file is read once."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS, DefaultScope
from mmpretrain.registry import MODELS

import mmml_plugin.utils.label_files.class_checks as class_checks
from mmml_plugin.datasets import VOC_CLASSES
from mmml_plugin.engine import dataset_classes, fill_model_classes
from mmml_plugin.utils.label_files import read_label_file, reorder_by_names, save_label_graph

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
PAPER_CONFIG = osp.join(REPO, 'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py')


def _swapped_graph(demo_data, out_file):
    """The demo graph rebuilt for a class order with the first two classes swapped."""
    adj, names = read_label_file(demo_data['graph_file'], 'graph')
    swapped = [names[1], names[0]] + names[2:]
    save_label_graph(out_file, reorder_by_names(adj, names, swapped, 'demo', square=True), swapped)
    return out_file


def _paper_config_on_demo(demo_data, work_dir, graph_file):
    """The paper's COCO config, unchanged but for the data (the demo set) and its class count."""
    cfg = Config.fromfile(PAPER_CONFIG)
    root = demo_data['data_root'].rstrip('/') + '/'
    num = len(demo_data['classes'])
    embed_dims = read_label_file(demo_data['embedding_file'], 'embeddings')[0].shape[1]
    cfg.merge_from_dict({
        'work_dir': str(work_dir),
        'model.backbone.init_cfg': None,
        'model.head.num_classes': num,
        'model.head.graph_file': graph_file,
        'model.head.embedding_file': demo_data['embedding_file'],
        'model.head.embed_dims': embed_dims,
        'data_preprocessor.num_classes': num,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_dataloader.dataset.data_root': root,
        'train_dataloader.dataset.ann_file': 'annotations/instances_train.json',
        'train_dataloader.dataset.data_prefix': 'train/',
    })
    return cfg


def test_paper_config_refuses_a_graph_in_another_class_order(demo_data, tmp_path):
    wrong = _swapped_graph(demo_data, str(tmp_path / 'graph_swapped.npz'))
    cfg = _paper_config_on_demo(demo_data, tmp_path / 'work', wrong)
    assert 'classes' not in cfg.model.head  # the paper config names no classes itself
    with pytest.raises(ValueError) as info:
        RUNNERS.build(cfg)  # what tools/train.py, tools/test.py and mim train/test do
    msg = str(info.value)
    assert 'graph_swapped.npz' in msg and 'different order' in msg
    assert demo_data['classes'][0] in msg and 'tools/misc/' in msg  # what differs, the fix
    # the right file builds, and the head holds the dataset's class names
    cfg = _paper_config_on_demo(demo_data, tmp_path / 'work', demo_data['graph_file'])
    runner = RUNNERS.build(cfg)
    head = runner.model.head
    assert head.classes == list(demo_data['classes'])
    assert head.decoupling.classes == list(demo_data['classes'])


def test_data_preprocessor_class_count_joins_the_check(demo_data, tmp_path):
    cfg = _paper_config_on_demo(demo_data, tmp_path / 'work', demo_data['graph_file'])
    cfg.merge_from_dict({'data_preprocessor.num_classes': 80})
    with pytest.raises(ValueError) as info:
        RUNNERS.build(cfg)
    msg = str(info.value)
    assert 'data_preprocessor.num_classes: 80' in msg
    assert 'dataset classes (train_dataloader.dataset): 10' in msg
    assert 'model.head.num_classes: 10' in msg


def test_configured_classes_must_equal_the_dataset_classes(demo_data, tmp_path):
    cfg = _paper_config_on_demo(demo_data, tmp_path / 'work', demo_data['graph_file'])
    loaders = dict(train_dataloader=cfg.train_dataloader.to_dict())
    model = cfg.model.to_dict()
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        filled = fill_model_classes(model, loaders)
        assert filled['head']['classes'] == list(demo_data['classes'])
        assert 'classes' not in model['head']  # the input config is left alone
        model['head']['classes'] = list(reversed(demo_data['classes']))
        with pytest.raises(ValueError, match=r'model.head.classes in the config .* differ'):
            fill_model_classes(model, loaders)


def test_testing_without_training_annotations_uses_the_next_split(demo_data, tmp_path):
    cfg = _paper_config_on_demo(demo_data, tmp_path / 'work', demo_data['graph_file'])
    train = cfg.train_dataloader.to_dict()
    val = dict(train,
               dataset=dict(train['dataset'],
                            ann_file='annotations/instances_val.json',
                            data_prefix='val/',
                            test_mode=True))
    train['dataset']['ann_file'] = 'annotations/missing_train.json'
    cfg.merge_from_dict({'data_preprocessor.num_classes': 80})  # so that the error names it
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        with pytest.raises(ValueError, match=r'dataset classes \(val_dataloader.dataset\): 10'):
            fill_model_classes(cfg.model.to_dict(), dict(train_dataloader=train,
                                                         val_dataloader=val), cfg.data_preprocessor)


def test_voc_classes_come_from_mmpretrain_metainfo_without_data():
    with DefaultScope.overwrite_default_scope('mmpretrain'):
        voc = dict(type='VOC', data_root='/nonexistent/VOC2007', split='trainval', pipeline=[])
        assert dataset_classes(voc) == tuple(VOC_CLASSES)
        assert dataset_classes(dict(voc, classes=['cat', 'dog'])) == ('cat', 'dog')
        wrapped = dict(type='RepeatDataset', times=2, dataset=voc)
        assert dataset_classes(wrapped) == tuple(VOC_CLASSES)


def _ssgrl(files, **kw):
    return dict(type='SSGRLHead',
                num_classes=len(files['classes']),
                embedding_file=files['embedding_file'],
                graph_file=files['graph_file'],
                in_channels=16,
                embed_dims=8,
                inter_channels=8,
                out_channels=8,
                **kw)


def test_graph_and_embeddings_are_checked_against_each_other(tmp_path, write_label_files):
    names = ['cat', 'dog', 'oven', 'sofa']
    files = write_label_files(str(tmp_path), 4, embed_dims=8, classes=names)
    other = write_label_files(str(tmp_path),
                              4,
                              embed_dims=8,
                              prefix='other_',
                              classes=['dog', 'cat', 'oven', 'sofa'])
    mixed = dict(files, graph_file=other['graph_file'])
    with pytest.raises(ValueError) as info:
        MODELS.build(_ssgrl(mixed))  # no dataset classes given: the files still must agree
    msg = str(info.value)
    assert other['graph_file'] in msg and files['embedding_file'] in msg
    assert 'different order' in msg
    assert MODELS.build(_ssgrl(files)).classes is None


def test_each_label_file_is_read_once(tmp_path, monkeypatch, write_label_files):
    files = write_label_files(str(tmp_path), 4, embed_dims=8)
    reads = []

    def counting_read(path, kind):
        reads.append(osp.basename(path))
        return read_label_file(path, kind)

    monkeypatch.setattr(class_checks, 'read_label_file', counting_read)
    head = MODELS.build(_ssgrl(files, classes=files['classes']))
    assert sorted(reads) == ['emb4.npz', 'graph4.npz']
    stored = np.load(files['graph_file'])['adj']
    np.testing.assert_array_equal(head.ggnn.adjacency.numpy(), stored)  # as stored


def test_init_cfg_reaches_the_sub_modules(tmp_path, write_label_files):
    """As the docstring of SSGRLHead says: a layer-wise init_cfg reaches every layer below the
    head whose class it names, in the decoupling module and the GGNN too."""
    files = write_label_files(str(tmp_path), 4, embed_dims=8)
    layers = ['Linear', 'ReusedLinear', 'PerClassLinear']
    head = MODELS.build(
        _ssgrl(files, init_cfg=dict(type='Constant', layer=layers, val=0.25, bias=0.0)))
    head.init_weights()
    weighted = [m for m in head.modules() if type(m).__name__ in layers]
    assert {type(m).__name__ for m in head.decoupling.modules()} & set(layers)
    assert {type(m).__name__ for m in head.ggnn.modules()} & set(layers)
    assert len(weighted) == 9  # U, V, P, f_a; the GGNN's three; the output projection; classifier
    for m in weighted:
        assert torch.all(m.weight == 0.25), m
        assert m.bias is None or torch.all(m.bias == 0), m
    # only the named classes: without 'ReusedLinear' the GGNN keeps its own init
    head = MODELS.build(
        _ssgrl(files, init_cfg=dict(type='Constant', layer='Linear', val=0.25, bias=0.0)))
    head.init_weights()
    assert torch.all(head.decoupling.img_proj.weight == 0.25)
    assert not torch.all(head.ggnn.msg_proj.weight == 0.25)
