"""Training steps of SSGRL-R101 and the R101 baseline, fp32 / AMP fp16 / AMP bf16, on any device.

    python tools/benchmarks/gpu_train.py                         # CUDA when present: 576 px,
                                                                 # batch 4/16/32, fp32 fp16 bf16
    python tools/benchmarks/gpu_train.py --channels-last
    python tools/benchmarks/gpu_train.py --device cpu --image-size 64 --batch-sizes 2 \\
        --steps 2 --warmup 1 --dtypes fp32 bf16                  # the CPU smoke run of the tests

Both models are built from the official-recipe configs (``configs/ssgrl/ssgrl_r101_1xb4_coco-
576px.py``, ``configs/resnet/resnet101_1xb4_coco-576px.py``) with random stand-in label files and
no ImageNet download, and trained by ``model.train_step`` through mmengine's optimizer wrappers:
``OptimWrapper`` (fp32) and ``AmpOptimWrapper`` (dynamic loss scale, fp16 or bf16 autocast). On
the CPU, where mmengine refuses to build ``AmpOptimWrapper``, the AMP rows use ``OptimWrapper``
with ``torch.autocast('cpu')`` and no loss scale (``wrapper`` in the output says which).

A third model, ``literal``, is SSGRL with the paper-literal head (``LiteralSSGRLHead``: every
term of Eq. 1-8 materialised) holding the same weights as the fused head.

Prints one JSON line:

* ``runs``: per model x dtype x batch: images/s, step time, peak memory
  (``torch.cuda.max_memory_allocated`` over the timed steps, CUDA only), model FLOP utilisation
  ``mfu`` = training-step FLOPs (forward + backward, ``torch.utils.flop_counter``) x images/s /
  the measured dense bf16 matmul rate (``matmul_bf16_tflops``);
* ``head``: the SSGRL head alone (forward + backward on the backbone's map), fused vs literal:
  time and peak-memory ratios;
* ``ratios``: SSGRL / baseline time per image, literal / fused step time and memory;
* ``logits_max_abs_diff``: AMP logits vs fp32 logits (same weights, eval mode), per model;
  ``literal_vs_fused_max_abs_diff``: the literal head vs ours in fp32 (same weights);
* ``targets``: the GPU training targets (``evaluate_targets``: SSGRL step time within 1.25x of
  the baseline under AMP, fused head >= 3x faster and <= 0.3x the literal head's peak memory, AMP
  logits within 1e-2 of fp32, the best AMP MFU), each evaluated where the needed rows exist.

``--time-budget S`` skips what would start after S seconds (recorded as ``skipped``).
"""
import argparse
import copy
import json
import os.path as osp
import tempfile
import time
from contextlib import contextmanager, nullcontext
from typing import Dict, List, Optional

import numpy as np
import torch
import torch.nn as nn
from _label_files import stand_in_label_files  # this folder (see _label_files.py)
from mmengine.config import Config
from mmengine.optim import AmpOptimWrapper, OptimWrapper
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample
from torch.utils.flop_counter import FlopCounterMode

import mmml_plugin  # noqa: F401  (registers the SSGRL modules)
from mmml_plugin.models import convert_official_ssgrl
from mmml_plugin.models.reference import LiteralSSGRLHead

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))

CONFIGS = dict(ssgrl='configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py',
               baseline='configs/resnet/resnet101_1xb4_coco-576px.py')
DTYPES = dict(fp32=torch.float32, fp16=torch.float16, bf16=torch.bfloat16)
MODELS_ORDER = ('baseline', 'ssgrl', 'literal')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--image-size', type=int, default=576)
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[4, 16, 32])
    parser.add_argument('--dtypes', nargs='+', choices=list(DTYPES), default=list(DTYPES))
    parser.add_argument('--models', nargs='+', choices=MODELS_ORDER, default=list(MODELS_ORDER))
    parser.add_argument('--steps', type=int, default=10, help='timed steps per run')
    parser.add_argument('--warmup', type=int, default=3, help='untimed steps per run')
    parser.add_argument('--channels-last',
                        action='store_true',
                        help='model and images in channels_last memory format')
    parser.add_argument('--matmul-size',
                        type=int,
                        default=None,
                        help='side of the bf16 matmul that measures the peak rate '
                        '(default 8192 on CUDA, 512 on the CPU)')
    parser.add_argument('--time-budget',
                        type=float,
                        default=None,
                        help='seconds; runs that would start later are skipped')
    parser.add_argument('--threads', type=int, default=None, help='CPU threads')
    parser.add_argument('--out', default=None, help='also write the JSON line to this file')
    return parser.parse_args(argv)


class CPUAutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose forward runs under ``torch.autocast('cpu', dtype)``.

    The CPU stand-in for ``AmpOptimWrapper``, which mmengine builds only with an accelerator; no
    loss scaling.

    Args:
        dtype (torch.dtype): autocast dtype.
        **kwargs: ``OptimWrapper`` arguments.
    """

    def __init__(self, dtype: torch.dtype, **kwargs):
        super().__init__(**kwargs)
        self.cast_dtype = dtype

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast('cpu', dtype=self.cast_dtype):
            yield


class LiteralHead(nn.Module):
    """The paper-literal head behind mmpretrain's head interface (``loss``/``predict``).

    Args:
        literal (nn.Module): ``LiteralSSGRLHead``, backbone map -> logits.
        fused_head (nn.Module): the fused ``SSGRLHead`` whose loss (BCE, averaged the same way)
            is reused; not registered as a sub-module, so its parameters are not trained.
    """

    def __init__(self, literal: nn.Module, fused_head: nn.Module):
        super().__init__()
        self.literal = literal
        self._fused = [fused_head]

    def forward(self, feats):
        return self.literal(feats[-1])

    def loss(self, feats, data_samples):
        return self._fused[0]._get_loss(self(feats), data_samples)

    def predict(self, feats, data_samples=None):
        return self._fused[0]._get_predictions(self(feats), data_samples)


def build_models(names: List[str], folder: str) -> Dict[str, nn.Module]:
    """The configs' models (no ImageNet init, random stand-in label files written to
    ``folder``); ``literal`` is SSGRL with the paper-literal head, same weights as the fused
    head."""
    models = {}
    for name in ('baseline', 'ssgrl'):
        if name == 'baseline' and 'baseline' not in names:
            continue
        cfg = Config.fromfile(osp.join(ROOT, CONFIGS[name]))
        model_cfg = cfg.model
        model_cfg.backbone.init_cfg = None  # no download: random weights time the same
        model_cfg.setdefault('data_preprocessor', cfg.get('data_preprocessor'))
        if name == 'ssgrl':
            head = model_cfg.head
            files = stand_in_label_files(folder, head.num_classes, head.embed_dims)
            head.update(embedding_file=files['embedding_file'], graph_file=files['graph_file'])
            head.pop('classes', None)  # the stand-in files name their classes class_0, ...
            literal_args = dict(D=head.in_channels,
                                I=head.inter_channels,
                                out_channels=head.out_channels,
                                num_steps=head.num_steps,
                                reset_gate=head.reset_gate,
                                pool=head.pool)
        models[name] = MODELS.build(model_cfg)
    if 'literal' in names:
        fused = models['ssgrl'].head
        emb = torch.from_numpy(np.load(files['embedding_file'])['embeddings'])
        adj = torch.from_numpy(np.load(files['graph_file'])['adj'])
        literal = LiteralSSGRLHead(emb, adj, **literal_args)
        weights = {
            k: v
            for k, v in literal.state_dict().items()
            if k not in ('embeddings', 'graph_net.adjacency')
        }
        fused.load_state_dict(convert_official_ssgrl(weights, head_prefix='')[0])
        model = copy.deepcopy(models['ssgrl'])
        model.head = LiteralHead(literal, model.head)
        models['literal'] = model
    return {n: models[n] for n in MODELS_ORDER if n in names}


def make_data(batch: int,
              size: int,
              num_classes: int,
              device: torch.device,
              channels_last: bool,
              seed: int = 0) -> dict:
    """Random uint8 images (as a data loader gives them) with 1-3 random labels each."""
    g = torch.Generator().manual_seed(seed)
    images = torch.randint(0, 256, (batch, 3, size, size), dtype=torch.uint8, generator=g)
    images = images.to(device)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
    samples = []
    for _ in range(batch):
        k = int(torch.randint(1, 4, (1, ), generator=g))
        samples.append(DataSample().set_gt_label(
            torch.randperm(num_classes, generator=g)[:k].tolist()))
    return dict(inputs=images, data_samples=samples)


def make_wrapper(model: nn.Module, dtype: str, device: torch.device) -> OptimWrapper:
    """Adam (the recipe's optimizer) in the wrapper ``tools/train.py --amp`` would use."""
    optimizer = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=1e-5)
    if dtype == 'fp32':
        return OptimWrapper(optimizer=optimizer)
    if device.type == 'cpu':
        return CPUAutocastOptimWrapper(DTYPES[dtype], optimizer=optimizer)
    return AmpOptimWrapper(loss_scale='dynamic', dtype=DTYPES[dtype], optimizer=optimizer)


