"""Reading and writing what a test or training run leaves behind; nothing here runs code.

* ``tools/test.py CONFIG CKPT --out metrics.json``: ``{"metrics": {...}, "config": ...,
  "checkpoint": ...}`` (:func:`mmml_plugin.apis.train_test.write_results_json`), read by
  :func:`load_test_metrics`.
* ``tools/test.py CONFIG CKPT --dump preds.npz``: every test image's class scores and targets
  (:class:`~mmml_plugin.evaluation.DumpMultiLabelResults`), written by :func:`save_predictions`
  and read by :func:`load_predictions`. It is a plain ``.npz`` read with ``allow_pickle=False``:
  a pickle (``.pkl``, or a pickle under another name) is refused, never unpickled.
* ``<work_dir>/<timestamp>/vis_data/scalars.json``: mmengine's scalar log (:func:`load_scalars`).
* class names: the ``classes`` of a dump or of a label-graph/embedding ``.npz``, or a text file
  with one name per line (:func:`load_class_names`).

Per-class AP uses one "undefined" value everywhere, :data:`UNDEFINED_AP` (-1): the class has no
positive sample.
"""
import glob
import json
import os
import os.path as osp
import zipfile
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from .functional import UNDEFINED_AP, average_precision, check_scores_targets

#: Arrays of a prediction dump (``classes`` is optional).
DUMP_KEYS = ('scores', 'targets', 'img_paths')
#: Key of the per-class AP list that ``MultiLabelMAP(classwise=True)`` reports (-1: no positives).
CLASSWISE_AP_KEYS: Sequence[str] = ('AP_classwise', )
_PICKLE_SUFFIXES = ('.pkl', '.pickle', '.pth', '.pt')


def short_metric_name(key: str) -> str:
    """``'multi-label/mAP'`` -> ``'mAP'`` (the evaluator prefixes every metric)."""
    return key.rsplit('/', 1)[-1]


