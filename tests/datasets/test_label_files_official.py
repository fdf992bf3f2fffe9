"""The official SSGRL label files import as stored: values and the graph's
diagonal unchanged, COCO rows placed as SSGRL's ``category.json`` says, VOC vectors importable.
Proved on the real reference files of ../shared/data (order checked by meaning)."""
import json

import numpy as np
import pytest
from dataset_helpers import load_tool as _tool

from mmml_plugin.datasets import COCO_CATEGORY_IDS, COCO_CLASSES, VOC_CLASSES
from mmml_plugin.datasets.label_file_builders import ssgrl_source_classes
from mmml_plugin.utils import load_label_embeddings, load_label_graph, safe_load_pickle
from mmml_plugin.utils.label_files import load_npy, reorder_by_names, ssgrl_category_order


def _cos(emb, classes, a, b):
    x, y = emb[list(classes).index(a)], emb[list(classes).index(b)]
    return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))


@pytest.fixture(scope='module')
def official_coco_prob(shared_data_dir, tmp_path_factory):
    """A ``prob_train.npy`` as SSGRL's: conditional probabilities of the real COCO train2014
    counts, rows in the official (category.json) order, ones on the diagonal."""
    raw = safe_load_pickle(str(shared_data_dir / 'coco_adj.pkl'))
    counts = raw['adj'].astype(np.float64)
    np.fill_diagonal(counts, raw['nums'])
    counts = reorder_by_names(counts,
                              sorted(COCO_CLASSES),
                              COCO_CLASSES,
                              'coco_adj.pkl',
                              square=True)
    prob = counts / np.diag(counts)[:, None]
    path = str(tmp_path_factory.mktemp('ssgrl') / 'prob_train.npy')
    np.save(path, prob)
    return path, prob


def test_category_json_order_is_honoured(shared_data_dir, tmp_path):
    category_json = str(shared_data_dir / 'ssgrl_coco_category.json')
    assert ssgrl_source_classes(category_json) == list(COCO_CLASSES)
    vectors = str(shared_data_dir / 'ssgrl_coco_vectors.npy')
    stored = load_npy(vectors)
    # the same file as stored, imported with the real category.json: values unchanged
    out = str(tmp_path / 'ssgrl.npz')
    _tool('build_label_embeddings').main([
        '--ssgrl-vectors', vectors, '--category-json', category_json, '--classes', 'coco', '--out',
        out
    ])
    emb = load_label_embeddings(out, COCO_CLASSES)
    np.testing.assert_array_equal(emb, stored.astype(np.float32))
    assert _cos(emb, COCO_CLASSES, 'cat', 'dog') > _cos(emb, COCO_CLASSES, 'cat', 'oven') + 0.3
    # a category.json that puts person and bicycle on each other's rows: the rows follow it
    rows = json.loads(open(category_json).read())
    rows['1'], rows['2'] = rows['2'], rows['1']
    moved = tmp_path / 'category.json'
    moved.write_text(json.dumps(rows))
    permuted = stored.copy()
    permuted[[0, 1]] = stored[[1, 0]]
    np.save(tmp_path / 'vectors.npy', permuted)
    _tool('build_label_embeddings').main([
        '--ssgrl-vectors',
        str(tmp_path / 'vectors.npy'), '--category-json',
        str(moved), '--classes', 'coco', '--out',
        str(tmp_path / 'moved.npz')
    ])
    np.testing.assert_array_equal(load_label_embeddings(str(tmp_path / 'moved.npz'), COCO_CLASSES),
                                  emb)


def test_category_json_errors_name_the_file(tmp_path):
    names = dict(zip(COCO_CATEGORY_IDS, COCO_CLASSES))
    bad = tmp_path / 'category.json'
    bad.write_text(json.dumps({'1': 1, '2': 1}))  # two categories on one row
    with pytest.raises(ValueError, match='category.json: unexpected entry'):
        ssgrl_category_order(str(bad), names)
    bad.write_text(json.dumps({'12': 1}))  # 12 is not a COCO category id
    with pytest.raises(ValueError, match='category.json: unexpected entry'):
        ssgrl_category_order(str(bad), names)


def test_official_voc_vectors_import(shared_data_dir, tmp_path):
    """SSGRL's voc07_vector.npy / voc12_vector.npy: 20 rows in VOC order (here the real VOC
    GloVe vectors of ML-GCN stored as such a file)."""
    stored = safe_load_pickle(str(shared_data_dir / 'voc_glove_word2vec.pkl')).astype(np.float64)
    npy = str(tmp_path / 'voc07_vector.npy')
    np.save(npy, stored)
    out = str(tmp_path / 'voc.npz')
    _tool('build_label_embeddings').main(['--ssgrl-vectors', npy, '--classes', 'voc', '--out', out])
    emb = load_label_embeddings(out, VOC_CLASSES)
    np.testing.assert_array_equal(emb, stored.astype(np.float32))  # as stored, float32
    assert _cos(emb, VOC_CLASSES, 'cat', 'dog') > _cos(emb, VOC_CLASSES, 'cat', 'tvmonitor') + 0.3


def test_official_graph_keeps_its_diagonal(official_coco_prob, shared_data_dir, tmp_path):
    npy, prob = official_coco_prob
    category_json = str(shared_data_dir / 'ssgrl_coco_category.json')
    out = str(tmp_path / 'graph.npz')
    _tool('build_label_graph').main(
        ['--ssgrl-prob', npy, '--category-json', category_json, '--classes', 'coco', '--out', out])
    graph = load_label_graph(out, COCO_CLASSES)
    np.testing.assert_array_equal(graph, prob.astype(np.float32))  # diagonal of ones kept
    assert np.all(np.diag(graph) == 1)
    idx = {c: i for i, c in enumerate(COCO_CLASSES)}
    assert graph[idx['skis'], idx['person']] > 0.8  # order checked by meaning
    # the diagonal changes only when asked
    _tool('build_label_graph').main([
        '--ssgrl-prob', npy, '--category-json', category_json, '--classes', 'coco', '--diagonal',
        '0', '--out', out
    ])
    graph0 = load_label_graph(out, COCO_CLASSES)
    assert np.all(np.diag(graph0) == 0)
    off = ~np.eye(80, dtype=bool)
    np.testing.assert_array_equal(graph0[off], graph[off])
    # another target order (a class-list file) moves rows and columns together, by name
    order = tmp_path / 'alphabetical.txt'
    order.write_text('\n'.join(sorted(COCO_CLASSES)))
    _tool('build_label_graph').main([
        '--ssgrl-prob', npy, '--category-json', category_json, '--classes',
        str(order), '--out', out
    ])
    alpha = load_label_graph(out, sorted(COCO_CLASSES))
    a = {c: i for i, c in enumerate(sorted(COCO_CLASSES))}
    for x, y in (('skis', 'person'), ('fork', 'knife'), ('person', 'skis')):
        assert alpha[a[x], a[y]] == graph[idx[x], idx[y]]
