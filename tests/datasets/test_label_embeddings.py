"""Class embeddings: the GloVe text reader, aliases, and the importers of the real ML-GCN /
SSGRL files (orders checked by meaning)."""
import numpy as np
import pytest

from mmml_plugin.datasets import COCO_CLASSES, VOC_CLASSES
from mmml_plugin.datasets.label_file_builders import (build_label_embeddings_from_glove,
                                                      class_words, read_word_vectors,
                                                      ssgrl_source_classes)
from mmml_plugin.utils import load_label_embeddings
from mmml_plugin.utils.label_files import import_embeddings


def _cos(emb, classes, a, b):
    x, y = emb[list(classes).index(a)], emb[list(classes).index(b)]
    return float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))


@pytest.fixture()
def tiny_glove(tmp_path):
    lines = [
        'the 0.1 0.2 0.3',
        'Dining 9 9 9',  # a capitalised variant comes first ...
        'dining 1 0 0',  # ... but the exact lowercase match wins
        'table 0 1 0',
        '. . . 5 5 5',  # GloVe 840B has tokens with spaces
        'Traffic 0 0 4',  # only a capitalised form exists: used
        'light 0 2 0',
        'tv 1 1 1',
        'monitor 3 3 3',
        'cat 1 0 1',
    ]
    path = tmp_path / 'glove.tiny.3d.txt'
    path.write_text('\n'.join(lines) + '\n')
    return str(path)


def test_reader_exact_then_case_insensitive(tiny_glove):
    vectors = read_word_vectors(tiny_glove, ['dining', 'traffic', 'cat', 'zebra'])
    assert sorted(vectors) == ['cat', 'dining', 'traffic']
    np.testing.assert_array_equal(vectors['dining'], [1, 0, 0])
    np.testing.assert_array_equal(vectors['traffic'], [0, 0, 4])
    assert vectors['cat'].dtype == np.float32


def test_word2vec_header_is_skipped(tmp_path):
    path = tmp_path / 'w2v.txt'
    path.write_text('2 3\ncat 1 2 3\ndog 4 5 6\n')
    assert read_word_vectors(str(path), ['cat', 'dog'])['dog'].tolist() == [4, 5, 6]


def test_multi_word_names_and_aliases(tiny_glove, tmp_path):
    assert class_words('diningtable') == ['dining', 'table']
    assert class_words('tvmonitor') == ['tv', 'monitor']
    assert class_words('traffic light') == ['traffic', 'light']
    out = str(tmp_path / 'emb.npz')
    classes = ['diningtable', 'traffic light', 'tvmonitor', 'kitty']
    emb = build_label_embeddings_from_glove(tiny_glove, classes, out, aliases={'kitty': 'cat'})
    np.testing.assert_allclose(emb[0], [0.5, 0.5, 0])  # mean of dining, table
    np.testing.assert_allclose(emb[1], [0, 1, 2])
    np.testing.assert_allclose(emb[2], [2, 2, 2])
    np.testing.assert_allclose(emb[3], [1, 0, 1])
    np.testing.assert_array_equal(load_label_embeddings(out, classes), emb)


def test_missing_names_are_listed(tiny_glove):
    with pytest.raises(ValueError) as e:
        build_label_embeddings_from_glove(tiny_glove, ['cat', 'hot dog', 'zebra'])
    msg = str(e.value)
    assert 'glove.tiny.3d.txt' in msg and "'hot dog': ['hot', 'dog']" in msg
    assert "'zebra': ['zebra']" in msg and "'cat'" not in msg and '--alias' in msg
    with pytest.raises(FileNotFoundError, match='nope.txt: word-vector file not found'):
        read_word_vectors('nope.txt', ['cat'])