def load_test_metrics(path: str) -> dict:
    """Read the metrics of a ``tools/test.py --out`` JSON file (a bare metrics dict works too).

    Args:
        path (str): the JSON file.

    Returns:
        dict: metric name -> value (floats, or lists for class-wise results).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: results file not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --out results.json`.')
    with open(path) as f:
        try:
            data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{path}: not valid JSON ({e}); expected the file written by '
                             '`tools/test.py --out`.') from None
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object of metrics, got {type(data).__name__}.')
    metrics = data.get('metrics', data)
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError(f'{path}: no metrics found; expected {{"metrics": {{...}}}}.')
    return metrics


def check_dump_path(path: str) -> str:
    """``path`` if it names a ``.npz`` prediction dump; pickle names are refused.

    Args:
        path (str): where the dump goes.

    Returns:
        str: ``path``.
    """
    if not str(path).endswith('.npz'):
        raise ValueError(f'{path}: prediction dumps are .npz files (plain arrays that cannot run '
                         'code when read); use e.g. `--dump preds.npz`.')
    return path


def save_predictions(path: str,
                     scores: Sequence[np.ndarray],
                     targets: Sequence[np.ndarray],
                     classes: Optional[Sequence[str]] = None,
                     img_paths: Optional[Sequence[str]] = None,
                     split: Optional[str] = None) -> str:
    """Write a prediction dump (``.npz``, no pickled object) atomically.

    Args:
        path (str): the ``.npz`` to write (folders created).
        scores (Sequence[np.ndarray]): (N, C) scores, or N (C,) rows; float32 / float64 kept.
        targets (Sequence[np.ndarray]): (N, C) targets 1 / 0 / -1 (ignored).
        classes (Sequence[str], optional): (C,) class names.
        img_paths (Sequence[str], optional): (N,) image paths.
        split (str, optional): the dataset split of the samples (``'test'``, ``'val'``).

    Returns:
        str: ``path``.
    """
    check_dump_path(path)
    scores, targets = check_scores_targets(
        *(x if isinstance(x, np.ndarray) or not len(x) else np.stack(x) for x in (scores, targets)))
    paths = img_paths if img_paths is not None else [''] * len(scores)
    arrays = dict(scores=scores,
                  targets=targets,
                  img_paths=np.array(['' if p is None else str(p) for p in paths], dtype=str))
    if len(arrays['img_paths']) != len(scores):
        raise ValueError(f'{path}: {len(arrays["img_paths"])} image paths for {len(scores)} '
                         'samples.')
    if classes is not None:
        if len(classes) != scores.shape[1]:
            raise ValueError(f'{path}: {len(classes)} class names for {scores.shape[1]} classes; '
                             'the dataset classes and the head num_classes differ.')
        arrays['classes'] = np.array([str(c) for c in classes])
    if split is not None:
        arrays['split'] = np.array(str(split))
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = osp.join(folder, f'.{osp.basename(path)}.{os.getpid()}.tmp.npz')
    try:
        np.savez(tmp, **arrays)
        os.replace(tmp, path)  # a reader never sees half a file
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return path


def load_prediction_arrays(path: str) -> Dict[str, np.ndarray]:
    """Every array of a prediction dump, read without unpickling anything.

    Args:
        path (str): the ``.npz`` written by ``tools/test.py --dump``.

    Returns:
        dict: ``scores`` (N, C) float32/float64, ``targets`` (N, C) int8 (1 / 0 / -1),
        ``img_paths`` (N,) str and, if stored, ``classes`` (C,) str and ``split`` () str.
    """
    if str(path).endswith(_PICKLE_SUFFIXES):
        raise ValueError(f'{path}: refusing to read a pickle as a prediction dump: unpickling '
                         'can run code. Dumps are .npz files; write one with `python '
                         'tools/test.py CONFIG CHECKPOINT --dump preds.npz`.')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: prediction dump not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --dump preds.npz`.')
    try:
        f = np.load(path, allow_pickle=False)
        if not isinstance(f, np.lib.npyio.NpzFile):
            raise ValueError('a single array, not an .npz archive')
        with f:
            arrays = {k: f[k] for k in f.files}
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        reason = 'it holds pickled objects' if 'pickle' in str(e).lower() else str(e)
        raise ValueError(f'{path}: not a prediction dump ({reason}). Dumps are plain .npz '
                         'archives, read with allow_pickle=False, so pickled content is refused, '
                         'never executed; write one with `python tools/test.py CONFIG CHECKPOINT '
                         '--dump preds.npz`.') from None
    missing = [k for k in ('scores', 'targets') if k not in arrays]
    if missing:
        raise ValueError(f'{path}: no {missing} array(s) (found {sorted(arrays)}); this is not a '
                         'prediction dump; write one with `python tools/test.py CONFIG '
                         'CHECKPOINT --dump preds.npz`.')
    scores, targets = check_scores_targets(arrays['scores'], arrays['targets'])
    arrays.update(scores=scores, targets=targets)
    if 'classes' in arrays and len(arrays['classes']) != scores.shape[1]:
        raise ValueError(f'{path}: {len(arrays["classes"])} class names for {scores.shape[1]} '
                         'score columns; the file is damaged.')
    return arrays


def load_predictions(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Scores and targets of a prediction dump (``tools/test.py --dump preds.npz``).

    Args:
        path (str): the ``.npz``.

    Returns:
        tuple: ``scores`` (N, C) float32/float64 and ``targets`` (N, C) int8 with 1 positive,
        0 negative and -1 ignored (VOC "difficult", as the test metric's policy set them).
    """
    arrays = load_prediction_arrays(path)
    return arrays['scores'], arrays['targets']


def per_class_ap(scores: np.ndarray, targets: np.ndarray, mode: str = 'sklearn') -> np.ndarray:
    """Per-class AP in percent with the plugin's metric.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) 1 / 0 / -1 (ignored).
        mode (str): ``'sklearn'``, ``'voc'`` or ``'voc11'``.

    Returns:
        np.ndarray: (C,) float64, :data:`UNDEFINED_AP` (-1) for classes without positives.
    """
    ap = average_precision(scores, targets, mode=mode)
    return np.where(ap == UNDEFINED_AP, UNDEFINED_AP, 100.0 * ap)


def load_class_names(path: Optional[str], num_classes: int) -> List[str]:
    """Class names from a dump or label ``.npz`` (``classes``), a text file, or ``class_<i>``.

    Args:
        path (str, optional): the file; None gives ``class_0 .. class_<C-1>``.
        num_classes (int): C, checked against the file.

    Returns:
        list[str]: (C,) names.
    """
    if path is None:
        return [f'class_{i}' for i in range(num_classes)]
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: class-name file not found; pass the label graph .npz '
                                'or a text file with one class name per line.')
    if path.endswith('.npz'):
        with np.load(path, allow_pickle=False) as f:
            if 'classes' not in f.files:
                raise KeyError(f'{path}: no "classes" array; rebuild it with tools/misc/, or pass '
                               'a text file with one class name per line.')
            names = [str(n) for n in f['classes']]
    else:
        with open(path) as f:
            names = [line.strip() for line in f if line.strip()]
    if len(names) != num_classes:
        raise ValueError(f'{path}: holds {len(names)} class names but the results have '
                         f'{num_classes} classes.')
    return names


