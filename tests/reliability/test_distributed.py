"""Issue 8, item 6: two processes with torchrun on the CPU (gloo) train SSGRL on the demo data and
evaluate; the distributed metric equals the single-process metric of the same weights. The
``--launcher slurm`` path is run with the variables ``srun`` sets."""
import json
import math
import socket
import subprocess
import sys

import pytest

from mmml_plugin.apis.runner import load_config
from mmml_plugin.engine import slurm_to_torch_env
from reliability_helpers import (DEMO_CONFIG, REPO_ROOT, TEST, TIMEOUT, TORCHRUN, TRAIN,
                                 child_env, cli, demo_options, run)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def _val_metrics(work_dir) -> dict:
    """The last validation metrics logged by a training run (vis_data/scalars.json)."""
    scalars = sorted(work_dir.glob('*/vis_data/scalars.json'))[-1]
    rows = [json.loads(line) for line in scalars.read_text().splitlines()]
    return [r for r in rows if any(k.startswith('multi-label/') for k in r)][-1]


def test_two_process_cpu_training_matches_single_process_evaluation(tmp_path, tiny_demo):
    work = tmp_path / 'ddp'
    options = demo_options(tiny_demo, max_epochs=1)
    proc = run([TORCHRUN, '--nproc_per_node=2', f'--master_port={_free_port()}', TRAIN,
                DEMO_CONFIG, '--launcher', 'pytorch', '--work-dir', str(work)] + cli(options))
    log = next(work.glob('*/*.log')).read_text()
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert "backend='gloo'" in log
    distributed = _val_metrics(work)

    out = tmp_path / 'single.json'
    run([sys.executable, TEST, DEMO_CONFIG, str(work / 'epoch_1.pth'), '--work-dir',
         str(tmp_path / 'single'), '--out', str(out)] + cli(options))
    single = json.loads(out.read_text())['metrics']
    keys = [k for k in single if k.startswith('multi-label/') and k in distributed]
    assert 'multi-label/mAP' in keys and len(keys) >= 5, (keys, proc.stdout[-2000:])
    for key in keys:
        assert math.isfinite(single[key])
        # scalars.json keeps 4 decimals of the percentages
        assert distributed[key] == pytest.approx(single[key], abs=1e-4), key


def test_slurm_launcher_with_srun_variables(tmp_path, tiny_demo):
    """What ``srun --ntasks=2`` starts: two tasks with SLURM_PROCID 0 and 1, same node list."""
    work = tmp_path / 'slurm'
    options = demo_options(tiny_demo, max_epochs=1, **{'train_cfg.val_interval': 2})
    cmd = [sys.executable, TRAIN, DEMO_CONFIG, '--launcher', 'slurm', '--work-dir',
           str(work)] + cli(options)
    port = str(_free_port())
    tasks = [subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True,
                              env=child_env(SLURM_PROCID=str(rank), SLURM_NTASKS='2',
                                            SLURM_LOCALID=str(rank), SLURM_NODELIST='localhost',
                                            MASTER_ADDR='127.0.0.1', MASTER_PORT=port))
             for rank in range(2)]
    outputs = [t.communicate(timeout=TIMEOUT)[0] for t in tasks]
    assert [t.returncode for t in tasks] == [0, 0], outputs[0][-3000:] + outputs[1][-3000:]
    log = next(work.glob('*/*.log')).read_text()
    assert 'Distributed launcher: slurm' in log
    assert (work / 'epoch_1.pth').is_file()


def test_slurm_config_parsing():
    cfg = load_config(DEMO_CONFIG, {'env_cfg.dist_cfg.backend': 'gloo'}, launcher='slurm')
    assert cfg.launcher == 'slurm' and cfg.env_cfg.dist_cfg.backend == 'gloo'
    env = slurm_to_torch_env({'SLURM_PROCID': '3', 'SLURM_NTASKS': '8', 'SLURM_LOCALID': '1',
                              'SLURM_NODELIST': 'node[01-02]', 'MASTER_ADDR': 'node01',
                              'MASTER_PORT': '29700'})
    assert env == dict(RANK='3', WORLD_SIZE='8', LOCAL_RANK='1', MASTER_ADDR='node01',
                       MASTER_PORT='29700')
    with pytest.raises(KeyError, match='srun'):
        slurm_to_torch_env({'SLURM_PROCID': '0'})
    with pytest.raises(ValueError, match='launcher must be one of'):
        load_config(DEMO_CONFIG, launcher='sbatch')


def test_nccl_on_a_cpu_machine_is_a_clear_error():
    from mmml_plugin.engine import init_cpu_dist
    with pytest.raises(ValueError, match="backend='gloo'"):
        init_cpu_dist('pytorch', backend='nccl')
