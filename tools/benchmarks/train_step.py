"""One training step of SSGRL-R101 against the ResNet-101 baseline at 576 px (stages 1-3 frozen,
batch 2, Adam), built from the two configs, in one process.

    python tools/benchmarks/train_step.py [--batch 2] [--size 576] [--repeats 5]

Prints one JSON line: ``overhead`` = SSGRL step time / baseline step time (medians of interleaved
runs after a warm-up), ``flop_ratio`` = SSGRL / baseline FLOPs of the whole training step, forward
and backward, counted by ``torch.utils.flop_counter.FlopCounterMode`` (it sees the backward
kernels, so frozen stages are counted as they run), ``overhead_per_flop`` = overhead / flop_ratio
(target <= 1.05), and ``fwd_flop_ratio_mmengine``, the forward FLOP ratio by mmengine's
FlopAnalyzer, as a cross-check.
"""
import argparse
import json
import os.path as osp
import statistics
import tempfile
import time

import torch
from _label_files import stand_in_label_files  # this folder (see _label_files.py)
from mmengine.analysis import FlopAnalyzer
from mmengine.config import Config
from mmengine.optim import OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch.utils.flop_counter import FlopCounterMode

import mmml_plugin  # noqa: F401  (registers the SSGRL modules)

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')

SSGRL = 'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py'
BASELINE = 'configs/resnet/resnet101_1xb4_coco-576px.py'


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--size', type=int, default=576)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args()


def build(config, label_files):
    """The config's model without ImageNet init, label files replaced by random stand-ins."""
    cfg = Config.fromfile(osp.join(ROOT, config))
    cfg.model.backbone.init_cfg = None
    if cfg.model.head.get('embedding_file'):
        cfg.model.head.update(label_files)
    return MODELS.build(cfg.model)


def train_step(model, optim, data):
    model.train_step(data, optim)


def timed(model, optim, data, device):
    if device == 'cuda':
        torch.cuda.synchronize()
    start = time.perf_counter()
    train_step(model, optim, data)
    if device == 'cuda':
        torch.cuda.synchronize()
    return time.perf_counter() - start


def main():
    args = parse_args()
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        files = stand_in_label_files(folder, 80)
        files.pop('classes')
        models = dict(ssgrl=build(SSGRL, files), baseline=build(BASELINE, files))
    data = dict(inputs=torch.randn(args.batch, 3, args.size, args.size),
                data_samples=[DataSample().set_gt_label([i, 2 * i + 1]) for i in range(args.batch)])
    optims, flops, fwd_flops = {}, {}, {}
    for name, model in models.items():
        model.to(args.device)
        optims[name] = OptimWrapper(
            torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5))
        counter = FlopCounterMode(display=False)
        with counter:
            train_step(model, optims[name], data)
        flops[name] = counter.get_total_flops()
        model.eval()
        fwd_flops[name] = FlopAnalyzer(model, data['inputs'][:1].to(args.device)).total()
        model.train()
        timed(model, optims[name], data, args.device)  # warm-up

    times = {name: [] for name in models}
    for _ in range(args.repeats):
        for name, model in models.items():
            times[name].append(timed(model, optims[name], data, args.device))
    t = {name: statistics.median(v) for name, v in times.items()}
    overhead = t['ssgrl'] / t['baseline']
    flop_ratio = flops['ssgrl'] / flops['baseline']
    print(
        json.dumps(
            dict(bench='train_step',
                 overhead=round(overhead, 3),
                 flop_ratio=round(flop_ratio, 3),
                 overhead_per_flop=round(overhead / flop_ratio, 3),
                 ssgrl_s=round(t['ssgrl'], 3),
                 baseline_s=round(t['baseline'], 3),
                 ssgrl_gflop=round(flops['ssgrl'] / 1e9, 1),
                 baseline_gflop=round(flops['baseline'] / 1e9, 1),
                 fwd_flop_ratio_mmengine=round(fwd_flops['ssgrl'] / fwd_flops['baseline'], 3),
                 batch=args.batch,
                 size=args.size,
                 repeats=args.repeats,
                 device=args.device,
                 threads=torch.get_num_threads())))


if __name__ == '__main__':
    main()
