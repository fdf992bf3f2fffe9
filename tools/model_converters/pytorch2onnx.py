"""Export a trained multi-label classifier (SSGRL and its ablations, ML-GCN, Query2Label, the
ResNet baseline) to ONNX, with a dynamic batch size, and check it with ONNX Runtime.

    python tools/model_converters/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx
        [--shape H W] [--opset 17] [--verify] [--thresholds thresholds.json] [--cfg-options ...]

The graph takes float32 (batch, 3, H, W) RGB pixel values 0-255 as the config's test pipeline
leaves them (H, W: that pipeline's size unless --shape) and outputs ``scores`` (sigmoid, float32)
and ``logits``; rank by the logits (float32 scores round to 1.0 above a logit of 16.6). The label
files are constants of the graph; the class names, input size and normalisation are in its
metadata. ``--thresholds`` (a per-class thresholds file of
``tools/analysis_tools/tune_thresholds.py``, class names checked against the model's) adds the
output ``labels = scores >= t_c`` (bool) and the thresholds to the metadata. ``--verify``
compares ONNX Runtime with PyTorch on random inputs at batch sizes 1 and 3 and fails above 1e-4
(and on labels that differ from ``predict_labels`` of the float64 scores). Needs
``pip install -r requirements/export.txt``.
"""
import argparse

import numpy as np
from mmengine.config import DictAction

from mmml_plugin.apis.export import compare_onnx, export_onnx, onnx_session, read_onnx_metadata
from mmml_plugin.apis.flops import config_input_size
from mmml_plugin.apis.inference import init_model
from mmml_plugin.evaluation import load_thresholds

TOLERANCE = 1e-4


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='the model\'s config')
    parser.add_argument('checkpoint', help='trained weights (.pth)')
    parser.add_argument('--out', default='model.onnx', help='the .onnx to write')
    parser.add_argument('--shape', type=int, nargs=2, metavar=('H', 'W'), help='input size')
    parser.add_argument('--opset', type=int, default=17, help='ONNX opset (>= 17)')
    parser.add_argument('--verify',
                        action='store_true',
                        help=f'compare ONNX Runtime with PyTorch (tolerance {TOLERANCE})')
    parser.add_argument('--thresholds', help='per-class thresholds JSON: adds a labels output')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    model = init_model(args.config, args.checkpoint, cfg_options=args.cfg_options)
    size = tuple(args.shape) if args.shape else config_input_size(model._config)
    thresholds = None
    if args.thresholds:
        thresholds = load_thresholds(args.thresholds, model.dataset_meta['classes'])
    export_onnx(model, args.out, size, thresholds=thresholds, opset=args.opset)
    meta = read_onnx_metadata(args.out)
    print(f"written {args.out}: input (batch, 3, {size[0]}, {size[1]}) {meta['input_channels']}, "
          f"outputs {meta['outputs']}, {len(meta['classes'])} classes")
    if args.verify:
        session = onnx_session(args.out)
        rng = np.random.default_rng(0)
        for batch in (1, 3):
            inputs = rng.uniform(0, 255, (batch, 3, *size)).astype(np.float32)
            diff = compare_onnx(model, session, inputs)
            labels = ('' if 'label_mismatches' not in diff else
                      f'; labels differing from predict_labels {diff["label_mismatches"]}')
            print(f'batch {batch}: max |ONNX - PyTorch| scores {diff["scores"]:.2e}, logits '
                  f'{diff["logits"]:.2e}; images ranked differently {diff["rank_mismatches"]}'
                  f'{labels}')
            if max(diff['scores'], diff['logits']) > TOLERANCE or diff.get('label_mismatches'):
                raise SystemExit(f'{args.out}: ONNX Runtime differs from PyTorch by more than '
                                 f'{TOLERANCE} at batch {batch}.')


if __name__ == '__main__':
    main()
