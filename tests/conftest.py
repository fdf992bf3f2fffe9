"""Shared fixtures: the generated demo dataset (with its label graph and embeddings) and the
real reference files of ../shared/data."""
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    candidates = [
        os.environ.get('MMML_SHARED_DATA'), REPO_ROOT.parent / 'shared' / 'data',
        '/work/shared/data'
    ]
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

    See :func:`mmml_plugin.apis.demo_pipeline.prepare_demo_data` for the keys.
    """
    from mmml_plugin.apis.demo_pipeline import prepare_demo_data
    root = tmp_path_factory.mktemp('demo')
    return prepare_demo_data(str(root), num_train=48, num_val=24, image_size=128)
