"""SSGRL's multi-scale training crop as one resampling step."""
from typing import Sequence

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS

_INTERPOLATION = dict(nearest=cv2.INTER_NEAREST, bilinear=cv2.INTER_LINEAR,
                      bicubic=cv2.INTER_CUBIC, area=cv2.INTER_AREA)


@TRANSFORMS.register_module()
class RandomSquareCropResize(BaseTransform):
    """Resize to ``scale x scale``, crop a random square of a size drawn from ``crop_sizes``,
    resize the crop to ``out_size x out_size`` (SSGRL's training augmentation).

    The same result as ``Resize(scale) -> RandomChoice(RandomCrop(s)) -> Resize(out_size)``
    (up to interpolation), computed with a single resize: the crop window is mapped back to the
    original image and only that region is resampled, which is ~2x cheaper than the chain.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys: ``crop_bbox``
    (x1, y1, x2, y2 in the original image).

    Args:
        scale (int): side of the intermediate square image (640 in SSGRL).
        crop_sizes (Sequence[int]): crop sides, each <= ``scale``, drawn uniformly
            (640, 576, 512, 384, 320 in SSGRL).
        out_size (int): output side (576 in SSGRL).
        interpolation (str): 'nearest', 'bilinear', 'bicubic' or 'area'.
    """

    def __init__(self, scale: int = 640, crop_sizes: Sequence[int] = (640, 576, 512, 384, 320),
                 out_size: int = 576, interpolation: str = 'bilinear'):
        if not crop_sizes or any(not 0 < s <= scale for s in crop_sizes):
            raise ValueError(f'crop_sizes must be in (0, scale={scale}], got {crop_sizes}.')
        if interpolation not in _INTERPOLATION:
            raise ValueError(f'interpolation must be one of {list(_INTERPOLATION)}, got '
                             f'{interpolation!r}.')
        self.scale = scale
        self.crop_sizes = tuple(crop_sizes)
        self.out_size = out_size
        self.interpolation = interpolation

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
        results['img'] = cv2.resize(img[y1:y2, x1:x2], (self.out_size, self.out_size),
                                    interpolation=_INTERPOLATION[self.interpolation])
        results['img_shape'] = (self.out_size, self.out_size)
        results['crop_bbox'] = np.array([x1, y1, x2, y2])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(scale={self.scale}, crop_sizes={self.crop_sizes}, '
                f"out_size={self.out_size}, interpolation='{self.interpolation}')")
