"""Train and test entry points shared by ``tools/train.py`` and ``tools/test.py``.

They take an OpenMMLab config of either scope (``default_scope='mmpretrain'`` for
classification, ``'mmdet'`` for detection), apply the usual command-line overrides and run
mmengine's :class:`~mmengine.runner.Runner`.
"""
import copy
import os
import os.path as osp
from typing import Optional

import mmengine
import torch
from mmengine.config import Config, ConfigDict
from mmengine.dist import barrier, is_distributed
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmml_plugin.engine.data_root import reroot_data

__all__ = [
    'load_config', 'build_runner', 'run_train', 'run_test', 'write_results_json',
    'parse_launcher_env', 'LAUNCHERS'
]

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def load_config(config: str,
                cfg_options: Optional[dict] = None,
                work_dir: Optional[str] = None,
                launcher: str = 'none') -> Config:
    """Read ``config``, merge ``cfg_options`` and fill ``work_dir``/``launcher``.

    ``data_root=X`` among the options moves every path the config derived from its
    ``data_root`` (:func:`mmml_plugin.engine.data_root.reroot_data`). The work dir is, in order
    of priority: ``work_dir``, the config's ``work_dir``, ``./work_dirs/<config name>``.

    Args:
        config (str): config path.
        cfg_options (dict, optional): overrides, as from ``--cfg-options``.
        work_dir (str, optional): where logs and checkpoints go.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        Config: the merged config.
    """
    if not osp.isfile(config):
        raise FileNotFoundError(f'{config}: config file not found.')
    if launcher not in LAUNCHERS:
        raise ValueError(f'launcher must be one of {LAUNCHERS}, got {launcher!r}.')
    cfg = Config.fromfile(config)
    if cfg_options:
        original = copy.deepcopy(cfg)
        cfg.merge_from_dict(cfg_options)
        reroot_data(cfg, original)
    cfg.launcher = launcher
    if work_dir is not None:
        cfg.work_dir = work_dir
    elif cfg.get('work_dir') is None:
        cfg.work_dir = osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])
    return cfg


def _scope(cfg: Config) -> str:
    return cfg.get('default_scope') or 'mmengine'


def _set_dataloader_defaults(cfg: Config) -> None:
    """Fill the dataloader defaults mmpretrain's own ``tools/train.py`` uses.

    Only for classification: detection images differ in size, so mmdet configs keep their
    ``pseudo_collate``.
    """
    for field in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg.get(field)
        if loader is None:
            continue
        # pinned memory only helps copies to a GPU; without one torch warns about it per loader
        defaults = ConfigDict(pin_memory=torch.cuda.is_available(),
                              persistent_workers=loader.get('num_workers', 0) > 0)
        if _scope(cfg) == 'mmpretrain':
            defaults.collate_fn = dict(type='default_collate')
        defaults.update(loader)
        if defaults.get('num_workers', 0) == 0:
            defaults.persistent_workers = False  # torch refuses persistent workers without any
        cfg[field] = defaults


def _enable_amp(cfg: Config) -> None:
    if not torch.cuda.is_available():
        raise RuntimeError('--amp needs a CUDA GPU: mmengine\'s AmpOptimWrapper does not run on '
                           'the CPU. Drop --amp to train in fp32.')
    if cfg.optim_wrapper.get('type', 'OptimWrapper') == 'AmpOptimWrapper':
        return
    cfg.optim_wrapper.type = 'AmpOptimWrapper'
    cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def build_runner(cfg: Config) -> Runner:
    """Build the runner named by ``cfg.runner_type`` (default: mmengine's Runner)."""
    if 'runner_type' not in cfg:
        return Runner.from_cfg(cfg)
    return RUNNERS.build(cfg)


def run_train(config: str,
              work_dir: Optional[str] = None,
              resume: Optional[str] = None,
              amp: bool = False,
              auto_scale_lr: bool = False,
              tensorboard: bool = False,
              cfg_options: Optional[dict] = None,
              launcher: str = 'none') -> Runner:
    """Train a model from a config file.

    Args:
        config (str): config path.
        work_dir (str, optional): where logs and checkpoints go.
        resume (str, optional): ``'auto'`` resumes from the latest checkpoint in the work dir,
            a path resumes from that checkpoint, None trains from scratch.
        amp (bool): mixed precision (needs a CUDA GPU).
        auto_scale_lr (bool): scale the learning rate by the actual total batch size.
        tensorboard (bool): also log scalars to TensorBoard (events in the work dir).
        cfg_options (dict, optional): overrides, as from ``--cfg-options``.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        Runner: the runner after training.
    """
    cfg = load_config(config, cfg_options, work_dir, launcher)
    if amp:
        _enable_amp(cfg)
    if resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif resume is not None:
        if not osp.isfile(resume):
            raise FileNotFoundError(f'{resume}: checkpoint to resume from not found.')
        cfg.resume, cfg.load_from = True, resume
    if auto_scale_lr:
        if 'auto_scale_lr' not in cfg or 'base_batch_size' not in cfg.auto_scale_lr:
            raise KeyError(f'{config}: --auto-scale-lr needs `auto_scale_lr = dict('
                           'base_batch_size=...)` in the config.')
        cfg.auto_scale_lr.enable = True
    if tensorboard:
        from mmml_plugin.visualization import enable_tensorboard
        enable_tensorboard(cfg)
    _set_dataloader_defaults(cfg)
    runner = build_runner(cfg)
    runner.train()
    return runner


