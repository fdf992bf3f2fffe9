"""Training throughput of the demo SSGRL with 1 process vs 2 processes (torchrun, gloo) on the CPU.

Generates the demo data in a temp dir, then trains ``configs/demo/ssgrl_r18_demo.py`` with the
same per-process batch size and threads per process (half of ``--threads``):

* 1 process (``tools/train.py``);
* 2 processes (``torchrun --nproc_per_node=2 tools/train.py --launcher pytorch``), gloo; every
  iteration sees twice the images. ``scaling`` = its images/s over the 1-process images/s
  (2.0 is perfect scaling);
* 1 process using all ``--threads`` threads, for reference.

Throughput is images per second from the per-iteration times mmengine logs (rank 0, which waits
for the gradient all-reduce), the first ``--warmup`` iterations left out. Validation and
checkpoints are off. On a 2-core machine shared with other jobs the result is informational
(and the all-threads run suffers most: its OpenMP threads wait for each other on busy cores).

    python tools/benchmarks/ddp_cpu.py [--num-train 48] [--batch-size 8] [--epochs 2]

Prints one JSON line:
{"bench": "ddp_cpu", "scaling": <2-process / 1-process images/s>, "images_per_s_1proc": ...,
 "images_per_s_2proc": ..., "images_per_s_1proc_all_threads": ..., ...}
"""
import argparse
import glob
import json
import os
import os.path as osp
import socket
import subprocess
import sys
import tempfile

import numpy as np

from mmml_plugin.datasets.demo_data import prepare_demo_data

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(ROOT, 'configs/demo/ssgrl_r18_demo.py')
TRAIN = osp.join(ROOT, 'tools/train.py')


def cfg_options(data_root: str, batch_size: int, epochs: int) -> list:
    options = {
        'data_root': data_root.rstrip('/') + '/',
        'model.backbone.init_cfg': None,
        'train_dataloader.batch_size': batch_size,
        'train_dataloader.num_workers': 0,
        'train_dataloader.persistent_workers': False,
        'train_cfg.max_epochs': epochs,
        'train_cfg.val_interval': epochs + 1,
        'param_scheduler.T_max': epochs,
        'default_hooks.logger.interval': 1,
        'default_hooks.checkpoint': None,
        'runner_type': 'MMMLRunner',
        'env_cfg.dist_cfg.backend': 'gloo',
        'randomness.seed': 0,
    }
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def train(cmd: list, work_dir: str, threads: int, label: str) -> list:
    """Run a training command, echoing its iteration lines to stderr; return iteration times."""
    env = dict(os.environ,
               OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads),
               PYTHONPATH=ROOT,
               PYTHONUNBUFFERED='1')
    proc = subprocess.Popen(cmd + ['--work-dir', work_dir],
                            cwd=ROOT,
                            env=env,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)
    tail = []
    for line in proc.stdout:
        tail = (tail + [line])[-40:]
        if 'Epoch(train)' in line:
            print(f'[ddp_cpu {label}] {line[line.index("Epoch(train)"):].strip()}',
                  file=sys.stderr,
                  flush=True)
    if proc.wait() != 0:
        raise RuntimeError(f'{label} training failed:\n' + ''.join(tail))
    scalars = sorted(glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))[-1]
    with open(scalars) as f:
        rows = [json.loads(line) for line in f]
    return [r['time'] for r in rows if 'time' in r and 'loss' in r]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-train', type=int, default=48)
    parser.add_argument('--batch-size', type=int, default=8, help='per process')
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=2, help='iterations left out')
    parser.add_argument('--threads', type=int, default=os.cpu_count(), help='cores in total')
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        data_root = osp.join(tmp, 'data')
        prepare_demo_data(data_root, num_train=args.num_train, num_val=8)
        options = cfg_options(data_root, args.batch_size, args.epochs)
        single_cmd = [sys.executable, TRAIN, CONFIG] + options
        torchrun = osp.join(osp.dirname(sys.executable), 'torchrun')
        double_cmd = [
            torchrun, '--nproc_per_node=2', f'--master_port={free_port()}', TRAIN, CONFIG,
            '--launcher', 'pytorch'
        ] + options
        half = max(1, args.threads // 2)
        runs = dict(single=(single_cmd, half, 1, f'1 process x {half} thread(s)'),
                    double=(double_cmd, half, 2, f'2 processes x {half} thread(s)'),
                    single_all=(single_cmd, args.threads, 1, f'1 process x {args.threads} threads'))
        ips = {}
        for name, (cmd, threads, procs, label) in runs.items():
            times = train(cmd, osp.join(tmp, name), threads, label)
            ips[name] = procs * args.batch_size / float(np.mean(times[args.warmup:]))

    print(
        json.dumps(
            dict(bench='ddp_cpu',
                 scaling=round(ips['double'] / ips['single'], 3),
                 images_per_s_1proc=round(ips['single'], 2),
                 images_per_s_2proc=round(ips['double'], 2),
                 images_per_s_1proc_all_threads=round(ips['single_all'], 2),
                 threads_per_process=half,
                 batch_size_per_process=args.batch_size,
                 image_size=128,
                 model='SSGRL narrow ResNet-18 (demo)')))


if __name__ == '__main__':
    main()
