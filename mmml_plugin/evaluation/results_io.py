"""Reading and writing what a test or training run leaves behind; nothing here runs code.

* ``tools/test.py CONFIG CKPT --out metrics.json --out-item metrics``: ``{"metrics": {...},
  "config": ..., "checkpoint": ...}`` (:func:`mmml_plugin.apis.train_test.write_results_json`),
  read by :func:`load_test_metrics`.
* ``tools/test.py CONFIG CKPT --out preds.npz``: every test image's class scores and targets
  (:class:`~mmml_plugin.evaluation.DumpMultiLabelResults`), written by :func:`save_predictions`
  and read by :func:`load_predictions`. It is a plain ``.npz`` read with ``allow_pickle=False``:
  a pickle (``.pkl``, or a pickle under another name) is refused, never unpickled.
* ``<work_dir>/<timestamp>/vis_data/scalars.json``: mmengine's scalar log (:func:`load_scalars`).
* class names: the ``classes`` of a dump or of a label-graph/embedding ``.npz``, or a text file
  with one name per line (:func:`load_class_names`).

Several result files are only compared class by class after they are aligned by class name
(:func:`load_aligned_per_class_ap`): the same predictions stored in two class orders must not
read as two different models. ``.npz`` headers are checked against a size budget before any array
is allocated (:func:`~mmml_plugin.utils.label_files.file_io.check_declared_size`).

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

from mmml_plugin.utils.label_files.class_checks import check_class_order
from mmml_plugin.utils.label_files.file_io import check_declared_size, reorder_by_names

from .functional import UNDEFINED_AP, average_precision, check_ap_modes, check_scores_targets

#: Arrays of a prediction dump (``classes`` is optional).
DUMP_KEYS = ('scores', 'targets', 'img_paths')
#: AP mode used when a result file records none (``MultiLabelMAP``'s default).
DEFAULT_AP_MODE = 'sklearn'
#: Key of the per-class AP list that ``MultiLabelMAP(classwise=True)`` reports (-1: no positives).
CLASSWISE_AP_KEYS: Sequence[str] = ('AP_classwise', )
_PICKLE_SUFFIXES = ('.pkl', '.pickle', '.pth', '.pt')


def short_metric_name(key: str) -> str:
    """``'multi-label/mAP'`` -> ``'mAP'`` (the evaluator prefixes every metric)."""
    return key.rsplit('/', 1)[-1]


def load_test_metrics(path: str) -> dict:
    """Read the metrics of a ``tools/test.py --out-item metrics`` JSON file (a bare metrics dict
    works too).

    Args:
        path (str): the JSON file.

    Returns:
        dict: metric name -> value (floats, or lists for class-wise results).
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: results file not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --out results.json '
                                '--out-item metrics`.')
    with open(path) as f:
        try:
            data = json.load(f)
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f'{path}: not valid JSON ({e}); expected the file written by '
                             '`tools/test.py --out-item metrics`.') from None
        except RecursionError:
            raise ValueError(f'{path}: JSON nested too deeply to be a results file; expected '
                             'the file written by `tools/test.py --out-item metrics`.') from None
    if not isinstance(data, dict):
        raise ValueError(f'{path}: expected a JSON object of metrics, got {type(data).__name__}.')
    metrics = data.get('metrics', data)
    if not isinstance(metrics, dict) or not metrics:
        raise ValueError(f'{path}: no metrics found; expected {{"metrics": {{...}}}}.')
    return check_metric_values(metrics, path)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_number_list(value, depth: int = 3) -> bool:
    """A list (of lists, ``depth`` levels at most) of numbers."""
    return depth > 0 and isinstance(value, list) and all(
        _is_number(v) or _is_number_list(v, depth - 1) for v in value)


