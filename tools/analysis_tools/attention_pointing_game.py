"""Pointing game of an SSGRL model's per-class attention on a COCO-format file with boxes.

    python tools/analysis_tools/attention_pointing_game.py CONFIG CHECKPOINT \
        --ann-file data/coco/annotations/instances_val2014.json --img-prefix data/coco/val2014/ \
        [--out pointing_game.json] [--plot-dir DIR] [--max-images N] [--tolerance PX] \
        [--cfg-options data_root=...]

For every image and every class present, a hit is the maximum of the class's attention map
(upsampled to the model input, mapped back through the config's test transform) inside one of
the class's boxes; chance is the share of the image the class's boxes cover. Prints the overall
and per-class rates beside chance; ``--out`` writes them as JSON, ``--plot-dir`` draws the best
and worst cases (``pointing_game_best.png``, ``pointing_game_worst.png``).
"""
import argparse
import os.path as osp

import mmengine
from mmengine.config import DictAction

from mmml_plugin.apis import MultiLabelInferencer
from mmml_plugin.apis.pointing_game import (evaluate_pointing_game, plot_best_and_worst,
                                            pointing_game_report)
from mmml_plugin.evaluation.functional.pointing_game import pointing_game_lines


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='model config (SSGRL or another with semantic decoupling)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--ann-file', required=True, help='COCO instances JSON with boxes')
    parser.add_argument('--img-prefix', required=True, help='folder of the annotated images')
    parser.add_argument('--out', help='write the results to this JSON file')
    parser.add_argument('--plot-dir', help='draw the best and worst cases into this folder')
    parser.add_argument('--num-cases', type=int, default=8, help='cases per plot')
    parser.add_argument('--max-images',
                        type=int,
                        default=None,
                        help='score only the first N images with boxes')
    parser.add_argument('--tolerance',
                        type=float,
                        default=0.0,
                        help='pixels of slack around every box (default 0)')
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
    result = evaluate_pointing_game(inferencer,
                                    args.ann_file,
                                    args.img_prefix,
                                    max_images=args.max_images,
                                    tolerance=args.tolerance)
    print(pointing_game_lines(result, inferencer.classes))
    if args.out:
        mmengine.mkdir_or_exist(osp.dirname(osp.abspath(args.out)))
        mmengine.dump(pointing_game_report(result, inferencer.classes), args.out, indent=2)
        print(f'results written to {args.out}')
    if args.plot_dir:
        for path in plot_best_and_worst(inferencer, result, args.plot_dir, args.num_cases):
            print(f'plot written to {path}')


if __name__ == '__main__':
    main()
