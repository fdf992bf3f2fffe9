"""Per-class thresholds on disk: a JSON file that names its classes.

Written by ``tools/analysis_tools/tune_thresholds.py`` (:func:`save_thresholds`); read by
``MultiLabelMAP(thr='thresholds.json')`` and the inferencer (:func:`load_thresholds`), which
check the class names against the dataset's, so thresholds never silently land on the wrong
class::

    {"classes": ["cat", "dog"], "thresholds": [0.42, 0.61], "method": "max_f1",
     "precision": null, "tuned": [true, true], "split": "val", "source": "val.npz"}
"""
import json
import math
import os
import os.path as osp
from typing import Optional, Sequence

import numpy as np

from mmml_plugin.utils.label_files import check_class_order

TUNE_TOOL = 'python tools/analysis_tools/tune_thresholds.py VAL_DUMP.npz --out thresholds.json'


def save_thresholds(path: str, thresholds: Sequence[float], classes: Sequence[str], **info) -> str:
    """Write per-class thresholds with their class names (JSON, written atomically).

    Args:
        path (str): the ``.json`` to write (folders created).
        thresholds (Sequence[float]): (C,) finite thresholds.
        classes (Sequence[str]): (C,) class names, in score order.
        **info: more JSON-serialisable fields (``method``, ``split``, ``source``, ...).

    Returns:
        str: ``path``.
    """
    values = [float(t) for t in thresholds]
    if len(values) != len(classes):
        raise ValueError(f'{path}: {len(values)} thresholds for {len(classes)} class names.')
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f'{path}: thresholds must be finite, got {values}.')
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.tmp')
    with open(tmp, 'w') as f:
        # repr of a float64 round-trips exactly: float32 scores' values stay exact too
        json.dump(dict(classes=[str(c) for c in classes], thresholds=values, **info), f, indent=2)
    os.replace(tmp, path)
    return path


def read_threshold_file(path: str) -> dict:
    """The whole threshold file, checked: ``classes`` (C,) and ``thresholds`` (C,) finite.

    Args:
        path (str): the JSON written by :func:`save_thresholds`.

    Returns:
        dict: its fields; ``thresholds`` as a (C,) float64 array.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: threshold file not found; write one with `{TUNE_TOOL}`.')
    with open(path) as f:
        try:
            data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(
                f'{path}: not valid JSON ({e}); write it with `{TUNE_TOOL}`.') from None
    if (not isinstance(data, dict) or not isinstance(data.get('classes'), list)
            or not isinstance(data.get('thresholds'), list)):
        raise ValueError(f'{path}: expected a JSON object with "classes" and "thresholds" lists; '
                         f'write it with `{TUNE_TOOL}`.')
    try:
        values = np.asarray(data['thresholds'], dtype=np.float64)
    except (TypeError, ValueError):
        values = np.array([np.nan])
    if values.ndim != 1 or len(values) != len(data['classes']) or not np.isfinite(values).all():
        raise ValueError(f'{path}: "thresholds" must hold one finite number per class '
                         f'({len(data["classes"])} classes); write it with `{TUNE_TOOL}`.')
    data['thresholds'] = values
    return data


def load_thresholds(path: str, classes: Optional[Sequence[str]] = None) -> np.ndarray:
    """The (C,) per-class thresholds of a file, checked against the classes they will meet.

    Args:
        path (str): the JSON written by :func:`save_thresholds`.
        classes (Sequence[str], optional): the dataset's (or model's) class names, in score
            order; None skips the name check (the length is still checked where applied).

    Returns:
        np.ndarray: (C,) float64 thresholds, for ``predict_labels(scores, thr=...)`` or
        ``MultiLabelMAP(thr=...)``.
    """
    data = read_threshold_file(path)
    check_threshold_classes(data['classes'], classes, path)
    return data['thresholds']


def check_threshold_classes(file_classes: Sequence[str], classes: Optional[Sequence[str]],
                            path: str) -> None:
    """Raise unless a threshold file's classes are ``classes``, in the same order.

    Args:
        file_classes (Sequence[str]): the ``classes`` of the file.
        classes (Sequence[str], optional): the dataset's; None checks nothing.
        path (str): the file, named in the error.
    """
    check_class_order(file_classes,
                      classes,
                      path,
                      'the dataset classes',
                      fix=f'tune the thresholds for this class list: `{TUNE_TOOL}`.')
