"""The work dir of a training run: its ``last_checkpoint`` pointer and its lock.

* ``last_checkpoint`` holds the latest checkpoint's path *relative to the work dir* when the
  checkpoint lies inside it (what :class:`~mmml_plugin.engine.AtomicCheckpointHook` writes), so a
  work dir moved (to a bigger disk, another machine) still resumes with ``--resume auto``;
  :func:`latest_checkpoint` reads both that form and mmengine's absolute paths.
* :func:`work_dir_lock` keeps a second training out of a work dir in use: two runs writing the
  same ``epoch_N.pth``, ``best_*`` and ``last_checkpoint`` would interleave silently. The lock is
  an ``fcntl.flock`` on ``<work_dir>/.train.lock``, held by the process itself, so the kernel
  releases it when the process dies, ``kill -9`` included: a stale lock file never blocks a
  resume.
"""
import errno
import os
import os.path as osp
from contextlib import contextmanager
from typing import Iterator, Optional

try:
    import fcntl
except ImportError:  # Windows: no flock, no lock (documented in docs/reliability.md)
    fcntl = None

LOCK_NAME = '.train.lock'
POINTER_NAME = 'last_checkpoint'


class WorkDirBusyError(RuntimeError):
    """Another training run holds the work dir."""


def pointer_text(checkpoint: str, work_dir: str) -> str:
    """What ``last_checkpoint`` should hold for ``checkpoint``: relative to ``work_dir`` when
    inside it, else the path as given (e.g. an ``out_dir`` on another disk or a URL).

    Args:
        checkpoint (str): the checkpoint's path.
        work_dir (str): the run's work dir.
    """
    if '://' in checkpoint:
        return checkpoint
    full, root = osp.abspath(checkpoint), osp.abspath(work_dir)
    if osp.commonpath([full, root]) == root:
        return osp.relpath(full, root)
    return checkpoint


def latest_checkpoint(work_dir: str) -> Optional[str]:
    """The checkpoint ``<work_dir>/last_checkpoint`` points to, or None without a pointer.

    Args:
        work_dir (str): the run's work dir.

    Returns:
        str | None: a relative pointer joined to ``work_dir``; an absolute one as written,
        unless that file is gone and the work dir holds a file of the same name (the work dir
        was moved after an mmengine-written absolute pointer).
    """
    pointer = osp.join(work_dir, POINTER_NAME)
    if not osp.isfile(pointer):
        return None
    with open(pointer, encoding='utf-8') as f:
        path = f.read().strip()
    if not path:
        return None
    if '://' in path:
        return path
    if not osp.isabs(path):
        return osp.join(work_dir, path)
    moved = osp.join(work_dir, osp.basename(path))
    return moved if not osp.exists(path) and osp.isfile(moved) else path


def _holder(lock_path: str) -> str:
    try:
        with open(lock_path, encoding='utf-8') as f:
            return f.read().strip() or 'another process'
    except OSError:
        return 'another process'


@contextmanager
def work_dir_lock(work_dir: str, enabled: bool = True) -> Iterator[None]:
    """Hold ``<work_dir>/.train.lock`` for the duration of the block; refuse if it is held.

    Args:
        work_dir (str): the run's work dir (created if needed).
        enabled (bool): False on ranks other than 0 (one lock per run) and where ``fcntl`` is
            missing.

    Raises:
        WorkDirBusyError: another live process trains in ``work_dir``, naming its pid and the
            fix.
    """
    if not enabled or fcntl is None:
        yield
        return
    os.makedirs(work_dir, exist_ok=True)
    lock_path = osp.join(work_dir, LOCK_NAME)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as e:
            if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            raise WorkDirBusyError(
                f'{osp.abspath(work_dir)} is in use by another training run ({_holder(lock_path)}, '
                f'holding {lock_path}): two runs in one work dir overwrite each other\'s '
                'checkpoints, best_* and last_checkpoint. Wait for it to finish, stop it, or train '
                'in another work dir (--work-dir).') from None
        os.ftruncate(fd, 0)
        os.write(fd, f'pid {os.getpid()} on {os.uname().nodename}\n'.encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
