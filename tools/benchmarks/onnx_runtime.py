"""ONNX Runtime against PyTorch on the CPU, per exported model (SSGRL, ML-GCN, Query2Label, the
ResNet baseline), side by side in one process.

    python tools/benchmarks/onnx_runtime.py [--size 224] [--threads 2] [--repeats 5]

Each model is built from its real config (ResNet-101, random weights, stand-in label files of
the config's shapes), exported by :func:`mmml_plugin.apis.export.export_onnx` at ``--size`` px
(default: each config's own input size) and timed on the same random images: the exported
computation (normalisation, model, sigmoid) in PyTorch (``inference_mode``) and the ``.onnx``
in ONNX Runtime's CPU provider, both with ``--threads`` threads. Latency: median seconds of a
batch of 1; throughput: images/s of a batch of 8 (median); ``--repeats`` interleaved runs after a
warm-up. Prints one JSON line with both, the ratios (``ort_speedup_*`` = PyTorch time / ONNX
Runtime time) and the largest score difference.
"""
import argparse
import json
import os.path as osp
import statistics
import tempfile
import time

import numpy as np
import torch
from mmpretrain.apis import get_model

from mmml_plugin.apis.export import OnnxClassifier, export_onnx, onnx_session, run_onnx
from mmml_plugin.apis.flops import config_input_size, write_stand_in_label_files
from mmml_plugin.apis.train_test import load_config

ROOT = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..')
CONFIGS = {
    'ssgrl': 'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py',
    'mlgcn': 'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py',
    'query2label': 'configs/query2label/query2label_r101_1xb64_coco-448px.py',
    'baseline': 'configs/resnet/resnet101_1xb4_coco-576px.py',
}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--size', type=int, help='input side (default: each config\'s)')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--models', nargs='+', default=list(CONFIGS), choices=list(CONFIGS))
    return parser.parse_args()


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(torch_fn, ort_fn, repeats):
    """Median seconds of both, one warm-up each, then interleaved runs."""
    torch_fn(), ort_fn()
    t, o = [], []
    for _ in range(repeats):
        t.append(timed(torch_fn))
        o.append(timed(ort_fn))
    return statistics.median(t), statistics.median(o)


def bench_model(config, size, threads, repeats, folder):
    cfg = write_stand_in_label_files(load_config(osp.join(ROOT, config)), folder)
    cfg.model.backbone.init_cfg = None
    size = (size, size) if size else config_input_size(cfg)
    torch.manual_seed(0)
    model = get_model(cfg, pretrained=False, device='cpu')
    model.eval()
    classes = [f'class_{i}' for i in range(model.head.num_classes)]
    onnx_file = export_onnx(model, osp.join(folder, 'model.onnx'), size, classes)
    session = onnx_session(onnx_file, threads)
    wrapper = OnnxClassifier(model).eval()
    rng = np.random.default_rng(0)
    result = dict(size=list(size))
    max_diff = 0.
    for batch, key in ((1, 'latency'), (8, 'throughput')):
        x = rng.uniform(0, 255, (batch, 3, *size)).astype(np.float32)
        xt = torch.from_numpy(x)
        with torch.inference_mode():
            ref = wrapper(xt)[0].numpy()
            max_diff = max(max_diff, float(np.abs(run_onnx(session, x)['scores'] - ref).max()))

            def torch_fn():
                wrapper(xt)

            def ort_fn():
                session.run(['scores'], {'inputs': x})

            t, o = compare(torch_fn, ort_fn, repeats)
        if key == 'latency':
            result.update(torch_latency_ms=round(1e3 * t, 1),
                          ort_latency_ms=round(1e3 * o, 1),
                          ort_speedup_latency=round(t / o, 2))
        else:
            result.update(torch_images_per_s=round(batch / t, 2),
                          ort_images_per_s=round(batch / o, 2),
                          ort_speedup_throughput=round(t / o, 2))
    result['max_abs_diff_scores'] = float(f'{max_diff:.3g}')
    return result


def main():
    args = parse_args()
    torch.set_num_threads(args.threads)
    models = {}
    for name in args.models:
        with tempfile.TemporaryDirectory() as folder:
            models[name] = bench_model(CONFIGS[name], args.size, args.threads, args.repeats, folder)
    print(
        json.dumps(
            dict(bench='onnx_runtime',
                 threads=args.threads,
                 repeats=args.repeats,
                 latency_batch=1,
                 throughput_batch=8,
                 torch=torch.__version__,
                 onnxruntime=__import__('onnxruntime').__version__,
                 models=models)))


if __name__ == '__main__':
    main()
