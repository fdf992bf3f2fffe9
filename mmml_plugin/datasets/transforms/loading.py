"""Image loading that decodes every accepted format one defined way and refuses bad files.

OpenCV silently decodes a truncated JPEG into an image whose missing part is grey, mmcv's Pillow
path saturates 16-bit greyscale images (``convert('RGB')`` clips at 255) and neither looks at the
image size before allocating it, so a few hundred bytes declaring 50000x50000 pixels end a run with
an error naming no file. :class:`LoadImageChecked` checks the bytes and the header first, so a bad
file is either an error naming the file (default) or, with ``skip_bad_images=True`` on the
dataset, skipped and counted (see ``CocoMultiLabelDataset`` and ``BadImageReportHook``).

The decode, the same for both backends (``tests/datasets/test_image_formats.py`` checks it on
generated files of every mode):

* 8-bit images: ``PIL.Image.open(path).convert('RGB')``, what the official SSGRL code reads
  (``datasets/voc07dataset.py``, ``Voc07Dataset.__getitem__``, L43 at commit 4ad5ff5; its COCO
  dataset goes through torchvision's ``CocoDetection``, which does the same): greyscale and
  1-bit replicated to 3 channels, palette images (with or without transparency) looked up in
  their palette, alpha dropped (RGBA, LA: not composited onto a background, unlike mmcv's Pillow
  path for LA), CMYK as ``R = (255 - C) * (255 - K) / 255`` rounded.
* 16-bit images: the high byte (``>> 8``), the rule of OpenCV's ``IMREAD_COLOR`` for PNG and of
  Pillow for 16-bit RGB(A); Pillow's ``convert('RGB')`` would clip 16-bit greyscale at 255.
* EXIF orientation applied, or ignored with ``ignore_orientation=True`` (as ``Image.open`` does).

The 'cv2' backend decodes with OpenCV where OpenCV gives exactly that (JPEG in L or RGB, PNG,
WebP, BMP, PNM) and with Pillow otherwise (CMYK JPEG: OpenCV's conversion is off by up to 2; TIFF:
OpenCV premultiplies RGBA by its alpha). 32-bit integer and float images are refused.
"""
import io
import os
import re
import warnings
from typing import BinaryIO, Optional, Union

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageOps

_JPEG_SOI = b'\xff\xd8'
_JPEG_EOI = b'\xff\xd9'
_PNG_MAGIC = b'\x89PNG\r\n\x1a\n'
_PNG_IEND = b'IEND'
_SKIP = 'to skip such files during training set skip_bad_images=True in the dataset config.'
_FIX = 'Re-download or re-extract it, or remove it from the annotation file; ' + _SKIP
_FIX_SINGLE = 'Re-download or re-extract it.'

# Largest image decoded: 100 megapixels decode to 300 MB (uint8 RGB) per data worker. Real
# datasets stay far below (COCO 2014 at most 640x640 = 0.4 MP, VOC 500x500, full-frame camera
# photos up to 61 MP), while a decompression bomb declares gigapixels in a few hundred bytes
# (50000x50000 = 2500 MP = 7.5 GB). Pillow warns from 89.5 MP and refuses from 179 MP on its own.
DEFAULT_MAX_PIXELS = 100_000_000

# Formats and modes (as Pillow reads them from the header) that OpenCV's IMREAD_COLOR decodes
# exactly as defined above; None: every mode.
_CV2_EXACT = {
    'JPEG': ('L', 'RGB'),
    'MPO': ('L', 'RGB'),
    'PNG': None,
    'WEBP': None,
    'BMP': ('1', 'L', 'P', 'RGB'),
    'PPM': ('1', 'L', 'RGB'),
}
_BACKENDS = ('cv2', 'pillow')


class BadImageError(ValueError):
    """An image file that cannot be used: missing, empty, truncated, too large or not an image."""


def _bad(path: str,
         what: str,
         skip_hint: bool,
         fix: str = _FIX,
         single_fix: str = _FIX_SINGLE) -> BadImageError:
    """``<path>: <what>. <fix>``, the dataset advice or the one for a single image."""
    return BadImageError(f'{path}: {what}. {fix if skip_hint else single_fix}')


