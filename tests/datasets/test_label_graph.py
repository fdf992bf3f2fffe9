"""Label graph: values on a hand-computed example, ML-GCN options, importers of the real
ML-GCN file, training-split guard."""
import pickle

import numpy as np
import pytest
from dataset_helpers import write_coco

from mmml_plugin.datasets import COCO_CLASSES
from mmml_plugin.datasets.label_file_builders import build_label_graph, build_label_graph_from_coco
from mmml_plugin.utils import UnsafePickleError, load_label_graph
from mmml_plugin.utils.label_files import (conditional_graph, count_cooccurrence, import_ml_gcn_adj,
                                           import_ssgrl_prob)

# Five images: {a, b}, {a, b, c}, {a}, {c}, {} -> N(a)=3, N(b)=2, N(c)=2, N(a,b)=2, N(a,c)=1,
# N(b,c)=1.
LABEL_SETS = [[0, 1], [0, 1, 2], [0], [2], []]
COUNTS = np.array([[3, 2, 1], [2, 2, 1], [1, 1, 2]])
M = np.array([
    [0, 2 / 3, 1 / 3],  # M[i, j] = N(i and j) / N(i)
    [1, 0, 1 / 2],
    [1 / 2, 1 / 2, 0]
])


def test_counts_and_graph_by_hand():
    assert np.array_equal(count_cooccurrence(LABEL_SETS, 3), COUNTS)
    np.testing.assert_allclose(conditional_graph(COUNTS), M, rtol=1e-6)
    np.testing.assert_allclose(np.diag(conditional_graph(COUNTS, diagonal=1)), 1)
    # duplicates inside an image count once
    assert np.array_equal(count_cooccurrence([[1, 1, 0]], 2), [[1, 1], [1, 1]])
    with pytest.raises(ValueError, match='out of range'):
        count_cooccurrence([[3]], 3)


def test_ml_gcn_threshold_and_reweighting():
    binary = np.array([[0, 1, 0], [1, 0, 1], [1, 1, 0]])  # M >= 0.4
    np.testing.assert_array_equal(conditional_graph(COUNTS, tau=0.4), binary)
    expected = 0.25 * binary / (binary.sum(0, keepdims=True) + 1e-6)  # column sums 2, 2, 1
    np.fill_diagonal(expected, 1)
    np.testing.assert_allclose(conditional_graph(COUNTS, diagonal=1, tau=0.4, p=0.25),
                               expected,
                               rtol=1e-5)
    assert expected[1, 2] == pytest.approx(0.25, rel=1e-5)
    with pytest.raises(ValueError, match='set tau'):
        conditional_graph(COUNTS, p=0.25)


def test_graph_from_coco_file_round_trip(tmp_path):
    # the same five images as a COCO file, categories listed out of id order
    ann = write_coco(tmp_path / 'instances_train.json', [(i + 1, f'{i}.jpg') for i in range(5)],
                     [(1, 5), (1, 9), (2, 5), (2, 9), (2, 9), (2, 11), (3, 5), (4, 11)], [(11, 'c'),
                                                                                          (5, 'a'),
                                                                                          (9, 'b')])
    out = str(tmp_path / 'graph.npz')
    result = build_label_graph_from_coco(ann, out)
    assert result['classes'] == ['a', 'b', 'c'] and result['num_images'] == 5
    np.testing.assert_allclose(load_label_graph(out, ['a', 'b', 'c']), M, rtol=1e-6)
    with np.load(out) as f:
        assert np.array_equal(f['counts'], COUNTS) and f['classes'].tolist() == ['a', 'b', 'c']
        assert int(f['num_images']) == 5
    # another class order, chosen by name
    reordered = build_label_graph_from_coco(ann, None, classes=['c', 'a', 'b'])['adj']
    np.testing.assert_allclose(reordered, M[np.ix_([2, 0, 1], [2, 0, 1])], rtol=1e-6)


def test_training_split_only(tmp_path):
    ann = write_coco(tmp_path / 'instances_val2014.json', [(1, 'a.jpg')], [(1, 1)], [(1, 'a')])
    with pytest.raises(ValueError, match='instances_val2014.json: looks like a validation'):
        build_label_graph_from_coco(ann, None)
    assert build_label_graph_from_coco(ann, None, allow_non_train=True)['num_images'] == 1
    with pytest.raises(ValueError, match='empty training split'):
        build_label_graph([[], []], ['a'], source='x.json')


