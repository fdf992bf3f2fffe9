"""Tune per-class thresholds on a validation dump, save them, and report what they change.

``tools/analysis_tools/tune_thresholds.py`` is its command line. The thresholds are chosen on
the dump's samples (:func:`~mmml_plugin.evaluation.functional.tune_thresholds`); a dump of the
test split is refused unless asked for, since thresholds tuned on the test split make its
numbers optimistic. A dump records its split (``tools/test.py --split val --out val.npz``);
a dump without one was written by ``tools/test.py`` before splits were recorded, on the test
split.
"""
from typing import Dict, Optional, Sequence

import numpy as np

from .functional import multilabel_metrics, tune_thresholds
from .results_io import load_prediction_arrays
from .threshold_file import load_thresholds, save_thresholds

#: Metrics reported at the tuned and at the global threshold.
REPORTED = ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


def dump_split(arrays: Dict[str, np.ndarray]) -> str:
    """The split a prediction dump was written on (``'test'`` when it does not say).

    Args:
        arrays (dict): from :func:`~mmml_plugin.evaluation.results_io.load_prediction_arrays`.

    Returns:
        str: e.g. ``'val'`` or ``'test'``.
    """
    split = arrays.get('split')
    return 'test' if split is None else str(split)


def f1_at(scores: np.ndarray, targets: np.ndarray, thr) -> Dict[str, float]:
    """CP, CR, CF1, OP, OR, OF1 in percent at ``thr`` (one, or (C,) per class), no top-k.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) targets 1 / 0 / -1.
        thr (float | np.ndarray): threshold(s).

    Returns:
        dict: name -> percent.
    """
    values = multilabel_metrics(scores, targets, 'sklearn', thr=thr, topk=None)
    return {k: 100 * values[k] for k in REPORTED}


def tune_dump_thresholds(val_dump: str,
                         out: str,
                         method: str = 'max_f1',
                         precision: Optional[float] = None,
                         global_thr: float = 0.5,
                         allow_test_split: bool = False,
                         other_dumps: Sequence[str] = ()) -> dict:
    """Choose per-class thresholds on ``val_dump``, write them to ``out``, compare with one
    global threshold on the validation dump and on ``other_dumps``.

    Args:
        val_dump (str): a ``tools/test.py --split val --out`` ``.npz`` with class names.
        out (str): the threshold JSON to write.
        method (str): ``'max_f1'`` or ``'precision'``.
        precision (float, optional): the target precision of ``'precision'``.
        global_thr (float): the global threshold compared against (and the fallback of classes
            without positives).
        allow_test_split (bool): tune on a dump of the test split anyway.
        other_dumps (Sequence[str]): dumps to report the two operating points on too (same
            classes, checked).

    Returns:
        dict: ``file``, ``split``, ``untuned`` (class names) and ``report``: dump path ->
        ``{'tuned': {...}, 'global': {...}}`` in percent.
    """
    arrays = load_prediction_arrays(val_dump)
    split = dump_split(arrays)
    if split == 'test' and not allow_test_split:
        why = ('recorded in it'
               if 'split' in arrays else 'it records no split: tools/test.py dumps the test split')
        raise ValueError(
            f'{val_dump}: this dump is of the test split ({why}); '
            'thresholds tuned on it make the test numbers optimistic. Dump the validation split '
            '(`python tools/test.py CONFIG CKPT --split val --out val.npz`), or pass '
            '--allow-test-split if you mean it.')
    if 'classes' not in arrays:
        raise ValueError(f'{val_dump}: the dump holds no class names, so the thresholds could not '
                         'be checked against a dataset later; dump it again with tools/test.py '
                         '(the dataset metainfo has the classes).')
    classes = [str(c) for c in arrays['classes']]
    tuned = tune_thresholds(arrays['scores'],
                            arrays['targets'],
                            method,
                            precision=precision,
                            fallback=global_thr)
    untuned = [classes[c] for c in np.flatnonzero(~tuned.tuned)]
    save_thresholds(out,
                    tuned.thresholds,
                    classes,
                    method=method,
                    precision=precision,
                    tuned=tuned.tuned.tolist(),
                    split=split,
                    source=str(val_dump))
    thresholds = load_thresholds(out, classes)  # exactly what a user of the file gets
    report = {}
    for path in (val_dump, *other_dumps):
        data = arrays if path == val_dump else load_prediction_arrays(path)
        if path != val_dump:
            load_thresholds(out, data.get('classes'))  # the same classes, in the same order
        report[str(path)] = {
            'split': dump_split(data),
            'tuned': f1_at(data['scores'], data['targets'], thresholds),
            'global': f1_at(data['scores'], data['targets'], global_thr),
        }
    return dict(file=out, split=split, untuned=untuned, report=report)
