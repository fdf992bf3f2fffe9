"""Benchmark the multi-label metric on a COCO-val-sized problem against sklearn and mmpretrain.

40,504 x 80 float32 scores (rounded to 1e-4, so many ties) with COCO-like label frequencies
(Zipf-like, 45% for the most frequent class, about 2.9 labels per image). In one process, best of
``--repeat`` round-robin runs each:

* ours: ``multilabel_metrics`` with all AP modes (sklearn, voc, voc11), CP..OF1 at 0.5 and top-3;
* sklearn: ``average_precision_score`` per class (the reference of the 'sklearn' mode);
* mmpretrain: ``AveragePrecision.calculate`` (its mAP);
* the floor: ``np.argsort(scores, axis=0)``, the ranking any exact AP needs.

All run single-threaded (torch is set to one thread; on a shared 2-core machine torch's own
threads otherwise oversubscribe the cores and make mmpretrain look ten times slower).

Prints one JSON line: speed-ups, ``over_sort`` = our time / argsort time, and the largest
difference of our 'sklearn' AP from sklearn's, in percent points.

``--path evaluator`` (default size 1,000,000 x 80) instead times the metric as a test run uses
it, side by side with its functional core, each in its own process so that each peak memory is
its own: ``multilabel_metrics`` on the (N, C) arrays, against ``MultiLabelMAP`` (defaults:
sklearn AP, thr 0.5, top-3) fed the batches through ``process`` and scored by ``evaluate``. A
batch is 64 samples as mmpretrain's data samples reach a metric: ``pred_score`` rows of the
batch's score tensor, ``gt_label`` index tensors and the ``gt_score`` one-hot rows the data
preprocessor adds (``to_onehot=True``, as every plugin config sets); ``--targets gt_label``
drops ``gt_score``, so the metric builds the targets from the label indices. Only the metric
calls are timed (building the samples is not). Peak memory is the rise of the process's peak
RSS over its RSS once the arrays exist, next to the size of the score and target arrays (Linux:
the peak is reset through ``/proc/self/clear_refs`` once the arrays exist).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np
import torch
from mmengine.utils import ProgressBar
from mmpretrain.evaluation import AveragePrecision
from sklearn.metrics import average_precision_score

from mmml_plugin.evaluation.functional import AP_MODES, multilabel_metrics


def make_problem(num_samples: int, num_classes: int, seed: int):
    """COCO-like scores and targets: (N, C) float32 and (N, C) int8."""
    rng = np.random.default_rng(seed)
    freq = rng.permutation(0.45 * np.arange(1, num_classes + 1)**-0.9)  # Zipf-like frequencies
    targets = (rng.random((num_samples, num_classes)) < freq).astype(np.int8)
    # a decent classifier: ~60% of the positives and ~0.4% of the negatives above 0.5
    logits = rng.normal(-4.0, 1.5, (num_samples, num_classes)) + 4.5 * targets
    scores = np.round(1 / (1 + np.exp(-logits)), 4).astype(np.float32)  # rounded: many ties
    return scores, targets


def best_times(contenders: dict, repeat: int) -> dict:
    """Best wall time of each callable, running them round-robin so that all see the same load."""
    best = {name: float('inf') for name in contenders}
    progress = ProgressBar(repeat * len(contenders), file=sys.stderr)  # stdout: the JSON only
    for _ in range(repeat):
        for name, fn in contenders.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
            progress.update()
    sys.stderr.write('\n')
    return best


def _rss_mb(field: str) -> float:
    """``VmRSS`` (now) or ``VmHWM`` (peak) of this process in MB (Linux)."""
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f'no {field} in /proc/self/status')


def _child(path: str, num_samples: int, num_classes: int, seed: int, dtype: str, batch: int,
           with_score: bool) -> dict:
    """One side of ``--path evaluator``, measured in this (fresh) process."""
    from mmml_plugin.evaluation import MultiLabelMAP

    scores, targets = make_problem(num_samples, num_classes, seed)
    scores = scores.astype(dtype)
    with open('/proc/self/clear_refs', 'w') as f:
        f.write('5')  # reset the peak RSS to the current RSS: building the problem peaked higher
    base = _rss_mb('VmRSS')
    if path == 'functional':
        start = time.perf_counter()
        values = multilabel_metrics(scores, targets, 'sklearn', thr=0.5, topk=3)
        seconds = dict(functional=time.perf_counter() - start)
        values = {k: 100 * v for k, v in values.items() if not k.startswith(('AP', 'no_'))}
    else:
        metric = MultiLabelMAP()
        scores_t = torch.from_numpy(scores)  # the head's output, row by row in the samples
        t_process = 0.0
        for i in range(0, num_samples, batch):
            rows = scores_t[i:i + batch]
            samples = [
                dict(pred_score=row, gt_label=torch.from_numpy(np.flatnonzero(t)))
                for row, t in zip(rows, targets[i:i + batch])
            ]
            if with_score:  # the preprocessor's one-hot rows of one (B, C) tensor
                for sample, row in zip(samples, torch.from_numpy(targets[i:i + batch]).float()):
                    sample['gt_score'] = row
            start = time.perf_counter()
            metric.process(None, samples)
            t_process += time.perf_counter() - start
        del samples, rows
        start = time.perf_counter()
        values = metric.evaluate(num_samples)
        seconds = dict(process=t_process, evaluate=time.perf_counter() - start)
        values = {k.split('/')[-1]: v for k, v in values.items()}
    return dict(seconds=seconds,
                peak_rise_mb=_rss_mb('VmHWM') - base,
                arrays_mb=(scores.nbytes + targets.nbytes) / 2**20,
                metrics=values)


def evaluator_path(args) -> dict:
    """Functional core and evaluator path, each measured in a fresh process."""
    sides = {}
    for path in ('functional', 'evaluator'):
        cmd = [
            sys.executable, __file__, '--child', path, '--num-samples',
            str(args.num_samples), '--num-classes',
            str(args.num_classes), '--seed',
            str(args.seed), '--dtype', args.dtype, '--targets', args.targets
        ]
        out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=os.environ)
        sides[path] = json.loads(out.stdout.strip().splitlines()[-1])
    fun, ev = sides['functional'], sides['evaluator']
    t_fun = fun['seconds']['functional']
    t_ev = ev['seconds']['process'] + ev['seconds']['evaluate']
    return {
        'bench': 'metric_evaluator_path',
        'over_functional': round(t_ev / t_fun, 3),
        'peak_over_arrays': round(ev['peak_rise_mb'] / ev['arrays_mb'], 3),
        'same_metrics': fun['metrics'] == ev['metrics'],
        'seconds': {
            'functional': round(t_fun, 3),
            **{
                k: round(v, 3)
                for k, v in ev['seconds'].items()
            }
        },
        'peak_rise_mb': {
            'functional': round(fun['peak_rise_mb']),
            'evaluator': round(ev['peak_rise_mb'])
        },
        'arrays_mb': round(ev['arrays_mb']),
        'shape': [args.num_samples, args.num_classes],
        'dtype': args.dtype,
        'targets': args.targets,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--path',
                        default='functional',
                        choices=('functional', 'evaluator'),
                        help='compare the functional API with sklearn / mmpretrain, or the '
                        'metric evaluator path with the functional API')
    parser.add_argument('--child', choices=('functional', 'evaluator'), help=argparse.SUPPRESS)
    parser.add_argument('--targets',
                        default='gt_score',
                        choices=('gt_score', 'gt_label'),
                        help='--path evaluator: the ground truth the data samples carry')
    parser.add_argument('--num-samples', type=int, help='40504 (functional), 1000000 (evaluator)')
    parser.add_argument('--num-classes', type=int, default=80)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--dtype',
                        default='float32',
                        choices=('float32', 'float64'),
                        help='score dtype (the plugin heads predict float64 scores)')
    args = parser.parse_args()
    torch.set_num_threads(1)  # every contender single-threaded, as numpy and sklearn are
    if args.num_samples is None:
        args.num_samples = 40504 if args.path == 'functional' and not args.child else 1000000
    if args.child:
        print(
            json.dumps(
                _child(args.child, args.num_samples, args.num_classes, args.seed, args.dtype, 64,
                       args.targets == 'gt_score')))
        return
    if args.path == 'evaluator':
        print(json.dumps(evaluator_path(args)))
        return

    scores, targets = make_problem(args.num_samples, args.num_classes, args.seed)
    scores = scores.astype(args.dtype)
    scores_t, targets_t = torch.from_numpy(scores), torch.from_numpy(targets.astype(np.int64))

    ours = multilabel_metrics(scores, targets, AP_MODES, thr=0.5, topk=3)
    sk_ap = np.array(
        [average_precision_score(targets[:, c], scores[:, c]) for c in range(args.num_classes)])
    times = best_times(
        {
            'argsort':
            lambda: np.argsort(scores, axis=0),
            'ours_all_modes':
            lambda: multilabel_metrics(scores, targets, AP_MODES, thr=0.5, topk=3),
            'sklearn':
            lambda:
            [average_precision_score(targets[:, c], scores[:, c]) for c in range(args.num_classes)],
            'mmpretrain':
            lambda: AveragePrecision.calculate(scores_t, targets_t),
        }, args.repeat)
    t_ours = times['ours_all_modes']
    max_diff = 100 * max(
        np.abs(ours['AP'] - sk_ap).max(),  # AP_MODES[0] is 'sklearn'
        abs(ours['mAP'] - sk_ap.mean()))
    print(
        json.dumps({
            'bench': 'metric',
            'speedup_vs_sklearn': round(times['sklearn'] / t_ours, 2),
            'speedup_vs_mmpretrain': round(times['mmpretrain'] / t_ours, 2),
            'over_sort': round(t_ours / times['argsort'], 3),
            'max_abs_diff_vs_sklearn': float(max_diff),
            'seconds': {
                k: round(v, 4)
                for k, v in times.items()
            },
            'shape': [args.num_samples, args.num_classes],
            'dtype': args.dtype,
        }))


if __name__ == '__main__':
    main()
