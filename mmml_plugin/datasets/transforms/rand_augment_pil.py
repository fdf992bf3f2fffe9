"""Query2Label's RandAugment: the PyPI ``randaugment`` 1.0.2 policy (``from randaugment import
RandAugment``, SlongLiu/query2labels lib/dataset/get_dataset.py:4, 18), on PIL images, from the
same random draws."""
import random
from typing import List, Tuple

import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageEnhance, ImageOps

# randaugment.py:468-471 (RandAugment.get_trans_list), in this order
OPERATIONS = ('Invert', 'Cutout', 'Sharpness', 'AutoContrast', 'Posterize', 'ShearX', 'TranslateX',
              'TranslateY', 'ShearY', 'Rotate', 'Equalize', 'Contrast', 'Color', 'Solarize',
              'Brightness')
FILL = (128, 128, 128)  # SubPolicy's default fillcolor (randaugment.py:363)


def magnitude_table() -> dict:
    """Operation (lower case) -> its 10 magnitudes (randaugment.py:365-381)."""
    enhance = np.linspace(0.0, 0.9, 10)
    return {
        'shearx': np.linspace(0, 0.3, 10),
        'sheary': np.linspace(0, 0.3, 10),
        'translatex': np.linspace(0, 150 / 331, 10),
        'translatey': np.linspace(0, 150 / 331, 10),
        'rotate': np.linspace(0, 30, 10),
        'color': enhance,
        'posterize': np.round(np.linspace(8, 4, 10), 0).astype(int),
        'solarize': np.linspace(256, 0, 10),
        'contrast': enhance,
        'sharpness': enhance,
        'brightness': enhance,
        'autocontrast': [0] * 10,
        'equalize': [0] * 10,
        'invert': [0] * 10,
        'cutout': np.round(np.linspace(0, 20, 10), 0).astype(int),
    }


def rand_policies() -> List[Tuple[Tuple[float, str, int], Tuple[float, str, int]]]:
    """All 135 x 135 (op, op) pairs, each op (0.5, name, magnitude index 1-9), in the order of
    ``RandAugment.get_rand_policies`` (randaugment.py:474-484)."""
    ops = [(0.5, name, m) for name in OPERATIONS for m in range(1, 10)]
    return [(a, b) for a in ops for b in ops]


def _sign() -> int:
    return random.choice([-1, 1])  # one draw from Python's random, as the official lambdas


def _gray_cutout(img: Image.Image, size) -> Image.Image:
    """randaugment.py:11-63: a ``size`` square (centre from numpy's global generator, the
    first draw bounded by the width) set to (125, 122, 113)."""
    width, height = img.size
    x_c = np.random.randint(low=0, high=width)
    y_c = np.random.randint(low=0, high=height)
    size = int(size)
    x0, y0 = max(0, x_c - size // 2), max(0, y_c - size // 2)
    x1, y1 = min(width, x_c + size // 2), min(height, y_c + size // 2)
    out = np.array(img)
    out[y0:y1, x0:x1] = (125, 122, 113)
    return Image.fromarray(out)


def apply_operation(img: Image.Image, name: str, magnitude) -> Image.Image:
    """One operation of ``SubPolicy`` (randaugment.py:384-437) on an RGB PIL image."""
    name = name.lower()
    if name in ('shearx', 'sheary'):
        shear = magnitude * _sign()
        data = (1, shear, 0, 0, 1, 0) if name == 'shearx' else (1, 0, 0, shear, 1, 0)
        return img.transform(img.size, Image.AFFINE, data, Image.BICUBIC, fillcolor=FILL)
    if name in ('translatex', 'translatey'):
        if name == 'translatex':
            data = (1, 0, magnitude * img.size[0] * _sign(), 0, 1, 0)
        else:
            data = (1, 0, 0, 0, 1, magnitude * img.size[1] * _sign())
        return img.transform(img.size, Image.AFFINE, data, fillcolor=FILL)  # nearest
    if name == 'rotate':  # counter-clockwise only, grey corners (randaugment.py:384-388)
        rot = img.convert('RGBA').rotate(magnitude)
        return Image.composite(rot, Image.new('RGBA', rot.size, (128, ) * 4), rot).convert(img.mode)
    enhancers = dict(color=ImageEnhance.Color,
                     contrast=ImageEnhance.Contrast,
                     sharpness=ImageEnhance.Sharpness,
                     brightness=ImageEnhance.Brightness)
    if name in enhancers:
        return enhancers[name](img).enhance(1 + magnitude * _sign())
    if name == 'posterize':
        return ImageOps.posterize(img, magnitude)
    if name == 'solarize':
        return ImageOps.solarize(img, magnitude)
    if name == 'autocontrast':
        return ImageOps.autocontrast(img)
    if name == 'equalize':
        return ImageOps.equalize(img)
    if name == 'invert':
        return ImageOps.invert(img)
    if name == 'cutout':
        return _gray_cutout(img, magnitude)
    raise ValueError(f'unknown operation {name!r}; expected one of {OPERATIONS}.')


@TRANSFORMS.register_module()
class RandAugmentPIL(BaseTransform):
    """RandAugment as the ``randaugment`` 1.0.2 package that Query2Label trains with.

    Per image (randaugment.py:490-493, 448-453): one of the 135 x 135 operation pairs,
    ``random.randint(0, 18224)``; then for each of the two operations ``random.random() <
    0.5`` decides whether it runs. The 15 operations (``OPERATIONS``) take a magnitude index 1-9
    into ``magnitude_table()``; shear, translation and the enhancements draw a sign with
    ``random.choice([-1, 1])``, the grey cutout its centre from ``np.random.randint``. Rotation
    is counter-clockwise only. The same states of Python's ``random`` and numpy's global
    generator give the same pixels as the package (on the same Pillow).

    This is not mmpretrain's ``RandAugment`` (timm's operation set and magnitude rules).

    Required keys: ``img`` (H, W, 3) uint8, BGR. Modified keys: ``img``.
    """

    def __init__(self):
        self.policies = rand_policies()
        self.magnitudes = magnitude_table()

    def transform(self, results: dict) -> dict:
        img = results['img']
        if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
            raise TypeError(f'RandAugmentPIL needs an (H, W, 3) uint8 image, got {img.dtype} '
                            f'{img.shape}: load images without to_float32.')
        pil = Image.fromarray(np.ascontiguousarray(img[..., ::-1]))  # RGB, as the official
        pair = self.policies[random.randint(0, len(self.policies) - 1)]
        for prob, name, index in pair:
            if random.random() < prob:
                pil = apply_operation(pil, name, self.magnitudes[name.lower()][index])
        results['img'] = np.array(pil)[..., ::-1].copy()
        return results

    def __repr__(self) -> str:
        return f'{self.__class__.__name__}(policies={len(self.policies)})'
