"""End to end through the command-line tools: generate the demo data, train the SSGRL and
baseline demo configs with ``tools/train.py`` (``--amp`` on CUDA) for a few epochs, evaluate the
last checkpoint with ``tools/test.py``, and check that the training loss falls and the val mAP
rises.

    python tools/gpu_kit/e2e_train.py --out-dir OUT                  # CUDA: --amp, 4 epochs
    python tools/gpu_kit/e2e_train.py --out-dir OUT --device cpu --epochs 2 --num-train 64 \\
        --num-val 32                                                 # the CPU smoke run

Writes ``OUT/e2e.json`` and prints it as one JSON line: per config the mean training loss and
the val ``multi-label/mAP`` of every epoch, the test metrics of the last checkpoint and the
checks. Exits with status 1 when a check fails (``--no-fail`` only reports), so a run that ends
at chance is not mistaken for a working one. Logs of each tool go to ``OUT/<run>/*.log``.
"""
import argparse
import glob
import json
import os
import os.path as osp
import subprocess
import sys
import time
from collections import defaultdict

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
RUNS = (('ssgrl', 'configs/demo/ssgrl_r18_demo.py'), ('baseline', 'configs/demo/resnet18_demo.py'))
MAP_KEY = 'multi-label/mAP'


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--device',
                        choices=('cuda', 'cpu'),
                        default=None,
                        help='default: cuda when a GPU is visible')
    parser.add_argument('--epochs', type=int, default=4)
    parser.add_argument('--num-train', type=int, default=480)
    parser.add_argument('--num-val', type=int, default=160)
    parser.add_argument('--runs',
                        nargs='+',
                        choices=[r for r, _ in RUNS],
                        default=[r for r, _ in RUNS])
    parser.add_argument('--cfg-options',
                        nargs='*',
                        default=[],
                        help='extra overrides for both configs, key=value')
    parser.add_argument('--no-fail', action='store_true', help='report failed checks, exit 0')
    return parser.parse_args(argv)


def run(cmd, log_file, env):
    """Run a tool, its output to ``log_file``; raise with the log's tail when it fails."""
    with open(log_file, 'w') as log:
        proc = subprocess.run(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    if proc.returncode != 0:
        with open(log_file) as log:
            tail = log.read()[-4000:]
        raise RuntimeError(f'{" ".join(cmd)} failed ({proc.returncode}); log {log_file}:\n{tail}')


def read_scalars(work_dir):
    """Per-epoch mean training loss and val mAP from mmengine's ``vis_data/scalars.json``."""
    files = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    if not files:
        raise FileNotFoundError(f'{work_dir}: no */vis_data/scalars.json; did training run?')
    losses, maps = defaultdict(list), {}
    with open(files[-1]) as f:
        for line in f:
            record = json.loads(line)
            if 'loss' in record and 'epoch' in record:
                losses[record['epoch']].append(record['loss'])
            elif MAP_KEY in record:
                maps[record['step']] = record[MAP_KEY]  # val records: step = epoch
    loss = [round(sum(v) / len(v), 5) for _, v in sorted(losses.items())]
    return loss, [maps[e] for e in sorted(maps)]


def main(argv=None):
    args = parse_args(argv)
    import torch
    device = args.device or ('cuda' if torch.cuda.is_available() else 'cpu')
    if device == 'cuda' and not torch.cuda.is_available():
        raise RuntimeError('--device cuda: no CUDA GPU is visible; use --device cpu.')
    out_dir = osp.abspath(args.out_dir)
    os.makedirs(out_dir, exist_ok=True)
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(p for p in (ROOT, os.environ.get('PYTHONPATH')) if p))
    if device == 'cpu':
        env['CUDA_VISIBLE_DEVICES'] = ''

    start = time.perf_counter()
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    data_root = osp.join(out_dir, 'data')
    prepare_demo_data(data_root, args.num_train, args.num_val)
    options = [
        # from scratch (make demo's digit pretraining is not part of this check)
        f'data_root={data_root}/',
        'model.backbone.init_cfg=None',
        f'train_cfg.max_epochs={args.epochs}',
        f'param_scheduler.T_max={args.epochs}',
        'default_hooks.logger.interval=1',
        *args.cfg_options
    ]

    result = dict(bench='e2e_train',
                  device=device,
                  amp=device == 'cuda',
                  epochs=args.epochs,
                  num_train=args.num_train,
                  num_val=args.num_val,
                  runs={})
    failed = []
    for name, config in RUNS:
        if name not in args.runs:
            continue
        work_dir = osp.join(out_dir, name)
        t0 = time.perf_counter()
        run([
            sys.executable, 'tools/train.py', config, '--work-dir', work_dir,
            *(['--amp'] if device == 'cuda' else []), '--cfg-options', *options
        ], osp.join(out_dir, f'{name}_train.log'), env)
        train_s = time.perf_counter() - t0
        loss, maps = read_scalars(work_dir)  # before tools/test.py adds its own log folder
        checkpoint = osp.join(work_dir, f'epoch_{args.epochs}.pth')
        test_json = osp.join(work_dir, 'test.json')
        run([
            sys.executable, 'tools/test.py', config, checkpoint, '--work-dir', work_dir, '--out',
            test_json, '--out-item', 'metrics', '--cfg-options', *options
        ], osp.join(out_dir, f'{name}_test.log'), env)
        with open(test_json) as f:
            test_metrics = json.load(f)['metrics']
        checks = dict(
            loss_falls=len(loss) > 1 and loss[-1] < loss[0],
            map_rises=len(maps) > 1 and maps[-1] > maps[0],
            # the demo's test set is its val set: the reloaded last checkpoint
            # scores what the last validation scored (fp32 both times)
            test_map_matches_last_val=bool(maps) and abs(test_metrics[MAP_KEY] - maps[-1]) < 0.1)
        failed += [f'{name}: {k}' for k, ok in checks.items() if not ok]
        result['runs'][name] = dict(config=config,
                                    train_s=round(train_s, 1),
                                    loss_per_epoch=loss,
                                    val_map_per_epoch=maps,
                                    test_map=test_metrics[MAP_KEY],
                                    checks=checks)
    result.update(failed=failed, seconds=round(time.perf_counter() - start, 1))
    line = json.dumps(result)
    with open(osp.join(out_dir, 'e2e.json'), 'w') as f:
        f.write(line + '\n')
    print(line)
    if failed and not args.no_fail:
        print(f'e2e_train: checks failed: {failed}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
