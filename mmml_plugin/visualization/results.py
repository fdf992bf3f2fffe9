"""Readers for what a test run leaves behind.

* ``tools/test.py CONFIG CKPT --out metrics.json`` writes ``{"metrics": {...}, "config": ...,
  "checkpoint": ...}`` (:func:`mmml_plugin.apis.train_test.write_results_json`).
* ``tools/test.py CONFIG CKPT --dump preds.pkl`` writes one dict per test image (mmengine's
  ``DumpResults``) with ``pred_score`` (C,) and ``gt_label`` (class indices) or ``gt_score`` (C,);
  VOC samples may carry ``gt_label_difficult``.
* class names travel in the label-graph/embedding ``.npz`` files (``classes``) or a text file with
  one name per line.
"""
import json
import os.path as osp
import pickle
from typing import List, Optional, Sequence, Tuple

import numpy as np

from mmml_plugin.evaluation.functional import UNDEFINED_AP, average_precision
from .per_class_ap import undefined_as_nan


def load_test_metrics(path: str) -> dict:
    """Read the metrics of a ``tools/test.py --out`` JSON file (a bare metrics dict works too).

    Returns:
        dict: metric name -> value (floats, or lists for class-wise results).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: results file not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --out results.json`.')
    with open(path) as f:
        try:
            data = json.load(f)
        except json.JSONDecodeError as e:
            raise ValueError(f'{path}: not valid JSON ({e}); expected the file written by '
                             '`tools/test.py --out`.') from None
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object of metrics, got {type(data).__name__}.')
    metrics = data.get('metrics', data)
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError(f'{path}: no metrics found; expected {{"metrics": {{...}}}}.')
    return metrics


def short_metric_name(key: str) -> str:
    """``'multi-label/mAP'`` -> ``'mAP'`` (the evaluator prefixes every metric)."""
    return key.rsplit('/', 1)[-1]


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, 'detach'):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def load_predictions(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Read the per-image predictions dumped by ``tools/test.py --dump preds.pkl``.

    Only load dumps you made yourself: like every pickle, the file can run code when read.

    Returns:
        tuple: ``scores`` (N, C) float64 and ``targets`` (N, C) int64 with 1 positive,
        0 negative and -1 ignored (VOC "difficult").
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: prediction dump not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --dump preds.pkl`.')
    with open(path, 'rb') as f:
        samples = pickle.load(f)
    if not isinstance(samples, list) or not samples:
        raise ValueError(f'{path}: expected a non-empty list of per-image predictions.')
    if 'pred_score' not in samples[0]:
        raise KeyError(f'{path}: samples have no "pred_score" (keys: {sorted(samples[0])}); this '
                       'is not a multi-label classification dump.')
    scores = np.stack([_to_numpy(s['pred_score']).astype(np.float64) for s in samples])
    num_classes = scores.shape[1]
    targets = np.zeros(scores.shape, dtype=np.int64)
    for i, sample in enumerate(samples):
        if 'gt_score' in sample:
            targets[i] = (_to_numpy(sample['gt_score']) > 0).astype(np.int64)
        elif 'gt_label' in sample:
            targets[i, _to_numpy(sample['gt_label']).astype(np.int64).reshape(-1)] = 1
        else:
            raise KeyError(f'{path}: sample {i} has neither "gt_label" nor "gt_score".')
        difficult = sample.get('gt_label_difficult')
        if difficult is not None and len(difficult):
            idx = _to_numpy(difficult).astype(np.int64).reshape(-1)
            # difficult labels are ignored, unless the class is also a plain positive.
            targets[i, idx[targets[i, idx] == 0]] = -1
    if not np.isfinite(scores).all():
        raise ValueError(f'{path}: predictions contain NaN or inf.')
    return scores, targets


def per_class_ap(scores: np.ndarray, targets: np.ndarray, mode: str = 'sklearn') -> np.ndarray:
    """Per-class AP in percent with the plugin's metric; NaN marks classes without positives.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) 1 / 0 / -1 (ignored).
        mode (str): ``'sklearn'``, ``'voc'`` or ``'voc11'``.

    Returns:
        np.ndarray: (C,) float64.
    """
    ap = average_precision(scores, targets, mode=mode)
    return np.where(ap == UNDEFINED_AP, np.nan, 100.0 * ap)


def load_class_names(path: Optional[str], num_classes: int) -> List[str]:
    """Class names from a label ``.npz`` (``classes``), a text file, or ``class_<i>`` if None."""
    if path is None:
        return [f'class_{i}' for i in range(num_classes)]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: class-name file not found; pass the label graph .npz '
                                'or a text file with one class name per line.')
    if path.endswith('.npz'):
        with np.load(path, allow_pickle=False) as f:
            if 'classes' not in f.files:
                raise KeyError(f'{path}: no "classes" array; rebuild it with tools/misc/.')
            names = [str(n) for n in f['classes']]
    else:
        with open(path) as f:
            names = [line.strip() for line in f if line.strip()]
    if len(names) != num_classes:
        raise ValueError(f'{path}: holds {len(names)} class names but the results have '
                         f'{num_classes} classes.')
    return names


def per_class_ap_from_metrics(metrics: dict, path: str = 'metrics') -> np.ndarray:
    """The class-wise AP list of a metrics dict (the metric run with ``classwise=True``)."""
    for key, value in metrics.items():
        if short_metric_name(key) in CLASSWISE_AP_KEYS and isinstance(value, (list, tuple)):
            return np.asarray(value, dtype=np.float64)
    raise KeyError(f'{path}: no class-wise AP in the metrics (keys: {sorted(metrics)}); evaluate '
                   'with `--cfg-options test_evaluator.classwise=True` or use a `--dump` .pkl.')


#: Key of the per-class AP list that ``MultiLabelMAP(classwise=True)`` reports (-1: no positives).
CLASSWISE_AP_KEYS: Sequence[str] = ('AP_classwise', )


def load_per_class_ap(path: str, mode: str = 'sklearn') -> np.ndarray:
    """Per-class AP in percent (NaN: no positives) from a ``--dump`` .pkl or a ``--out`` JSON.

    A .pkl is scored here with the plugin's metric in ``mode``; a JSON must hold the class-wise
    AP the metric reports with ``classwise=True``.
    """
    if path.endswith(('.pkl', '.pickle')):
        return per_class_ap(*load_predictions(path), mode=mode)
    return undefined_as_nan(per_class_ap_from_metrics(load_test_metrics(path), path))
