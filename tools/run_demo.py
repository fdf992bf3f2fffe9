"""`make demo`: generated demo data -> digit pretraining -> SSGRL and baseline trained on the CPU
-> metrics table, pointing game, plots and `summary.json`.

    python tools/run_demo.py [--work-dir work_dirs/demo] [--num-train 640] ...

Stages, each timed into ``summary.json``:

1. data: the demo digits, their label graph (training split) and class embeddings
   (:func:`mmml_plugin.datasets.demo_data.prepare_demo_data`, written where the demo configs read
   them), and a set of single-digit images of the training scans;
2. pretraining: the narrow ResNet-18 learns single-digit classification
   (``configs/demo/resnet18_demo_pretrain.py``), the demo's stand-in for ImageNet weights; its
   backbone is saved where both demo configs' ``init_cfg`` reads it;
3. SSGRL and the ResNet baseline are trained and tested on the CPU
   (:class:`~mmml_plugin.evaluation.MultiLabelMAP`);
4. SSGRL's pointing game on the val boxes, against chance
   (:func:`~mmml_plugin.apis.pointing_game.evaluate_pointing_game`);
5. plots: per-class AP, SSGRL vs baseline, attention grids, the pointing game's best and worst
   cases, the label graph, training curves;
6. the self-check: a model whose mAP ends within ``CHANCE_MARGIN`` points of the label prior, or
   that predicts no correct label, or attention no better than chance, makes the script exit
   with status 1 naming the model and what to look at (``summary.json`` is written first).

Threads: torch's default (all cores); `OMP_NUM_THREADS=1` for one. The file names the demo
reads (label files, pretrained backbone) are the configs'; this script reads them from there.
"""
import argparse
import json
import os
import os.path as osp
import sys
import time
from typing import Dict, List, Optional

import numpy as np
import torch

from mmml_plugin.apis.train_test import build_runner, load_config, write_results_json
from mmml_plugin.datasets.demo_data import prepare_demo_data
from mmml_plugin.evaluation.functional.pointing_game import pointing_game_lines
from mmml_plugin.utils import get_config_file

# (name, config under configs/, short run folder)
DEMO_RUNS = (('SSGRL', 'demo/ssgrl_r18_demo.py', 'ssgrl'), ('ResNet baseline',
                                                            'demo/resnet18_demo.py', 'baseline'))
PRETRAIN_CONFIG = 'demo/resnet18_demo_pretrain.py'
TABLE_KEYS = ('mAP', 'CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')
# A model whose mAP is within this many points of the label prior's has learnt nothing.
CHANCE_MARGIN = 5.0


class DemoCheckError(RuntimeError):
    """A demo model ended near chance; the message names it and what to look at."""


