"""Query2Label's training augmentations against the official transforms rebuilt from PIL, numpy
and Python's ``random`` as the official code calls them: ``SLCutoutPIL`` / ``CutoutPIL``
(SlongLiu/query2labels lib/utils/cutout.py:6-55) and the PyPI ``randaugment`` 1.0.2
``RandAugment`` (randaugment/randaugment.py, imported by lib/dataset/get_dataset.py:4). The
same generator states must give the same pixels, and the config's whole training and test
pipelines must equal the official torchvision ``Compose`` (get_dataset.py:17-33)."""
import os.path as osp
import random

import numpy as np
import pytest
from mmengine.config import Config
from mmpretrain.registry import TRANSFORMS
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

from mmml_plugin.datasets.transforms import RandAugmentPIL, RandomColorCutout
from mmml_plugin.datasets.transforms.rand_augment_pil import OPERATIONS

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
Q2L = osp.join(REPO, 'configs/query2label/query2label_r101_1xb64_coco-448px.py')


# ---- the official transforms, rebuilt ------------------------------------------------------
def old_pillow_rectangle(draw, xy, fill):
    """``ImageDraw.rectangle(xy, fill)`` as Pillow < 9.5 drew it: reversed corners were sorted
    (src/libImaging/Draw.c at 8.3.1: ``ImagingDrawRectangle`` L698-700 swaps y, ``hline32``
    L133-135 swaps x). Pillow 9.5 raises instead (test below)."""
    x0, y0, x1, y1 = (int(v) for v in xy)
    draw.rectangle([min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)], fill=fill)