def test_demo_graph_has_cooccurrence_structure(demo_data):
    from mmml_plugin.datasets.demo_digits import DEMO_SCENES
    graph = load_label_graph(demo_data['graph_file'], demo_data['classes'])
    scene = np.zeros((10, 10), bool)
    for s in DEMO_SCENES:
        scene[np.ix_(s, s)] = True
    np.fill_diagonal(scene, False)
    off = ~scene & ~np.eye(10, dtype=bool)
    assert graph[scene].mean() > 3 * graph[off].mean()


def _ml_gcn_gen_a(adj, nums, t, p):
    """ML-GCN's gen_A (util.py) on its own class order, written out for comparison."""
    a = adj / nums[:, None]
    a = (a >= t).astype(float)
    a = a * p / (a.sum(0, keepdims=True) + 1e-6)
    return a + np.identity(len(nums))


def test_import_ml_gcn_coco_adj(shared_data_dir, tmp_path):
    pkl = str(shared_data_dir / 'coco_adj.pkl')
    out = str(tmp_path / 'mlgcn.npz')
    result = import_ml_gcn_adj(pkl, sorted(COCO_CLASSES), out, COCO_CLASSES)
    graph = load_label_graph(out, COCO_CLASSES)
    counts = result['counts']
    idx = {c: i for i, c in enumerate(COCO_CLASSES)}
    assert counts[idx['person'], idx['person']] == 45174 == counts.diagonal().max()
    assert np.array_equal(counts, counts.T)
    assert graph[idx['fork'], idx['knife']] > 5 * graph[idx['fork'], idx['giraffe']]
    assert graph[idx['skis'], idx['person']] > 0.8
    # our ML-GCN options reproduce ML-GCN's own adjacency, rows matched by name
    ours = import_ml_gcn_adj(pkl,
                             sorted(COCO_CLASSES),
                             None,
                             COCO_CLASSES,
                             diagonal=1,
                             tau=0.4,
                             p=0.25)['adj']
    from mmml_plugin.utils import safe_load_pickle
    raw = safe_load_pickle(pkl)
    theirs = _ml_gcn_gen_a(raw['adj'], raw['nums'], 0.4, 0.25)
    order = [sorted(COCO_CLASSES).index(c) for c in COCO_CLASSES]
    np.testing.assert_allclose(ours, theirs[np.ix_(order, order)], atol=1e-6)


def test_import_ssgrl_prob_reorders_by_name(tmp_path):
    prob = np.array([[1.0, 0.2, 0.3], [0.4, 1.0, 0.6], [0.7, 0.8, 1.0]])
    npy = str(tmp_path / 'prob_train.npy')
    np.save(npy, prob)
    out = str(tmp_path / 'g.npz')
    adj = import_ssgrl_prob(npy, ['b', 'a', 'c'], out, ['a', 'b', 'c'])['adj']
    np.testing.assert_allclose(adj, [[1.0, 0.4, 0.6], [0.2, 1.0, 0.3], [0.8, 0.7, 1.0]])
    assert load_label_graph(out, ['a', 'b', 'c']).shape == (3, 3)
    with np.load(out) as f:
        assert 'counts' not in f.files  # unknown for imported probabilities
    np.save(npy, np.array([{'x': 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError, match='prob_train.npy: not a plain numpy array'):
        import_ssgrl_prob(npy, ['a'], None)
    np.save(npy, -prob)
    with pytest.raises(ValueError, match='finite and >= 0'):
        import_ssgrl_prob(npy, ['b', 'a', 'c'], None)
    np.save(npy, prob[:2, :2])
    with pytest.raises(ValueError, match=r'expected a \(3, 3\) matrix'):
        import_ssgrl_prob(npy, ['b', 'a', 'c'], None)


def test_crafted_adj_pickle_is_refused(tmp_path):
    marker = tmp_path / 'pwned'
    evil = tmp_path / 'evil_adj.pkl'
    # protocol-0 pickle of os.system('touch <marker>')
    evil.write_bytes(b'cos\nsystem\n(V' + f'touch {marker}'.encode() + b'\ntR.')
    with pytest.raises(UnsafePickleError, match=r'evil_adj.pkl: refusing to unpickle "os.system"'):
        import_ml_gcn_adj(str(evil), ['a', 'b'], None)
    assert not marker.exists()
    pickle.loads(evil.read_bytes())  # plain pickle really runs it
    assert marker.exists()
