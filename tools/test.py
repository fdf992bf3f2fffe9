"""Evaluate a checkpoint of a multi-label classifier (mmpretrain) or detector (mmdet).

    python tools/test.py CONFIG CHECKPOINT [--out preds.npz [--out-item pred]]
    python tools/test.py CONFIG CHECKPOINT --out results.json --out-item metrics

CHECKPOINT is a file, or ``best`` / ``last``: the best-epoch checkpoint
(``best_<metric>_epoch_N.pth``, kept by the checkpoint hook's ``save_best``) or the last one
(``last_checkpoint``) in the work dir (``--work-dir``, default ``work_dirs/<config name>``). The
scored checkpoint and its epoch are logged and written to the metrics JSON.

``--out FILE`` and ``--out-item`` follow mmpretrain's and mmdet's ``tools/test.py``: the
predictions (default; every image's class scores, targets, image path and the class names, in
a plain ``.npz`` that cannot run code when read back, read by every ``tools/analysis_tools``
script) or the metrics (a JSON file). ``--dump FILE`` (predictions) and ``--out FILE.json``
without ``--out-item`` (metrics) are the plugin's former spellings; they still work and say so.

A config whose test evaluator is ``VOCDevkitClsWriter`` (VOC 2012 test, labels private) writes
the evaluation server's files ``<work dir>/<out_dir>/results/VOC2012/Main/
comp<N>_cls_test_<class>.txt`` (N: the evaluator's ``comp``) instead of scores.
"""
import argparse
import os.path as osp
import sys

OUT_ITEMS = ('pred', 'metrics')


def parse_args(argv=None):
    # Only argparse here: `--help` answers without importing torch or the OpenMMLab stack.
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'best' / 'last' in the work dir")
    parser.add_argument('--work-dir', help='the dir to save logs (and to find best / last)')
    parser.add_argument('--out',
                        help='the file to write: the predictions (.npz) or, with --out-item '
                        'metrics, the metrics (.json)')
    parser.add_argument('--out-item',
                        choices=OUT_ITEMS,
                        help='what --out holds: per-image predictions (pred, the default) or the '
                        'metrics')
    parser.add_argument('--dump', help=argparse.SUPPRESS)  # former spelling of --out-item pred
    parser.add_argument('--split',
                        choices=('test', 'val'),
                        default='test',
                        help='evaluate the test set, or the validation set (recorded in the '
                        'predictions file)')
    parser.add_argument('--show-dir', help='draw predictions into this dir (in the work dir)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        metavar='KEY=VALUE',
                        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--launcher',
                        choices=('none', 'pytorch', 'slurm', 'mpi'),
                        default='none',
                        help='job launcher')
    parser.add_argument('--debug',
                        action='store_true',
                        help='show the traceback of an error instead of its one-line message')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    return parser.parse_args(argv)


def deprecated(message: str) -> None:
    """Tell the user a former spelling still works but will go."""
    print(f'{osp.basename(sys.argv[0]) or "test.py"}: deprecated: {message}', file=sys.stderr)


def output_files(args):
    """``(predictions .npz or None, metrics .json or None)`` from ``--out``/``--out-item``.

    ``--dump FILE`` is ``--out FILE --out-item pred``; ``--out FILE.json`` without
    ``--out-item`` keeps its former meaning, the metrics. Both print a deprecation message.
    """
    preds = metrics = None
    if args.dump is not None:
        deprecated(f'--dump {args.dump} is now --out {args.dump} --out-item pred.')
        preds = args.dump
    if args.out is None:
        if args.out_item is not None:
            raise ValueError(f'--out-item {args.out_item} needs --out FILE.')
        return preds, metrics
    item = args.out_item
    if item is None and args.out.endswith('.json'):
        deprecated(f'--out {args.out} without --out-item writes the metrics, as before; '
                   '--out now means the predictions (as in mmpretrain and mmdet): pass '
                   '--out-item metrics to keep the metrics JSON.')
        item = 'metrics'
    if item == 'metrics':
        return preds, args.out
    if preds is not None:
        raise ValueError(f'--dump {preds} and --out {args.out} both name the predictions file; '
                         'keep --out only.')
    from mmml_plugin.evaluation.results_io import check_dump_path
    return check_dump_path(args.out), metrics


def run(args):
    """Test as ``args`` say; returns the metrics and the scored checkpoint."""
    from mmengine.dist import get_rank

    from mmml_plugin.apis import run_test
    from mmml_plugin.apis.checkpoints import checkpoint_epoch, resolve_checkpoint
    from mmml_plugin.apis.train_test import (finish_distributed, load_config, parse_launcher_env,
                                             write_results_json)
    preds, metrics_json = output_files(args)
    parse_launcher_env(args.local_rank)
    cfg_options = cfg_overrides(args)
    cfg = load_config(args.config, cfg_options, args.work_dir)
    checkpoint = resolve_checkpoint(args.checkpoint, cfg.work_dir)
    epoch = checkpoint_epoch(checkpoint)
    print(f'Scoring checkpoint {checkpoint}' + (f' (epoch {epoch})' if epoch else ''))
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, dict) and evaluator.get('type') == 'VOCDevkitClsWriter' \
            and not osp.isabs(evaluator.get('out_dir', '')):
        cfg_options['test_evaluator.out_dir'] = osp.join(cfg.work_dir, evaluator['out_dir'])
    metrics = run_test(args.config,
                       checkpoint,
                       work_dir=cfg.work_dir,
                       dump=preds,
                       show_dir=args.show_dir,
                       cfg_options=cfg_options or None,
                       launcher=args.launcher,
                       split=args.split)
    if metrics_json is not None and get_rank() == 0:
        write_results_json(
            metrics_json,
            metrics,
            config=args.config,
            checkpoint=checkpoint,
            checkpoint_epoch=epoch,
            checkpoint_choice=args.checkpoint if args.checkpoint in ('best', 'last') else 'file')
    finish_distributed()
    return metrics, checkpoint


def cfg_overrides(args) -> dict:
    """``--cfg-options`` parsed with mmengine's ``DictAction`` syntax."""
    if not args.cfg_options:
        return {}
    from mmengine.config import DictAction
    parsed = argparse.Namespace()
    DictAction(option_strings=[], dest='cfg_options')(None, parsed, args.cfg_options)
    return dict(parsed.cfg_options)


def main(argv=None):
    """Parse ``argv`` and test; errors raise (the command line prints them, see below)."""
    return run(parse_args(argv))


if __name__ == '__main__':
    cli_args = parse_args()
    from mmml_plugin.utils.cli import exit_on_user_error
    with exit_on_user_error(debug=cli_args.debug):
        run(cli_args)