def sync(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.synchronize(device)


def matmul_tflops(device: torch.device, n: int, repeats: int = 20) -> float:
    """Measured dense bf16 matmul rate (TFLOP/s) on ``device``: the MFU denominator."""
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - start) / 1e12


def step_flops(model: nn.Module, data: dict, device: torch.device) -> int:
    """FLOPs of one fp32 training step (forward + backward) of a throw-away copy."""
    clone = copy.deepcopy(model)
    wrapper = make_wrapper(clone, 'fp32', device)
    counter = FlopCounterMode(display=False)
    with counter:
        clone.train_step(data, wrapper)
    del clone, wrapper
    return counter.get_total_flops()


def peak_mb(device: torch.device) -> Optional[float]:
    if device.type != 'cuda':
        return None
    return round(torch.cuda.max_memory_allocated(device) / 2**20, 1)


def reset_peak(device: torch.device) -> None:
    if device.type == 'cuda':
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)


def is_oom(error: BaseException) -> bool:
    return isinstance(error, torch.cuda.OutOfMemoryError) or 'out of memory' in str(error)


def time_steps(model: nn.Module, data: dict, dtype: str, device: torch.device, steps: int,
               warmup: int) -> dict:
    """Warm-up then timed ``model.train_step`` calls; time per step and peak memory."""
    wrapper = make_wrapper(model, dtype, device)
    model.train()
    reset_peak(device)
    for _ in range(warmup):
        model.train_step(data, wrapper)
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        log_vars = model.train_step(data, wrapper)
    sync(device)
    step_s = (time.perf_counter() - start) / steps
    loss = float(torch.as_tensor(log_vars['loss']).detach())
    if not np.isfinite(loss):
        raise FloatingPointError(f'non-finite loss {loss} in {dtype}')
    out = dict(wrapper=type(wrapper).__name__,
               step_s=step_s,
               peak_mem_mb=peak_mb(device),
               loss=round(loss, 5))
    if isinstance(wrapper, AmpOptimWrapper):
        out['loss_scale'] = float(wrapper.loss_scaler.get_scale())
    return out


def head_step(head: nn.Module, fmap: torch.Tensor, dtype: str, device: torch.device, steps: int,
              warmup: int) -> dict:
    """Forward + backward of a head alone on a fixed backbone map."""
    ctx = (nullcontext() if dtype == 'fp32' else torch.autocast(device.type, dtype=DTYPES[dtype]))

    def one():
        x = fmap.detach().requires_grad_()
        with ctx:
            logits = head((x, ))
        logits.float().sum().backward()

    head.zero_grad(set_to_none=True)
    reset_peak(device)
    base = torch.cuda.memory_allocated(device) if device.type == 'cuda' else 0
    for _ in range(warmup):
        one()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        one()
    sync(device)
    peak = peak_mb(device)
    head.zero_grad(set_to_none=True)
    return dict(step_s=(time.perf_counter() - start) / steps,
                peak_mem_mb=None if peak is None else round(peak - base / 2**20, 1))


@torch.no_grad()
def logits_of(model: nn.Module, data: dict, dtype: str, device: torch.device) -> torch.Tensor:
    model.eval()
    inputs = model.data_preprocessor(data, False)['inputs']
    ctx = (nullcontext() if dtype == 'fp32' else torch.autocast(device.type, dtype=DTYPES[dtype]))
    with ctx:
        logits = model(inputs, mode='tensor')
    return logits.float()


