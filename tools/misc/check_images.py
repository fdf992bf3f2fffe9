"""List the missing, empty, truncated, oversized or non-image files of a dataset split.

Evaluation never skips bad images; training can, with skip_bad_images=True. Without --decode only
the first and last bytes and the header of each file are read (no pixel is decoded), so
decompression bombs are reported, not decoded. The pixel budget and, with --decode, the decoding
settings are those of the split's LoadImageChecked.

    python tools/misc/check_images.py configs/_base_/datasets/coco2014_multilabel_576px.py \
        --split val [--decode] [--max-pixels N] [--out bad_images.txt] \
        [--cfg-options data_root=/data/coco/]

Exits with status 1 when a bad file is found.
"""
import argparse
import sys

from mmengine.config import DictAction
from mmengine.registry import DATASETS, init_default_scope

from mmml_plugin.apis.train_test import load_config
from mmml_plugin.datasets.bad_images import find_bad_images, image_loader_settings
from mmml_plugin.datasets.transforms.loading import DEFAULT_MAX_PIXELS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('config', help='a config with train/val/test dataloaders')
    parser.add_argument('--split', choices=['train', 'val', 'test'], default='val')
    parser.add_argument('--decode',
                        action='store_true',
                        help='decode every image (slow) instead of checking its bytes')
    parser.add_argument('--max-pixels',
                        type=int,
                        help='pixel budget (width x height); default: max_pixels of the '
                        f"split's LoadImageChecked, else {DEFAULT_MAX_PIXELS}")
    parser.add_argument('--out', help='write the bad paths here, one per line')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings as in tools/train.py, e.g. data_root=/data/coco/ (moves '
        'every path under the old data_root)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset_cfg = cfg[f'{args.split}_dataloader'].dataset
    loader = image_loader_settings(dataset_cfg)
    if args.max_pixels is not None:
        loader['max_pixels'] = args.max_pixels
    dataset = DATASETS.build(dict(dataset_cfg, pipeline=[]))
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    bad = find_bad_images(paths, decode=args.decode, **loader)
    for _, reason in bad:
        print(reason)
    if args.out:
        with open(args.out, 'w') as f:
            f.writelines(path + '\n' for path, _ in bad)
    print(f'{len(bad)} bad image(s) out of {len(paths)} in the {args.split} split.')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
