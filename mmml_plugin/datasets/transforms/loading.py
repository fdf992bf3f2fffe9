"""Image loading that refuses damaged files with a message naming the file and the fix.

OpenCV silently decodes a truncated JPEG into an image whose missing part is grey, and mmcv's
``LoadImageFromFile`` passes that on to training. :class:`LoadImageChecked` checks the bytes
first, so a damaged file is either an error (default) or, with ``skip_bad_images=True`` on the
dataset, skipped and counted (see ``CocoMultiLabelDataset`` and ``BadImageReportHook``).
"""
import mmcv
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmpretrain.registry import TRANSFORMS

_JPEG_SOI = b'\xff\xd8'
_JPEG_EOI = b'\xff\xd9'
_SKIP = 'to skip such files during training set skip_bad_images=True in the dataset config.'
_FIX = 'Re-download or re-extract it, or remove it from the annotation file; ' + _SKIP


class BadImageError(ValueError):
    """An image file that cannot be used: missing, empty, truncated or not an image."""


def check_image_bytes(path: str, data: bytes) -> None:
    """Raises :class:`BadImageError` for an empty file or a JPEG without its end marker."""
    if len(data) == 0:
        raise BadImageError(f'{path}: empty file (0 bytes). {_FIX}')
    # A complete JPEG ends with the EOI marker (some writers pad a few bytes after it).
    if data[:2] == _JPEG_SOI and _JPEG_EOI not in data[-64:]:
        raise BadImageError(f'{path}: truncated JPEG (no end-of-image marker; '
                            f'{len(data)} bytes). {_FIX}')


def load_image_checked(path: str,
                       backend_args: dict = None,
                       channel_order: str = 'bgr',
                       imdecode_backend: str = 'cv2',
                       ignore_orientation: bool = False) -> np.ndarray:
    """Reads and decodes an image, always as 3 channels.

    Grayscale images are expanded to 3 channels and the alpha channel of RGBA images is dropped
    (OpenCV ``IMREAD_COLOR``).

    Args:
        path (str): image file.
        backend_args (dict, optional): mmengine file backend arguments.
        channel_order (str): 'bgr' or 'rgb'.
        imdecode_backend (str): mmcv decoding backend ('cv2', 'pillow', 'turbojpeg', 'tifffile').
        ignore_orientation (bool): keep the stored pixel order, ignoring an EXIF orientation
            tag (as ``PIL.Image.open(path).convert('RGB')``, what torchvision-based code such as
            the official SSGRL reads); by default the image is rotated as the tag says.

    Returns:
        np.ndarray: (H, W, 3) uint8.

    Raises:
        BadImageError: missing, empty, truncated or undecodable file (message names the file).
    """
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise BadImageError(
            f'{path}: file not found. Check data_root / data_prefix in the dataset config, or '
            f'remove the image from the annotation file; {_SKIP}') from None
    check_image_bytes(path, data)
    flag = 'color_ignore_orientation' if ignore_orientation else 'color'
    try:
        img = mmcv.imfrombytes(data,
                               flag=flag,
                               channel_order=channel_order,
                               backend=imdecode_backend)
    except (OSError, ValueError, SyntaxError) as error:  # PIL raises where cv2 returns None
        raise BadImageError(f'{path}: not a decodable image ({len(data)} bytes, starts with '
                            f'{data[:8]!r}; {imdecode_backend}: {error}). {_FIX}') from None
    if img is None:
        raise BadImageError(f'{path}: not a decodable image ({len(data)} bytes, starts with '
                            f'{data[:8]!r}). {_FIX}')
    return img


@TRANSFORMS.register_module()
class LoadImageChecked(BaseTransform):
    """Like mmcv's ``LoadImageFromFile`` (color, BGR uint8) but refuses damaged files.

    Required keys: ``img_path``, or ``img`` alone: an image already in memory, (H, W, 3) uint8
    BGR as ``mmcv.imread`` gives (what mmpretrain's ``ImageClassificationInferencer`` passes),
    which is kept as it is. Added keys: ``img`` (H, W, 3) uint8, ``img_shape``, ``ori_shape``.

    Args:
        to_float32 (bool): convert the image to float32.
        imdecode_backend (str): mmcv decoding backend ('cv2' is the fastest; 'pillow' decodes
            as the official SSGRL code, which opens images with PIL).
        backend_args (dict, optional): mmengine file backend arguments.
        ignore_orientation (bool): ignore EXIF orientation tags, as ``PIL.Image.open`` does
            (see :func:`load_image_checked`).
    """

    def __init__(self,
                 to_float32: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: dict = None,
                 ignore_orientation: bool = False):
        self.to_float32 = to_float32
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args
        self.ignore_orientation = ignore_orientation

    def transform(self, results: dict) -> dict:
        if results.get('img_path') is None and isinstance(results.get('img'), np.ndarray):
            img = results['img']  # in memory (an inferencer's array input): nothing to read
        else:
            img = load_image_checked(results['img_path'],
                                     self.backend_args,
                                     imdecode_backend=self.imdecode_backend,
                                     ignore_orientation=self.ignore_orientation)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f"imdecode_backend='{self.imdecode_backend}', "
                f'ignore_orientation={self.ignore_orientation})')