def check_image_bytes(path: str, data: bytes, skip_hint: bool = True) -> None:
    """Raises :class:`BadImageError` for an empty file, or a JPEG or PNG without its end marker.

    Args:
        path (str): the file, for the message.
        data (bytes): its bytes (or its first 16 and last 64 bytes).
        skip_hint (bool): end the message with the dataset advice (remove it from the annotation
            file or set ``skip_bad_images=True``); False for a single image (inference).
    """
    if len(data) == 0:
        raise _bad(path, 'empty file (0 bytes)', skip_hint)
    # A complete JPEG ends with the EOI marker, a PNG with its IEND chunk (some writers pad a few
    # bytes after them).
    if data[:2] == _JPEG_SOI and _JPEG_EOI not in data[-64:]:
        raise _bad(path, f'truncated JPEG (no end-of-image marker; {len(data)} bytes)', skip_hint)
    if data[:8] == _PNG_MAGIC and _PNG_IEND not in data[-64:]:
        raise _bad(path, f'truncated PNG (no IEND chunk at the end; {len(data)} bytes)', skip_hint)


def read_image_header(path: str,
                      source: Union[bytes, BinaryIO],
                      max_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
                      skip_hint: bool = True) -> Image.Image:
    """Reads an image's header (not its pixels) and checks its size against the pixel budget.

    Args:
        path (str): the file, for the messages.
        source (bytes | file): the file's bytes, or the file opened in binary mode (only its
            header is read).
        max_pixels (int, optional): pixel budget, width x height; None: Pillow's own
            decompression-bomb limit only (``2 * PIL.Image.MAX_IMAGE_PIXELS``, 179 MP).
        skip_hint (bool): see :func:`check_image_bytes`.

    Returns:
        PIL.Image.Image: the lazily opened image (``format``, ``mode``, ``size`` known, pixels
        not decoded).

    Raises:
        BadImageError: not an image format Pillow knows, or more pixels than the budget.
    """
    fp = io.BytesIO(source) if isinstance(source, (bytes, bytearray, memoryview)) else source
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', Image.DecompressionBombWarning)  # the budget decides
        try:
            header = Image.open(fp)
        except Image.DecompressionBombError as error:  # beyond Pillow's own limit (179 MP)
            found = re.search(r'\((\d+) pixels\)', str(error))
            pixels = int(found.group(1)) if found else 2 * Image.MAX_IMAGE_PIXELS + 1
            if max_pixels is not None and pixels > max_pixels:
                raise _over_budget(path, f'{pixels / 1e6:.1f} megapixels', pixels, max_pixels,
                                   skip_hint) from None
            raise _bad(path,
                       f'{pixels / 1e6:.1f} megapixels, more than Pillow reads ({error})',
                       skip_hint,
                       fix='Raise PIL.Image.MAX_IMAGE_PIXELS as well as max_pixels if such images '
                       'are expected; ' + _SKIP,
                       single_fix='Raise PIL.Image.MAX_IMAGE_PIXELS as well as max_pixels if '
                       'such images are expected.') from None
        except Exception as error:  # noqa: B902  (Pillow raises many types on damaged headers)
            size, head = _size_and_head(fp)
            raise _bad(
                path, f'not a decodable image ({size} bytes, starts with {head!r}; Pillow: '
                f'{error})', skip_hint) from None
    width, height = header.size
    if max_pixels is not None and width * height > max_pixels:
        raise _over_budget(path, f'{width}x{height} pixels ({width * height / 1e6:.1f} '
                           'megapixels)', width * height, max_pixels, skip_hint)
    return header


def _over_budget(path: str, size: str, pixels: int, max_pixels: int,
                 skip_hint: bool) -> BadImageError:
    return _bad(path, f'{size} is over the pixel budget of {max_pixels / 1e6:g} megapixels '
                f'(max_pixels); decoding it would take {3 * pixels / 2**30:.1f} GiB or more, so it '
                'was not decoded (a decompression bomb, or an image far larger than training '
                'needs)',
                skip_hint,
                fix='Resize it or remove it from the annotation file, or raise max_pixels of '
                'LoadImageChecked (tools/misc/check_images.py: --max-pixels) if such images are '
                'expected; ' + _SKIP,
                single_fix='Resize it, or raise max_pixels if such images are expected.')


def _size_and_head(fp: BinaryIO):
    fp.seek(0, os.SEEK_END)
    size = fp.tell()
    fp.seek(0)
    return size, fp.read(8)


