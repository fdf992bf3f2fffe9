"""Checks on the embedding / graph files a model loads, and the restricted pickle loader."""
import pickle
import zipfile

import numpy as np
import pytest

from mmml_plugin.utils import (UnsafePickleError, load_label_embeddings, load_label_graph,
                               safe_load_pickle)
from mmml_plugin.utils.label_files import load_npy, reorder_by_names

CLASSES = ['cat', 'dog', 'oven']


def _emb(tmp_path, embeddings, classes=CLASSES, name='emb.npz'):
    path = str(tmp_path / name)
    np.savez(path,
             embeddings=np.asarray(embeddings, np.float32),
             classes=np.array(classes, dtype=str))
    return path


def _graph(tmp_path, adj, classes=CLASSES, name='graph.npz'):
    path = str(tmp_path / name)
    np.savez(path, adj=np.asarray(adj, np.float32), classes=np.array(classes, dtype=str))
    return path


def test_valid_files_load(tmp_path):
    emb = load_label_embeddings(_emb(tmp_path, np.ones((3, 4))), CLASSES)
    assert emb.shape == (3, 4) and emb.dtype == np.float32
    assert load_label_graph(_graph(tmp_path, np.eye(3)), CLASSES).shape == (3, 3)
    npy = str(tmp_path / 'g.npy')
    np.save(npy, np.eye(3))
    with pytest.warns(UserWarning, match='g.npy: a bare .npy holds no class names'):
        assert load_label_graph(npy, CLASSES).dtype == np.float32  # no names, no name check


def test_plain_npy_loader_refuses_pickles(tmp_path):
    npy = str(tmp_path / 'vectors.npy')
    np.save(npy, np.array([{'x': 1}], dtype=object), allow_pickle=True)
    for read in (load_npy, load_label_embeddings, load_label_graph):
        with pytest.raises(ValueError, match='vectors.npy: not a plain numpy array'):
            read(npy)


def test_reorder_by_names():
    m = np.arange(9).reshape(3, 3)
    out = reorder_by_names(m, ['a', 'b', 'c'], ['c', 'a', 'b'], 'm.npy', square=True)
    assert out[0, 1] == m[2, 0] and out[1, 2] == m[0, 1]  # rows and columns moved together
    rows = reorder_by_names(m, ['a', 'b', 'c'], ['c', 'a', 'b'], 'm.npy')
    assert rows[:, 0].tolist() == [6, 0, 3]
    with pytest.raises(ValueError, match=r"m.npy: .*missing \['d'\], extra \['c'\]"):
        reorder_by_names(m, ['a', 'b', 'c'], ['a', 'b', 'd'], 'm.npy')
    with pytest.raises(ValueError, match=r'm.npy: expected a \(2, 2\) matrix'):
        reorder_by_names(m, ['a', 'b'], ['a', 'b'], 'm.npy', square=True)


def test_missing_file_names_file_and_tool(tmp_path):
    with pytest.raises(FileNotFoundError, match='nope.npz: file not found.*build_label_graph'):
        load_label_graph(str(tmp_path / 'nope.npz'))
    with pytest.raises(FileNotFoundError, match='e.npz: file not found.*build_label_embeddings'):
        load_label_embeddings(str(tmp_path / 'e.npz'))


@pytest.mark.parametrize('bad, match', [
    (np.ones((2, 4)), r'has 2 classes but the dataset has 3'),
    (np.ones(3), r'must be a 2-D array'),
    (np.array([[1, np.nan], [0, 1], [1, 1]]), r'NaN or inf'),
    (np.array([[1, np.inf], [0, 1], [1, 1]]), r'NaN or inf'),
    (np.array([[1, 1], [0, 0], [1, 1]]), r"all-zero embedding for classes \['dog'\]"),
])
def test_bad_embeddings(tmp_path, bad, match):
    classes = CLASSES[:len(bad)] if np.ndim(bad) == 2 else CLASSES
    path = _emb(tmp_path, bad, classes if np.ndim(bad) == 2 else CLASSES[:1])
    with pytest.raises(ValueError, match=match) as e:
        load_label_embeddings(path, CLASSES)
    assert 'emb.npz' in str(e.value)


