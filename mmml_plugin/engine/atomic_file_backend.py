"""Crash-safe local writes: a file is either the complete old version or the complete new one.

``mmengine``'s ``LocalBackend.put`` opens the destination with ``'wb'`` and writes into it, so a
run killed (SIGKILL, pre-emption, full disk) while saving leaves a truncated checkpoint under the
final name. :class:`AtomicLocalBackend` writes to a hidden temporary file in the same folder,
``fsync``s it, renames it over the destination with ``os.replace`` (atomic on POSIX and Windows)
and ``fsync``s the folder so the rename itself survives a power cut. A full disk or quota
(``ENOSPC``, ``EDQUOT``, ``EFBIG``) raises :class:`DiskFullError`, naming the file, the bytes it
needs and the bytes free (``OSError: [Errno 28] No space left on device`` names neither).
"""
import contextlib
import errno
import os
import os.path as osp
import shutil
from pathlib import Path
from typing import Optional, Union

from mmengine.fileio import LocalBackend, register_backend

PARTIAL_TAG = '.partial-'
_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, 'EDQUOT', errno.ENOSPC)}


class DiskFullError(OSError):
    """A file could not be written for lack of space (disk full, quota, file-size limit)."""


def _free_bytes(directory: str) -> Optional[int]:
    try:
        return shutil.disk_usage(directory).free
    except OSError:
        return None


def _write_file(path: str, data: bytes) -> None:
    """Write ``data`` to a new file ``path`` and ``fsync`` it."""
    with open(path, 'wb') as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


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

    Raises:
        DiskFullError: no space (or quota) for ``data``; nothing is left under either name.
    """
    path = osp.abspath(os.fspath(path))
    directory = osp.dirname(path)
    os.makedirs(directory, exist_ok=True)
    tmp = partial_path(path)
    try:
        _write_file(tmp, data)
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        if isinstance(e, OSError) and e.errno in _FULL:
            free = _free_bytes(directory)
            raise DiskFullError(
                e.errno, f'Cannot write {path}: {e.strerror or "no space left"}. It needs '
                f'{len(data)} bytes ({len(data) / 2**20:.1f} MiB); '
                f'{"unknown" if free is None else free} bytes free in {directory}. Free space '
                '(or move the work dir to a bigger disk) and resume with --resume auto; the '
                'previous checkpoints are intact.', path) from e
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