def run_test(config: str,
             checkpoint: str,
             work_dir: Optional[str] = None,
             out: Optional[str] = None,
             dump: Optional[str] = None,
             show_dir: Optional[str] = None,
             cfg_options: Optional[dict] = None,
             launcher: str = 'none',
             strict: bool = True,
             split: str = 'test') -> dict:
    """Evaluate ``checkpoint`` on the config's test set (or its validation set).

    The checkpoint must provide every weight of the model (``strict``): one of another model
    (e.g. SSGRL weights with the baseline config) is refused with a ``CheckpointMismatchError``
    naming the missing/unexpected keys and the config it was trained with, instead of scoring a
    randomly initialised head.

    Args:
        config (str): config path.
        checkpoint (str): checkpoint to evaluate.
        work_dir (str, optional): where logs go.
        out (str, optional): write the metrics as JSON to this file.
        dump (str, optional): write every sample's scores and targets to this ``.npz``
            (:class:`~mmml_plugin.evaluation.DumpMultiLabelResults`), for offline analysis.
        show_dir (str, optional): draw every test image with its predictions into this folder
            (relative paths are inside the work dir).
        cfg_options (dict, optional): overrides, as from ``--cfg-options``.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.
        strict (bool): refuse checkpoints with missing, unexpected or mis-shaped weights
            (``--cfg-options strict_checkpoint=False`` does the same). Defaults to True.
        split (str): ``'test'`` (the config's test dataloader and evaluator) or ``'val'`` (its
            validation ones, e.g. to dump scores for threshold tuning); recorded in ``dump``.

    Returns:
        dict: the metrics.
    """
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found.')
    cfg = load_config(config, cfg_options, work_dir, launcher)
    cfg.load_from = checkpoint
    # MMMLRunner refuses a checkpoint that leaves model weights uninitialised (strict_checkpoint)
    cfg.setdefault('runner_type', 'MMMLRunner')
    cfg.setdefault('strict_checkpoint', strict)
    if split not in ('test', 'val'):
        raise ValueError(f"split={split!r}: choose 'test' or 'val'.")
    if split == 'val':  # the test loop on the validation data
        cfg.test_dataloader, cfg.test_evaluator = cfg.val_dataloader, cfg.val_evaluator
    if show_dir is not None:
        _enable_visualization(cfg, show_dir)
    _set_dataloader_defaults(cfg)
    runner = build_runner(cfg)
    if dump is not None:  # a plain .npz (no pickle): reading it back cannot run code
        from mmml_plugin.evaluation import prediction_dump
        runner.test_evaluator.metrics.append(
            prediction_dump(dump, runner.test_evaluator.metrics, split=split))
    metrics = runner.test()
    if out is not None and runner.rank == 0:
        from mmml_plugin.evaluation.metrics.dump_results import headline_ap_mode
        modes = [headline_ap_mode(m) for m in runner.test_evaluator.metrics]
        info = dict(config=config, checkpoint=checkpoint)
        mode = next((m for m in modes if m is not None), None)
        if mode is not None:  # the mode of the metrics' mAP and AP_classwise, for the plots
            info['ap_mode'] = mode
        write_results_json(out, metrics, **info)
    return metrics


def _enable_visualization(cfg: Config, show_dir: str) -> None:
    hook = cfg.default_hooks.get('visualization')
    if hook is None:
        raise KeyError('--show-dir needs a `visualization` entry in `default_hooks`.')
    hook.enable = True
    hook.interval = 1  # every test image (mmpretrain's default draws 1 image in 5000)
    if _scope(cfg) == 'mmdet':
        hook.draw = True
        hook.test_out_dir = show_dir  # mmdet puts it in <work_dir>/<timestamp>/
    else:  # mmpretrain writes out_dir as given, i.e. relative to the current directory
        hook.out_dir = show_dir if osp.isabs(show_dir) else osp.join(cfg.work_dir, show_dir)


def write_results_json(path: str, metrics: dict, **info) -> None:
    """Write ``{'metrics': ..., **info}`` as JSON (numpy values as plain numbers and lists)."""
    mmengine.dump(dict(metrics=metrics, **info), path, indent=2)


def parse_launcher_env(local_rank: Optional[int]) -> None:
    """Export ``LOCAL_RANK`` when a launcher passed ``--local-rank`` instead of the env var."""
    if local_rank is not None and 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(local_rank)


def finish_distributed() -> None:
    """End a distributed run: wait for every rank, then destroy the process group.

    torch asks for ``destroy_process_group()`` before a process exits. Without it the gloo
    process group's threads are left to interpreter shutdown, which can abort a rank after its
    work is done (``terminate called without an active exception``, exit code -6, so torchrun
    reports a failed job; seen once in a clean-clone run of ``tests/reliability/
    test_distributed.py``). A no-op outside a distributed run.
    """
    if is_distributed():
        barrier()
        torch.distributed.destroy_process_group()
