"""Our results next to the published ones, as a Markdown table.

Published figures live in the model zoo metafiles (``configs/*/metafile.yml``, listed by the root
``model-index.yml``): every model's ``Results`` are the paper's or OpenMMLab's numbers, and its
``Metadata.Results Source`` says where they come from. They are never numbers measured here.
"""
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from .results import load_test_metrics, short_metric_name
from .training_curves import load_scalars


def load_run_metrics(path: str) -> Dict[str, float]:
    """Metrics of a run: a ``tools/test.py --out`` JSON, or the last validation of a work dir."""
    if osp.isfile(path) and path.endswith('.json') and not path.endswith('scalars.json'):
        return load_test_metrics(path)
    validations = [r for r in load_scalars(path)
                   if any(short_metric_name(k) == 'mAP' for k in r)]
    if not validations:
        raise ValueError(f'{path}: the scalar log holds no validation with an mAP yet.')
    return validations[-1]


def load_model_zoo(model_index: str) -> List[dict]:
    """Read every model entry of the metafiles that ``model_index`` imports.

    Returns:
        list[dict]: the ``Models`` entries (``Name``, ``Config``, ``Results``, ``Metadata``...).
    """
    if not osp.isfile(model_index):
        raise FileNotFoundError(f'{model_index}: model index not found; pass the repository\'s '
                                'model-index.yml.')
    with open(model_index) as f:
        index = yaml.safe_load(f) or {}
    root = osp.dirname(osp.abspath(model_index))
    models = []
    for metafile in index.get('Import', []):
        path = osp.join(root, metafile)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{model_index}: imports {metafile}, which does not exist.')
        with open(path) as f:
            meta = yaml.safe_load(f) or {}
        models.extend(meta.get('Models', []))
    return models


def find_model(models: Sequence[dict], name_or_config: str) -> dict:
    """The zoo entry named ``name_or_config`` or whose ``Config`` has the same file name."""
    stem = osp.splitext(osp.basename(name_or_config))[0]
    for model in models:
        if model['Name'] == name_or_config or \
                osp.splitext(osp.basename(model.get('Config', '')))[0] == stem:
            return model
    raise KeyError(f'no model "{name_or_config}" in the model zoo; known: '
                   f'{[m["Name"] for m in models]}.')


def published_metrics(model: dict) -> Tuple[str, Dict[str, float]]:
    """``(dataset, {metric: value})`` of a zoo entry's first result."""
    results = model.get('Results') or []
    if not results:
        raise KeyError(f'model "{model["Name"]}" has no published Results in its metafile.')
    return results[0]['Dataset'], dict(results[0]['Metrics'])


#: Published metric name -> (our metric key, factor): mmdet's ``VOCMetric`` reports the box mAP
#: that the mmdet zoo prints as "box AP" (percent) as a fraction.
METRIC_ALIASES = {'box AP': ('pascal_voc/mAP', 100.0)}


def _measured(ours: Dict[str, float], metric: str) -> Optional[float]:
    """Our value of the published ``metric``: an alias, a full key, or a unique short name."""
    if metric in METRIC_ALIASES:
        key, factor = METRIC_ALIASES[metric]
        return None if key not in ours else factor * float(ours[key])
    if metric in ours:
        return float(ours[metric])
    matches = [k for k in ours if short_metric_name(k) == metric]
    if len(matches) > 1:
        raise ValueError(f'metric "{metric}" is ambiguous in the results ({matches}); name the '
                         'full key in the metafile.')
    return float(ours[matches[0]]) if matches else None


def benchmark_rows(ours: Dict[str, float],
                   published: Dict[str, float]) -> List[Tuple[str, Optional[float],
                                                             Optional[float], Optional[float]]]:
    """``(metric, ours, published, ours - published)`` for every published metric.

    ``ours`` keys may carry the evaluator prefix (``multi-label/mAP``); a metric we did not
    measure has ``None`` for ours and the difference.
    """
    rows = []
    for metric, value in published.items():
        mine = _measured(ours, metric)
        diff = None if mine is None else mine - float(value)
        rows.append((metric, mine, float(value), diff))
    return rows


def _fmt(value: Optional[float], signed: bool = False) -> str:
    if value is None:
        return '-'
    if math.isnan(value):
        return 'n/a'
    return f'{value:+.2f}' if signed else f'{value:.2f}'


def markdown_table(entries: Sequence[Tuple[str, str, list]]) -> str:
    """Render ``(model, dataset, rows)`` entries as one Markdown table."""
    lines = ['| Model | Dataset | Metric | Ours | Published | Difference |',
             '|---|---|---|---:|---:|---:|']
    for model, dataset, rows in entries:
        for metric, mine, published, diff in rows:
            lines.append(f'| {model} | {dataset} | {metric} | {_fmt(mine)} | {_fmt(published)} '
                         f'| {_fmt(diff, signed=True)} |')
    return '\n'.join(lines) + '\n'


def _run_config(path: str) -> Optional[str]:
    """The ``config`` recorded by ``tools/test.py --out`` in a results JSON, if any."""
    if not (osp.isfile(path) and path.endswith('.json')):
        return None
    with open(path) as f:
        data = json.load(f)
    return data.get('config') if isinstance(data, dict) else None


def benchmark_table(results: Sequence[str],
                    model_index: str,
                    models: Optional[Sequence[str]] = None) -> str:
    """Markdown table of each run's metrics against its model's published figures.

    Args:
        results (Sequence[str]): ``tools/test.py --out`` JSON files or work dirs.
        model_index (str): the root ``model-index.yml``.
        models (Sequence[str], optional): zoo names or config paths, one per result; default
            the ``config`` recorded in each JSON.

    Returns:
        str: the table.
    """
    if models is not None and len(models) != len(results):
        raise ValueError(f'need one model per result: {len(models)} models for '
                         f'{len(results)} results.')
    zoo = load_model_zoo(model_index)
    entries = []
    for i, path in enumerate(results):
        key = models[i] if models is not None else _run_config(path)
        if key is None:
            raise ValueError(f'{path}: cannot tell which zoo model this run is; name it '
                             '(--model NAME).')
        model = find_model(zoo, key)
        dataset, published = published_metrics(model)
        entries.append((model['Name'], dataset, benchmark_rows(load_run_metrics(path),
                                                               published)))
    return markdown_table(entries)
