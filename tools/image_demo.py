"""Predict the labels of one image and draw SSGRL's attention map for each top label.

    python tools/image_demo.py IMAGE CONFIG CHECKPOINT [--out-dir DIR] [--thr 0.5] [--topk K] \
        [--cfg-options data_root=...]

Prints the labels with their scores and writes ``DIR/<image name>_attention.png``: the input and,
per label, its attention map over the image (models without semantic decoupling: the input only).
"""
import argparse
import os.path as osp

from mmengine.config import DictAction

from mmml_plugin.apis import MultiLabelInferencer


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('image', help='image file')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out-dir', default='demo_out', help='where the PNG grid goes')
    parser.add_argument('--thr',
                        type=float,
                        default=None,
                        help='score threshold (default 0.5 without --topk, none with it)')
    parser.add_argument('--topk',
                        type=int,
                        default=None,
                        help='show at most the K best labels (with --thr: those >= thr)')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda:0'")
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. data_root=/path/ (where SSGRL\'s label files are)')
    return parser.parse_args()


def main():
    args = parse_args()
    inferencer = MultiLabelInferencer(args.config,
                                      args.checkpoint,
                                      device=args.device,
                                      cfg_options=args.cfg_options)
    thr = 0.5 if args.thr is None and args.topk is None else args.thr
    result = inferencer(args.image, thr=thr, topk=args.topk)
    for name, score in zip(result['class_names'], result['scores']):
        print(f'{name}: {score:.3f}')
    if not len(result['labels']):
        print(f'no label scores >= {thr}; try --topk 3')
    stem = osp.splitext(osp.basename(args.image))[0]
    out_file = inferencer.save_attention_grid(result, osp.join(args.out_dir,
                                                               f'{stem}_attention.png'))
    print(f'attention grid written to {out_file}')


if __name__ == '__main__':
    main()
