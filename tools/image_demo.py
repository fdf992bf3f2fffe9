"""Predict the labels of images and draw SSGRL's attention map for each predicted label.

    python tools/image_demo.py IMAGE CONFIG CHECKPOINT [--out-dir DIR] [--pred-out-dir DIR] \
        [--thr 0.5 | --thr T_1 ... T_C | --thr thresholds.json] [--topk K] [--batch-size B] \
        [--cfg-options data_root=...]

IMAGE is a file or a folder. Prints each image's labels with their scores and writes
``DIR/<image name>_attention.png``: the input and, per label, its attention map over the image
(models without semantic decoupling: the input only). Which labels: score >= 0.5 by default;
``--topk K`` alone: the K best whatever their score; both: the K best among those >= thr (the
rule of mmml_plugin/evaluation/functional/label_selection.py). ``--thr thresholds.json``: the
per-class thresholds chosen on a validation split by tools/analysis_tools/tune_thresholds.py.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from mmml_plugin.apis import MultiLabelInferencer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', help='image file, or a folder of images')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='demo_out', help='where the PNG grids go')
    parser.add_argument('--pred-out-dir',
                        default='',
                        help='also write one JSON of predictions per image here')
    parser.add_argument('--thr',
                        nargs='+',
                        default=None,
                        help='score threshold, one per class in the model\'s class order, or a '
                        'thresholds .json (default 0.5 without --topk, none with it)')
    parser.add_argument('--topk', type=int, default=None, help='show at most the K best labels')
    parser.add_argument('--batch-size', type=int, default=1, help='images per forward pass')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda:0'")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. data_root=/path/ (where SSGRL\'s label files are)')
    return parser.parse_args()


def parse_thr(values):
    """``--thr`` values: None, one number, C numbers, or one thresholds file."""
    if values is None:
        return None
    if len(values) == 1 and values[0].endswith('.json'):
        return values[0]
    try:
        numbers = [float(v) for v in values]
    except ValueError:
        raise SystemExit(f'--thr takes numbers or one thresholds .json file, got {values}.')
    return numbers[0] if len(numbers) == 1 else numbers


def main():
    args = parse_args()
    inferencer = MultiLabelInferencer(args.config,
                                      args.checkpoint,
                                      device=args.device,
                                      cfg_options=args.cfg_options)
    thr = parse_thr(args.thr)
    results = inferencer(args.image,
                         thr=thr,
                         topk=args.topk,
                         batch_size=args.batch_size,
                         show_dir=args.out_dir,
                         pred_out_dir=args.pred_out_dir)
    for result in results:
        if len(results) > 1 or osp.isdir(args.image):
            print(f'{result["img_path"]}:')
        for name, score in zip(result['class_names'], result['scores']):
            print(f'{name}: {score:.3f}')
        if not len(result['labels']):
            print('no label reaches the threshold; try --topk 3')
        print(f'attention grid written to {result["visualization"]}')


if __name__ == '__main__':
    main()
