"""Shared fixtures: the generated demo dataset (with its label graph and embeddings) and the
real reference files of ../shared/data."""
import os
import os.path as osp
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    candidates = [os.environ.get('MMML_SHARED_DATA'), REPO_ROOT.parent / 'shared' / 'data',
                  '/work/shared/data']
    for c in candidates:
        if c and (Path(c) / 'coco_adj.pkl').is_file():
            return Path(c)
    raise FileNotFoundError(
        'reference data not found: set MMML_SHARED_DATA to the folder holding coco_adj.pkl '
        f'(looked in {candidates}).')


@pytest.fixture(scope='session')
def shared_data_dir() -> Path:
    return _shared_data_dir()


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture(scope='session')
def demo_data(tmp_path_factory):
    """A small demo set in COCO instances format, plus its label graph and class embeddings.

    Returns the dict of :func:`mmml_plugin.datasets.demo.make_demo_dataset` with two more keys,
    ``graph_file`` and ``embedding_file``.
    """
    from mmml_plugin.datasets.demo import make_demo_dataset
    from mmml_plugin.datasets.label_embeddings import build_label_embeddings_from_glove
    from mmml_plugin.datasets.label_graph import build_label_graph_from_coco

    root = tmp_path_factory.mktemp('demo')
    info = make_demo_dataset(str(root), num_train=48, num_val=24, image_size=128, seed=0)
    info['graph_file'] = osp.join(root, 'label_graph.npz')
    build_label_graph_from_coco(info['train_ann'], info['graph_file'])
    info['embedding_file'] = osp.join(root, 'label_embeddings.npz')
    build_label_embeddings_from_glove(info['word_vectors'], info['classes'],
                                      info['embedding_file'])
    return info
