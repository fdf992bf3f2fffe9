"""A smaller demo set than the shared ``demo_data`` fixture: the reliability tests train in
subprocesses (kills, torchrun) on a shared 2-core machine, so each epoch must take seconds."""
import os.path as osp

import pytest


@pytest.fixture(scope='session')
def tiny_demo(tmp_path_factory):
    """16 training and 8 validation demo images of 64 px, with their label graph and embeddings
    (same keys as the shared ``demo_data`` fixture)."""
    from mmml_plugin.datasets.demo import make_demo_dataset
    from mmml_plugin.datasets.label_embeddings import build_label_embeddings_from_glove
    from mmml_plugin.datasets.label_graph import build_label_graph_from_coco

    root = tmp_path_factory.mktemp('tiny_demo')
    info = make_demo_dataset(str(root), num_train=16, num_val=8, image_size=64, seed=0)
    info['graph_file'] = osp.join(root, 'label_graph.npz')
    build_label_graph_from_coco(info['train_ann'], info['graph_file'])
    info['embedding_file'] = osp.join(root, 'label_embeddings.npz')
    build_label_embeddings_from_glove(info['word_vectors'], info['classes'],
                                      info['embedding_file'])
    return info