def check_metric_values(metrics: dict, path: str) -> dict:
    """Refuse metrics that are not numbers (or lists of numbers, e.g. class-wise AP).

    The evaluator only writes numbers, so a string (``"61.2"``), a boolean, ``null`` or an
    object means the file was edited or written by another tool; reading it as a number, or
    leaving the metric out of a table, would both be silent.

    Args:
        metrics (dict): metric name -> value, as read.
        path (str): the file it came from (named in errors).

    Returns:
        dict: ``metrics``.
    """
    for key, value in metrics.items():
        if not (_is_number(value) or _is_number_list(value)):
            shown = json.dumps(value)
            shown = shown if len(shown) <= 60 else shown[:57] + '...'
            raise ValueError(
                f'{path}: metric "{key}" is {shown} ({type(value).__name__}), not a number or '
                'a list of numbers; the file was edited or written by another tool. Fix the '
                'value, or write the file again with `tools/test.py --out`.')
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
                         'code when read); use e.g. `--out preds.npz`.')
    return path


def save_predictions(path: str,
                     scores: Sequence[np.ndarray],
                     targets: Sequence[np.ndarray],
                     classes: Optional[Sequence[str]] = None,
                     img_paths: Optional[Sequence[str]] = None,
                     split: Optional[str] = None,
                     ap_mode: Optional[str] = None) -> str:
    """Write a prediction dump (``.npz``, no pickled object) atomically.

    Args:
        path (str): the ``.npz`` to write (folders created).
        scores (Sequence[np.ndarray]): (N, C) scores, or N (C,) rows; float32 / float64 kept.
        targets (Sequence[np.ndarray]): (N, C) targets 1 / 0 / -1 (ignored).
        classes (Sequence[str], optional): (C,) class names.
        img_paths (Sequence[str], optional): (N,) image paths.
        split (str, optional): the dataset split of the samples (``'test'``, ``'val'``).
        ap_mode (str, optional): the headline AP mode of the run's metric (its ``mAP``),
            stored as ``ap_mode`` so that plots of the dump score it the same way.

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
    if ap_mode is not None:
        arrays['ap_mode'] = np.array(check_ap_modes(ap_mode)[0])
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
        path (str): the ``.npz`` written by ``tools/test.py --out preds.npz``.

    Returns:
        dict: ``scores`` (N, C) float32/float64, ``targets`` (N, C) int8 (1 / 0 / -1),
        ``img_paths`` (N,) str and, if stored, ``classes`` (C,) str, ``split`` () str and
        ``ap_mode`` () str.
    """
    if str(path).endswith(_PICKLE_SUFFIXES):
        raise ValueError(f'{path}: refusing to read a pickle as a prediction dump: unpickling '
                         'can run code. Dumps are .npz files; write one with `python '
                         'tools/test.py CONFIG CHECKPOINT --out preds.npz`.')
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: prediction dump not found; write one with '
                                '`python tools/test.py CONFIG CHECKPOINT --out preds.npz`.')
    _check_dump_headers(path)
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
                         '--out preds.npz`.') from None
    missing = [k for k in ('scores', 'targets') if k not in arrays]
    if missing:
        raise ValueError(f'{path}: no {missing} array(s) (found {sorted(arrays)}); this is not a '
                         'prediction dump; write one with `python tools/test.py CONFIG '
                         'CHECKPOINT --out preds.npz`.')
    scores, targets = check_scores_targets(arrays['scores'], arrays['targets'])
    arrays.update(scores=scores, targets=targets)
    if 'classes' in arrays and len(arrays['classes']) != scores.shape[1]:
        raise ValueError(f'{path}: {len(arrays["classes"])} class names for {scores.shape[1]} '
                         'score columns; the file is damaged.')
    return arrays


