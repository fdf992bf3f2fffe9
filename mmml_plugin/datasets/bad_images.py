"""Opt-in skipping of damaged images during training, and the end-of-epoch report.

With ``skip_bad_images=True`` a dataset turns a :class:`BadImageError` raised by its pipeline into
a skip: mmengine's ``BaseDataset.__getitem__`` then draws another image (never a zero image). The
skipped paths ride along in the metainfo of the next sample the same worker returns (pipelines
ending in ``PackInputs``), so ``BadImageReportHook`` (in ``mmml_plugin/engine/hooks``) sees them
in the main process whatever ``num_workers`` is, and reports them at the end of each epoch (all
ranks gathered). Evaluation never skips: every image of the split must be scored, so a bad image
there stays an error.
"""
import os
from typing import List, Sequence, Tuple

from mmengine.logging import print_log

from .transforms.loading import BadImageError, check_image_bytes, load_image_checked

SKIPPED_KEY = 'skipped_bad_images'
# JPEG, PNG, GIF, BMP, TIFF (both byte orders)
_IMAGE_MAGIC = (b'\xff\xd8', b'\x89PNG', b'GIF8', b'BM', b'II*\x00', b'MM\x00*')


class SkipBadImagesMixin:
    """``prepare_data`` for mmengine datasets that honours ``self.skip_bad_images``."""

    skip_bad_images = False

    def prepare_data(self, idx: int):
        data_info = self.get_data_info(idx)
        try:
            data = self.pipeline(data_info)
        except BadImageError as e:
            if not self.skip_bad_images:
                raise
            if self.test_mode:
                raise BadImageError(
                    f'{e} (skip_bad_images applies to training only: evaluation must score '
                    'every image of the split, so fix or remove this file.)') from None
            reason = str(e).split('; to skip such files')[0].rstrip('.; ')  # it is set already
            print_log(f'skipping bad image (skip_bad_images=True): {reason}.',
                      logger='current',
                      level=30)
            self._pending_skipped().append(data_info.get('img_path', f'index {idx}'))
            return None
        pending = self._pending_skipped()
        if data is not None and pending:
            samples = data.get('data_samples') if isinstance(data, dict) else None
            if hasattr(samples, 'set_metainfo'):  # pipelines ending in PackInputs
                samples.set_metainfo({SKIPPED_KEY: list(pending)})
            pending.clear()
        return data

    def _pending_skipped(self) -> List[str]:
        if '_skipped_paths' not in self.__dict__:
            self._skipped_paths = []
        return self._skipped_paths


def find_bad_images(paths: Sequence[str],
                    decode: bool = False,
                    progress: bool = True) -> List[Tuple[str, str]]:
    """Checks image files up front (e.g. an evaluation split, which never skips).

    Args:
        paths (Sequence[str]): image files.
        decode (bool): decode every image (slow: ~5 ms each); otherwise only check that the file
            exists, is not empty and, for a JPEG, ends with its end-of-image marker (reads the
            first and last bytes only).
        progress (bool): show a progress bar.

    Returns:
        list: ``(path, reason)`` for each bad file.
    """
    from .progress import byte_progress
    bad = []
    with byte_progress(len(paths), 'checking images', progress and len(paths) > 1000) as advance:
        for path in paths:
            try:
                if decode:
                    load_image_checked(path)
                else:
                    _check_head_and_tail(path)
            except BadImageError as e:
                bad.append((path, str(e)))
            advance(1)
    return bad


def _check_head_and_tail(path: str) -> None:
    try:
        size = os.path.getsize(path)
        with open(path, 'rb') as f:
            head = f.read(16)
            f.seek(max(0, size - 64))
            tail = f.read(64)
    except FileNotFoundError:
        load_image_checked(path)  # raises the usual "file not found" error
    try:
        check_image_bytes(path, head if size <= 16 else head + tail)
    except BadImageError as e:  # it only saw the first and last bytes: report the file's size
        raise BadImageError(
            str(e).replace(f'{len(head if size <= 16 else head + tail)} bytes', f'{size} bytes',
                           1)) from None
    if not head.startswith(_IMAGE_MAGIC) and not (head[:4] == b'RIFF' and head[8:12] == b'WEBP'):
        raise BadImageError(f'{path}: not a known image format (starts with {head[:8]!r}). '
                            'Re-download it or remove it from the annotation file.')