def official_sl_cutout(img, n_holes, length):
    """SLCutoutPIL(n_holes, length).__call__ (cutout.py:14-34), cut_fact None."""
    img_draw = ImageDraw.Draw(img)
    h, w = img.size[0], img.size[1]
    h_cutout = int(length)
    w_cutout = int(length)
    for _ in range(n_holes):
        y_c = np.random.randint(h)
        x_c = np.random.randint(w)
        y1 = np.clip(y_c - h_cutout // 2, 0, h)
        y2 = np.clip(y_c + h_cutout // 2, 0, h)
        x1 = np.clip(x_c - w_cutout // 2, 0, w)
        x2 = np.clip(x_c + w_cutout // 2, 0, w)
        fill_color = (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))
        old_pillow_rectangle(img_draw, [x1, y1, x2, y2], fill_color)
    return img


def official_cutout_factor(img, cutout_factor):
    """CutoutPIL(cutout_factor).__call__ (cutout.py:40-55)."""
    img_draw = ImageDraw.Draw(img)
    h, w = img.size[0], img.size[1]
    h_cutout = int(cutout_factor * h + 0.5)
    w_cutout = int(cutout_factor * w + 0.5)
    y_c = np.random.randint(h)
    x_c = np.random.randint(w)
    y1 = np.clip(y_c - h_cutout // 2, 0, h)
    y2 = np.clip(y_c + h_cutout // 2, 0, h)
    x1 = np.clip(x_c - w_cutout // 2, 0, w)
    x2 = np.clip(x_c + w_cutout // 2, 0, w)
    fill_color = (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))
    img_draw.rectangle([x1, y1, x2, y2], fill=fill_color)
    return img


class OfficialRandAugment:
    """randaugment 1.0.2: ``RandAugment`` (L460-493) -> ``SubPolicy`` (L354-453) -> ``Cutout``
    (L11-63), line by line. ``np.int`` (L372, L380; removed in numpy 1.24) is ``int``."""

    trans_list = [
        'Invert', 'Cutout', 'Sharpness', 'AutoContrast', 'Posterize', 'ShearX', 'TranslateX',
        'TranslateY', 'ShearY', 'Rotate', 'Equalize', 'Contrast', 'Color', 'Solarize', 'Brightness'
    ]

    def __init__(self):
        op_list = [(0.5, t, m) for t in self.trans_list for m in range(1, 10)]
        self._policies = [[a, b] for a in op_list for b in op_list]
        self.ran = []

    @staticmethod
    def cutout(pil_img, size):
        pil_img = pil_img.copy()
        img_height, img_width, _ = (*pil_img.size, 3)  # (W, H, channels)
        height_loc = np.random.randint(low=0, high=img_height)
        width_loc = np.random.randint(low=0, high=img_width)
        size = int(size)
        upper_coord = (max(0, height_loc - size // 2), max(0, width_loc - size // 2))
        lower_coord = (min(img_height, height_loc + size // 2), min(img_width,
                                                                    width_loc + size // 2))
        pixels = pil_img.load()
        for i in range(upper_coord[0], lower_coord[0]):
            for j in range(upper_coord[1], lower_coord[1]):
                pixels[i, j] = (125, 122, 113, 0)
        return pil_img

    def sub_policy(self, p1, operation1, magnitude_idx1, p2, operation2, magnitude_idx2):
        fillcolor = (128, 128, 128)
        ranges = {
            'shearx': np.linspace(0, 0.3, 10),
            'sheary': np.linspace(0, 0.3, 10),
            'translatex': np.linspace(0, 150 / 331, 10),
            'translatey': np.linspace(0, 150 / 331, 10),
            'rotate': np.linspace(0, 30, 10),
            'color': np.linspace(0.0, 0.9, 10),
            'posterize': np.round(np.linspace(8, 4, 10), 0).astype(int),
            'solarize': np.linspace(256, 0, 10),
            'contrast': np.linspace(0.0, 0.9, 10),
            'sharpness': np.linspace(0.0, 0.9, 10),
            'brightness': np.linspace(0.0, 0.9, 10),
            'autocontrast': [0] * 10,
            'equalize': [0] * 10,
            'invert': [0] * 10,
            'cutout': np.round(np.linspace(0, 20, 10), 0).astype(int),
        }

        def rotate_with_fill(img, magnitude):
            rot = img.convert('RGBA').rotate(magnitude)
            return Image.composite(rot, Image.new('RGBA', rot.size, (128, ) * 4),
                                   rot).convert(img.mode)

        func = {
            'shearx':
            lambda img, magnitude: img.transform(img.size,
                                                 Image.AFFINE, (1, magnitude * random.choice(
                                                     [-1, 1]), 0, 0, 1, 0),
                                                 Image.BICUBIC,
                                                 fillcolor=fillcolor),
            'sheary':
            lambda img, magnitude: img.transform(img.size,
                                                 Image.AFFINE, (1, 0, 0, magnitude * random.choice(
                                                     [-1, 1]), 1, 0),
                                                 Image.BICUBIC,
                                                 fillcolor=fillcolor),
            'translatex':
            lambda img, magnitude: img.transform(img.size,
                                                 Image.AFFINE, (1, 0, magnitude * img.size[0] *
                                                                random.choice([-1, 1]), 0, 1, 0),
                                                 fillcolor=fillcolor),
            'translatey':
            lambda img, magnitude: img.transform(img.size,
                                                 Image.AFFINE, (1, 0, 0, 0, 1, magnitude * img.size[
                                                     1] * random.choice([-1, 1])),
                                                 fillcolor=fillcolor),
            'rotate':
            lambda img, magnitude: rotate_with_fill(img, magnitude),
            'color':
            lambda img, magnitude: ImageEnhance.Color(img).enhance(1 + magnitude * random.choice(
                [-1, 1])),
            'posterize':
            lambda img, magnitude: ImageOps.posterize(img, magnitude),
            'solarize':
            lambda img, magnitude: ImageOps.solarize(img, magnitude),
            'contrast':
            lambda img, magnitude: ImageEnhance.Contrast(img).enhance(1 + magnitude * random.choice(
                [-1, 1])),
            'sharpness':
            lambda img, magnitude: ImageEnhance.Sharpness(img).enhance(1 + magnitude * random.
                                                                       choice([-1, 1])),
            'brightness':
            lambda img, magnitude: ImageEnhance.Brightness(img).enhance(1 + magnitude * random.
                                                                        choice([-1, 1])),
            'autocontrast':
            lambda img, magnitude: ImageOps.autocontrast(img),
            'equalize':
            lambda img, magnitude: ImageOps.equalize(img),
            'invert':
            lambda img, magnitude: ImageOps.invert(img),
            'cutout':
            lambda img, magnitude: self.cutout(img, magnitude),
        }
        ops = [(p1, operation1, magnitude_idx1), (p2, operation2, magnitude_idx2)]

        def call(img):
            for p, name, index in ops:
                if random.random() < p:
                    img = func[name.lower()](img, ranges[name.lower()][index])
                    self.ran.append(name)
            return img

        return call

    def __call__(self, img):
        randomly_chosen_policy = self._policies[random.randint(0, len(self._policies) - 1)]
        policy = self.sub_policy(*randomly_chosen_policy[0], *randomly_chosen_policy[1])
        return policy(img)


# ---- helpers ----------------------------------------------------------------------------------
def photo(width, height, seed=0):
    """Smooth colours plus texture: every operation changes something."""
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (max(height // 8, 2), max(width // 8, 2), 3), dtype=np.uint8)
    img = np.asarray(Image.fromarray(low).resize((width, height), Image.BICUBIC), np.int16)
    img = img + rng.integers(-25, 26, img.shape, dtype=np.int16)
    return np.clip(img, 0, 255).astype(np.uint8)


def seed_all(seed):
    random.seed(seed)
    np.random.seed(seed)


def ours(transform, rgb):
    """Our transform on the BGR array the loader gives; returned as RGB."""
    return transform(dict(img=rgb[..., ::-1].copy()))['img'][..., ::-1]


# ---- cutout -------------------------------------------------------------------------------
def test_pillow_refuses_the_official_reversed_box():
    """Why the rebuilt official cutout sorts its corners: from Pillow 9.5 the official call
    (length=-1: x1 > x2) raises, so the official runs used an older Pillow."""
    draw = ImageDraw.Draw(Image.new('RGB', (8, 8)))
    with pytest.raises(ValueError, match='x1 must be greater than or equal to x0'):
        draw.rectangle([np.int64(5), np.int64(5), np.int64(3), np.int64(3)], fill=(1, 2, 3))


@pytest.mark.parametrize('size', [(448, 448), (61, 40), (40, 61)], ids=str)
@pytest.mark.parametrize('n_holes,length', [(1, -1), (2, 20), (1, 0)])
def test_sl_cutout_equals_official_on_the_same_draws(size, n_holes, length):
    rgb = photo(*size)
    transform = RandomColorCutout(n_holes=n_holes, length=length)
    changed = 0
    for seed in range(40):
        seed_all(seed)
        expected = np.asarray(official_sl_cutout(Image.fromarray(rgb), n_holes, length))
        seed_all(seed)
        got = ours(transform, rgb)
        np.testing.assert_array_equal(got, expected)
        changed += int((got != rgb).any())
    # a box was drawn in most images; on a non-square image the official bounds (the first draw
    # bounded by the width but used as a row) put some boxes outside it
    assert changed >= (40 if size[0] == size[1] else 20)


def test_official_length_is_a_3x3_box():
    rgb = np.zeros((448, 448, 3), np.uint8)
    seed_all(3)
    out = ours(RandomColorCutout(), rgb)
    rows, cols = np.nonzero(out.any(-1))
    assert (rows.max() - rows.min() + 1, cols.max() - cols.min() + 1) in {(3, 3), (2, 3), (3, 2),
                                                                          (2, 2)}


@pytest.mark.parametrize('size', [(448, 448), (61, 40)], ids=str)
def test_factor_cutout_equals_cutout_pil(size):
    rgb = photo(*size)
    transform = RandomColorCutout(factor=0.5)
    for seed in range(20):
        seed_all(seed)
        expected = np.asarray(official_cutout_factor(Image.fromarray(rgb), 0.5))
        seed_all(seed)
        np.testing.assert_array_equal(ours(transform, rgb), expected)


def test_cutout_bad_arguments():
    with pytest.raises(ValueError, match='n_holes'):
        RandomColorCutout(n_holes=0)
    with pytest.raises(ValueError, match='factor'):
        RandomColorCutout(n_holes=2, factor=0.5)
    with pytest.raises(TypeError, match='uint8'):
        RandomColorCutout()(dict(img=np.zeros((4, 4, 3), np.float32)))


# ---- RandAugment ----------------------------------------------------------------------------
def test_rand_augment_equals_the_package_on_the_same_draws():
    rgb = photo(48, 36)  # not square: width and height must not be swapped
    official = OfficialRandAugment()
    transform = RandAugmentPIL()
    for seed in range(400):
        seed_all(seed)
        expected = np.asarray(official(Image.fromarray(rgb)))
        state = (random.getstate(), np.random.get_state()[1].copy())
        seed_all(seed)
        got = ours(transform, rgb)
        np.testing.assert_array_equal(got, expected, err_msg=f'seed {seed}')
        # and both consumed the same draws
        assert random.getstate() == state[0]
        np.testing.assert_array_equal(np.random.get_state()[1], state[1])
    assert set(official.ran) == set(OPERATIONS)  # every operation was exercised


def test_rand_augment_policy_table_is_the_package_order():
    transform = RandAugmentPIL()
    assert len(transform.policies) == 135 * 135
    assert transform.policies[0] == ((0.5, 'Invert', 1), (0.5, 'Invert', 1))
    assert transform.policies[1] == ((0.5, 'Invert', 1), (0.5, 'Invert', 2))
    assert transform.policies[135] == ((0.5, 'Invert', 2), (0.5, 'Invert', 1))
    assert transform.policies[-1] == ((0.5, 'Brightness', 9), (0.5, 'Brightness', 9))


# ---- the config's pipelines -------------------------------------------------------------------
@pytest.fixture(scope='module')
def jpeg(tmp_path_factory):
    path = str(tmp_path_factory.mktemp('q2l') / 'photo.jpg')
    Image.fromarray(photo(160, 120, seed=5)).save(path, quality=90)
    return path


def _pipeline(cfg_pipeline):
    return [TRANSFORMS.build(t) for t in cfg_pipeline if t['type'] != 'PackInputs']


def _run(pipeline, path):
    results = dict(img_path=path)
    for t in pipeline:
        results = t(results)
    return results['img'][..., ::-1]


def test_config_train_and_test_pipelines_equal_the_official_compose(jpeg):
    transforms = pytest.importorskip('torchvision.transforms')
    cfg = Config.fromfile(Q2L)
    train = _pipeline(cfg.train_dataloader.dataset.pipeline)
    test = _pipeline(cfg.test_dataloader.dataset.pipeline)
    official_ra = OfficialRandAugment()

    def official_train(img):  # get_dataset.py:17-28 (ToTensor/normalize: data preprocessor)
        img = transforms.Resize((448, 448))(img)
        img = official_sl_cutout(img, n_holes=1, length=-1)
        return official_ra(img)

    for seed in range(6):
        seed_all(seed)
        expected = np.asarray(official_train(Image.open(jpeg).convert('RGB')))
        seed_all(seed)
        np.testing.assert_array_equal(_run(train, jpeg), expected)
    expected = np.asarray(transforms.Resize((448, 448))(Image.open(jpeg).convert('RGB')))
    np.testing.assert_array_equal(_run(test, jpeg), expected)
