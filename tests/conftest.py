"""Shared fixtures: the generated demo dataset (with its label graph and embeddings), the real
reference files of ../shared/data, stand-in label files for the heads, and the tools as modules.

Selection by what is installed: tests that need the ``det`` extra (mmdet, mmcv's compiled ops)
carry the ``det`` marker (setup.cfg). A classification-only install runs ``pytest -m "not det"``;
there, modules marked ``det`` as a whole (``pytestmark = pytest.mark.det``) are not imported, and
selecting a ``det`` test without mmdet is a usage error naming the fix, never a skip.
"""
import importlib.util
import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DET_MODULE_MARK = 'pytestmark = pytest.mark.det'
DET_MISSING = ('need the det extra (mmdet and mmcv with compiled ops), which is not installed '
               'here: run `pytest -m "not det"` for the classification tests, or install it '
               '(`pip install -e .[det]`, or tools/setup_env.sh; docs/install.md)')


def _mmdet_installed() -> bool:
    return importlib.util.find_spec('mmdet') is not None


def _det_selected(config) -> bool:
    """Whether ``-m`` lets a test marked ``det`` run (True without ``-m``)."""
    markexpr = config.getoption('markexpr')
    if not markexpr:
        return True
    from _pytest.mark.expression import Expression  # pytest's own parser of -m
    return Expression.compile(markexpr).evaluate(lambda name, **kwargs: name == 'det')


def pytest_ignore_collect(collection_path, config):
    """Without mmdet and with ``det`` deselected, do not import modules marked ``det`` as a whole
    (they import mmdet at module level; ``-m`` would deselect all their tests anyway)."""
    if (collection_path.suffix == '.py' and collection_path.name.startswith('test_')
            and not _mmdet_installed() and not _det_selected(config)
            and DET_MODULE_MARK in collection_path.read_text()):
        return True
    return None


@pytest.hookimpl(trylast=True)  # after -m has deselected
def pytest_collection_modifyitems(config, items):
    """Refuse to run ``det`` tests where mmdet is not installed, naming the fix."""
    if _mmdet_installed():
        return
    det = [item.nodeid for item in items if item.get_closest_marker('det')]
    if det:
        raise pytest.UsageError(f'{len(det)} selected tests (e.g. {det[0]}) {DET_MISSING}')


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

    See :func:`mmml_plugin.datasets.demo_data.prepare_demo_data` for the keys.
    """
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    root = tmp_path_factory.mktemp('demo')
    return prepare_demo_data(str(root), num_train=48, num_val=24, image_size=128)


@pytest.fixture(scope='session')
def five_class_label_files(tmp_path_factory):
    """Stand-in label files for heads with C = 5 classes: random 8-d class embeddings and random
    symmetric co-occurrence counts (``embedding_file``, ``graph_file``, ``classes``)."""
    import numpy as np
    folder = tmp_path_factory.mktemp('five_class_label_files')
    rng = np.random.default_rng(0)
    classes = np.array([f'class_{i}' for i in range(5)])
    counts = rng.integers(1, 20, size=(5, 5))
    counts = np.triu(counts) + np.triu(counts, 1).T
    np.fill_diagonal(counts, counts.sum(1) + 1)
    adj = (counts / counts.diagonal()[:, None]).astype(np.float32)
    np.fill_diagonal(adj, 0)
    emb, graph = str(folder / 'emb.npz'), str(folder / 'graph.npz')
    np.savez(emb, embeddings=rng.normal(size=(5, 8)).astype(np.float32), classes=classes)
    np.savez(graph, adj=adj, counts=counts.astype(np.int64), classes=classes)
    return dict(embedding_file=emb, graph_file=graph, classes=list(classes))


def write_stand_in_label_files(folder,
                               num_classes,
                               embed_dims=300,
                               seed=0,
                               prefix='',
                               classes=None):
    """Stand-in label files to exercise the heads: random embeddings and a random graph.

    Args:
        folder (str): where to write ``{prefix}emb{C}.npz`` and ``{prefix}graph{C}.npz``.
        num_classes (int): C; the classes are named ``class_0`` ... ``class_{C-1}``.
        embed_dims (int): E. Defaults to 300.
        seed (int): random seed. Defaults to 0.
        prefix (str): file name prefix. Defaults to ''.
        classes (Sequence[str], optional): the class names to store; default ``class_0`` ...

    Returns:
        dict: ``embedding_file``, ``graph_file`` and ``classes``.
    """
    import numpy as np
    rng = np.random.default_rng(seed)
    if classes is None:
        classes = [f'class_{i}' for i in range(num_classes)]
    if len(classes) != num_classes:
        raise ValueError(f'{len(classes)} class names for num_classes={num_classes}.')
    classes = np.array([str(c) for c in classes])
    counts = rng.integers(0, 20, size=(num_classes, num_classes))
    counts = np.triu(counts) + np.triu(counts, 1).T
    np.fill_diagonal(counts, counts.sum(1) + 1)
    adj = (counts / counts.diagonal()[:, None]).astype(np.float32)
    np.fill_diagonal(adj, 0)
    emb_file = f'{folder}/{prefix}emb{num_classes}.npz'
    graph_file = f'{folder}/{prefix}graph{num_classes}.npz'
    np.savez(emb_file,
             embeddings=rng.normal(size=(num_classes, embed_dims)).astype(np.float32),
             classes=classes)
    np.savez(graph_file, adj=adj, counts=counts.astype(np.int64), classes=classes)
    return dict(embedding_file=emb_file, graph_file=graph_file, classes=list(classes))


@pytest.fixture(scope='session')
def write_label_files():
    """:func:`write_stand_in_label_files`, for tests and their fixtures."""
    return write_stand_in_label_files


def load_tool_module(relative_path):
    """``tools/<relative_path>`` as a module, loaded from its file (as ``python tools/X.py``
    would run it; ``main(argv)`` is its command), without touching ``sys.path``."""
    path = REPO_ROOT / 'tools' / relative_path
    spec = importlib.util.spec_from_file_location(f'tool_{path.stem}', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def load_tool():
    """:func:`load_tool_module`, for tests that run a tool's ``main``."""
    return load_tool_module
