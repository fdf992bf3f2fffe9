"""A smaller demo set than the shared ``demo_data`` fixture: the reliability tests train in
subprocesses (kills, torchrun) on a shared 2-core machine, so each epoch must take seconds."""
import pytest


@pytest.fixture(scope='session')
def tiny_demo(tmp_path_factory):
    """16 training and 8 validation demo images of 64 px, with their label graph and embeddings
    (same keys as the shared ``demo_data`` fixture)."""
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    root = tmp_path_factory.mktemp('tiny_demo')
    return prepare_demo_data(str(root), num_train=16, num_val=8, image_size=64)
