"""The official-recipe configs' transforms against the official chain rebuilt from the libraries
the official code used: torchvision transforms on PIL images (HCPLab-SYSU/SSGRL
utils/transforms.py L13-26, images opened by ``Image.open(path).convert('RGB')``, e.g.
datasets/voc07dataset.py L42)."""
import os.path as osp

import numpy as np
import pytest
import torchvision.transforms as T
import torchvision.transforms.functional as TF
from mmcv.transforms import Compose
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmpretrain.registry import TRANSFORMS
from PIL import Image

from mmml_plugin.datasets import RandomSquareCropResize

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
OFFICIAL_CONFIGS = [
    'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py', 'configs/ssgrl/ssgrl_r101_1xb4_voc07-576px.py'
]
TOLERANCE = 0.5  # grey levels, mean absolute difference (issue #11)


@pytest.fixture(scope='module')
def photo(tmp_path_factory):
    """A 1024x768 JPEG with smooth regions, edges and fine texture (as a photo has)."""
    rng = np.random.default_rng(0)
    low = rng.integers(0, 256, (24, 32, 3), dtype=np.uint8)
    img = np.asarray(Image.fromarray(low).resize((1024, 768), Image.BICUBIC), dtype=np.int16)
    img += rng.integers(-20, 21, img.shape, dtype=np.int16)  # texture
    img[300:310] = 255  # a sharp line
    path = tmp_path_factory.mktemp('photo') / 'photo.jpg'
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)
    return str(path)


def _pipelines(config):
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(REPO, config))
    train = Compose([TRANSFORMS.build(t) for t in cfg.train_dataloader.dataset.pipeline])
    test = Compose([TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline])
    return train, test


def _ours(out):
    """PackInputs' (3, H, W) uint8 BGR tensor -> (H, W, 3) RGB float array."""
    return out['inputs'].numpy().transpose(1, 2, 0)[..., ::-1].astype(np.float64)


def _official_train(path, size, x0, y0):
    """Resize((640, 640)) -> RandomCrop(size) at (x0, y0) -> Resize((576, 576)).

    ``RandomCrop`` draws the corner with ``get_params`` and calls ``F.crop(img, i, j, h, w)``; the
    corner is fixed here by calling ``F.crop`` with it.
    """
    img = Image.open(path).convert('RGB')
    img = T.Resize((640, 640))(img)
    img = TF.crop(img, y0, x0, size, size)
    return np.asarray(T.Resize((576, 576))(img), dtype=np.float64)


def _official_test(path):
    img = Image.open(path).convert('RGB')
    return np.asarray(T.Compose([T.Resize((640, 640)), T.CenterCrop(576)])(img), np.float64)


def _fix_window(pipeline, window):
    crop = next(t for t in pipeline.transforms if isinstance(t, RandomSquareCropResize))
    crop._sample_window = lambda: window
    return crop


WINDOWS = [(640, 0, 0), (576, 64, 0), (512, 17, 101), (384, 250, 3), (320, 320, 320)]


@pytest.mark.parametrize('config', OFFICIAL_CONFIGS, ids=osp.basename)
def test_official_train_chain_matches_torchvision(config, photo):
    train, _ = _pipelines(config)
    crop = _fix_window(train, None)
    assert crop.backend == 'pillow'
    for seed, window in enumerate(WINDOWS):
        crop._sample_window = lambda w=window: w
        np.random.seed(seed)  # any other random step (a flip) would show up as a difference
        ours = _ours(train(dict(img_path=photo, gt_label=[1], gt_label_difficult=[])))
        diff = np.abs(ours - _official_train(photo, *window)).mean()
        assert diff <= TOLERANCE, (window, diff)


@pytest.mark.parametrize('config', OFFICIAL_CONFIGS, ids=osp.basename)
def test_official_test_chain_matches_torchvision(config, photo):
    _, test = _pipelines(config)
    out = test(dict(img_path=photo, gt_label=[1], gt_label_difficult=[]))
    diff = np.abs(_ours(out) - _official_test(photo)).mean()
    assert diff <= TOLERANCE, diff


def test_one_step_cv2_crop_is_not_the_official_chain(photo):
    """The fast one-step cv2 mode (other configs) differs measurably: the tolerance above can
    fail (the size is measured in docs/reproduction.md)."""
    from mmml_plugin.datasets.transforms import LoadImageChecked
    img = LoadImageChecked(imdecode_backend='pillow',
                           ignore_orientation=True)(dict(img_path=photo))['img']
    pil = RandomSquareCropResize(backend='pillow')
    cv2_ = RandomSquareCropResize(backend='cv2')
    window = (320, 320, 320)
    pil._sample_window = cv2_._sample_window = lambda: window
    official = _official_train(photo, *window)
    assert np.abs(pil(dict(img=img))['img'][..., ::-1] - official).mean() <= TOLERANCE
    assert np.abs(cv2_(dict(img=img))['img'][..., ::-1] - official).mean() > TOLERANCE


def test_pillow_backend_keeps_the_crop_distribution():
    t = RandomSquareCropResize(backend='pillow', scale=64, crop_sizes=(64, 48, 32), out_size=40)
    img = np.zeros((50, 70, 3), np.uint8)
    np.random.seed(0)
    sides, corners = set(), set()
    for _ in range(100):
        out = t(dict(img=img))
        x0, y0, side = out['crop_window']
        assert out['img'].shape == (40, 40, 3) and 0 <= x0 <= 64 - side and 0 <= y0 <= 64 - side
        sides.add(side)
        corners.add((x0, y0))
    assert sides == {64, 48, 32} and len(corners) > 20
    with pytest.raises(ValueError, match='backend'):
        RandomSquareCropResize(backend='PIL')
    with pytest.raises(TypeError, match='uint8'):
        t(dict(img=img.astype(np.float32)))


def test_pillow_decoding_refuses_bad_files_and_gives_three_channels(tmp_path):
    """The official configs decode with PIL, which raises where cv2 returns None: the error
    still names the file and the fix."""
    from mmml_plugin.datasets.transforms import BadImageError, LoadImageChecked
    load = LoadImageChecked(imdecode_backend='pillow', ignore_orientation=True)
    html = tmp_path / 'page.jpg'
    html.write_bytes(b'<html>404 not found</html>' * 10)
    with pytest.raises(BadImageError, match='page.jpg: not a decodable image'):
        load(dict(img_path=str(html)))
    for mode, name in (('L', 'grey.png'), ('RGBA', 'alpha.png')):
        Image.new(mode, (20, 10)).save(tmp_path / name)
        assert load(dict(img_path=str(tmp_path / name)))['img'].shape == (10, 20, 3)


def test_exif_orientation_is_ignored_as_pil_open_does(tmp_path):
    """``Image.open(path).convert('RGB')`` keeps the stored pixels whatever the EXIF orientation
    tag says; the official configs' loader does the same (the default loader rotates)."""
    from mmml_plugin.datasets.transforms import LoadImageChecked
    img = Image.fromarray(np.arange(20 * 10 * 3, dtype=np.uint8).reshape(10, 20, 3))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    path = str(tmp_path / 'rotated.jpg')
    img.save(path, exif=exif, quality=95)
    official = np.asarray(Image.open(path).convert('RGB'))
    ours = LoadImageChecked(imdecode_backend='pillow',
                            ignore_orientation=True)(dict(img_path=path))['img'][..., ::-1]
    assert ours.shape == official.shape == (10, 20, 3) and np.array_equal(ours, official)
    rotated = LoadImageChecked(imdecode_backend='pillow')(dict(img_path=path))['img']
    assert rotated.shape == (20, 10, 3)
