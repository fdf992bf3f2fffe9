"""Query2Label's cutout: random-colour rectangles drawn with PIL, from the same random draws as
the official ``SLCutoutPIL`` / ``CutoutPIL`` (SlongLiu/query2labels lib/utils/cutout.py:6-55)."""
import random
from typing import Optional

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class RandomColorCutout(BaseTransform):
    """Fills ``n_holes`` rectangles with one random colour each, as Query2Label's PIL cutout.

    For each hole, in this order (cutout.py:23-32, 45-53): a centre from numpy's global
    generator, ``np.random.randint(W)`` then ``np.random.randint(H)``, and an RGB colour from
    Python's ``random``, three ``random.randint(0, 255)``; the same generator states give the
    same pixels as the official transform. As there, the first draw is named ``y`` but bounded
    by the width, the second ``x`` but bounded by the height (cutout.py:16, 24-30: ``h, w =
    x.size``), and the box ``[x1, y1, x2, y2]`` is filled by ``ImageDraw.rectangle``, both ends
    included.

    Box side, per axis:

    - ``length`` (``SLCutoutPIL(n_holes, length)``): ``int(length)``. The official training
      passes the default ``length=-1`` (get_dataset.py:25, main_mlc.py:117-122): the half side
      is ``-1 // 2 = -1``, so each box runs from centre + 1 to centre - 1. Pillow before 9.5
      sorted reversed corners (libImaging/Draw.c ``ImagingDrawRectangle`` and ``hline``) and
      filled a 3 x 3 square; Pillow 9.5 raises ``ValueError`` for it (python-pillow/Pillow#6978),
      so the official run used an older Pillow. This transform fills what Pillow < 9.5 filled.
    - ``factor`` (``CutoutPIL(cutout_factor)``, one hole): ``int(factor * side + 0.5)`` of the
      image side, the README's ``--cut_fact 0.5``, which ``get_dataset.py:25`` does not pass on.

    Required keys: ``img`` (H, W, 3) uint8, BGR. Modified keys: ``img``.

    Args:
        n_holes (int): boxes per image. Defaults to 1.
        length (int): box side in pixels (``-1``: the official 3 x 3 box). Defaults to -1.
        factor (float, optional): box side as a fraction of the image side instead of
            ``length`` (then ``n_holes`` must be 1, as ``CutoutPIL``). Defaults to None.
    """

    def __init__(self, n_holes: int = 1, length: int = -1, factor: Optional[float] = None):
        if int(n_holes) < 1:
            raise ValueError(f'n_holes must be >= 1, got {n_holes}.')
        if factor is not None and (not 0 < factor <= 1 or n_holes != 1):
            raise ValueError('factor must be in (0, 1] with n_holes=1 (the official CutoutPIL), '
                             f'got factor={factor}, n_holes={n_holes}.')
        self.n_holes = int(n_holes)
        self.length = int(length)
        self.factor = factor

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise TypeError(f'RandomColorCutout needs an (H, W, 3) uint8 image, got '
                            f'{img.dtype} {img.shape}: load images without to_float32.')
        img = img.copy()
        height, width = img.shape[:2]
        # official names: h = PIL width, w = PIL height (cutout.py:16, 42)
        h, w = width, height
        if self.factor is not None:
            h_cut, w_cut = int(self.factor * h + 0.5), int(self.factor * w + 0.5)
        else:
            h_cut = w_cut = self.length
        for _ in range(self.n_holes):
            y_c = np.random.randint(h)
            x_c = np.random.randint(w)
            y1, y2 = np.clip(y_c - h_cut // 2, 0, h), np.clip(y_c + h_cut // 2, 0, h)
            x1, x2 = np.clip(x_c - w_cut // 2, 0, w), np.clip(x_c + w_cut // 2, 0, w)
            rgb = (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))
            # ImageDraw.rectangle([x1, y1, x2, y2]): x are columns, y rows, ends included,
            # reversed ends sorted and the box clipped to the image (Pillow < 9.5)
            c0, c1 = sorted((int(x1), int(x2)))
            r0, r1 = sorted((int(y1), int(y2)))
            img[r0:min(r1, height - 1) + 1, c0:min(c1, width - 1) + 1] = rgb[::-1]  # BGR
        results['img'] = img
        return results

    def __repr__(self) -> str:
        return (f'{self.__class__.__name__}(n_holes={self.n_holes}, length={self.length}, '
                f'factor={self.factor})')
