"""ML-GCN head, forward + backward on the CPU: this plugin's MLGCNHead against the paper-literal
reference (mmml_plugin/models/reference/mlgcn_reference.py), same weights, same process.

    python tools/benchmarks/mlgcn_head.py [--batch 16] [--classes 80] [--repeats 5]

Prints one JSON line: ``speedup`` = reference time / ours (median of ``--repeats`` interleaved
runs after a warm-up), ``max_abs_diff`` over logits and input gradients. The input is the
(B, 2048, 14, 14) map of a ResNet-101 at 448 px.
"""
import argparse
import json
import os.path as osp
import tempfile

import numpy as np
import torch
from _head_timing import compare_heads  # noqa: E402 (this folder; see _head_timing.py)

from mmml_plugin.models.heads import MLGCNHead
from mmml_plugin.models.reference import LiteralMLGCN


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=16)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--channels', type=int, default=2048)
    parser.add_argument('--size', type=int, default=14, help='map side')
    parser.add_argument('--embed-dims', type=int, default=300)
    parser.add_argument('--hidden', type=int, default=1024)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args()


def build_pair(args, folder):
    """Random label files; the literal reference and our head with the same weights."""
    rng = np.random.default_rng(0)
    c = args.classes
    classes = np.array([f'class{i}' for i in range(c)])
    pairs = np.triu(rng.integers(0, 50, (c, c)), 1)
    counts = pairs + pairs.T
    nums = counts.max(1) + rng.integers(1, 50, c)
    np.fill_diagonal(counts, nums)
    graph, emb = osp.join(folder, 'graph.npz'), osp.join(folder, 'emb.npz')
    np.savez(graph, adj=(counts / nums[:, None]).astype(np.float32), counts=counts, classes=classes)
    embeddings = rng.standard_normal((c, args.embed_dims)).astype(np.float32)
    np.savez(emb, embeddings=embeddings, classes=classes)
    pair_counts = counts.copy()
    np.fill_diagonal(pair_counts, 0)
    ref = LiteralMLGCN(pair_counts,
                       nums,
                       torch.from_numpy(embeddings),
                       hidden=args.hidden,
                       out_channels=args.channels)
    ours = MLGCNHead(c,
                     emb,
                     graph,
                     in_channels=args.channels,
                     embed_dims=args.embed_dims,
                     hidden_channels=args.hidden)
    ours.gc1.weight.data.copy_(ref.gc1.weight.data)
    ours.gc2.weight.data.copy_(ref.gc2.weight.data)
    return ref, ours


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory() as folder:
        ref, ours = build_pair(args, folder)
    x = torch.randn(args.batch, args.channels, args.size, args.size)
    ours_fn = lambda t: ours((t, ))  # noqa: E731
    print(
        json.dumps(
            dict(bench='mlgcn_head',
                 **compare_heads(ref, ours_fn, x, args.repeats),
                 batch=args.batch,
                 classes=args.classes,
                 channels=args.channels,
                 map=args.size,
                 embed_dims=args.embed_dims,
                 hidden=args.hidden,
                 repeats=args.repeats,
                 threads=torch.get_num_threads())))


if __name__ == '__main__':
    main()