def ratio(a, b, digits=3):
    return None if a is None or b is None or b == 0 else round(a / b, digits)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    device = torch.device(args.device)
    if device.type == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda: no CUDA GPU is visible; use --device cpu.')
    if args.threads:
        torch.set_num_threads(args.threads)
    if device.type == 'cuda':
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(0)
    names = list(args.models)
    if 'literal' in names and 'ssgrl' not in names:
        names.append('ssgrl')  # the literal head takes the fused head's weights
    with tempfile.TemporaryDirectory() as folder:
        models = build_models(names, folder)
    memory_format = torch.channels_last if args.channels_last else torch.contiguous_format
    num_classes = models['ssgrl' if 'ssgrl' in models else 'baseline'].head.num_classes

    n = args.matmul_size or (8192 if device.type == 'cuda' else 512)
    peak_tflops = matmul_tflops(device, n)

    def over_budget():
        return args.time_budget is not None and time.perf_counter() - t0 > args.time_budget

    probe = make_data(2, args.image_size, num_classes, device, args.channels_last, seed=1)
    logits_diff, ref_logits, flops_per_image, runs, heads = {}, {}, {}, [], []
    for name, model in models.items():
        # one model on the device at a time: its peak memory is its own
        model.to(device=device, memory_format=memory_format)
        # AMP vs fp32 logits (same weights, eval mode), before any training step
        ref_logits[name] = logits_of(model, probe, 'fp32', device)
        logits_diff[name] = {
            d: float(f'{(logits_of(model, probe, d, device) - ref_logits[name]).abs().max():.3g}')
            for d in args.dtypes if d != 'fp32'
        }
        if name not in args.models:
            model.cpu()
            continue
        for batch in args.batch_sizes:
            data = make_data(batch, args.image_size, num_classes, device, args.channels_last)
            if name not in flops_per_image:
                flops_per_image[name] = step_flops(model, data, device) / batch
            for dtype in args.dtypes:
                row = dict(model=name, dtype=dtype, batch=batch)
                if over_budget():
                    runs.append(dict(row, status='skipped (time budget)'))
                    continue
                try:
                    row.update(time_steps(model, data, dtype, device, args.steps, args.warmup))
                except RuntimeError as error:  # OOM is a result, anything else is a bug
                    if not is_oom(error):
                        raise
                    runs.append(dict(row, status='out of memory'))
                    reset_peak(device)
                    continue
                ips = batch / row['step_s']
                row.update(status='ok',
                           images_per_s=round(ips, 2),
                           step_s=round(row['step_s'], 5),
                           mfu=round(flops_per_image[name] * ips / (peak_tflops * 1e12), 4))
                runs.append(row)
            del data
        model.cpu()
        reset_peak(device)
    literal_diff = None
    if 'literal' in models:
        literal_diff = float(f"{(ref_logits['literal'] - ref_logits['ssgrl']).abs().max():.3g}")

    # the SSGRL head alone, fused vs literal, on the backbone's map
    if 'literal' in args.models and 'ssgrl' in args.models:
        ssgrl, literal_head = models['ssgrl'], models['literal'].head
        ssgrl.to(device=device, memory_format=memory_format)
        literal_head.to(device=device, memory_format=memory_format)
        ssgrl.eval()
        for batch in args.batch_sizes:
            data = make_data(batch, args.image_size, num_classes, device, args.channels_last)
            with torch.no_grad():
                fmap = ssgrl.extract_feat(ssgrl.data_preprocessor(data, False)['inputs'])[-1]
            del data
            for dtype in args.dtypes:
                row = dict(dtype=dtype, batch=batch)
                if over_budget():
                    heads.append(dict(row, status='skipped (time budget)'))
                    continue
                try:
                    fused = head_step(ssgrl.head, fmap, dtype, device, args.steps, args.warmup)
                    lit = head_step(literal_head, fmap, dtype, device, args.steps, args.warmup)
                except RuntimeError as error:
                    if not is_oom(error):
                        raise
                    heads.append(dict(row, status='out of memory'))
                    reset_peak(device)
                    continue
                heads.append(
                    dict(row,
                         status='ok',
                         fused_s=round(fused['step_s'], 5),
                         literal_s=round(lit['step_s'], 5),
                         speedup=ratio(lit['step_s'], fused['step_s']),
                         fused_peak_mb=fused['peak_mem_mb'],
                         literal_peak_mb=lit['peak_mem_mb'],
                         mem_ratio=ratio(fused['peak_mem_mb'], lit['peak_mem_mb'])))
            del fmap
        ssgrl.cpu()
        literal_head.cpu()

    ok = {(r['model'], r['dtype'], r['batch']): r for r in runs if r.get('status') == 'ok'}
    ratios = []
    for (name, dtype, batch), r in ok.items():
        if name != 'ssgrl':
            continue
        base, lit = ok.get(('baseline', dtype, batch)), ok.get(('literal', dtype, batch))
        ratios.append(
            dict(dtype=dtype,
                 batch=batch,
                 ssgrl_over_baseline_time=ratio(r['step_s'], base and base['step_s']),
                 literal_over_fused_step_time=ratio(lit and lit['step_s'], r['step_s']),
                 fused_over_literal_step_mem=ratio(r['peak_mem_mb'], lit and lit['peak_mem_mb'])))

    print_json(
        dict(bench='gpu_train',
             device=str(device),
             device_name=(torch.cuda.get_device_name(device) if device.type == 'cuda' else 'cpu'),
             torch=torch.__version__,
             cuda=torch.version.cuda,
             image_size=args.image_size,
             channels_last=args.channels_last,
             steps=args.steps,
             warmup=args.warmup,
             threads=torch.get_num_threads() if device.type == 'cpu' else None,
             matmul_bf16_tflops=round(peak_tflops, 3),
             matmul_size=n,
             gflop_per_image={
                 k: round(v / 1e9, 2)
                 for k, v in flops_per_image.items()
             },
             logits_max_abs_diff=logits_diff,
             literal_vs_fused_max_abs_diff=literal_diff,
             runs=runs,
             head=heads,
             ratios=ratios,
             targets=evaluate_targets(ok, heads, logits_diff, args),
             seconds=round(time.perf_counter() - t0, 1)), args.out)


