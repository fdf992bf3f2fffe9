"""Opt-in skipping of damaged images during training, and the end-of-epoch report.

With ``skip_bad_images=True`` a dataset turns a :class:`BadImageError` raised by its pipeline into
a skip: mmengine's ``BaseDataset.__getitem__`` then draws another image (never a zero image). The
skipped paths ride along in the metainfo of the next sample the same worker returns (pipelines
ending in ``PackInputs``), so ``BadImageReportHook`` (in ``mmml_plugin/engine/hooks``) sees them
in the main process whatever ``num_workers`` is, and reports them at the end of each epoch (all
ranks gathered). Evaluation never skips: every image of the split must be scored, so a bad image
there stays an error. Skipping is for a few damaged files: when every draw of mmengine's refetch
loop hits a bad file, training stops with the number of bad files and a file listing them.
"""
import os
import tempfile
from typing import Dict, List, Optional, Sequence, Tuple

from mmengine.logging import print_log

from .transforms.loading import (DEFAULT_MAX_PIXELS, BadImageError, check_image_bytes,
                                 load_image_checked, read_image_header)

SKIPPED_KEY = 'skipped_bad_images'
_SKIP_ADVICE = '; to skip such files'
_LOADER_ARGS = ('imdecode_backend', 'ignore_orientation', 'backend_args', 'max_pixels')


class SkipBadImagesMixin:
    """``prepare_data`` for mmengine datasets that honours ``self.skip_bad_images``.

    Each bad file is logged once per process (the first time it is drawn). When every draw of
    mmengine's refetch loop (``max_refetch + 1`` of them) hits a bad file, the data is broken
    rather than a few files damaged: :meth:`__getitem__` then raises a :class:`BadImageError`
    that counts the bad files and names the file listing them, instead of mmengine's "Cannot
    find valid image after 1000!".
    """

    skip_bad_images = False

    def __getitem__(self, idx: int):
        try:
            return super().__getitem__(idx)
        except BadImageError:
            raise
        except Exception:  # noqa: B902  (mmengine raises a bare Exception when refetching fails)
            run = self._pending_skipped()
            if not self.skip_bad_images or self.test_mode or len(run) <= self.max_refetch:
                raise
            raise self._all_bad_error(run) from None

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
            path = data_info.get('img_path', f'index {idx}')
            reasons = self._bad_reasons()
            if path not in reasons:  # it is set already: drop the advice to set it
                reasons[path] = str(e).split(_SKIP_ADVICE)[0].rstrip('.; ')
                print_log(f'skipping bad image (skip_bad_images=True): {reasons[path]}.',
                          logger='current',
                          level=30)
            self._pending_skipped().append(path)
            return None
        pending = self._pending_skipped()
        if data is not None and pending:
            samples = data.get('data_samples') if isinstance(data, dict) else None
            if hasattr(samples, 'set_metainfo'):  # pipelines ending in PackInputs
                samples.set_metainfo({SKIPPED_KEY: list(pending)})
            pending.clear()
        return data

    def _pending_skipped(self) -> List[str]:
        """Paths skipped since the last sample returned (this process)."""
        if '_skipped_paths' not in self.__dict__:
            self._skipped_paths = []
        return self._skipped_paths

    def _bad_reasons(self) -> Dict[str, str]:
        """Path -> reason of every bad file met so far (this process)."""
        if '_bad_image_reasons' not in self.__dict__:
            self._bad_image_reasons = {}
        return self._bad_image_reasons

    def _all_bad_error(self, run: List[str]) -> BadImageError:
        reasons = self._bad_reasons()
        distinct = sorted(set(run))
        with tempfile.NamedTemporaryFile('w',
                                         prefix='bad_images_',
                                         suffix='.txt',
                                         delete=False,
                                         encoding='utf-8') as listing:
            listing.writelines(reasons.get(p, p) + '\n' for p in distinct)
        source = getattr(self, 'ann_file', '') or type(self).__name__
        return BadImageError(
            f'{len(run)} draws in a row from {source} ({len(self)} images) hit bad image files '
            f'and none a good one: {len(distinct)} distinct bad image file(s), listed with their '
            f'reasons in {listing.name}. The first: {reasons.get(distinct[0], distinct[0])}. '
            'skip_bad_images=True skips a few damaged files; here (nearly) every image is bad, '
            'so training stopped. Check data_root / data_prefix in the dataset config (a wrong '
            'folder makes every image "file not found"), or list every bad file of the split '
            'with python tools/misc/check_images.py CONFIG --split train.')


def find_bad_images(paths: Sequence[str],
                    decode: bool = False,
                    progress: bool = True,
                    max_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
                    **load_kwargs) -> List[Tuple[str, str]]:
    """Checks image files up front (e.g. an evaluation split, which never skips).

    Args:
        paths (Sequence[str]): image files.
        decode (bool): decode every image (slow: ~5 ms each); otherwise check that the file
            exists, is not empty, ends with its end marker (JPEG, PNG; reads the first and last
            bytes) and has a header Pillow reads, within the pixel budget (no pixel is decoded).
        progress (bool): show a progress bar.
        max_pixels (int, optional): pixel budget (width x height), as ``LoadImageChecked``'s;
            None: Pillow's own limit only.
        **load_kwargs: further :func:`load_image_checked` arguments for ``decode``
            (``imdecode_backend``, ``ignore_orientation``, ``backend_args``).

    Returns:
        list: ``(path, reason)`` for each bad file.
    """
    from .progress import byte_progress
    bad = []
    with byte_progress(len(paths), 'checking images', progress and len(paths) > 1000) as advance:
        for path in paths:
            try:
                if decode:
                    load_image_checked(path, max_pixels=max_pixels, **load_kwargs)
                else:
                    _check_without_decoding(path, max_pixels)
            except BadImageError as e:
                bad.append((path, str(e)))
            advance(1)
    return bad


def image_loader_settings(dataset_cfg: dict) -> dict:
    """The image-loading arguments of a dataset config, for :func:`find_bad_images`.

    Args:
        dataset_cfg (dict): a dataset config; wrappers (``dataset=dict(...)``) are searched too.

    Returns:
        dict: ``imdecode_backend``, ``ignore_orientation``, ``backend_args``, ``max_pixels`` as
        the first ``LoadImageChecked`` of its pipeline sets them (only those it sets).
    """
    stack = [dataset_cfg]
    while stack:
        node = stack.pop(0)
        if isinstance(node, dict):
            if node.get('type') in ('LoadImageChecked', 'mmpretrain.LoadImageChecked'):
                return {k: node[k] for k in _LOADER_ARGS if k in node}
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return {}


def _check_without_decoding(path: str, max_pixels: Optional[int]) -> None:
    try:
        size = os.path.getsize(path)
        f = open(path, 'rb')
    except FileNotFoundError:
        load_image_checked(path)  # raises the usual "file not found" error
    with f:
        head = f.read(16)
        f.seek(max(0, size - 64))
        tail = f.read(64)
        seen = head if size <= 16 else head + tail
        try:
            check_image_bytes(path, seen)
        except BadImageError as e:  # it only saw the first and last bytes: report the size
            raise BadImageError(str(e).replace(f'{len(seen)} bytes', f'{size} bytes', 1)) from None
        f.seek(0)
        read_image_header(path, f, max_pixels)  # the header only: no pixel is decoded
