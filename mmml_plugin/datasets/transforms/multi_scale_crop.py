"""ML-GCN's training crop (``MultiScaleCrop``) and test resize (``Warp``), on PIL as the official
code (Megvii-Nanjing/ML-GCN util.py:10-89, used in engine.py:128-142)."""
from typing import List, Sequence, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmcv.transforms.utils import cache_randomness
from mmpretrain.registry import TRANSFORMS
from PIL import Image


def _pil_resize(img: np.ndarray, size: Tuple[int, int]) -> np.ndarray:
    """PIL bilinear resize of an (H, W, 3) uint8 array to ``size`` = (w, h); channels are
    resampled independently, so BGR or RGB order does not matter."""
    return np.asarray(Image.fromarray(img).resize(size, Image.BILINEAR))


def multi_scale_crop_candidates(image_w: int,
                                image_h: int,
                                input_size: Tuple[int, int],
                                scales: Sequence[float],
                                max_distort: int,
                                more_fix_crop: bool = True) -> List[Tuple[int, int, int, int]]:
    """Every (crop_w, crop_h, x0, y0) that ML-GCN's ``MultiScaleCrop`` can draw, each pair
    (size, offset) with its probability weight being uniform over sizes, then over offsets.

    * sizes ``int(min(W, H) * s)``, snapped to the input size when within 2 px (util.py:42-45);
    * (w, h) pairs of scale indices differing by at most ``max_distort`` (util.py:47-51);
    * offsets on a 4x4 grid of steps ``(W - w) // 4``: corners, centre and, with
      ``more_fix_crop``, 8 more (util.py:66-89).

    Returns:
        list: per size pair, the list of its candidate windows (nested: sizes, then offsets).
    """
    base = min(image_w, image_h)
    crop_sizes = [int(base * s) for s in scales]
    crop_h = [input_size[1] if abs(x - input_size[1]) < 3 else x for x in crop_sizes]
    crop_w = [input_size[0] if abs(x - input_size[0]) < 3 else x for x in crop_sizes]
    pairs = [(w, h) for i, h in enumerate(crop_h) for j, w in enumerate(crop_w)
             if abs(i - j) <= max_distort]
    out = []
    for w, h in pairs:
        ws, hs = (image_w - w) // 4, (image_h - h) // 4
        grid = [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2)]
        if more_fix_crop:
            grid += [(0, 2), (4, 2), (2, 4), (2, 0), (1, 1), (3, 1), (1, 3), (3, 3)]
        out.append([(w, h, gx * ws, gy * hs) for gx, gy in grid])
    return out


@TRANSFORMS.register_module()
class MultiScaleCrop(BaseTransform):
    """ML-GCN's multi-scale crop: a window of a random (w, h) from ``scales`` of the short side
    at one of 13 fixed positions, resized (PIL bilinear) to ``input_size``.

    As the official ``MultiScaleCrop(448, scales=(1.0, 0.875, 0.75, 0.66, 0.5),
    max_distort=2)`` (engine.py:129, util.py:21-89): first a size pair uniformly, then an
    offset uniformly; a window reaching past the image (an image smaller than the input size
    within 2 px) is padded with black, as ``PIL.Image.crop``.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``. Added keys: ``crop_bbox``.

    Args:
        input_size (int | Sequence[int]): output (w, h), or one side. Defaults to 448.
        scales (Sequence[float]): fractions of the short side. Defaults to the official ones.
        max_distort (int): largest index gap between the w and h scales. Defaults to 2.
        more_fix_crop (bool): 13 positions instead of 5. Defaults to True.
    """

    def __init__(self,
                 input_size=448,
                 scales: Sequence[float] = (1.0, 0.875, 0.75, 0.66, 0.5),
                 max_distort: int = 2,
                 more_fix_crop: bool = True):
        self.input_size = ((input_size,
                            input_size) if isinstance(input_size, int) else tuple(input_size))
        if len(self.input_size) != 2 or min(self.input_size) <= 0:
            raise ValueError(f'input_size must be a positive int or (w, h), got {input_size}.')
        if not scales or any(not 0 < s <= 1 for s in scales):
            raise ValueError(f'scales must be in (0, 1], got {scales}.')
        self.scales = tuple(scales)
        self.max_distort = max_distort
        self.more_fix_crop = more_fix_crop

    @cache_randomness
    def _sample(self, image_w: int, image_h: int) -> Tuple[int, int, int, int]:
        candidates = multi_scale_crop_candidates(image_w, image_h, self.input_size, self.scales,
                                                 self.max_distort, self.more_fix_crop)
        offsets = candidates[np.random.randint(len(candidates))]
        return offsets[np.random.randint(len(offsets))]

    def transform(self, results: dict) -> dict:
        img = results['img']
        h, w = img.shape[:2]
        cw, ch, x0, y0 = self._sample(w, h)
        crop = Image.fromarray(img).crop((x0, y0, x0 + cw, y0 + ch))
        results['img'] = np.asarray(crop.resize(self.input_size, Image.BILINEAR))
        results['img_shape'] = results['img'].shape[:2]
        results['crop_bbox'] = np.array([x0, y0, x0 + cw, y0 + ch])
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(input_size={self.input_size}, '
                f'scales={self.scales}, max_distort={self.max_distort}, '
                f'more_fix_crop={self.more_fix_crop})')


@TRANSFORMS.register_module()
class Warp(BaseTransform):
    """Resize to ``size x size`` ignoring the aspect ratio, PIL bilinear (ML-GCN's test
    transform ``Warp``, util.py:10-16, engine.py:139). PIL's bilinear filter widens with the
    downscaling factor (antialiasing), unlike OpenCV's, so the pixels differ from mmcv's
    ``Resize``.

    Required keys: ``img``. Modified keys: ``img``, ``img_shape``, ``scale_factor``.

    Args:
        size (int): output side. Defaults to 448.
    """

    def __init__(self, size: int = 448):
        if int(size) <= 0:
            raise ValueError(f'size must be positive, got {size}.')
        self.size = int(size)

    def transform(self, results: dict) -> dict:
        h, w = results['img'].shape[:2]
        results['img'] = _pil_resize(results['img'], (self.size, self.size))
        results['img_shape'] = (self.size, self.size)
        results['scale_factor'] = (self.size / w, self.size / h)
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(size={self.size})'
