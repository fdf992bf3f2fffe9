"""The README's main job (``make demo``) on generated data, with no download.

Generates the demo digits (COCO instances format), builds their label graph (training split) and
class embeddings with the plugin's tools, trains SSGRL and the ResNet baseline briefly on the CPU,
evaluates both with :class:`~mmml_plugin.evaluation.MultiLabelMAP`, prints a table and writes
plots: per-class AP, the SSGRL-vs-baseline comparison, attention grids, the label graph and the
training curves.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional

from mmml_plugin.datasets.demo_digits import make_demo_dataset
from mmml_plugin.datasets.label_embeddings import build_label_embeddings_from_glove
from mmml_plugin.datasets.label_graph import build_label_graph_from_coco
from mmml_plugin.utils import get_config_file
from .runner import build_runner, load_config, write_results_json

# (name, config under configs/, short run folder)
DEMO_RUNS = (('SSGRL', 'demo/ssgrl_r18_demo.py', 'ssgrl'),
             ('ResNet baseline', 'demo/resnet18_demo.py', 'baseline'))
TABLE_KEYS = ('mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


def prepare_demo_data(data_root: str, num_train: int, num_val: int, image_size: int = 128,
                      seed: int = 0) -> dict:
    """Write the demo images and annotations, the label graph and the class embeddings.

    Returns the dict of :func:`~mmml_plugin.datasets.demo_digits.make_demo_dataset` plus
    ``graph_file`` and ``embedding_file``.
    """
    info = make_demo_dataset(data_root, num_train=num_train, num_val=num_val,
                             image_size=image_size, seed=seed)
    info['graph_file'] = osp.join(data_root, 'label_graph.npz')
    build_label_graph_from_coco(info['train_ann'], info['graph_file'])
    info['embedding_file'] = osp.join(data_root, 'label_embeddings.npz')
    build_label_embeddings_from_glove(info['word_vectors'], info['classes'],
                                      info['embedding_file'])
    return info


def train_and_test(config: str, work_dir: str, data_root: str,
                   max_epochs: Optional[int] = None) -> Dict[str, object]:
    """Train ``config`` on the demo data, test its last checkpoint, write ``results.json``."""
    options = {'data_root': data_root.rstrip('/') + '/',
               'val_evaluator.classwise': True, 'test_evaluator.classwise': True}
    if max_epochs is not None:
        options.update({'train_cfg.max_epochs': max_epochs,
                        'param_scheduler.T_max': max_epochs})
    cfg = load_config(config, options, work_dir=work_dir)
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    checkpoint = osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    write_results_json(osp.join(work_dir, 'results.json'), metrics, config=config,
                       checkpoint=checkpoint)
    return dict(metrics=metrics, checkpoint=checkpoint, config=config, cfg=cfg)


def format_table(results: Dict[str, dict]) -> str:
    """Markdown table of the main metrics of each run (percent)."""
    lines = ['| model | ' + ' | '.join(TABLE_KEYS) + ' |',
             '| --- |' + ' ---: |' * len(TABLE_KEYS)]
    for name, result in results.items():
        values = [result['metrics'][f'multi-label/{k}'] for k in TABLE_KEYS]
        lines.append(f'| {name} | ' + ' | '.join(f'{v:.1f}' for v in values) + ' |')
    return '\n'.join(lines)


def write_demo_plots(results: Dict[str, dict], info: dict, out_dir: str,
                     num_images: int = 2) -> list:
    """Per-class AP, SSGRL vs baseline, attention grids, label graph, training curves."""
    from mmml_plugin.apis.inference import MultiLabelInferencer
    from mmml_plugin.visualization import (plot_label_graph, plot_per_class_ap,
                                           plot_run_comparison, plot_training_curves)
    os.makedirs(out_dir, exist_ok=True)
    classes = info['classes']
    ap = {name: r['metrics']['multi-label/AP_classwise'] for name, r in results.items()}
    files = []
    for name, (_, _, slug) in zip(results, DEMO_RUNS):
        files.append(plot_per_class_ap(ap[name], classes, osp.join(out_dir, f'ap_{slug}.png'),
                                       title=f'{name}: per-class AP on the demo val set'))
        files.append(plot_training_curves(results[name]['work_dir'],
                                          osp.join(out_dir, f'curves_{slug}.png')))
    (ssgrl, baseline) = list(results)[:2]
    files.append(plot_run_comparison(ap[ssgrl], ap[baseline], classes,
                                     osp.join(out_dir, 'ssgrl_vs_baseline.png'),
                                     names=(ssgrl, baseline)))
    files.append(plot_label_graph(info['graph_file'], osp.join(out_dir, 'label_graph.png')))
    # The run's own config: its label-file paths point into this demo's data root.
    inferencer = MultiLabelInferencer(results[ssgrl]['cfg'], results[ssgrl]['checkpoint'])
    val_dir = info['val_img_prefix']
    for image in sorted(os.listdir(val_dir))[:num_images]:
        result = inferencer(osp.join(val_dir, image), topk=3)
        files.append(inferencer.save_attention_grid(
            result, osp.join(out_dir, f'attention_{osp.splitext(image)[0]}.png')))
    return files


def run_demo(work_dir: str = 'work_dirs/demo',
             num_train: int = 480,
             num_val: int = 160,
             max_epochs: Optional[int] = None,
             seed: int = 0) -> dict:
    """Run the whole demo and return ``{'table', 'results', 'plots'}``.

    Args:
        work_dir (str): everything goes here: ``data/``, one folder per run, ``plots/``.
        num_train (int): demo training images.
        num_val (int): demo validation images.
        max_epochs (int, optional): override the demo configs' epochs (tests use 1).
        seed (int): seed of the generated data.
    """
    data_root = osp.join(osp.abspath(work_dir), 'data')
    info = prepare_demo_data(data_root, num_train, num_val, seed=seed)
    results = {}
    for name, config, slug in DEMO_RUNS:
        run_dir = osp.join(osp.abspath(work_dir), slug)
        results[name] = train_and_test(get_config_file(config), run_dir, data_root, max_epochs)
        results[name]['work_dir'] = run_dir
    table = format_table(results)
    plots = write_demo_plots(results, info, osp.join(work_dir, 'plots'))
    with open(osp.join(work_dir, 'summary.json'), 'w') as f:
        json.dump(dict(table=table, plots=plots,
                       results={k: v['checkpoint'] for k, v in results.items()}), f, indent=2)
    return dict(table=table, results=results, plots=plots)
