"""Query2Label head, forward + backward on the CPU: this plugin's Query2LabelHead against the
paper-literal reference (mmml_plugin/models/reference/query2label_reference.py), same weights
(converted with the official-checkpoint converter), same process, dropout off in both.

    python tools/benchmarks/query2label_head.py [--batch 2] [--repeats 3]

Prints one JSON line: ``speedup`` = reference time / ours (median of ``--repeats`` interleaved
runs after a warm-up), ``max_abs_diff`` over logits and input gradients. Defaults are the
official R101-448 model: a (B, 2048, 14, 14) map, width 2048, FFN 8192, 4 heads, 1 + 2 layers.
"""
import argparse
import json

import torch
from _head_timing import compare_heads  # noqa: E402 (this folder; see _head_timing.py)

from mmml_plugin.models import convert_official_query2label
from mmml_plugin.models.heads import Query2LabelHead
from mmml_plugin.models.reference import LiteralQuery2Label


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--batch', type=int, default=2)
    parser.add_argument('--classes', type=int, default=80)
    parser.add_argument('--dims', type=int, default=2048)
    parser.add_argument('--ffn', type=int, default=8192)
    parser.add_argument('--heads', type=int, default=4)
    parser.add_argument('--size', type=int, default=14, help='map side')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--threads', type=int, default=None)
    return parser.parse_args()


def main():
    args = parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ref = LiteralQuery2Label(args.classes, args.dims, args.heads, args.ffn).train()
    ours = Query2LabelHead(args.classes,
                           args.dims,
                           args.dims,
                           num_heads=args.heads,
                           feedforward_channels=args.ffn,
                           dropout=0.0).train()
    ours.load_state_dict(convert_official_query2label(ref.state_dict(), head_prefix='')[0])
    x = torch.randn(args.batch, args.dims, args.size, args.size)
    ours_fn = lambda t: ours((t, ))  # noqa: E731
    print(
        json.dumps(
            dict(bench='query2label_head',
                 **compare_heads(ref, ours_fn, x, args.repeats),
                 batch=args.batch,
                 classes=args.classes,
                 dims=args.dims,
                 ffn=args.ffn,
                 heads=args.heads,
                 map=args.size,
                 repeats=args.repeats,
                 threads=torch.get_num_threads())))


if __name__ == '__main__':
    main()
