"""``--cfg-options data_root=X`` moves every path the config derived from its ``data_root``.

A config file computes its paths when it is read (``ann_file=data_root + 'annotations/...'``,
``graph_file=data_root + 'label_graph.npz'``), so overriding ``data_root`` afterwards changes
nothing but the variable itself: mmpretrain's and mmdet's ``tools/train.py`` (what ``mim train``
runs) would still read the old folder. :func:`reroot_data` compares the merged config with the
config file as written and moves every string that still has the file's value and starts with
the file's ``data_root``. It is called by :func:`mmml_plugin.apis.train_test.load_config` and by
``MMMLRunner.from_cfg`` (so it also works under ``mim train/test``), and is idempotent: a path
already moved no longer equals the file's value.
"""
import os.path as osp
from typing import Optional

from mmengine.config import Config


def _walk(merged, original, old_root: str, new_root: str) -> int:
    moved = 0
    if isinstance(merged, dict) and isinstance(original, dict):
        pairs = [(k, original[k]) for k in merged if k in original]
    elif isinstance(merged, list) and isinstance(original, (list, tuple)) \
            and len(merged) == len(original):
        pairs = list(enumerate(original))
    else:
        return 0
    for key, before in pairs:
        value = merged[key]
        if isinstance(value, str):
            if value == before and value.startswith(old_root):
                merged[key] = new_root + value[len(old_root):]
                moved += 1
        elif isinstance(value, tuple) and isinstance(before, (list, tuple)):
            as_list = list(value)
            moved += _walk(as_list, list(before), old_root, new_root)
            merged[key] = type(value)(as_list)
        else:
            moved += _walk(value, before, old_root, new_root)
    return moved


def reroot_data(cfg: Config, original: Optional[Config] = None) -> int:
    """Move the paths derived from the config file's ``data_root`` to ``cfg.data_root`` (in place).

    Args:
        cfg (Config): the config after ``--cfg-options`` were merged.
        original (Config, optional): the config as read from its file, before the overrides;
            read again from ``cfg.filename`` when None.

    Returns:
        int: how many paths were moved (0 when ``data_root`` is unchanged or absent).
    """
    if original is None:
        if not cfg.filename or not osp.isfile(cfg.filename):
            return 0
        original = Config.fromfile(cfg.filename)
    old_root, new_root = original.get('data_root'), cfg.get('data_root')
    if not isinstance(old_root, str) or not isinstance(new_root, str) or not old_root \
            or new_root == old_root:
        return 0
    if old_root.endswith('/') and not new_root.endswith('/'):
        new_root += '/'
    moved = 0
    for key in list(cfg.keys()):
        if key == 'data_root' or key not in original:
            continue
        value, before = cfg[key], original[key]
        if isinstance(value, str):
            if value == before and value.startswith(old_root):
                cfg[key] = new_root + value[len(old_root):]
                moved += 1
        else:
            moved += _walk(value, before, old_root, new_root)
    cfg.data_root = new_root
    return moved