class _StageClock:
    """Wall and CPU (all threads) seconds of consecutive stages: on a shared machine the CPU
    seconds still say what each stage costs."""

    def __init__(self, wall: dict, cpu: dict):
        self.wall, self.cpu = wall, cpu
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def stop(self, stage: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.wall[stage], self.cpu[stage] = wall - self._wall, cpu - self._cpu
        self._wall, self._cpu = wall, cpu


def _options(data_root: str, max_epochs: Optional[int], evaluate: bool = True) -> dict:
    options = {'data_root': data_root.rstrip('/') + '/'}
    if evaluate:
        options.update({'val_evaluator.classwise': True, 'test_evaluator.classwise': True})
    if max_epochs is not None:
        options.update({'train_cfg.max_epochs': max_epochs, 'param_scheduler.T_max': max_epochs})
    return options


def pretrained_backbone_file(data_root: str) -> str:
    """Where the demo configs' backbone ``init_cfg`` reads the pretrained backbone, under
    ``data_root`` (one file for all of them; a config that reads another is refused)."""
    files = set()
    for _, config, _ in DEMO_RUNS:  # the configs as the runs load them (data_root moved)
        cfg = load_config(get_config_file(config), _options(data_root, None, evaluate=False))
        files.add(cfg.model.backbone.init_cfg.checkpoint)
    if len(files) != 1:
        raise ValueError(f'the demo configs {[c for _, c, _ in DEMO_RUNS]} start from different '
                         f'backbones {sorted(files)}; they must share the pretrained one.')
    return files.pop()


def pretrain_backbone(data_root: str, work_dir: str, max_epochs: Optional[int] = None) -> dict:
    """Train the digit classifier of ``configs/demo/resnet18_demo_pretrain.py`` and save its
    backbone where the demo configs read it (:func:`pretrained_backbone_file`).

    Args:
        data_root (str): the demo data root, with ``digits/`` written by
            :func:`prepare_demo_data` (``num_digit_images > 0``).
        work_dir (str): the pretraining run's folder.
        max_epochs (int, optional): override the config's epochs.

    Returns:
        dict: ``checkpoint`` (the saved backbone), ``config`` and ``loss`` (the cross-entropy
        of the last training iteration; 2.30 = ln 10 is chance).
    """
    config = get_config_file(PRETRAIN_CONFIG)
    cfg = load_config(config, _options(data_root, max_epochs, evaluate=False), work_dir=work_dir)
    runner = build_runner(cfg)
    model = runner.train()
    state = {
        f'backbone.{k}': v.detach().cpu().clone()
        for k, v in model.backbone.state_dict().items()
    }
    out = pretrained_backbone_file(data_root)
    tmp = out + '.tmp'
    torch.save(dict(state_dict=state, meta=dict(config=config, classes=list(cfg.classes))), tmp)
    os.replace(tmp, out)  # never a half-written file where the demo configs read it
    return dict(checkpoint=out,
                config=config,
                loss=float(runner.message_hub.get_scalar('train/loss').current()))


def train_and_test(config: str,
                   work_dir: str,
                   data_root: str,
                   max_epochs: Optional[int] = None) -> Dict[str, object]:
    """Train ``config`` on the demo data, test its last checkpoint, write ``results.json``."""
    cfg = load_config(config, _options(data_root, max_epochs), work_dir=work_dir)
    runner = build_runner(cfg)
    runner.train()
    metrics = runner.test()
    checkpoint = osp.join(work_dir, f'epoch_{cfg.train_cfg.max_epochs}.pth')
    write_results_json(osp.join(work_dir, 'results.json'),
                       metrics,
                       config=config,
                       checkpoint=checkpoint)
    return dict(metrics=metrics,
                checkpoint=checkpoint,
                config=config,
                cfg=cfg,
                log_dir=runner.log_dir)


def label_prior_map(ann_file: str) -> float:
    """mAP (percent) of a model that gives every image the same scores: the label prior.

    A constant score ranks all images equal, so each class's AP is its positive rate; a model
    stuck at the label prior (loss at the entropy of the label frequencies) scores this.
    """
    with open(ann_file) as f:
        coco = json.load(f)
    num_images = len(coco['images'])
    present: Dict[int, set] = {}
    for ann in coco['annotations']:
        present.setdefault(ann['category_id'], set()).add(ann['image_id'])
    rates = [len(present.get(cat['id'], ())) / num_images for cat in coco['categories']]
    rates = [r for r in rates if r > 0]  # classes without positives are left out of mAP
    return 100 * float(np.mean(rates))


def check_learned(name: str,
                  metrics: Dict[str, object],
                  prior_map: float,
                  where: str,
                  margin: float = CHANCE_MARGIN) -> List[str]:
    """Problems of one demo model that ended near chance (empty list: it learnt).

    Args:
        name (str): the model's name in the demo.
        metrics (dict): its test metrics (``multi-label/mAP``, ``multi-label/OR``, and with
            attention ``pointing_game`` and ``pointing_game_chance``).
        prior_map (float): :func:`label_prior_map` of the val set.
        where (str): what to look at, appended to each problem.
        margin (float): mAP within this many points of ``prior_map`` counts as chance; so does
            a pointing game within this many points of its chance rate.

    Returns:
        list[str]: one sentence per problem.
    """
    problems = []
    mean_ap = float(metrics['multi-label/mAP'])
    if mean_ap < prior_map + margin:
        problems.append(f'{name} ended near chance: val mAP {mean_ap:.1f} against '
                        f'{prior_map:.1f} for constant scores (the label prior; margin '
                        f'{margin:g} points). {where}')
    if float(metrics['multi-label/OR']) == 0:
        problems.append(f'{name} predicts no correct label at score >= 0.5 (overall recall 0): '
                        f'its scores sit at the label frequencies. {where}')
    if 'pointing_game' in metrics:
        hit, chance = metrics['pointing_game'], metrics['pointing_game_chance']
        if hit < chance + margin:
            problems.append(f'{name}\'s attention points at its class no better than chance: '
                            f'pointing game {hit:.1f} % against {chance:.1f} % for random '
                            f'points. {where}')
    return problems


def format_table(results: Dict[str, dict]) -> str:
    """Markdown table of the main metrics of each run (percent), with the pointing game."""
    lines = [
        '| model | ' + ' | '.join(TABLE_KEYS) + ' | pointing game (chance) |',
        '| --- |' + ' ---: |' * (len(TABLE_KEYS) + 1)
    ]
    for name, result in results.items():
        values = [result['metrics'][f'multi-label/{k}'] for k in TABLE_KEYS]
        pointing = result.get('pointing_game')
        game = ('-' if pointing is None else
                f"{pointing['pointing_game']:.1f} ({pointing['pointing_game_chance']:.1f})")
        lines.append(f'| {name} | ' + ' | '.join(f'{v:.1f}' for v in values) + f' | {game} |')
    return '\n'.join(lines)


def write_demo_plots(results: Dict[str, dict],
                     info: dict,
                     out_dir: str,
                     num_images: int = 2) -> list:
    """Per-class AP, SSGRL vs baseline, attention grids, pointing-game cases, label graph,
    training curves."""
    from mmml_plugin.apis.pointing_game import plot_best_and_worst
    from mmml_plugin.visualization import (plot_label_graph, plot_per_class_ap, plot_run_comparison,
                                           plot_training_curves)
    from mmml_plugin.visualization.training_curves import config_ap_mode
    os.makedirs(out_dir, exist_ok=True)
    classes = info['classes']
    ap = {name: r['metrics']['multi-label/AP_classwise'] for name, r in results.items()}
    # the AP_classwise above is in the headline mode of each config's metric (the first ap_mode)
    modes = {name: config_ap_mode(r['cfg'], 'test_evaluator') for name, r in results.items()}
    files = []
    for name, (_, _, slug) in zip(results, DEMO_RUNS):
        files.append(
            plot_per_class_ap(ap[name],
                              classes,
                              osp.join(out_dir, f'ap_{slug}.png'),
                              title=f'{name}: per-class AP on the demo val set '
                              f'({modes[name]} AP)',
                              ap_mode=modes[name]))
        files.append(
            plot_training_curves(results[name]['work_dir'], osp.join(out_dir,
                                                                     f'curves_{slug}.png')))
    (ssgrl, baseline) = list(results)[:2]
    files.append(
        plot_run_comparison(ap[ssgrl],
                            ap[baseline],
                            classes,
                            osp.join(out_dir, 'ssgrl_vs_baseline.png'),
                            names=(ssgrl, baseline),
                            ap_mode=modes[ssgrl] if modes[ssgrl] == modes[baseline] else None))
    files.append(plot_label_graph(info['graph_file'], osp.join(out_dir, 'label_graph.png')))
    inferencer = results[ssgrl]['inferencer']
    val_dir = info['val_img_prefix']
    for image in sorted(os.listdir(val_dir))[:num_images]:
        result = inferencer(osp.join(val_dir, image), topk=3)[0]  # the 3 best labels
        files.append(
            inferencer.save_attention_grid(
                result, osp.join(out_dir, f'attention_{osp.splitext(image)[0]}.png')))
    files.extend(plot_best_and_worst(inferencer, results[ssgrl]['pointing_game'], out_dir))
    return files


def run_demo(work_dir: str = 'work_dirs/demo',
             num_train: int = 640,
             num_val: int = 160,
             max_epochs: Optional[int] = None,
             seed: int = 0,
             num_digit_images: int = 2000,
             pretrain_epochs: Optional[int] = None,
             image_size: int = 128,
             margin: float = CHANCE_MARGIN) -> dict:
    """Run the whole demo and return ``{'table', 'results', 'plots', 'summary'}``.

    Args:
        work_dir (str): everything goes here: ``data/``, one folder per run, ``plots/``,
            ``summary.json``.
        num_train (int): demo training images.
        num_val (int): demo validation images.
        max_epochs (int, optional): override the demo configs' epochs.
        seed (int): seed of the generated data.
        num_digit_images (int): single-digit images of the pretraining stage.
        pretrain_epochs (int, optional): override the pretraining config's epochs.
        image_size (int): side of the generated images (the configs expect 128).
        margin (float): see :func:`check_learned`.

    Raises:
        DemoCheckError: a model ended near chance (``summary.json`` is written first).
    """
    from mmml_plugin.apis.inference import MultiLabelInferencer
    from mmml_plugin.apis.pointing_game import evaluate_pointing_game, pointing_game_report
    seconds, cpu_seconds = {}, {}
    clock = _StageClock(seconds, cpu_seconds)
    work_dir = osp.abspath(work_dir)
    data_root = osp.join(work_dir, 'data')
    info = prepare_demo_data(data_root,
                             num_train,
                             num_val,
                             image_size=image_size,
                             seed=seed,
                             num_digit_images=num_digit_images)
    clock.stop('data')
    pretrained = pretrain_backbone(data_root, osp.join(work_dir, 'pretrain'), pretrain_epochs)
    clock.stop('pretrain')
    results = {}
    for name, config, slug in DEMO_RUNS:
        run_dir = osp.join(work_dir, slug)
        results[name] = train_and_test(get_config_file(config), run_dir, data_root, max_epochs)
        results[name]['work_dir'] = run_dir
        clock.stop(slug)
    ssgrl = DEMO_RUNS[0][0]
    inferencer = MultiLabelInferencer(results[ssgrl]['cfg'], results[ssgrl]['checkpoint'])
    results[ssgrl]['inferencer'] = inferencer
    game = evaluate_pointing_game(inferencer,
                                  info['val_ann'],
                                  info['val_img_prefix'],
                                  progress=False)
    results[ssgrl]['pointing_game'] = game
    results[ssgrl]['metrics'].update(pointing_game=game['pointing_game'],
                                     pointing_game_chance=game['pointing_game_chance'])
    clock.stop('pointing_game')
    table = format_table(results)
    plots = write_demo_plots(results, info, osp.join(work_dir, 'plots'))
    clock.stop('plots')

    prior = label_prior_map(info['val_ann'])
    problems = []
    models = {}
    for name, config, slug in DEMO_RUNS:
        metrics = results[name]['metrics']
        where = (f'Look at its training curves ({osp.join(work_dir, "plots", f"curves_{slug}.png")}'
                 f'; a loss flat from the first epochs means it never left the label prior), '
                 f'its log in {results[name]["log_dir"]}, and the pretraining log in '
                 f'{osp.join(work_dir, "pretrain")} (its backbone initialises both models).')
        problems += check_learned(name, metrics, prior, where, margin)
        models[name] = {
            k.split('/', 1)[-1]: v
            for k, v in metrics.items() if not isinstance(v, (list, tuple))
        }
        models[name]['AP_classwise'] = metrics['multi-label/AP_classwise']
        models[name].update(config=config, checkpoint=results[name]['checkpoint'])
    report = pointing_game_report(game, info['classes'])
    report.pop('pairs')
    summary = dict(models=models,
                   label_prior_mAP=prior,
                   pointing_game=report,
                   pretrain=pretrained,
                   table=table,
                   plots=plots,
                   check_problems=problems,
                   seconds={
                       k: round(v, 1)
                       for k, v in seconds.items()
                   },
                   cpu_seconds={
                       k: round(v, 1)
                       for k, v in cpu_seconds.items()
                   },
                   torch_threads=torch.get_num_threads())
    with open(osp.join(work_dir, 'summary.json'), 'w') as f:
        json.dump(summary, f, indent=2)
    if problems:  # summary.json is written first: it holds the numbers behind the failure
        raise DemoCheckError('the demo failed its self-check:\n- ' + '\n- '.join(problems))
    return dict(table=table, results=results, plots=plots, summary=summary)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=640, help='multi-digit train images')
    parser.add_argument('--num-val', type=int, default=160, help='multi-digit val images')
    parser.add_argument('--num-digit-images',
                        type=int,
                        default=2000,
                        help='single-digit images of the pretraining stage')
    parser.add_argument('--max-epochs', type=int, default=None, help="override the configs'")
    parser.add_argument('--pretrain-epochs',
                        type=int,
                        default=None,
                        help="override the pretraining config's epochs")
    parser.add_argument('--seed', type=int, default=0, help='seed of the generated data')
    parser.add_argument('--margin',
                        type=float,
                        default=CHANCE_MARGIN,
                        help='self-check: points above chance a model must reach')
    args = parser.parse_args(argv)
    try:
        out = run_demo(args.work_dir,
                       args.num_train,
                       args.num_val,
                       args.max_epochs,
                       args.seed,
                       num_digit_images=args.num_digit_images,
                       pretrain_epochs=args.pretrain_epochs,
                       margin=args.margin)
    except DemoCheckError as error:
        print(f'\nmake demo FAILED: {error}\nNumbers: {args.work_dir}/summary.json',
              file=sys.stderr)
        sys.exit(1)
    summary = out['summary']
    print('\nDemo results on the generated val set (percent; label prior mAP '
          f"{summary['label_prior_mAP']:.1f}):\n")
    print(out['table'])
    print('\nSSGRL attention, ' + pointing_game_lines(summary['pointing_game']))
    print('\nSeconds per stage, wall (CPU): ' +
          ', '.join(f"{k} {v:.0f} ({summary['cpu_seconds'][k]:.0f})"
                    for k, v in summary['seconds'].items()))
    print('\nPlots:\n' + '\n'.join(f'  {p}' for p in out['plots']))


if __name__ == '__main__':
    main()
