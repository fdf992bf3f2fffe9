"""Images of a multi-label dataset after the config's train or test pipeline, with their labels.

    python tools/analysis_tools/browse_dataset.py CONFIG --out-dir browse/ [--phase train] \
        [--num 16] [--start 0] [--cfg-options data_root=...]

Writes ``<out-dir>/<index>_<image name>.png`` at the pipeline's output size, the label names in
its top-left corner (classes present only as VOC "difficult" objects marked so), and prints each
image's labels. Works for every dataset type of the plugin's configs (COCO multi-label, VOC,
held-out image lists, the demo digits) and the Faster R-CNN config (labels: its boxes' classes).
"""
import argparse

from mmengine.config import DictAction

from mmml_plugin.apis.browse_dataset import PHASES, browse_dataset


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='config file')
    parser.add_argument('--out-dir', default='browse_dataset', help='folder for the images')
    parser.add_argument('--phase',
                        default='train',
                        choices=PHASES,
                        help='which dataloader\'s dataset and pipeline (default train)')
    parser.add_argument('--num', type=int, default=16, help='images to write (0: all)')
    parser.add_argument('--start', type=int, default=0, help='index of the first image')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. data_root=/path/')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    records = browse_dataset(args.config,
                             args.out_dir,
                             phase=args.phase,
                             num=args.num or None,
                             start=args.start,
                             cfg_options=args.cfg_options)
    for r in records:
        hard = f' (difficult: {", ".join(r["difficult"])})' if r['difficult'] else ''
        print(f'{r["file"]} {r["shape"][1]}x{r["shape"][0]}: {", ".join(r["labels"])}{hard}')
    print(f'{len(records)} images written to {args.out_dir}')


if __name__ == '__main__':
    main()
