"""SSGRL's multi-scale training crop: the official two-step PIL chain or one cv2 resampling."""
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS
from PIL import Image

_CV2_INTERPOLATION = dict(nearest=cv2.INTER_NEAREST,
                          bilinear=cv2.INTER_LINEAR,
                          bicubic=cv2.INTER_CUBIC,
                          area=cv2.INTER_AREA)
_PIL_INTERPOLATION = dict(nearest=Image.NEAREST,
                          bilinear=Image.BILINEAR,
                          bicubic=Image.BICUBIC,
                          area=Image.BOX)
BACKENDS = ('cv2', 'pillow')


def pil_resize(img: np.ndarray, size: int, interpolation: str = 'bilinear') -> np.ndarray:
    """Resize a uint8 (H, W[, C]) array to (size, size) with PIL, as torchvision does on PIL
    images (``Image.resize``; bilinear and bicubic antialias when downscaling)."""
    if img.dtype != np.uint8:
        raise TypeError(f'the pillow backend needs a uint8 image, got {img.dtype}: load images '
                        'without to_float32 or use backend="cv2".')
    out = Image.fromarray(img).resize((size, size), _PIL_INTERPOLATION[interpolation])
    return np.array(out)  # writable (torch.from_numpy warns on read-only arrays)


@TRANSFORMS.register_module()
class RandomSquareCropResize(BaseTransform):
    """Resize to ``scale x scale``, crop a random square of a side drawn from ``crop_sizes``,
    resize the crop to ``out_size x out_size`` (SSGRL's training augmentation).

    The official code (HCPLab-SYSU/SSGRL ``utils/transforms.py`` L13-19) is torchvision's
    ``Resize((640, 640)) -> RandomChoice([RandomCrop(s) ...]) -> Resize((576, 576))`` on PIL
    images. Two backends:

    - ``backend='pillow'``: that chain, step by step with PIL's bilinear resize (which
      antialiases when downscaling), pixel for pixel the official result for the same crop side
      and position (tests/datasets/test_official_transforms.py). Used by the official-recipe
      configs.
    - ``backend='cv2'`` (default): one cv2 resampling of the crop window mapped back to the
      original image (rounded to whole source pixels), about 2x cheaper; no antialiasing. Its
      mean difference to the official chain is measured in docs/reproduction.md.

    The crop side is drawn uniformly from ``crop_sizes`` and the corner uniformly among the
    valid positions, as ``RandomChoice`` + ``RandomCrop`` do, from numpy's generator instead of
    Python's ``random`` and torch's.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys: ``crop_window``
    (x0, y0, side) in the ``scale x scale`` image, ``crop_bbox`` (x1, y1, x2, y2) in the
    original image (rounded to whole pixels).

    Args:
        scale (int): side of the intermediate square image (640 in SSGRL).
        crop_sizes (Sequence[int]): crop sides, each <= ``scale``, drawn uniformly
            (640, 576, 512, 384, 320 in SSGRL).
        out_size (int): output side (576 in SSGRL).
        interpolation (str): 'nearest', 'bilinear', 'bicubic' or 'area' ('area' is PIL's box
            filter with the pillow backend).
        backend (str): 'pillow' (the official two-step chain) or 'cv2' (one step).
    """

    def __init__(self,
                 scale: int = 640,
                 crop_sizes: Sequence[int] = (640, 576, 512, 384, 320),
                 out_size: int = 576,
                 interpolation: str = 'bilinear',
                 backend: str = 'cv2'):
        if not crop_sizes or any(not 0 < s <= scale for s in crop_sizes):
            raise ValueError(f'crop_sizes must be in (0, scale={scale}], got {crop_sizes}.')
        if interpolation not in _CV2_INTERPOLATION:
            raise ValueError(f'interpolation must be one of {list(_CV2_INTERPOLATION)}, got '
                             f'{interpolation!r}.')
        if backend not in BACKENDS:
            raise ValueError(f'backend must be one of {BACKENDS}, got {backend!r}.')
        self.scale = scale
        self.crop_sizes = tuple(crop_sizes)
        self.out_size = out_size
        self.interpolation = interpolation
        self.backend = backend

    @cache_randomness
    def _sample_window(self):
        """Crop side and top-left corner in the ``scale x scale`` image."""
        size = self.crop_sizes[np.random.randint(len(self.crop_sizes))]
        x0, y0 = np.random.randint(0, self.scale - size + 1, size=2)
        return size, int(x0), int(y0)

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        size, x0, y0 = self._sample_window()
        sx, sy = w / self.scale, h / self.scale  # resized-square -> original coordinates
        x1, x2 = int(round(x0 * sx)), max(int(round((x0 + size) * sx)), int(round(x0 * sx)) + 1)
        y1, y2 = int(round(y0 * sy)), max(int(round((y0 + size) * sy)), int(round(y0 * sy)) + 1)
        if self.backend == 'pillow':
            square = pil_resize(img, self.scale, self.interpolation)
            results['img'] = pil_resize(square[y0:y0 + size, x0:x0 + size], self.out_size,
                                        self.interpolation)
        else:
            results['img'] = cv2.resize(img[y1:y2, x1:x2], (self.out_size, self.out_size),
                                        interpolation=_CV2_INTERPOLATION[self.interpolation])
        results['img_shape'] = (self.out_size, self.out_size)
        results['crop_window'] = (x0, y0, size)
        results['crop_bbox'] = np.array([x1, y1, x2, y2])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, crop_sizes={self.crop_sizes}, '
                f"out_size={self.out_size}, interpolation='{self.interpolation}', "
                f"backend='{self.backend}')")
