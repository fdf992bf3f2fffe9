"""Our results next to the published ones, as a Markdown table.

Published figures live in the model zoo metafiles (``configs/*/metafile.yml``, listed by the root
``model-index.yml``): every model's ``Results`` are the paper's or OpenMMLab's numbers, and its
``Metadata.Results Source`` says where they come from. They are never numbers measured here.
"""
import glob
import json
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import yaml

from mmml_plugin.evaluation.results_io import load_run_metrics, short_metric_name


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
    """``(dataset, {metric: value})`` of a zoo entry's first result.

    Args:
        model (dict): a zoo entry from :func:`load_model_zoo`.

    Returns:
        tuple: the dataset and its metrics; for a model without published ``Results`` the
        dataset of its ``Metadata`` (``'-'`` if none) and an empty dict.
    """
    results = model.get('Results') or []
    if not results:
        data = (model.get('Metadata') or {}).get('Training Data') or '-'
        return (data if isinstance(data, str) else ', '.join(map(str, data))), {}
    return results[0]['Dataset'], dict(results[0]['Metrics'])


def config_stem(path: Optional[str]) -> Optional[str]:
    """``'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py'`` -> ``'ssgrl_r101_1xb4_coco-576px'``."""
    return None if not path else osp.splitext(osp.basename(path))[0]


#: Published metric name -> (our metric key, factor): mmdet's ``VOCMetric`` reports the box mAP
#: that the mmdet zoo prints as "box AP" (percent) as a fraction.
METRIC_ALIASES = {'box AP': ('pascal_voc/mAP', 100.0)}


def _measured(ours: Dict[str, float], metric: str) -> Optional[float]:
    """Our value of the published ``metric``: an alias, a full key, or a unique short name."""
    if metric in METRIC_ALIASES:
        key, factor = METRIC_ALIASES[metric]
        return None if key not in ours else factor * _number(ours, key)
    if metric in ours:
        return _number(ours, metric)
    matches = [k for k in ours if short_metric_name(k) == metric]
    if len(matches) > 1:
        raise ValueError(f'metric "{metric}" is ambiguous in the results ({matches}); name the '
                         'full key in the metafile.')
    return _number(ours, matches[0]) if matches else None


def _number(ours: Dict[str, object], key: str) -> float:
    """``ours[key]`` as a float; a list (class-wise result), string or boolean is refused."""
    value = ours[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f'metric "{key}" is {value!r:.60} ({type(value).__name__}), not a '
                         'number; it cannot be set against a published figure.')
    return float(value)


def benchmark_rows(
    ours: Dict[str, float], published: Dict[str, Optional[float]]
) -> List[Tuple[str, Optional[float], Optional[float], Optional[float]]]:
    """``(metric, ours, published, ours - published)`` for every published metric.

    Args:
        ours (dict): our metrics; keys may carry the evaluator prefix (``multi-label/mAP``).
        published (dict): metric -> published value, or None where nothing is published.

    Returns:
        list[tuple]: one row per published metric; a metric we did not measure (or one without
        a published value) has ``None`` for ours (published) and the difference.
    """
    rows = []
    for metric, value in published.items():
        mine = _measured(ours, metric)
        value = None if value is None else float(value)
        diff = None if mine is None or value is None else mine - value
        rows.append((metric, mine, value, diff))
    return rows


def _fmt(value: Optional[float], signed: bool = False) -> str:
    if value is None:
        return '-'
    if math.isnan(value):
        return 'n/a'
    return f'{value:+.2f}' if signed else f'{value:.2f}'


def markdown_table(entries: Sequence[Tuple[str, str, list]]) -> str:
    """Render ``(model, dataset, rows)`` entries as one Markdown table."""
    lines = [
        '| Model | Dataset | Metric | Ours | Published | Difference |',
        '|---|---|---|---:|---:|---:|'
    ]
    for model, dataset, rows in entries:
        for metric, mine, published, diff in rows:
            lines.append(f'| {model} | {dataset} | {metric} | {_fmt(mine)} | {_fmt(published)} '
                         f'| {_fmt(diff, signed=True)} |')
    return '\n'.join(lines) + '\n'


def run_config(path: str) -> Optional[str]:
    """The config a run was made with: the ``config`` that ``tools/test.py --out`` records in a
    results JSON, or the config copy mmengine's Runner leaves at the top of a work dir.

    Args:
        path (str): a results JSON or a work dir.

    Returns:
        str | None: the config path (or file name); None when the run does not say.
    """
    if osp.isfile(path) and path.endswith('.json'):
        with open(path) as f:
            try:
                data = json.load(f)
            except (ValueError, RecursionError):
                return None  # load_run_metrics reports the broken file
        config = data.get('config') if isinstance(data, dict) else None
        if config is not None and not isinstance(config, str):
            raise ValueError(f'{path}: "config" is {config!r:.60} ({type(config).__name__}), '
                             'not the path of a config file; fix the field or name the model '
                             '(--model NAME).')
        return config
    if osp.isdir(path):
        configs = sorted(glob.glob(osp.join(path, '*.py')))
        if len(configs) == 1:
            return configs[0]
    return None


def _our_metrics(ours: Dict[str, object]) -> Dict[str, None]:
    """The scalar evaluator metrics of a run (``prefix/name`` keys), as rows with nothing
    published."""
    return {
        k: None
        for k, v in ours.items()
        if '/' in k and isinstance(v, (int, float)) and not isinstance(v, bool)
    }


def benchmark_table(results: Sequence[str],
                    model_index: str,
                    models: Optional[Sequence[str]] = None) -> str:
    """Markdown table of each run's metrics against its model's published figures.

    A run is only set against the figures of the config it was made with: naming (``models``) a
    zoo entry whose config differs from the one the run recorded is refused. A model without
    published figures gets its own numbers with ``-`` as published.

    Args:
        results (Sequence[str]): ``tools/test.py --out`` JSON files or work dirs.
        model_index (str): the root ``model-index.yml``.
        models (Sequence[str], optional): zoo names or config paths, one per result; default
            the config each run recorded.

    Returns:
        str: the table.
    """
    if models is not None and len(models) != len(results):
        raise ValueError(f'need one model per result: {len(models)} models for '
                         f'{len(results)} results.')
    zoo = load_model_zoo(model_index)
    entries = []
    for i, path in enumerate(results):
        recorded = run_config(path)
        key = models[i] if models is not None else recorded
        if key is None:
            raise ValueError(f'{path}: cannot tell which zoo model this run is; name it '
                             '(--model NAME).')
        model = find_model(zoo, key)
        if recorded is not None and config_stem(recorded) != config_stem(model.get('Config')):
            raise ValueError(
                f'{path}: this run was made with {recorded}, but the zoo model '
                f'"{model["Name"]}" is {model.get("Config")}: its numbers would be set against '
                'another model\'s published results. Name the model of the config the run used, '
                'or leave --model out to take it from the run.')
        ours = load_run_metrics(path)
        dataset, published = published_metrics(model)
        try:
            if not published:
                rows = benchmark_rows(ours, _our_metrics(ours))
                dataset = f'{dataset} (no published results)'
            else:
                rows = benchmark_rows(ours, published)
        except ValueError as e:
            raise ValueError(f'{path}: {e}') from None
        entries.append((model['Name'], dataset, rows))
    return markdown_table(entries)
