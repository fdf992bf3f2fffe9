"""The demo data set of ``make demo``: the demo digits, their label graph and class embeddings,
written where the demo configs read them.

The file names are those of the demo configs (``configs/demo/ssgrl_r18_demo.py``: the head's
``graph_file`` and ``embedding_file`` under ``data_root``), read from the config, never repeated
here.
"""
import os.path as osp
from typing import Dict

from mmml_plugin.utils.paths import get_config_file

from .demo_digits import SCENE_PURITY, make_demo_dataset, make_digit_classification_set
from .label_file_builders import build_label_embeddings_from_glove, build_label_graph_from_coco

#: The demo config whose label files the demo data provides (the ResNet baseline reads none).
DEMO_LABEL_CONFIG = 'demo/ssgrl_r18_demo.py'


def config_data_file(cfg, path: str, data_root: str) -> str:
    """``path`` of a config, moved from the config's ``data_root`` to ``data_root``.

    Args:
        cfg (mmengine.Config): the loaded config (its ``data_root`` prefixes ``path``).
        path (str): a file the config names under its ``data_root``.
        data_root (str): where the data is.

    Returns:
        str: ``data_root/<path relative to cfg.data_root>``.

    Raises:
        ValueError: ``path`` is not under the config's ``data_root``.
    """
    root = cfg.data_root.rstrip('/') + '/'
    if not path.startswith(root):
        raise ValueError(f'{cfg.filename}: {path!r} is not under data_root {root!r}; the demo '
                         'configs name their data files as data_root + name.')
    return osp.join(data_root, path[len(root):])


def demo_label_files(data_root: str, config: str = DEMO_LABEL_CONFIG) -> Dict[str, str]:
    """Where the demo config reads its label files, under ``data_root``.

    Args:
        data_root (str): the demo data root.
        config (str): the config under ``configs/``. Defaults to :data:`DEMO_LABEL_CONFIG`.

    Returns:
        dict: ``graph_file`` and ``embedding_file``.
    """
    from mmengine.config import Config
    cfg = Config.fromfile(get_config_file(config))
    return {
        key: config_data_file(cfg, cfg.model.head[key], data_root)
        for key in ('graph_file', 'embedding_file')
    }


def prepare_demo_data(data_root: str,
                      num_train: int,
                      num_val: int,
                      image_size: int = 128,
                      seed: int = 0,
                      scene_purity: float = SCENE_PURITY,
                      num_digit_images: int = 0) -> dict:
    """Write the demo images and annotations, the label graph and the class embeddings.

    Args:
        data_root (str): output folder.
        num_train (int): multi-digit training images.
        num_val (int): multi-digit validation images.
        image_size (int): image side in pixels.
        seed (int): seed of everything generated.
        scene_purity (float): see :func:`~mmml_plugin.datasets.demo_digits.make_demo_dataset`.
        num_digit_images (int): single-digit images for the pretraining stage (0: none).

    Returns:
        dict: the dict of :func:`~mmml_plugin.datasets.demo_digits.make_demo_dataset` plus
        ``graph_file``, ``embedding_file`` (where :data:`DEMO_LABEL_CONFIG` reads them) and, with
        ``num_digit_images``, ``digits`` (the dict of
        :func:`~mmml_plugin.datasets.demo_digits.make_digit_classification_set`).
    """
    info = make_demo_dataset(data_root,
                             num_train=num_train,
                             num_val=num_val,
                             image_size=image_size,
                             seed=seed,
                             scene_purity=scene_purity)
    info.update(demo_label_files(data_root))
    build_label_graph_from_coco(info['train_ann'], info['graph_file'])
    build_label_embeddings_from_glove(info['word_vectors'], info['classes'], info['embedding_file'])
    if num_digit_images:
        info['digits'] = make_digit_classification_set(data_root, num_digit_images, image_size,
                                                       seed)
    return info
