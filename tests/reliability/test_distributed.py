"""Two processes with torchrun on the CPU (gloo) train SSGRL on the demo data and
evaluate; the distributed metric equals the single-process metric of the same weights. The
``--launcher slurm`` path is run with the variables ``srun`` sets."""
import json
import math
import socket
import sys

import pytest
from reliability_helpers import DEMO_CONFIG, TORCHRUN, TRAIN, child_env, cli, demo_options, run

from mmml_plugin.apis import load_config, run_test
from mmml_plugin.apis.train_test import finish_distributed
from mmml_plugin.engine import slurm_to_torch_env


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
    proc = run([
        TORCHRUN, '--nproc_per_node=2', f'--master_port={_free_port()}', TRAIN, DEMO_CONFIG,
        '--launcher', 'pytorch', '--work-dir',
        str(work)
    ] + cli(options))
    log = next(work.glob('*/*.log')).read_text()
    assert 'Distributed launcher: pytorch' in log and 'Distributed training: True' in log
    assert "backend='gloo'" in log
    distributed = _val_metrics(work)

    # the single-process evaluation of the checkpoint the 2 processes saved (tools/test.py)
    single = run_test(DEMO_CONFIG,
                      str(work / 'epoch_1.pth'),
                      work_dir=str(tmp_path / 'single'),
                      cfg_options=options)
    keys = [k for k in single if k.startswith('multi-label/') and k in distributed]
    assert 'multi-label/mAP' in keys and len(keys) >= 5, (keys, proc.stdout[-2000:])
    for key in keys:
        assert math.isfinite(single[key])
        assert distributed[key] == pytest.approx(single[key], rel=1e-9, abs=1e-9), key


def test_slurm_launcher_with_srun_variables(tmp_path, tiny_demo):
    """What ``srun`` starts for each task: tools/train.py --launcher slurm with SLURM_* set
    (one task here; the two-process case is the torchrun test above)."""
    work = tmp_path / 'slurm'
    options = demo_options(tiny_demo, max_epochs=1, **{'train_cfg.val_begin': 2})
    run([sys.executable, TRAIN, DEMO_CONFIG, '--launcher', 'slurm', '--work-dir',
         str(work)] + cli(options),
        env=child_env(SLURM_PROCID='0',
                      SLURM_NTASKS='1',
                      SLURM_LOCALID='0',
                      SLURM_NODELIST='localhost',
                      MASTER_ADDR='127.0.0.1',
                      MASTER_PORT=str(_free_port())))
    log = next(work.glob('*/*.log')).read_text()
    assert 'Distributed launcher: slurm' in log and 'Distributed training: True' in log
    assert (work / 'epoch_1.pth').is_file()


def test_slurm_config_parsing():
    cfg = load_config(DEMO_CONFIG, {'env_cfg.dist_cfg.backend': 'gloo'}, launcher='slurm')
    assert cfg.launcher == 'slurm' and cfg.env_cfg.dist_cfg.backend == 'gloo'
    env = slurm_to_torch_env({
        'SLURM_PROCID': '3',
        'SLURM_NTASKS': '8',
        'SLURM_LOCALID': '1',
        'SLURM_NODELIST': 'node[01-02]',
        'MASTER_ADDR': 'node01',
        'MASTER_PORT': '29700'
    })
    assert env == dict(RANK='3',
                       WORLD_SIZE='8',
                       LOCAL_RANK='1',
                       MASTER_ADDR='node01',
                       MASTER_PORT='29700')
    with pytest.raises(KeyError, match='srun'):
        slurm_to_torch_env({'SLURM_PROCID': '0'})
    with pytest.raises(ValueError, match='launcher must be one of'):
        load_config(DEMO_CONFIG, launcher='sbatch')


def test_nccl_on_a_cpu_machine_is_a_clear_error():
    from mmml_plugin.engine import init_cpu_dist
    with pytest.raises(ValueError, match="backend='gloo'"):
        init_cpu_dist('pytorch', backend='nccl')


def test_finish_distributed_destroys_the_process_group():
    """tools/train.py and tools/test.py end with it (a leftover gloo group can abort a rank at
    exit); outside a distributed run it does nothing."""
    import torch.distributed as dist
    finish_distributed()  # no group: no-op
    dist.init_process_group('gloo',
                            init_method=f'tcp://127.0.0.1:{_free_port()}',
                            rank=0,
                            world_size=1)
    try:
        assert dist.is_initialized()
        finish_distributed()
        assert not dist.is_initialized()
    finally:
        if dist.is_initialized():
            dist.destroy_process_group()