@pytest.mark.parametrize('bad, match', [
    (np.ones((3, 2)), r'must be square'),
    (np.ones((2, 2)), r'has 2 classes but the dataset has 3'),
    (np.array([[0, -0.5, 0], [0, 0, 0], [0, 0, 0]]), r'negative entries'),
    (np.full((3, 3), np.nan), r'NaN or inf'),
])
def test_bad_graphs(tmp_path, bad, match):
    path = _graph(tmp_path, bad, CLASSES[:len(bad)])
    with pytest.raises(ValueError, match=match) as e:
        load_label_graph(path, CLASSES)
    assert 'graph.npz' in str(e.value)


def test_class_names_must_match_the_dataset(tmp_path):
    path = _emb(tmp_path, np.ones((3, 2)), ['dog', 'cat', 'oven'])
    with pytest.raises(ValueError, match='different order') as e:
        load_label_embeddings(path, CLASSES, classes_source='instances_train2014.json')
    assert 'emb.npz' in str(e.value) and 'instances_train2014.json' in str(e.value)
    path = _graph(tmp_path, np.eye(3), ['cat', 'dog', 'sofa'])
    with pytest.raises(ValueError, match=r"missing from the file: \['oven'\].*\['sofa'\]"):
        load_label_graph(path, CLASSES)


def test_damaged_or_foreign_files(tmp_path):
    path = _graph(tmp_path, np.eye(3))
    data = open(path, 'rb').read()
    with open(path, 'wb') as f:
        f.write(data[:len(data) // 2])
    with pytest.raises(ValueError, match='graph.npz: unreadable.*Rebuild'):
        load_label_graph(path, CLASSES)
    assert not zipfile.is_zipfile(path)
    obj = str(tmp_path / 'obj.npz')
    np.savez(obj, adj=np.eye(3), classes=np.array(CLASSES, dtype=object))
    with pytest.raises(ValueError, match='obj.npz: unreadable.*never unpickled'):
        load_label_graph(obj, CLASSES)
    no_key = str(tmp_path / 'nokey.npz')
    np.savez(no_key, weights=np.eye(3))
    with pytest.raises(KeyError, match='nokey.npz: no "adj" array'):
        load_label_graph(no_key)
    pkl = str(tmp_path / 'coco_adj.pkl')
    with open(pkl, 'wb') as f:
        pickle.dump(np.eye(3), f)
    with pytest.raises(ValueError, match='coco_adj.pkl: .pkl files are not read directly'):
        load_label_graph(pkl)


def test_safe_pickle_reads_plain_numpy_data(tmp_path):
    path = str(tmp_path / 'ok.pkl')
    obj = {'adj': np.arange(6).reshape(2, 3), 'nums': [np.int64(3), 2.5, 'x'], 't': (1, None)}
    with open(path, 'wb') as f:
        pickle.dump(obj, f, protocol=pickle.HIGHEST_PROTOCOL)
    loaded = safe_load_pickle(path)
    assert np.array_equal(loaded['adj'], obj['adj']) and loaded['nums'][0] == 3
    with open(path, 'wb') as f:
        pickle.dump(np.ones((2, 2), np.float32), f, protocol=2)
    assert safe_load_pickle(path).dtype == np.float32


def test_safe_pickle_refuses_code(tmp_path):
    marker = tmp_path / 'ran'
    for i, payload in enumerate([
            b'cos\nsystem\n(V' + f'touch {marker}'.encode() + b'\ntR.',
            b'cbuiltins\nexec\n(Vopen(' + repr(str(marker)).encode() + b", 'w')\ntR.",
            pickle.dumps(zipfile.ZipFile),  # any other class, harmless or not
    ]):
        path = tmp_path / f'evil{i}.pkl'
        path.write_bytes(payload)
        with pytest.raises(UnsafePickleError, match=f'evil{i}.pkl: refusing to unpickle'):
            safe_load_pickle(str(path))
    assert not marker.exists()
