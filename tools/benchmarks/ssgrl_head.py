"""SSGRL head (semantic decoupling + graph interaction), forward + backward on the CPU: this
plugin's fused modules against the paper-literal reference, same weights, same process.

    python tools/benchmarks/ssgrl_head.py [--batch 4] [--classes 80] [--repeats 5]

Prints one JSON line: ``speedup`` = reference time / ours (median of ``--repeats`` interleaved
runs after a warm-up), ``peak_mem_ratio`` = our peak / reference peak of the memory allocated
during forward + backward (torch profiler), ``max_abs_diff`` over logits and input gradients.
``decoupling_speedup`` and ``interaction_speedup`` time the two halves alone.
"""
import argparse
import json
import tempfile

import numpy as np
import torch
from _head_timing import compare, step  # noqa: E402 (this folder; see _head_timing.py)
from _label_files import stand_in_label_files  # this folder (see _label_files.py)
from torch.profiler import ProfilerActivity, profile

from mmml_plugin.models import GraphInteractionHead, SSGRLHead, convert_official_ssgrl
from mmml_plugin.models.reference import LiteralSSGRLHead


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=4)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--channels', type=int, default=2048)
    parser.add_argument('--size', type=int, default=9, help='map side (after pooling)')
    parser.add_argument('--embed-dims', type=int, default=300)
    parser.add_argument('--inter-channels', type=int, default=1024)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args()


def build_pair(args, folder):
    """The literal reference with random weights and our SSGRLHead holding the same weights."""
    files = stand_in_label_files(folder, args.classes, args.embed_dims)
    emb = torch.from_numpy(np.load(files['embedding_file'])['embeddings'])
    adj = torch.from_numpy(np.load(files['graph_file'])['adj'])
    ref = LiteralSSGRLHead(emb,
                           adj,
                           D=args.channels,
                           I=args.inter_channels,
                           out_channels=args.channels,
                           pool=False)
    ours = SSGRLHead(args.classes,
                     files['embedding_file'],
                     files['graph_file'],
                     in_channels=args.channels,
                     embed_dims=args.embed_dims,
                     inter_channels=args.inter_channels,
                     pool=False,
                     out_channels=args.channels)
    weights = {
        k: v
        for k, v in ref.state_dict().items() if k not in ('embeddings', 'graph_net.adjacency')
    }
    ours.load_state_dict(convert_official_ssgrl(weights, head_prefix='')[0])
    return ref, ours


def peak_bytes(fn, x):
    """Peak of the bytes allocated during ``fn`` (CPU), from the profiler's allocation events."""
    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as prof:
        step(fn, x)
    events = sorted((e for e in prof.profiler.kineto_results.events() if e.name() == '[memory]'),
                    key=lambda e: e.start_ns())
    current = peak = 0
    for e in events:
        current += e.nbytes()
        peak = max(peak, current)
    return peak


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        ref, ours = build_pair(args, folder)
    x = torch.randn(args.batch, args.channels, args.size, args.size)

    ref_logits, ref_grad = step(ref, x)
    our_logits, our_grad = step(lambda t: ours((t, )), x)
    max_abs_diff = max((ref_logits - our_logits).abs().max().item(),
                       (ref_grad - our_grad).abs().max().item())

    ref_time, our_time = compare(ref, lambda t: ours((t, )), x, args.repeats)
    ref_peak, our_peak = peak_bytes(ref, x), peak_bytes(lambda t: ours((t, )), x)

    # the two halves alone: decoupling (map -> per-class features), interaction (features -> logits)
    sd_ref, sd_ours = compare(lambda t: ref.word_semantic(t, ref.embeddings)[0], ours.decoupling, x,
                              args.repeats)
    h0 = torch.randn(args.batch, args.classes, args.channels)
    gi_ref, gi_ours = compare(ref.interaction,
                              lambda h: ours.classifier(GraphInteractionHead.pre_logits(ours, h)),
                              h0, args.repeats)

    print(
        json.dumps(
            dict(bench='ssgrl_head',
                 speedup=round(ref_time / our_time, 2),
                 peak_mem_ratio=round(our_peak / ref_peak, 4),
                 max_abs_diff=float(f'{max_abs_diff:.3g}'),
                 ref_s=round(ref_time, 3),
                 ours_s=round(our_time, 3),
                 ref_peak_mb=round(ref_peak / 2**20, 1),
                 ours_peak_mb=round(our_peak / 2**20, 1),
                 decoupling_speedup=round(sd_ref / sd_ours, 2),
                 interaction_speedup=round(gi_ref / gi_ours, 2),
                 interaction_share_of_ours=round(gi_ours / our_time, 3),
                 batch=args.batch,
                 classes=args.classes,
                 channels=args.channels,
                 map=args.size,
                 embed_dims=args.embed_dims,
                 inter_channels=args.inter_channels,
                 repeats=args.repeats,
                 threads=torch.get_num_threads())))


if __name__ == '__main__':
    main()
