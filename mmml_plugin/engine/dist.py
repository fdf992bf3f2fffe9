"""Distributed initialisation that also works on CPU-only machines (gloo).

mmengine 0.10.7's ``init_dist`` calls ``torch.cuda.set_device(local_rank)`` for every launcher,
which raises "Found no NVIDIA driver" on a machine without a GPU, so ``torchrun`` or ``srun`` on
CPU nodes cannot start. :func:`init_cpu_dist` reads the same launcher environment and starts the
process group without touching CUDA.
"""
import os
import subprocess
from typing import Dict, Mapping

import torch.distributed as torch_dist


def slurm_to_torch_env(environ: Mapping[str, str]) -> Dict[str, str]:
    """Translate the variables ``srun`` sets into the ones ``torch.distributed`` reads.

    Args:
        environ (Mapping[str, str]): the process environment (``SLURM_PROCID``, ``SLURM_NTASKS``,
            ``SLURM_NODELIST``, optional ``SLURM_LOCALID``, ``MASTER_ADDR``, ``MASTER_PORT``).

    Returns:
        dict: ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``, ``MASTER_PORT``. The
        master address is the first host of the node list (``scontrol show hostname``) unless
        ``MASTER_ADDR`` is already set; the port defaults to 29500, as in mmengine.
    """
    missing = [k for k in ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_NODELIST') if k not in environ]
    if missing:
        raise KeyError(f'--launcher slurm needs {", ".join(missing)} in the environment: start '
                       'the job with srun (see tools/slurm_train.sh), or use --launcher pytorch '
                       'with torchrun.')
    master_addr = environ.get('MASTER_ADDR') or subprocess.getoutput(
        f'scontrol show hostname {environ["SLURM_NODELIST"]} | head -n1').strip()
    return dict(RANK=environ['SLURM_PROCID'],
                WORLD_SIZE=environ['SLURM_NTASKS'],
                LOCAL_RANK=environ.get('SLURM_LOCALID', '0'),
                MASTER_ADDR=master_addr,
                MASTER_PORT=environ.get('MASTER_PORT', '29500'))


def init_cpu_dist(launcher: str, backend: str = 'gloo', **kwargs) -> None:
    """Start a CPU process group for the ``pytorch`` (torchrun) or ``slurm`` (srun) launcher.

    Args:
        launcher (str): ``'pytorch'`` or ``'slurm'``.
        backend (str): must be ``'gloo'`` (NCCL needs GPUs).
        **kwargs: passed to ``torch.distributed.init_process_group`` (e.g. ``timeout``, a
            ``datetime.timedelta``).
    """
    if backend != 'gloo':
        raise ValueError(f"No GPU is available, so env_cfg.dist_cfg.backend='{backend}' cannot "
                         "work: set env_cfg=dict(dist_cfg=dict(backend='gloo')) in the config "
                         "(or --cfg-options env_cfg.dist_cfg.backend=gloo).")
    if launcher == 'slurm':
        os.environ.update(slurm_to_torch_env(os.environ))
    elif launcher != 'pytorch':
        raise ValueError(f'CPU distributed training supports --launcher pytorch or slurm, '
                         f'got {launcher!r}.')
    torch_dist.init_process_group(backend=backend,
                                  rank=int(os.environ['RANK']),
                                  world_size=int(os.environ['WORLD_SIZE']),
                                  **kwargs)