def _cv2_decodes_exactly(header: Image.Image) -> bool:
    if header.format not in _CV2_EXACT:
        return False
    modes = _CV2_EXACT[header.format]
    return modes is None or header.mode in modes


def _pil_to_rgb(path: str, img: Image.Image, image_format: str, skip_hint: bool) -> np.ndarray:
    """(H, W, 3) uint8 RGB from a Pillow image, by the rules of the module docstring."""
    # 16-bit greyscale ('I' for PNG in Pillow < 10.?): the high byte
    if img.mode.startswith('I;16') or (img.mode == 'I' and image_format == 'PNG'):
        high = (np.asarray(img) >> 8).astype(np.uint8)
        return np.repeat(high[..., None], 3, axis=2)
    if img.mode in ('I', 'F'):
        kind = 'integer' if img.mode == 'I' else 'float'
        raise _bad(path, f'32-bit {kind} pixels (Pillow mode {img.mode!r}) have no defined 8-bit '
                   'decoding',
                   skip_hint,
                   fix='Convert it to an 8-bit (or 16-bit) PNG or JPEG, or remove it from the '
                   'annotation file; ' + _SKIP,
                   single_fix='Convert it to an 8-bit (or 16-bit) PNG or JPEG.')
    if img.mode == 'RGB':
        return np.asarray(img)  # read-only: the caller copies
    with warnings.catch_warnings():  # palette transparency is dropped, as any alpha
        warnings.filterwarnings('ignore', message='Palette images with Transparency')
        return np.asarray(img.convert('RGB'))


def decode_image(path: str,
                 data: bytes,
                 header: Image.Image,
                 channel_order: str = 'bgr',
                 imdecode_backend: str = 'cv2',
                 ignore_orientation: bool = False,
                 skip_hint: bool = True) -> np.ndarray:
    """Decodes an image whose header was checked by :func:`read_image_header`.

    Args:
        path (str): the file, for the messages.
        data (bytes): the whole file.
        header (PIL.Image.Image): from :func:`read_image_header` on ``data``.
        channel_order (str): 'bgr' or 'rgb'.
        imdecode_backend (str): 'cv2' or 'pillow' (see the module docstring).
        ignore_orientation (bool): keep the stored pixel order whatever the EXIF orientation.
        skip_hint (bool): see :func:`check_image_bytes`.

    Returns:
        np.ndarray: (H, W, 3) uint8, contiguous.
    """
    if imdecode_backend == 'cv2' and _cv2_decodes_exactly(header):
        flag = cv2.IMREAD_COLOR | (cv2.IMREAD_IGNORE_ORIENTATION if ignore_orientation else 0)
        try:
            img, reason = cv2.imdecode(np.frombuffer(data, np.uint8), flag), ''
        except cv2.error as error:
            img, reason = None, f'; OpenCV: {str(error).strip().splitlines()[-1]}'
        if img is None:
            raise _bad(
                path, f'not a decodable image ({len(data)} bytes, starts with '
                f'{data[:8]!r}{reason})', skip_hint)
        return cv2.cvtColor(img, cv2.COLOR_BGR2RGB) if channel_order == 'rgb' else img
    try:
        img = header if ignore_orientation else ImageOps.exif_transpose(header)
        rgb = _pil_to_rgb(path, img, header.format, skip_hint)
    except BadImageError:
        raise
    except Exception as error:  # noqa: B902  (Pillow raises OSError, ValueError, SyntaxError...)
        raise _bad(
            path, f'not a decodable image ({len(data)} bytes, starts with {data[:8]!r}; '
            f'Pillow: {error})', skip_hint) from None
    if channel_order == 'bgr':
        return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    return rgb if rgb.flags.writeable else rgb.copy()


