"""ML-GCN's MultiScaleCrop / Warp (also Query2Label's resize) against the official behaviour
rebuilt from PIL (Megvii-Nanjing/ML-GCN util.py:10-89) and torchvision."""
import numpy as np
import pytest
from PIL import Image

from mmml_plugin.datasets.transforms import MultiScaleCrop, Warp
from mmml_plugin.datasets.transforms.multi_scale_crop import multi_scale_crop_candidates

SCALES = (1.0, 0.875, 0.75, 0.66, 0.5)


def official_windows(image_w, image_h, size, scales=SCALES, max_distort=2):
    """Every window the official sampler can return, rebuilt from util.py:38-89's rules."""
    base = min(image_w, image_h)
    sizes = [int(base * s) for s in scales]
    hs = [size if abs(x - size) < 3 else x for x in sizes]
    ws = [size if abs(x - size) < 3 else x for x in sizes]
    windows = set()
    for i, h in enumerate(hs):
        for j, w in enumerate(ws):
            if abs(i - j) > max_distort:
                continue
            sw, sh = (image_w - w) // 4, (image_h - h) // 4
            for gx, gy in [(0, 0), (4, 0), (0, 4), (4, 4), (2, 2), (0, 2), (4, 2), (2, 4), (2, 0),
                           (1, 1), (3, 1), (1, 3), (3, 3)]:
                windows.add((w, h, gx * sw, gy * sh))
    return windows


@pytest.mark.parametrize('w,h', [(640, 480), (500, 375), (449, 700)])
def test_candidates_are_the_official_ones(w, h):
    candidates = multi_scale_crop_candidates(w, h, (448, 448), SCALES, 2)
    assert len(candidates) == 19  # 5x5 scale pairs with |i - j| <= 2
    assert all(len(c) == 13 for c in candidates)
    assert {win for c in candidates for win in c} == official_windows(w, h, 448)


def test_crop_is_pil_crop_then_bilinear_resize():
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    bgr = rgb[..., ::-1].copy()
    transform = MultiScaleCrop(input_size=48)
    seen = set()
    np.random.seed(0)
    for _ in range(30):
        out = transform(dict(img=bgr.copy()))
        x0, y0, x1, y1 = out['crop_bbox']
        seen.add((x1 - x0, y1 - y0))
        assert (x1 - x0, y1 - y0, x0, y0) in official_windows(160, 120, 48)
        expected = np.asarray(
            Image.fromarray(rgb).crop((x0, y0, x1, y1)).resize((48, 48), Image.BILINEAR))
        np.testing.assert_array_equal(out['img'][..., ::-1], expected)
        assert out['img_shape'] == (48, 48)
    assert len(seen) > 5  # several scale pairs, including non-square ones
    assert any(w != h for w, h in seen)


def test_warp_is_pil_and_torchvision_resize():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (90, 200, 3), dtype=np.uint8)
    out = Warp(64)(dict(img=rgb[..., ::-1].copy()))
    expected = np.asarray(Image.fromarray(rgb).resize((64, 64), Image.BILINEAR))
    np.testing.assert_array_equal(out['img'][..., ::-1], expected)
    assert out['img_shape'] == (64, 64)
    transforms = pytest.importorskip('torchvision.transforms')
    q2l = np.asarray(transforms.Resize((64, 64))(Image.fromarray(rgb)))  # get_dataset.py:31
    np.testing.assert_array_equal(out['img'][..., ::-1], q2l)


def test_bad_arguments():
    with pytest.raises(ValueError, match='scales'):
        MultiScaleCrop(scales=(1.2, ))
    with pytest.raises(ValueError, match='size'):
        Warp(0)


def test_difficult_as_positive():
    from mmml_plugin.datasets.transforms import DifficultAsPositive
    out = DifficultAsPositive()(dict(gt_label=[3, 7], gt_label_difficult=[7, 1]))
    np.testing.assert_array_equal(out['gt_label'], [1, 3, 7])
    out = DifficultAsPositive()(dict(gt_label=np.array([], np.int64), gt_label_difficult=[2]))
    np.testing.assert_array_equal(out['gt_label'], [2])
    with pytest.raises(KeyError, match='VOC'):
        DifficultAsPositive()(dict(gt_label=[1]))