def evaluate_targets(ok: dict, heads: list, logits_diff: dict, args) -> dict:
    """The GPU training targets, each ``None`` when the rows it needs were not run.

    Args:
        ok (dict): the finished runs, keyed by (model, dtype, batch).
        heads (list): the head-alone rows (fused vs literal).
        logits_diff (dict): AMP vs fp32 logits, per model and dtype.
        args (argparse.Namespace): the command's arguments (batch sizes, dtypes).

    Returns:
        dict: ``ssgrl_over_baseline_amp_le_1.25``, ``head_speedup_ge_3``,
        ``head_mem_ratio_le_0.3``, ``amp_logits_within_1e-2`` (booleans or ``None``) and
        ``best_amp_mfu``.
    """
    big = max(args.batch_sizes)
    amp = [d for d in ('bf16', 'fp16') if d in args.dtypes]
    out = {}
    overheads = [
        ratio(ok[('ssgrl', d, big)]['step_s'], ok[('baseline', d, big)]['step_s']) for d in amp
        if ('ssgrl', d, big) in ok and ('baseline', d, big) in ok
    ]
    out['ssgrl_over_baseline_amp_le_1.25'] = (min(overheads) <= 1.25) if overheads else None
    head_rows = [
        h for h in heads if h['batch'] == big and h.get('status') == 'ok' and h['dtype'] in amp
    ]
    out['head_speedup_ge_3'] = (max(h['speedup'] for h in head_rows) >= 3) if head_rows else None
    mems = [h['mem_ratio'] for h in head_rows if h['mem_ratio'] is not None]
    out['head_mem_ratio_le_0.3'] = (min(mems) <= 0.3) if mems else None
    diffs = [v for per_model in logits_diff.values() for v in per_model.values()]
    out['amp_logits_within_1e-2'] = (max(diffs) <= 1e-2) if diffs else None
    mfu = [r['mfu'] for r in ok.values() if r['dtype'] in amp]
    out['best_amp_mfu'] = max(mfu) if mfu else None
    return out


def print_json(result: dict, out: Optional[str]) -> None:
    line = json.dumps(result)
    print(line, flush=True)
    if out:
        with open(out, 'w') as f:
            f.write(line + '\n')


if __name__ == '__main__':
    main()