def load_image_checked(path: str,
                       backend_args: dict = None,
                       channel_order: str = 'bgr',
                       imdecode_backend: str = 'cv2',
                       ignore_orientation: bool = False,
                       max_pixels: Optional[int] = DEFAULT_MAX_PIXELS,
                       skip_hint: bool = True) -> np.ndarray:
    """Reads and decodes an image, always as 3 channels of 8 bits (see the module docstring).

    Args:
        path (str): image file.
        backend_args (dict, optional): mmengine file backend arguments.
        channel_order (str): 'bgr' or 'rgb'.
        imdecode_backend (str): 'cv2' (fast) or 'pillow' (``PIL.Image.open(path).convert('RGB')``
            for 8-bit images, as the official SSGRL code reads them).
        ignore_orientation (bool): keep the stored pixel order, ignoring an EXIF orientation
            tag (as ``PIL.Image.open(path).convert('RGB')``, what torchvision-based code such as
            the official SSGRL reads); by default the image is rotated as the tag says.
        max_pixels (int, optional): pixel budget (width x height), checked on the header before
            anything is decoded; None: Pillow's own limit only (179 MP). Defaults to
            ``DEFAULT_MAX_PIXELS`` (100 MP).
        skip_hint (bool): end messages with the dataset advice (remove the file from the
            annotation file or set ``skip_bad_images=True``); False for a single image.

    Returns:
        np.ndarray: (H, W, 3) uint8.

    Raises:
        BadImageError: missing, empty, truncated, over-budget or undecodable file (the message
            names the file).
    """
    if imdecode_backend not in _BACKENDS:
        raise ValueError(f'imdecode_backend must be one of {_BACKENDS}, got {imdecode_backend!r}')
    try:
        data = fileio.get(path, backend_args=backend_args)
    except FileNotFoundError:
        raise _bad(path,
                   'file not found',
                   skip_hint,
                   fix='Check data_root / data_prefix in the dataset config, or remove the image '
                   'from the annotation file; ' + _SKIP,
                   single_fix='Check the path.') from None
    check_image_bytes(path, data, skip_hint)
    header = read_image_header(path, data, max_pixels, skip_hint)
    return decode_image(path, data, header, channel_order, imdecode_backend, ignore_orientation,
                        skip_hint)


@TRANSFORMS.register_module()
class LoadImageChecked(BaseTransform):
    """Like mmcv's ``LoadImageFromFile`` (color, BGR uint8) but refuses bad files.

    Required keys: ``img_path``, or ``img`` alone: an image already in memory, (H, W, 3) uint8
    BGR as ``mmcv.imread`` gives (what mmpretrain's ``ImageClassificationInferencer`` passes),
    which is kept as it is. Added keys: ``img`` (H, W, 3) uint8, ``img_shape``, ``ori_shape``.

    Args:
        to_float32 (bool): convert the image to float32.
        imdecode_backend (str): 'cv2' (the fastest) or 'pillow' (decodes 8-bit images as the
            official SSGRL code, which opens them with PIL); both decode every format the same
            way (see :mod:`mmml_plugin.datasets.transforms.loading`).
        backend_args (dict, optional): mmengine file backend arguments.
        ignore_orientation (bool): ignore EXIF orientation tags, as ``PIL.Image.open`` does
            (see :func:`load_image_checked`).
        max_pixels (int, optional): pixel budget (width x height) read from the header before
            decoding; a larger image is a :class:`BadImageError` (skippable with
            ``skip_bad_images=True``). Defaults to 100 megapixels (300 MB decoded).
    """

    def __init__(self,
                 to_float32: bool = False,
                 imdecode_backend: str = 'cv2',
                 backend_args: dict = None,
                 ignore_orientation: bool = False,
                 max_pixels: Optional[int] = DEFAULT_MAX_PIXELS):
        if imdecode_backend not in _BACKENDS:
            raise ValueError(
                f'imdecode_backend must be one of {_BACKENDS}, got {imdecode_backend!r}')
        if max_pixels is not None and max_pixels <= 0:
            raise ValueError(f'max_pixels must be positive or None, got {max_pixels}')
        self.to_float32 = to_float32
        self.imdecode_backend = imdecode_backend
        self.backend_args = backend_args
        self.ignore_orientation = ignore_orientation
        self.max_pixels = max_pixels

    def transform(self, results: dict) -> dict:
        if results.get('img_path') is None and isinstance(results.get('img'), np.ndarray):
            img = results['img']  # in memory (an inferencer's array input): nothing to read
        else:
            img = load_image_checked(results['img_path'],
                                     self.backend_args,
                                     imdecode_backend=self.imdecode_backend,
                                     ignore_orientation=self.ignore_orientation,
                                     max_pixels=self.max_pixels)
        if self.to_float32:
            img = img.astype(np.float32)
        results['img'] = img
        results['img_shape'] = img.shape[:2]
        results['ori_shape'] = img.shape[:2]
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(to_float32={self.to_float32}, '
                f"imdecode_backend='{self.imdecode_backend}', "
                f'ignore_orientation={self.ignore_orientation}, max_pixels={self.max_pixels})')
