"""Own data: the CSV dataset (rows, class order, bad rows named by file and line), mmpretrain's
MultiLabelDataset JSON used as is, the label graph of any dataset config against a hand count,
one-hot class embeddings, and the docs/own_data.md walk-through run as written (SSGRL, ML-GCN and
Query2Label trained 1 epoch each on a tiny generated set through tools/train.py).

The walk-through's shell commands are run in this process (``runpy``, with their ``sys.argv``) in
a temporary working directory that links configs/ and tools/; to each ``tools/train.py`` command
the test appends ``--cfg-options`` for 1 epoch, no ImageNet download and 64 px inputs.
"""
import csv
import itertools
import os
import re
import runpy
import shlex
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmml_plugin.datasets import CSVMultiLabelDataset, build_one_hot_embeddings
from mmml_plugin.datasets.label_file_builders import build_label_graph_from_dataset
from mmml_plugin.utils import load_label_embeddings, load_label_graph

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / 'docs' / 'own_data.md'
FENCE = re.compile(r'^```shell\n(.*?)^```', re.S | re.M)
DIGITS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine']
# 1 epoch, no ImageNet weights (no download), 64 px instead of 224, no worker processes, no
# best-checkpoint copy
TINY_RUN = [
    '--cfg-options', 'train_cfg.max_epochs=1', 'model.backbone.init_cfg=None',
    'train_dataloader.num_workers=0', 'val_dataloader.num_workers=0',
    'train_dataloader.dataset.pipeline.1.scale=(64,64)',
    'val_dataloader.dataset.pipeline.1.scale=(64,64)', 'default_hooks.checkpoint.save_best=None'
]


def doc_commands():
    """The commands of the ``shell`` blocks of docs/own_data.md, continuation lines joined and
    comments dropped, in order."""
    for block in FENCE.findall(DOC.read_text()):
        for line in block.replace('\\\n', ' ').splitlines():
            line = line.split(' #')[0].strip()
            if line and not line.startswith('#'):
                yield shlex.split(line)


def run_command(argv, monkeypatch):
    """``python -c CODE`` or ``python SCRIPT ARGS`` in this process."""
    assert argv[0] == 'python', argv
    if argv[1] == '-c':
        exec(compile(argv[2], '<doc command>', 'exec'), {})
        return
    monkeypatch.setattr(sys, 'argv', argv[1:])
    try:
        runpy.run_path(argv[1], run_name='__main__')
    except SystemExit as e:
        assert e.code in (0, None), f'{" ".join(argv)} exited with {e.code}'


@pytest.fixture(scope='module')
def workdir(tmp_path_factory):
    """A working directory with configs/ and tools/ linked and the example set of the doc's
    first command (the demo digits as CSV + JSON under data/my_data/), shared by the tests."""
    cwd = tmp_path_factory.mktemp('own_data')
    for name in ('configs', 'tools'):
        os.symlink(REPO / name, cwd / name)
    first = next(doc_commands())
    assert first[:2] == ['python', '-c'] and 'write_own_data_example' in first[2]
    old = os.getcwd()
    os.chdir(cwd)
    try:
        exec(compile(first[2], '<doc command>', 'exec'), {})
    finally:
        os.chdir(old)
    return cwd


def _write(path, text):
    path.write_text(text)
    return str(path)


def _dataset(ann_file, **kwargs):
    return CSVMultiLabelDataset(ann_file=ann_file, data_prefix='', **kwargs)


def test_csv_rows_and_class_order(tmp_path):
    ann = _write(
        tmp_path / 'train.csv', 'image,labels\n'
        'a.jpg,dog;cat\n'
        '\n'
        'b.jpg, dog ;dog\n'
        'c.jpg,\n'
        'd.jpg\n'
        '"e,1.jpg",bird\n')
    # default: the sorted label names of the file
    ds = _dataset(ann)
    assert ds.metainfo['classes'] == ('bird', 'cat', 'dog')
    assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[2, 1], [2], [], [], [0]]
    assert [osp_name(ds.get_data_info(i)['img_path'])
            for i in range(len(ds))] == ['a.jpg', 'b.jpg', 'c.jpg', 'd.jpg', 'e,1.jpg']
    # classes given (list or file): their order, labels indexed by it
    classes_file = _write(tmp_path / 'classes.txt', 'dog\ncat\nbird\nfish\n')
    for classes in (['dog', 'cat', 'bird', 'fish'], classes_file):
        ds = _dataset(ann, classes=classes)
        assert ds.metainfo['classes'] == ('dog', 'cat', 'bird', 'fish')
        assert [ds.get_cat_ids(i) for i in range(len(ds))] == [[0, 1], [0], [], [], [2]]
    # the plugin's metric input: one-hot labels of the right width through mmpretrain's packer
    assert len(ds.metainfo['classes']) == 4


def osp_name(path):
    return os.path.basename(path)


@pytest.mark.parametrize('rows, line, message', [
    ('a.jpg,cat\nb.jpg,cat,dog\n', 2, '3 fields'),
    ('a.jpg,cat\n,dog\n', 2, 'empty image field'),
    ('image,labels\na.jpg,cat;;dog\n', 2, 'empty label name'),
    ('a.jpg,cat\nb.jpg,dog\na.jpg,dog\n', 3, 'listed again'),
])
def test_bad_rows_name_the_file_and_line(tmp_path, rows, line, message):
    ann = _write(tmp_path / 'bad.csv', rows)
    with pytest.raises(ValueError, match=message) as info:
        _dataset(ann)
    assert f'{ann}, line {line}' in str(info.value)


