"""The worst errors of a test run, per class: its highest-scoring false positives and its
lowest-scoring false negatives, as image grids (with attention where the model has it).

Works from a prediction dump (``tools/test.py CONFIG CKPT --out preds.npz``: scores, targets,
image paths, class names) without the model; with the config and checkpoint as well, each cell
shows the image as the model saw it with the class's attention map (SSGRL models)::

    >>> from mmml_plugin.apis.analyze_results import analyze_results
    >>> report = analyze_results('preds.npz', 'errors/', num=8)
    >>> report['classes']['person']['false_positives'][0]  # the worst one
    {'index': 17, 'img_path': '...', 'score': 0.97, 'true_labels': ['dog']}

What a prediction is comes from the one label-selection rule
(:mod:`mmml_plugin.evaluation.functional.label_selection`, ``thr`` / ``topk``; default score
>= 0.5): a false positive of class c is an image whose predicted labels hold c and whose target
for c is 0; a false negative one whose target is 1 and whose predicted labels lack c. Targets of
-1 (ignored, e.g. VOC difficult) are neither.
"""
import json
import os
import os.path as osp
import re
from typing import Dict, List, Optional, Sequence

import numpy as np

from mmml_plugin.datasets.transforms import load_image_checked
from mmml_plugin.evaluation.functional.label_selection import ThrType, label_mask
from mmml_plugin.evaluation.results_io import load_prediction_arrays
from mmml_plugin.utils.label_files import check_class_order

__all__ = ['find_errors', 'render_error_cases', 'analyze_results']

#: Scores of the model and the dump further apart than this are reported (another checkpoint).
SCORE_TOLERANCE = 1e-4


def find_errors(scores: np.ndarray,
                targets: np.ndarray,
                thr: ThrType = None,
                topk: Optional[int] = None,
                num: int = 8) -> List[Dict[str, np.ndarray]]:
    """Per class, the ``num`` highest-scoring false positives and lowest-scoring false negatives.

    Args:
        scores (np.ndarray): (N, C) scores.
        targets (np.ndarray): (N, C) targets 1 / 0 / -1 (ignored).
        thr (float | Sequence[float], optional): threshold, or C per-class thresholds.
        topk (int, optional): at most k predicted labels per image; with neither, thr = 0.5.
        num (int): errors kept per class and kind.

    Returns:
        list[dict]: per class, ``false_positives`` (<= num,) sample indices by decreasing score
        and ``false_negatives`` (<= num,) by increasing score (ties: lower index first), and
        the counts ``num_false_positives`` / ``num_false_negatives`` of all of them.
    """
    scores, targets = np.asarray(scores), np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(f'scores {scores.shape} and targets {targets.shape} must both be (N, C).')
    if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 1:
        raise ValueError(f'num must be a positive integer, got {num!r}.')
    predicted = label_mask(scores, thr, topk)
    errors = []
    for c in range(scores.shape[1]):
        fp = np.flatnonzero(predicted[:, c] & (targets[:, c] == 0))
        fn = np.flatnonzero(~predicted[:, c] & (targets[:, c] == 1))
        fp = fp[np.argsort(-scores[fp, c], kind='stable')]
        fn = fn[np.argsort(scores[fn, c], kind='stable')]
        errors.append(
            dict(false_positives=fp[:num],
                 false_negatives=fn[:num],
                 num_false_positives=len(fp),
                 num_false_negatives=len(fn)))
    return errors


def _file_stem(name: str) -> str:
    """A class name as a file-name part (``'traffic light'`` -> ``'traffic_light'``)."""
    return re.sub(r'[^A-Za-z0-9_.-]+', '_', name).strip('_') or 'class'


def _read_rgb(path: str, source: str) -> np.ndarray:
    if not path or not osp.isfile(path):
        raise FileNotFoundError(
            f'{source}: image "{path}" not found; the dump stores the paths the test run read: '
            'run from the same folder, or write the dump again with `tools/test.py --out`.')
    return load_image_checked(path, skip_hint=False)[..., ::-1]


def render_error_cases(arrays: Dict[str, np.ndarray],
                       class_index: int,
                       indices: Sequence[int],
                       kind: str,
                       classes: Sequence[str],
                       inferencer=None,
                       source: str = 'the dump',
                       cache: Optional[dict] = None) -> List[dict]:
    """What :func:`mmml_plugin.visualization.plot_error_cases` draws for one class's errors.

    Args:
        arrays (dict): the dump (:func:`~mmml_plugin.evaluation.results_io.load_prediction_arrays`).
        class_index (int): the class c.
        indices (Sequence[int]): the samples, in drawing order.
        kind (str): ``'FP'`` or ``'FN'``.
        classes (Sequence[str]): (C,) names.
        inferencer (MultiLabelInferencer, optional): the model; its input image and class-c
            attention (SSGRL models) are drawn, else the image file.
        source (str): the dump's path, for messages.
        cache (dict, optional): model results by sample index, shared between calls.

    Returns:
        list[dict]: per sample ``image`` (H, W, 3) uint8 RGB, ``attention`` (h, w) or None,
        ``mark`` (``kind``), ``title``, ``index``, ``score`` (the dump's) and, with a model,
        ``model_score``.
    """
    from .inference import inference_multilabel
    cache = {} if cache is None else cache
    cases = []
    for i in indices:
        i = int(i)
        path = str(arrays['img_paths'][i])
        score = float(arrays['scores'][i, class_index])
        true = [classes[k] for k in np.flatnonzero(arrays['targets'][i] == 1)]
        case = dict(index=i, mark=kind, score=score, attention=None)
        if inferencer is None:
            case['image'] = _read_rgb(path, source)
        else:
            if i not in cache:
                _read_rgb(path, source)  # the clear error for a missing file
                cache[i] = inference_multilabel(inferencer.model,
                                                path,
                                                topk=1,
                                                pipeline=inferencer.pipeline)
            result = cache[i]
            case['image'] = result['image']
            case['model_score'] = float(result['pred_score'][class_index])
            if result['attention'] is not None:
                case['attention'] = result['attention'][class_index]
        truth = ', '.join(true) if true else 'none'
        case['title'] = (f'{kind} {classes[class_index]} {score:.2f}\n{osp.basename(path)}\n'
                         f'true: {truth if len(truth) <= 40 else truth[:37] + "..."}')
        cases.append(case)
    return cases


