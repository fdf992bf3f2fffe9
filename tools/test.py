"""Evaluate a checkpoint of a multi-label classifier (mmpretrain) or detector (mmdet).

    python tools/test.py CONFIG CHECKPOINT [--out results.json]

CHECKPOINT is a file, or ``best`` / ``last``: the best-epoch checkpoint
(``best_<metric>_epoch_N.pth``, kept by the checkpoint hook's ``save_best``) or the last one
(``last_checkpoint``) in the work dir (``--work-dir``, default ``work_dirs/<config name>``). The
scored checkpoint and its epoch are logged and written to the ``--out`` JSON.

A config whose test evaluator is ``VOCDevkitClsWriter`` (VOC 2012 test, labels private) writes
the evaluation server's files ``<work dir>/<out_dir>/results/VOC2012/Main/
comp<N>_cls_test_<class>.txt`` (N: the evaluator's ``comp``) instead of scores.
"""
import argparse
import os.path as osp

from mmengine.config import DictAction
from mmengine.dist import get_rank

from mmml_plugin.apis import run_test
from mmml_plugin.apis.checkpoints import checkpoint_epoch, resolve_checkpoint
from mmml_plugin.apis.train_test import (LAUNCHERS, finish_distributed, load_config,
                                         parse_launcher_env, write_results_json)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help="checkpoint file, or 'best' / 'last' in the work dir")
    parser.add_argument('--work-dir', help='the dir to save logs (and to find best / last)')
    parser.add_argument('--out', help='write the metrics to this JSON file')
    parser.add_argument('--dump', help='write per-image scores and targets to this .npz file')
    parser.add_argument('--show-dir', help='draw predictions into this dir (in the work dir)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. test_dataloader.batch_size=1')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none', help='job launcher')
    parser.add_argument('--local_rank', '--local-rank', type=int, default=None)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    parse_launcher_env(args.local_rank)
    cfg = load_config(args.config, args.cfg_options, args.work_dir)
    checkpoint = resolve_checkpoint(args.checkpoint, cfg.work_dir)
    epoch = checkpoint_epoch(checkpoint)
    print(f'Scoring checkpoint {checkpoint}' + (f' (epoch {epoch})' if epoch else ''))
    cfg_options = dict(args.cfg_options or {})
    evaluator = cfg.get('test_evaluator')
    if isinstance(evaluator, dict) and evaluator.get('type') == 'VOCDevkitClsWriter' \
            and not osp.isabs(evaluator.get('out_dir', '')):
        cfg_options['test_evaluator.out_dir'] = osp.join(cfg.work_dir, evaluator['out_dir'])
    metrics = run_test(args.config,
                       checkpoint,
                       work_dir=cfg.work_dir,
                       dump=args.dump,
                       show_dir=args.show_dir,
                       cfg_options=cfg_options or None,
                       launcher=args.launcher)
    if args.out is not None and get_rank() == 0:
        write_results_json(
            args.out,
            metrics,
            config=args.config,
            checkpoint=checkpoint,
            checkpoint_epoch=epoch,
            checkpoint_choice=args.checkpoint if args.checkpoint in ('best', 'last') else 'file')
    finish_distributed()
    return metrics, checkpoint


if __name__ == '__main__':
    main()