def test_unknown_label_names_the_file_and_line(tmp_path):
    ann = _write(tmp_path / 'train.csv', 'a.jpg,cat\nb.jpg,cat;zebra\n')
    with pytest.raises(ValueError, match=r"line 2: labels \['zebra'\] are not among"):
        _dataset(ann, classes=['cat', 'dog'])
    with pytest.raises(ValueError, match='no image rows'):
        _dataset(_write(tmp_path / 'empty.csv', 'image,labels\n'))
    with pytest.raises(FileNotFoundError, match='nope.csv'):
        _dataset(str(tmp_path / 'nope.csv'))


def _hand_counts(csv_path, classes):
    """Co-occurrence counts by hand: the rows read with the csv module, every pair counted."""
    counts = np.zeros((len(classes), len(classes)), np.int64)
    with open(csv_path, newline='') as f:
        for row in list(csv.reader(f))[1:]:
            present = {classes.index(n) for n in row[1].split(';') if n}
            for i, j in itertools.product(present, present):
                counts[i, j] += 1
    return counts


def test_graph_of_csv_and_json_configs_equals_a_hand_count(workdir, monkeypatch):
    from mmml_plugin.apis import load_config
    monkeypatch.chdir(workdir)
    classes = (workdir / 'data/my_data/classes.txt').read_text().split()
    assert classes == DIGITS  # numeric order, not the sorted names
    counts = _hand_counts(workdir / 'data/my_data/train.csv', classes)
    expected = counts / np.maximum(counts.diagonal(), 1)[:, None]
    np.fill_diagonal(expected, 0)
    for data in ('csv', 'json'):
        cfg = load_config(f'configs/own_data/ssgrl_r18_1xb8_{data}-224px.py')
        result = build_label_graph_from_dataset(cfg.train_dataloader.dataset.to_dict(),
                                                out_file=f'graph_{data}.npz')
        assert result['classes'] == DIGITS, data
        np.testing.assert_array_equal(result['counts'], counts)
        np.testing.assert_allclose(load_label_graph(f'graph_{data}.npz', DIGITS),
                                   expected,
                                   rtol=1e-6)
    assert counts.trace() > 0 and (counts - np.diag(counts.diagonal())).sum() > 0


def test_one_hot_embeddings_file(tmp_path):
    out = str(tmp_path / 'onehot.npz')
    emb = build_one_hot_embeddings(['cat', 'dog', 'bird'], out)
    np.testing.assert_array_equal(emb, np.eye(3))
    with np.load(out) as f:
        assert f['classes'].tolist() == ['cat', 'dog', 'bird']
        assert f['embeddings'].shape == (3, 3) and f['embeddings'].dtype == np.float32
    np.testing.assert_array_equal(load_label_embeddings(out, ['cat', 'dog', 'bird']), np.eye(3))
    with pytest.raises(ValueError, match="repeated: \\['cat'\\]"):
        build_one_hot_embeddings(['cat', 'dog', 'cat'])


def test_walkthrough_trains_ssgrl_mlgcn_query2label_as_written(workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    commands = list(doc_commands())[1:]  # the first made the example set (fixture)
    trained = []
    for argv in commands:
        if argv[1] == 'tools/train.py':
            argv = argv + TINY_RUN
            trained.append(argv[argv.index('--work-dir') + 1])
        run_command(argv, monkeypatch)
    data = workdir / 'data/my_data'
    # the label files: named in the classes.txt order, one-hot of width C
    with np.load(data / 'label_graph.npz') as f:
        assert f['classes'].tolist() == DIGITS
    with np.load(data / 'label_embeddings.npz') as f:
        assert f['classes'].tolist() == DIGITS and f['embeddings'].shape == (10, 300)
    with np.load(data / 'label_embeddings_onehot.npz') as f:
        assert f['classes'].tolist() == DIGITS
        np.testing.assert_array_equal(f['embeddings'], np.eye(10))
    # one run per model, each trained 1 epoch and validated by the plugin's metric
    assert trained == ['work_dirs/own_ssgrl', 'work_dirs/own_mlgcn', 'work_dirs/own_q2l']
    heads = []
    for work_dir in trained:
        ckpt = torch.load(workdir / work_dir / 'epoch_1.pth',
                          map_location='cpu',
                          weights_only=False)
        assert list(ckpt['meta']['dataset_meta']['classes']) == DIGITS
        heads.append(Config.fromstring(ckpt['meta']['cfg'], '.py').model.head.type)
        scalars = next((workdir / work_dir).glob('*/vis_data/scalars.json')).read_text()
        assert '"multi-label/mAP"' in scalars
    assert heads == ['SSGRLHead', 'MLGCNHead', 'Query2LabelHead']


def test_label_file_in_another_class_order_is_refused_by_the_heads(workdir, tmp_path):
    """A graph built from the CSV without the classes file (sorted names) does not match the
    configs' classes.txt order: the heads' build-time check names the file."""
    from mmml_plugin.utils.label_files import load_checked_label_files
    sorted_graph = str(tmp_path / 'graph_sorted.npz')
    result = build_label_graph_from_dataset(
        dict(type='CSVMultiLabelDataset',
             data_root=str(workdir / 'data/my_data'),
             ann_file='train.csv'), sorted_graph)
    assert result['classes'] == sorted(DIGITS) != DIGITS
    with pytest.raises(ValueError, match='graph_sorted.npz'):
        load_checked_label_files(10, graph_file=sorted_graph, classes=DIGITS)
    assert load_checked_label_files(10, graph_file=sorted_graph,
                                    classes=sorted(DIGITS))['graph'].shape == (10, 10)