def analyze_results(predictions: str,
                    out_dir: str,
                    config: Optional[str] = None,
                    checkpoint: Optional[str] = None,
                    thr: ThrType = None,
                    topk: Optional[int] = None,
                    num: int = 8,
                    classes: Optional[Sequence[str]] = None,
                    device: str = 'cpu',
                    cfg_options: Optional[dict] = None,
                    ncols: int = 4,
                    cell_size: int = 224) -> dict:
    """Draw each class's worst false positives and false negatives, and list them in JSON.

    Writes ``<out_dir>/<class>_false_positives.png`` and ``<class>_false_negatives.png`` (a
    class without such errors gets none) and ``<out_dir>/errors.json`` (the returned report).

    Args:
        predictions (str): the ``.npz`` of ``tools/test.py --out``.
        out_dir (str): the output folder.
        config (str, optional): the model's config; with it each cell shows the model input
            and, for SSGRL models, the class's attention map.
        checkpoint (str, optional): the weights that produced the dump (with ``config``).
        thr (float | Sequence[float], optional): threshold, or C per-class thresholds.
        topk (int, optional): at most k predicted labels per image (see the module docstring).
        num (int): errors drawn per class and kind.
        classes (Sequence[str], optional): only these classes (names); default all.
        device (str): the model's device.
        cfg_options (dict, optional): config overrides (e.g. ``data_root``).
        ncols (int): cells per row.
        cell_size (int): pixels per cell side.

    Returns:
        dict: ``rule`` (thr, topk), ``attention`` (bool), ``notes`` and ``classes``: per class
        name ``false_positives`` / ``false_negatives`` (lists of ``index``, ``img_path``,
        ``score``, ``true_labels``), their totals and the ``files`` written.
    """
    from mmml_plugin.visualization import plot_error_cases
    arrays = load_prediction_arrays(predictions)
    scores, targets = arrays['scores'], arrays['targets']
    names = [str(c) for c in arrays['classes']] if 'classes' in arrays else \
        [f'class_{i}' for i in range(scores.shape[1])]
    chosen = range(len(names))
    if classes is not None:
        unknown = [c for c in classes if c not in names]
        if unknown:
            raise KeyError(f'{predictions}: unknown class(es) {unknown} (--classes); its classes '
                           f'are {names[:20]}{" ..." if len(names) > 20 else ""}.')
        chosen = [names.index(c) for c in classes]
    inferencer, notes = None, []
    if config is not None:
        from .inference import MultiLabelInferencer, has_attention
        inferencer = MultiLabelInferencer(config,
                                          checkpoint,
                                          device=device,
                                          cfg_options=cfg_options)
        if 'classes' in arrays:
            check_class_order(inferencer.classes, names, checkpoint or config, predictions,
                              'Pass the config and checkpoint of the run that wrote the dump.')
        if not has_attention(inferencer.model):
            notes.append(f'{config}: the model has no attention maps; drawing its input images.')
    elif checkpoint is not None:
        raise ValueError('a checkpoint needs its config (--config) to build the model.')
    errors = find_errors(scores, targets, thr, topk, num)
    os.makedirs(out_dir, exist_ok=True)
    report = dict(predictions=predictions,
                  rule=dict(thr=None if thr is None else np.asarray(thr).tolist(), topk=topk),
                  attention=False,
                  notes=notes,
                  classes={})
    cache: dict = {}
    mismatched = set()
    for c in chosen:
        entry = dict(num_false_positives=int(errors[c]['num_false_positives']),
                     num_false_negatives=int(errors[c]['num_false_negatives']),
                     files=[])
        for kind, key, word in (('FP', 'false_positives', 'highest-scoring false positives'),
                                ('FN', 'false_negatives', 'lowest-scoring false negatives')):
            indices = errors[c][key]
            entry[key] = [
                dict(index=int(i),
                     img_path=str(arrays['img_paths'][i]),
                     score=float(scores[i, c]),
                     true_labels=[names[k] for k in np.flatnonzero(targets[i] == 1)])
                for i in indices
            ]
            if not len(indices):
                continue
            cases = render_error_cases(arrays, c, indices, kind, names, inferencer, predictions,
                                       cache)
            report['attention'] |= any(case['attention'] is not None for case in cases)
            mismatched.update(case['index'] for case in cases
                              if abs(case.get('model_score', case['score']) -
                                     case['score']) > SCORE_TOLERANCE)
            total = entry[f'num_{key}']
            title = f'{names[c]}: the {len(indices)} {word} (of {total})'
            out = osp.join(out_dir, f'{_file_stem(names[c])}_{key}.png')
            entry['files'].append(plot_error_cases(cases, out, title, ncols, cell_size))
        report['classes'][names[c]] = entry
    if mismatched:
        notes.append(f'{len(mismatched)} image(s) scored differently by the model than in '
                     f'{predictions} (by more than {SCORE_TOLERANCE}): the checkpoint is not the '
                     'one that wrote the dump; the titles give the dump\'s scores.')
    with open(osp.join(out_dir, 'errors.json'), 'w') as f:
        json.dump(report, f, indent=1)
    return report
