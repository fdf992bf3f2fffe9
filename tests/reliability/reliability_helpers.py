"""Helpers for the reliability tests: the demo SSGRL config shrunk to seconds, and real
``tools/train.py`` / ``tools/test.py`` / ``torchrun`` subprocesses (a kill or a second process
cannot be simulated in-process). Not a conftest: the test modules import these names."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import torch

REPO_ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = str(REPO_ROOT / 'configs/demo/ssgrl_r18_demo.py')
TRAIN = str(REPO_ROOT / 'tools/train.py')
TORCHRUN = str(Path(sys.executable).with_name('torchrun'))
TIMEOUT = 300

# The reliability settings the plugin's configs are expected to carry (see docs/reliability.md);
# passed explicitly so that each test exercises its mechanism whatever the config says.
PROTECTIONS = {
    'runner_type': 'MMMLRunner',
    'default_hooks.checkpoint.type': 'AtomicCheckpointHook',
    'default_hooks.non_finite_loss.type': 'NonFiniteLossHook',
    'default_hooks.epoch_seed.type': 'EpochSeedHook',
    'default_hooks.sync_buffers.type': 'SyncBuffersHook',
    'env_cfg.dist_cfg.backend': 'gloo',
}


def demo_options(demo_data: dict,
                 max_epochs: int = 2,
                 protections: bool = True,
                 **extra) -> Dict[str, object]:
    """Overrides that point the demo config at the fixture's data and keep the run small:
    32 px crops (2x2 feature maps), batches of 8, no dataloader workers."""
    options = {
        'data_root': demo_data['data_root'].rstrip('/') + '/',
        'model.backbone.init_cfg': None,
        'train_cfg.max_epochs': max_epochs,
        'param_scheduler.T_max': max_epochs,
        'default_hooks.logger.interval': 1,
        'randomness.seed': 0,
        'train_dataloader.batch_size': 8,
        'train_dataloader.dataset.pipeline.1.scale': 40,
        'train_dataloader.dataset.pipeline.1.crop_sizes': [40, 36, 32],
        'train_dataloader.dataset.pipeline.1.out_size': 32,
    }
    for loader in ('val_dataloader', 'test_dataloader'):
        options[f'{loader}.dataset.pipeline.1.scale'] = (40, 40)
        options[f'{loader}.dataset.pipeline.2.crop_size'] = 32
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        # what tools/train.py sets, so that in-process runners built from load_config match it
        options[f'{loader}.collate_fn.type'] = 'default_collate'
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
    if protections:
        options.update(PROTECTIONS)
    options.update(extra)
    return options


def cli(options: Dict[str, object]) -> List[str]:
    """``--cfg-options`` arguments for ``options``."""
    return ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]


def child_env(**extra: str) -> Dict[str, str]:
    env = dict(os.environ,
               PYTHONPATH=str(REPO_ROOT),
               PYTHONUNBUFFERED='1',
               OMP_NUM_THREADS='1',
               MKL_NUM_THREADS='1')
    env.update(extra)
    return env


def run(cmd: List[str],
        *,
        expect_ok: bool = True,
        env: Optional[dict] = None,
        preexec_fn=None) -> subprocess.CompletedProcess:
    proc = subprocess.run(cmd,
                          cwd=REPO_ROOT,
                          env=env or child_env(),
                          capture_output=True,
                          text=True,
                          timeout=TIMEOUT,
                          preexec_fn=preexec_fn)
    if expect_ok and proc.returncode != 0:
        pytest.fail(f'{" ".join(cmd)} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n'
                    f'{proc.stderr[-5000:]}')
    return proc


def train_cmd(work_dir, options: Dict[str, object], resume: bool = False) -> List[str]:
    cmd = [sys.executable, TRAIN, DEMO_CONFIG, '--work-dir', str(work_dir)]
    return cmd + (['--resume', 'auto'] if resume else []) + cli(options)


def kill_when(cmd: List[str], pattern: str) -> str:
    """Run ``cmd`` and SIGKILL it as soon as a line of its output matches ``pattern``.

    Returns the output up to the kill. Fails if the process ends without printing the line.
    """
    regex, lines = re.compile(pattern), []
    proc = subprocess.Popen(cmd,
                            cwd=REPO_ROOT,
                            env=child_env(),
                            stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT,
                            text=True)
    try:
        for line in proc.stdout:
            lines.append(line)
            if regex.search(line):
                os.kill(proc.pid, signal.SIGKILL)
                break
        proc.wait(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
    output = ''.join(lines)
    if proc.returncode != -signal.SIGKILL:
        pytest.fail(f'{" ".join(cmd)} ended ({proc.returncode}) before printing {pattern!r}:\n'
                    f'{output[-5000:]}')
    return output


def load_state_dict(path) -> Dict[str, torch.Tensor]:
    """The model weights of an mmengine checkpoint (loaded with ``weights_only=True``)."""
    return torch.load(path, map_location='cpu', weights_only=True)['state_dict']


def max_abs_diff(a: Dict[str, torch.Tensor], b: Dict[str, torch.Tensor]) -> float:
    assert a.keys() == b.keys()
    return max(
        (a[k].double() - b[k].double()).abs().max().item() if a[k].numel() else 0.0 for k in a)
