"""Train a multi-label classifier (mmpretrain scope) or a detector (mmdet scope)."""
import argparse

from mmengine.config import DictAction

from mmml_plugin.apis import run_train
from mmml_plugin.apis.train_test import LAUNCHERS, finish_distributed, parse_launcher_env


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('config', help='train config file path')
    parser.add_argument('--work-dir', help='the dir to save logs and checkpoints')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume from the given checkpoint, or, without a value, from the latest '
        'checkpoint in the work dir')
    parser.add_argument('--amp', action='store_true', help='mixed precision (CUDA only)')
    parser.add_argument('--auto-scale-lr',
                        action='store_true',
                        help='scale the learning rate by the total batch size')
    parser.add_argument('--tensorboard',
                        action='store_true',
                        help='also log to TensorBoard (tensorboard --logdir WORK_DIR)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. model.backbone.depth=50 "key=[a,b]"')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    return parser.parse_args()


def main():
    args = parse_args()
    parse_launcher_env(args.local_rank)
    run_train(args.config,
              work_dir=args.work_dir,
              resume=args.resume,
              amp=args.amp,
              auto_scale_lr=args.auto_scale_lr,
              tensorboard=args.tensorboard,
              cfg_options=args.cfg_options,
              launcher=args.launcher)
    finish_distributed()


if __name__ == '__main__':
    main()
