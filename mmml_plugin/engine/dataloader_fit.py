"""Dataloader settings that fit the machine a config runs on.

The shipped dataset configs ask for 8 workers and pinned memory (a GPU server). On a machine
with fewer CPUs torch warns "This DataLoader will create 8 worker processes in total. Our
suggested max number of worker in current system is 2 ..." and, without a GPU, that
"'pin_memory' argument is set as true but no accelerator is found"; neither says anything the
user can act on. :func:`fit_dataloader_to_machine` caps ``num_workers`` at the CPUs this process
may use and keeps ``pin_memory`` only with CUDA, when the runner builds each dataloader
(``MMMLRunner.build_dataloader``), so ``tools/train.py``, ``mim train mmpretrain`` and
``mim train mmml_plugin`` alike run quietly. Fewer workers than asked never change the data: the
plugin seeds augmentations per sample (:mod:`mmml_plugin.engine.sample_seeding`).
"""
import copy
import os

import torch


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity mask; torch's own check uses it too)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def fit_dataloader_to_machine(dataloader: dict) -> dict:
    """A copy of a dataloader config with ``num_workers`` <= CPUs and ``pin_memory`` only on CUDA.

    Args:
        dataloader (dict): a dataloader config (``num_workers``, ``pin_memory``,
            ``persistent_workers``, ...); a built ``DataLoader`` is not a dict and is returned
            as it is.

    Returns:
        dict: the adjusted copy (the config itself is not changed).
    """
    if not isinstance(dataloader, dict):
        return dataloader
    fitted = copy.copy(dataloader)
    workers = fitted.get('num_workers', 0)
    if workers > available_cpus():
        fitted['num_workers'] = available_cpus()
    if fitted.get('pin_memory') and not torch.cuda.is_available():
        fitted['pin_memory'] = False
    return fitted