def test_demo_word_vectors_give_scene_structure(demo_data):
    from mmml_plugin.datasets.demo_digits import DEMO_SCENES
    emb = load_label_embeddings(demo_data['embedding_file'], demo_data['classes'])
    assert emb.shape == (10, 50)
    unit = emb / np.linalg.norm(emb, axis=1, keepdims=True)
    sim = unit @ unit.T
    same = [sim[a, b] for s in DEMO_SCENES for a in s for b in s if a != b]
    other = [
        sim[a, b] for a in range(10) for b in range(10)
        if not any(a in s and b in s for s in DEMO_SCENES)
    ]
    assert np.mean(same) > np.mean(other) + 0.3


def test_import_ml_gcn_coco_alphabetical(shared_data_dir, tmp_path):
    pkl = str(shared_data_dir / 'coco_glove_word2vec.pkl')
    out = str(tmp_path / 'coco_mlgcn.npz')
    emb = import_embeddings(pkl, sorted(COCO_CLASSES), COCO_CLASSES, out)
    assert emb.shape == (80, 300)
    assert _cos(emb, COCO_CLASSES, 'cat', 'dog') > _cos(emb, COCO_CLASSES, 'cat', 'oven') + 0.3
    assert _cos(emb, COCO_CLASSES, 'fork', 'knife') > _cos(emb, COCO_CLASSES, 'fork', 'giraffe')
    # read in the wrong order, the same file loses that meaning
    wrong = import_embeddings(pkl, COCO_CLASSES)
    assert _cos(wrong, COCO_CLASSES, 'cat', 'dog') < 0.3
    assert load_label_embeddings(out, COCO_CLASSES).shape == (80, 300)
    with pytest.raises(ValueError, match='coco_mlgcn.npz: class embeddings has 80 classes'):
        load_label_embeddings(out, VOC_CLASSES)


def test_import_ssgrl_vectors_category_id_order(shared_data_dir, tmp_path):
    order = ssgrl_source_classes(str(shared_data_dir / 'ssgrl_coco_category.json'))
    assert order == list(COCO_CLASSES)  # rows follow category ids
    emb = import_embeddings(str(shared_data_dir / 'ssgrl_coco_vectors.npy'), order, COCO_CLASSES,
                            str(tmp_path / 'ssgrl.npz'))
    assert emb.dtype == np.float32
    assert _cos(emb, COCO_CLASSES, 'cat', 'dog') > _cos(emb, COCO_CLASSES, 'cat', 'oven') + 0.3
    # a different embedding from ML-GCN's: the importer must not mix them up
    mlgcn = import_embeddings(str(shared_data_dir / 'coco_glove_word2vec.pkl'),
                              sorted(COCO_CLASSES), COCO_CLASSES)
    assert not np.allclose(emb, mlgcn, atol=1e-2)
    # reordering by name: another target order gives the same vector per name
    alpha = import_embeddings(str(shared_data_dir / 'ssgrl_coco_vectors.npy'), order,
                              sorted(COCO_CLASSES))
    np.testing.assert_array_equal(alpha[sorted(COCO_CLASSES).index('cat')],
                                  emb[COCO_CLASSES.index('cat')])


def test_import_ml_gcn_voc(shared_data_dir):
    emb = import_embeddings(str(shared_data_dir / 'voc_glove_word2vec.pkl'), VOC_CLASSES)
    assert emb.shape == (20, 300)
    assert _cos(emb, VOC_CLASSES, 'cat', 'dog') > _cos(emb, VOC_CLASSES, 'cat', 'tvmonitor') + 0.3
    with pytest.raises(ValueError, match=r'voc_glove_word2vec.pkl: 20 rows but 80 source'):
        import_embeddings(str(shared_data_dir / 'voc_glove_word2vec.pkl'), COCO_CLASSES)


def test_import_refuses_bad_arrays(tmp_path):
    npy = str(tmp_path / 'vectors.npy')
    np.save(npy, np.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match='vectors.npy: contains NaN or inf'):
        import_embeddings(npy, ['a'])
    np.save(npy, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"missing \['c'\]"):
        import_embeddings(npy, ['a', 'b'], ['a', 'c'])
