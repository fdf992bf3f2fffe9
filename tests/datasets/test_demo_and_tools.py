"""The demo data (deterministic, COCO with boxes, several digits per image) and the CLIs in
tools/misc/ (thin wrappers over the library)."""
import hashlib
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from dataset_helpers import load_tool as _tool
from PIL import Image

from mmml_plugin.datasets import COCO_CLASSES, make_demo_dataset
from mmml_plugin.utils import load_label_embeddings, load_label_graph

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def _digest(folder):
    h = hashlib.sha1()
    for sub in ('annotations/instances_train.json', 'annotations/instances_val.json',
                'train/train_000003.jpg', 'val/val_000001.jpg', 'word_vectors.txt'):
        h.update(open(osp.join(folder, sub), 'rb').read())
    return h.hexdigest()


def test_demo_is_deterministic_from_the_seed(tmp_path):
    a = make_demo_dataset(str(tmp_path / 'a'), num_train=6, num_val=4, image_size=64, seed=3)
    b = make_demo_dataset(str(tmp_path / 'b'), num_train=6, num_val=4, image_size=64, seed=3)
    c = make_demo_dataset(str(tmp_path / 'c'), num_train=6, num_val=4, image_size=64, seed=4)
    assert _digest(a['data_root']) == _digest(b['data_root']) != _digest(c['data_root'])
    with pytest.raises(ValueError, match='image_size'):
        make_demo_dataset(str(tmp_path / 'd'), image_size=16)


def test_demo_is_coco_instances_with_boxes(demo_data):
    with open(demo_data['train_ann']) as f:
        coco = json.load(f)
    assert len(coco['images']) == 48 and len(coco['categories']) == 10
    assert [c['name'] for c in sorted(coco['categories'], key=lambda c: c['id'])] == \
        demo_data['classes']
    per_image = {}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        assert 0 <= x and 0 <= y and x + w <= 128 and y + h <= 128 and w > 4 and h > 4
        assert ann['area'] == w * h and ann['iscrowd'] == 0
        per_image.setdefault(ann['image_id'], []).append(ann['category_id'])
    assert len(per_image) == 48 and all(2 <= len(v) <= 4 for v in per_image.values())
    img = Image.open(osp.join(demo_data['train_img_prefix'], coco['images'][0]['file_name']))
    assert img.size == (128, 128) and img.mode == 'RGB'
    # a digit is brighter than the background inside its box
    ann = next(a for a in coco['annotations'] if a['image_id'] == coco['images'][0]['id'])
    x, y, w, h = ann['bbox']
    pixels = np.asarray(img).astype(float).mean(-1)
    assert pixels[y:y + h, x:x + w].max() > pixels.mean() + 60


def test_graph_and_embedding_clis(demo_data, tmp_path):
    graph_out = str(tmp_path / 'g.npz')
    _tool('build_label_graph').main(
        ['--ann-file', demo_data['train_ann'], '--out', graph_out, '--diagonal', '1'])
    graph = load_label_graph(graph_out, demo_data['classes'])
    np.testing.assert_allclose(np.diag(graph), 1)
    np.testing.assert_allclose(graph - np.diag(np.diag(graph)),
                               load_label_graph(demo_data['graph_file']),
                               rtol=1e-6)
    with pytest.raises(ValueError, match='looks like a validation'):
        _tool('build_label_graph').main(['--ann-file', demo_data['val_ann'], '--out', graph_out])

    emb_out = str(tmp_path / 'e.npz')
    _tool('build_label_embeddings').main([
        '--glove', demo_data['word_vectors'], '--ann-file', demo_data['train_ann'], '--out', emb_out
    ])
    np.testing.assert_array_equal(load_label_embeddings(emb_out, demo_data['classes']),
                                  load_label_embeddings(demo_data['embedding_file']))


def test_graph_cli_from_config(demo_data, tmp_path):
    out = str(tmp_path / 'g.npz')
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"_base_ = ['{REPO}/configs/_base_/datasets/demo_multilabel.py']\n"
                   f"data_root = '{demo_data['data_root']}/'\n"
                   "train_dataloader = dict(dataset=dict(data_root=data_root))\n")
    _tool('build_label_graph').main(['--config', str(cfg), '--out', out])
    np.testing.assert_allclose(load_label_graph(out, demo_data['classes']),
                               load_label_graph(demo_data['graph_file']))


def test_import_clis_on_the_real_files(shared_data_dir, tmp_path):
    out = str(tmp_path / 'g.npz')
    _tool('build_label_graph').main([
        '--ml-gcn-adj',
        str(shared_data_dir / 'coco_adj.pkl'), '--source-order', 'alphabetical', '--classes',
        'coco', '--out', out
    ])
    with np.load(out) as f:
        assert f['classes'][0] == 'person' and f['counts'][0, 0] == 45174
    out = str(tmp_path / 'e.npz')
    _tool('build_label_embeddings').main([
        '--ssgrl-vectors',
        str(shared_data_dir / 'ssgrl_coco_vectors.npy'), '--category-json',
        str(shared_data_dir / 'ssgrl_coco_category.json'), '--classes', 'coco', '--out', out
    ])
    assert load_label_embeddings(out, COCO_CLASSES).shape == (80, 300)


def test_make_demo_dataset_cli(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO, os.environ.get('PYTHONPATH', '')]))
    out = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'misc', 'make_demo_dataset.py'),
        str(tmp_path / 'demo'), '--num-train', '4', '--num-val', '2', '--size', '64'
    ],
                         capture_output=True,
                         text=True,
                         cwd=REPO,
                         env=env,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    info = json.loads(out.stdout)
    assert info['classes'][0] == 'zero' and osp.isfile(info['train_ann'])
    assert len(json.load(open(info['val_ann']))['images']) == 2
