"""Train a multi-label classifier (mmpretrain scope) or a detector (mmdet scope)."""
import argparse


def parse_args(argv=None):
    # Only argparse here: `--help` answers without importing torch or the OpenMMLab stack.
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
    parser.add_argument('--no-validate',
                        action='store_true',
                        help='do not evaluate during training (no val loop, no best checkpoint)')
    parser.add_argument('--auto-scale-lr',
                        action='store_true',
                        help='scale the learning rate by the total batch size')
    parser.add_argument('--tensorboard',
                        action='store_true',
                        help='also log to TensorBoard (tensorboard --logdir WORK_DIR)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        metavar='KEY=VALUE',
                        help='override config settings, e.g. model.backbone.depth=50 "key=[a,b]"')
    parser.add_argument('--launcher',
                        choices=('none', 'pytorch', 'slurm', 'mpi'),
                        default='none',
                        help='job launcher')
    parser.add_argument('--debug',
                        action='store_true',
                        help='show the traceback of an error instead of its one-line message')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    return parser.parse_args(argv)


def cfg_overrides(args) -> dict:
    """``--cfg-options`` (mmengine's ``DictAction`` syntax) plus what ``--no-validate`` sets."""
    from mmengine.config import DictAction
    options = {}
    if args.cfg_options:
        parsed = argparse.Namespace()
        DictAction(option_strings=[], dest='cfg_options')(None, parsed, args.cfg_options)
        options.update(parsed.cfg_options)
    if args.no_validate:  # as mmpretrain's tools/train.py --no-validate
        options.update(val_cfg=None, val_dataloader=None, val_evaluator=None)
    return options


def run(args):
    """Train as ``args`` say; returns the runner."""
    from mmml_plugin.apis import run_train
    from mmml_plugin.apis.train_test import finish_distributed, parse_launcher_env
    parse_launcher_env(args.local_rank)
    runner = run_train(args.config,
                       work_dir=args.work_dir,
                       resume=args.resume,
                       amp=args.amp,
                       auto_scale_lr=args.auto_scale_lr,
                       tensorboard=args.tensorboard,
                       cfg_options=cfg_overrides(args) or None,
                       launcher=args.launcher)
    finish_distributed()
    return runner


def main(argv=None):
    """Parse ``argv`` and train; errors raise (the command line prints them, see below)."""
    return run(parse_args(argv))


if __name__ == '__main__':
    cli_args = parse_args()
    from mmml_plugin.utils.cli import exit_on_user_error
    with exit_on_user_error(debug=cli_args.debug):
        run(cli_args)