def per_class_ap_from_metrics(metrics: dict, path: str = 'metrics') -> np.ndarray:
    """The class-wise AP list of a metrics dict (the metric run with ``classwise=True``).

    Args:
        metrics (dict): metric name -> value.
        path (str): the file it came from, for messages.

    Returns:
        np.ndarray: (C,) AP in percent, :data:`UNDEFINED_AP` (-1) for classes without positives.
    """
    for key, value in metrics.items():
        if short_metric_name(key) in CLASSWISE_AP_KEYS and isinstance(value, (list, tuple)):
            return np.asarray(value, dtype=np.float64)
    raise KeyError(f'{path}: no class-wise AP in the metrics (keys: {sorted(metrics)}); evaluate '
                   'with `--cfg-options test_evaluator.classwise=True` or use a `--dump` .npz.')


def load_per_class_ap(path: str, mode: str = 'sklearn') -> np.ndarray:
    """Per-class AP in percent (-1: no positives) from a ``--dump`` .npz or a ``--out`` JSON.

    Args:
        path (str): a dump (scored here with the plugin's metric in ``mode``) or a metrics JSON
            holding the class-wise AP that ``MultiLabelMAP(classwise=True)`` reports.
        mode (str): AP mode used to score a dump.

    Returns:
        np.ndarray: (C,) float64.
    """
    if path.endswith('.json'):
        return per_class_ap_from_metrics(load_test_metrics(path), path)
    return per_class_ap(*load_predictions(path), mode=mode)


def dump_class_names(path: str, class_file: Optional[str], num_classes: int) -> List[str]:
    """Class names for a result file: ``class_file`` if given, else a dump's own ``classes``.

    Args:
        path (str): the dump (``.npz``) or metrics JSON.
        class_file (str, optional): a label ``.npz`` or text file (see :func:`load_class_names`).
        num_classes (int): C.

    Returns:
        list[str]: (C,) names (``class_<i>`` when neither source has them).
    """
    if class_file is None and path.endswith('.npz'):
        classes = load_prediction_arrays(path).get('classes')
        if classes is not None:
            return [str(c) for c in classes]  # checked against the scores when loaded
    return load_class_names(class_file, num_classes)


def find_scalars_file(path: str) -> str:
    """Resolve a work dir (newest run), a run folder or a ``scalars.json`` to the file itself.

    mmengine's ``LocalVisBackend`` writes ``<work_dir>/<timestamp>/vis_data/scalars.json``.

    Args:
        path (str): work dir, run folder or the file.

    Returns:
        str: the ``scalars.json``.
    """
    if osp.isfile(path):
        return path
    for pattern in ('scalars.json', 'vis_data/scalars.json', '*/vis_data/scalars.json'):
        found = sorted(glob.glob(osp.join(path, pattern)))
        if found:
            return found[-1]  # timestamped run folders sort by time
    raise FileNotFoundError(f'{path}: no vis_data/scalars.json found; pass an mmengine work dir '
                            'trained with the LocalVisBackend (the default) or the file itself.')


def load_scalars(path: str) -> List[dict]:
    """Read the JSON-lines scalar log (one dict per logging step).

    Args:
        path (str): work dir, run folder or ``scalars.json``.

    Returns:
        list[dict]: the records, in order.
    """
    scalars_file = find_scalars_file(path)
    records = []
    with open(scalars_file) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as e:
                raise ValueError(f'{scalars_file}:{n}: not a JSON line ({e}).') from None
    if not records:
        raise ValueError(f'{scalars_file}: empty scalar log; nothing was logged yet.')
    return records


def load_run_metrics(path: str) -> Dict[str, float]:
    """Metrics of a run: a ``tools/test.py --out`` JSON, or the last validation of a work dir.

    Args:
        path (str): the JSON file or a work dir / run folder / ``scalars.json``.

    Returns:
        dict: metric name -> value.
    """
    if osp.isfile(path) and path.endswith('.json') and not path.endswith('scalars.json'):
        return load_test_metrics(path)
    validations = [r for r in load_scalars(path) if any(short_metric_name(k) == 'mAP' for k in r)]
    if not validations:
        raise ValueError(f'{path}: the scalar log holds no validation with an mAP yet.')
    return validations[-1]