def _check_dump_headers(path: str) -> None:
    """Size budget and shape agreement of a dump's arrays, from their headers (nothing
    allocated): ``scores`` and ``targets`` (N, C), ``img_paths`` (N,), ``classes`` (C,)."""
    fix = ('Write the dump again with `python tools/test.py CONFIG CHECKPOINT --out '
           'preds.npz`.')
    headers = check_declared_size(path, fix=fix)
    if not headers or 'scores' not in headers or len(headers['scores'][0]) != 2:
        return  # not an archive, arrays missing, a wrong rank: reported when loading
    shape = headers['scores'][0]
    expected = dict(targets=shape, img_paths=shape[:1], classes=shape[1:2])
    for key, want in expected.items():
        if key in headers and headers[key][0] != want:
            raise ValueError(f'{path}: "{key}" has shape {headers[key][0]} but "scores" has '
                             f'shape {shape} (expected {key} of shape {want}, scores (N, C)); '
                             f'the file is damaged. {fix}')


def load_predictions(path: str) -> Tuple[np.ndarray, np.ndarray]:
    """Scores and targets of a prediction dump (``tools/test.py --out preds.npz``).

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
        check_declared_size(path, fix='Rebuild it with the tools in tools/misc/.')
        try:
            with np.load(path, allow_pickle=False) as f:
                if 'classes' not in f.files:
                    raise KeyError(f'{path}: no "classes" array; rebuild it with tools/misc/, or '
                                   'pass a text file with one class name per line.')
                names = [str(n) for n in f['classes']]
        except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
            raise ValueError(
                f'{path}: unreadable class names ({e}); pass a label graph / '
                'embedding .npz or a text file with one class name per line.') from None
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
                   'with `--cfg-options test_evaluator.classwise=True` or use a prediction .npz '
                   '(`--out preds.npz`).')


def recorded_ap_mode(path: str) -> Optional[str]:
    """The headline AP mode a result file records: a dump's ``ap_mode`` or the ``ap_mode`` of
    a ``tools/test.py --out-item metrics`` JSON; None for files written before they recorded it.

    Args:
        path (str): a predictions ``.npz`` (``--out``) or a metrics JSON (``--out-item metrics``).

    Returns:
        str | None: ``'sklearn'``, ``'voc'`` or ``'voc11'``.
    """
    if str(path).endswith('.json'):
        with open(path) as f:
            try:
                data = json.load(f)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                data = None  # load_test_metrics says what is wrong with it
        mode = data.get('ap_mode') if isinstance(data, dict) else None
    else:
        arrays = load_prediction_arrays(path)
        mode = str(arrays['ap_mode']) if 'ap_mode' in arrays else None
    if mode is None:
        return None
    try:
        return check_ap_modes(mode)[0]
    except (ValueError, TypeError):
        raise ValueError(f'{path}: recorded AP mode {mode!r} is not one of sklearn, voc, voc11; '
                         'the file was edited or written by another tool.') from None


def resolve_ap_mode(path: str, mode: Optional[str] = None) -> Tuple[str, str]:
    """The AP mode to show a result file in, and where it comes from (for titles and notes).

    Args:
        path (str): a predictions ``.npz`` (``--out``) or a metrics JSON (``--out-item metrics``).
        mode (str, optional): the mode asked for; None: the run's headline mode as the file
            records it, else :data:`DEFAULT_AP_MODE`.

    Returns:
        tuple: ``(mode, source)``, source ``'the run\'s headline'``, ``'asked for'`` or
        ``'not recorded; MultiLabelMAP default'``.

    Raises:
        ValueError: a metrics JSON asked for in another mode than the one its class-wise AP was
            computed in (it holds no scores to score again).
    """
    recorded = recorded_ap_mode(path)
    if mode is None:
        return (recorded, "the run's headline") if recorded else \
            (DEFAULT_AP_MODE, 'not recorded; MultiLabelMAP default')
    mode = check_ap_modes(mode)[0]
    if str(path).endswith('.json') and recorded is not None and mode != recorded:
        raise ValueError(f'{path}: its class-wise AP is in "{recorded}" mode and a metrics file '
                         f'cannot be scored again in "{mode}" mode; leave --mode out or pass '
                         'the predictions .npz of the run.')
    return mode, "the run's headline" if mode == recorded else 'asked for'


def load_per_class_ap(path: str, mode: Optional[str] = None) -> np.ndarray:
    """Per-class AP in percent (-1: no positives) from a predictions .npz or a metrics JSON.

    Args:
        path (str): a dump (scored here with the plugin's metric in ``mode``) or a metrics JSON
            holding the class-wise AP that ``MultiLabelMAP(classwise=True)`` reports.
        mode (str, optional): AP mode used to score a dump; None (default): the run's headline
            mode (:func:`resolve_ap_mode`), as its ``mAP`` was computed.

    Returns:
        np.ndarray: (C,) float64.
    """
    mode, _ = resolve_ap_mode(path, mode)
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
    stored = stored_class_names(path)
    if stored is None:
        return load_class_names(class_file, num_classes)
    if class_file is not None:  # a second source of the names: it must agree, by position
        check_class_order(load_class_names(class_file, num_classes),
                          stored,
                          class_file,
                          path,
                          fix=f'{path} carries its own class names: leave --class-names out.')
    return stored


def stored_class_names(path: str) -> Optional[List[str]]:
    """The class names a result file stores: a dump's ``classes``; ``None`` for a metrics JSON
    or a dump written without them.

    Args:
        path (str): a ``--out`` predictions ``.npz`` or a ``--out-item metrics`` JSON.

    Returns:
        list[str] | None: (C,) names, in the order of the file's score columns.
    """
    if not str(path).endswith('.npz'):
        return None
    classes = load_prediction_arrays(path).get('classes')
    return None if classes is None else [str(c) for c in classes]


def align_by_class_names(values: Sequence[np.ndarray], classes: Sequence[Optional[Sequence[str]]],
                         paths: Sequence[str]) -> Tuple[List[np.ndarray], List[str]]:
    """Put per-class values of several result files in one class order, matched by name.

    The order is that of the first file that names its classes (the first file if none does).

    Files that carry class names are aligned by name when they hold the same set of classes
    (in any order) and refused when the sets differ. A file without names can only be compared
    by position: refused when its class count differs, otherwise assumed to be in the first
    named file's order (said in the notes).

    Args:
        values (Sequence[np.ndarray]): per file, (C_i, ...) values in its own class order.
        classes (Sequence[list[str] | None]): per file, its (C_i,) class names, or None.
        paths (Sequence[str]): the files (named in errors and notes).

    Returns:
        tuple: the (C, ...) values in the reference order (the first named file's, else the
        first file's), and the notes that say what was aligned or assumed (print them).

    Raises:
        ValueError: class sets differ, duplicate names, or class counts differ where a file
            has no names; the message names both files.
    """
    counts = [len(v) for v in values]
    for path, names, count in zip(paths, classes, counts):
        if names is not None and len(set(names)) != len(names):
            dup = sorted({n for n in names if list(names).count(n) > 1})
            raise ValueError(f'{path}: class names {dup[:5]} appear more than once; its columns '
                             'cannot be matched by name. The file is damaged.')
    ref = next((i for i, names in enumerate(classes) if names is not None), 0)
    ref_path, ref_names, ref_count = paths[ref], classes[ref], counts[ref]
    aligned, notes = [], []
    for i, (path, array, names, count) in enumerate(zip(paths, values, classes, counts)):
        if i == ref or (names is not None and list(names) == list(ref_names)):
            aligned.append(np.asarray(array))
            continue
        if names is None:  # and ref_names is None only when no file has names
            if count != ref_count:
                raise ValueError(
                    f'{path} has {count} classes and {ref_path} has {ref_count}, and {path} '
                    'stores no class names, so they cannot be matched: these are results for '
                    'different classes. Compare runs of the same classes (dumps written by '
                    '`tools/test.py --out` carry their class names).')
            if ref_names is not None:
                notes.append(f'{path} stores no class names: compared by position, assuming '
                             f'the class order of {ref_path}.')
            aligned.append(np.asarray(array))
            continue
        only_here = [n for n in names if n not in set(ref_names)]
        only_ref = [n for n in ref_names if n not in set(names)]
        if only_here or only_ref:
            raise ValueError(
                f'{path} and {ref_path} hold different classes (only in {path}: '
                f'{only_here[:5]}{"..." if len(only_here) > 5 else ""}; only in {ref_path}: '
                f'{only_ref[:5]}{"..." if len(only_ref) > 5 else ""}); their per-class results '
                'cannot be compared. Compare runs evaluated on the same classes.')
        moved = sum(a != b for a, b in zip(names, ref_names))
        aligned.append(reorder_by_names(np.asarray(array), names, ref_names, path))
        notes.append(f'{path} stores its {len(names)} classes in another order than {ref_path} '
                     f'({moved} at other positions): aligned by class name.')
    if all(names is None for names in classes) and len(paths) > 1:
        notes.append(f'none of {", ".join(paths)} stores class names: compared by position.')
    return aligned, notes


def load_aligned_per_class_ap(
        paths: Sequence[str],
        class_file: Optional[str] = None,
        mode: Optional[str] = None) -> Tuple[List[np.ndarray], List[str], List[str]]:
    """Per-class AP of several result files, aligned by class name (see
    :func:`align_by_class_names`).

    Args:
        paths (Sequence[str]): ``--out`` predictions ``.npz`` files (scored here, they carry
            their class names) or class-wise ``--out-item metrics`` JSON files (no names).
        class_file (str, optional): names for the files that store none (a label ``.npz`` or a
            text file); a file that stores names must agree with it as a set.
        mode (str, optional): AP mode used to score every dump; None: the first headline mode
            a file records (see :func:`resolve_ap_mode`), else :data:`DEFAULT_AP_MODE`. A
            metrics JSON recorded in another mode is refused.

    Returns:
        tuple: the (C,) AP arrays in percent (-1: no positives) in the reference class order,
        the (C,) class names of that order, and the notes to print.
    """
    if mode is None:  # one mode for every file: the first recorded headline mode
        mode = next((m for m in map(recorded_ap_mode, paths) if m is not None), DEFAULT_AP_MODE)
    aps = [load_per_class_ap(path, mode) for path in paths]
    stored = [stored_class_names(path) for path in paths]
    named = []
    for path, ap, names in zip(paths, aps, stored):
        if class_file is None:
            named.append(names)
            continue
        given = load_class_names(class_file, len(ap))
        if names is not None and sorted(given) != sorted(names):
            check_class_order(given,
                              names,
                              class_file,
                              path,
                              fix=f'{path} carries its own class names: leave --class-names '
                              'out or pass the names of the same classes.')
        named.append(names if names is not None else given)
    aligned, notes = align_by_class_names(aps, named, paths)
    ref = next((names for names in named if names is not None), None)
    names = list(ref) if ref is not None else load_class_names(None, len(aligned[0]))
    return aligned, names, notes


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
            except (json.JSONDecodeError, RecursionError) as e:
                raise ValueError(f'{scalars_file}:{n}: not a JSON line '
                                 f'({e or "nested too deeply"}).') from None
    if not records:
        raise ValueError(f'{scalars_file}: empty scalar log; nothing was logged yet.')
    return records


def load_run_metrics(path: str) -> Dict[str, float]:
    """Metrics of a run: a ``tools/test.py --out-item metrics`` JSON, or the last validation of a
    work dir.

    Args:
        path (str): the JSON file or a work dir / run folder / ``scalars.json``.

    Returns:
        dict: metric name -> value.
    """
    if osp.isfile(path) and path.endswith('.json') and not path.endswith('scalars.json'):
        return load_test_metrics(path)
    validations = [
        r for r in load_scalars(path)
        if isinstance(r, dict) and any(short_metric_name(k) == 'mAP' for k in r)
    ]
    if not validations:
        raise ValueError(f'{path}: the scalar log holds no validation with an mAP yet.')
    return check_metric_values(validations[-1], find_scalars_file(path))
