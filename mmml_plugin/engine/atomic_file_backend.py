"""Crash-safe local writes: a file is either the complete old version or the complete new one.

``mmengine``'s ``LocalBackend.put`` opens the destination with ``'wb'`` and writes into it, so a
run killed (SIGKILL, pre-emption, full disk) while saving leaves a truncated checkpoint under the
final name. :class:`AtomicLocalBackend` writes to a hidden temporary file in the same folder,
``fsync``s it, renames it over the destination with ``os.replace`` (atomic on POSIX and Windows)
and ``fsync``s the folder so the rename itself survives a power cut.
"""
import contextlib
import os
import os.path as osp
from pathlib import Path
from typing import Union

from mmengine.fileio import LocalBackend, register_backend

PARTIAL_TAG = '.partial-'


def partial_path(path: Union[str, Path]) -> str:
    """The hidden temporary name ``atomic_write_bytes`` uses for ``path`` in this process."""
    path = os.fspath(path)
    return osp.join(osp.dirname(path), f'.{osp.basename(path)}{PARTIAL_TAG}{os.getpid()}')


def _fsync_dir(directory: str) -> None:
    """Persist a rename inside ``directory`` (POSIX only: Windows cannot open folders)."""
    if os.name != 'posix':
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(data: bytes, path: Union[str, Path]) -> None:
    """Write ``data`` to ``path`` so that readers never see a partial file.

    Args:
        data (bytes): the complete new content.
        path (str | Path): destination; its folder is created if needed.
    """
    path = osp.abspath(os.fspath(path))
    directory = osp.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = partial_path(path)
    try:
        with open(tmp, 'wb') as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_dir(directory)


def atomic_write_text(text: str, path: Union[str, Path], encoding: str = 'utf-8') -> None:
    """Text version of :func:`atomic_write_bytes`."""
    atomic_write_bytes(text.encode(encoding), path)


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """``LocalBackend`` whose ``put``/``put_text`` replace files atomically.

    Select it with ``backend_args=dict(backend='atomic_local')`` wherever mmengine takes
    ``backend_args`` (``CheckpointHook``, ``mmengine.runner.save_checkpoint``, ``dump``).
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        atomic_write_bytes(obj, filepath)

    def put_text(self, obj: str, filepath: Union[str, Path], encoding: str = 'utf-8') -> None:
        atomic_write_text(obj, filepath, encoding)
