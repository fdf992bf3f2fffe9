"""Evaluate a checkpoint of a multi-label classifier (mmpretrain) or detector (mmdet)."""
import argparse

from mmengine.config import DictAction

from mmml_plugin.apis import run_test
from mmml_plugin.apis.train_test import LAUNCHERS, parse_launcher_env


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--work-dir', help='the dir to save logs')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--dump', help='dump per-sample predictions to this .pkl file')
    parser.add_argument('--show-dir', help='draw predictions into this dir (in the work dir)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    return parser.parse_args()


def main():
    args = parse_args()
    parse_launcher_env(args.local_rank)
    run_test(args.config, args.checkpoint, work_dir=args.work_dir, out=args.out, dump=args.dump,
             show_dir=args.show_dir, cfg_options=args.cfg_options, launcher=args.launcher)


if __name__ == '__main__':
    main()
