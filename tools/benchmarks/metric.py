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
"""
import argparse
import json
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


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-samples', type=int, default=40504)
    parser.add_argument('--num-classes', type=int, default=80)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--dtype',
                        default='float32',
                        choices=('float32', 'float64'),
                        help='score dtype (the plugin heads predict float64 scores)')
    args = parser.parse_args()
    torch.set_num_threads(1)  # every contender single-threaded, as numpy and sklearn are

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
