"""A pixel budget read from the image header before anything is decoded: decompression bombs
(a few hundred bytes declaring gigapixels) are a ``BadImageError`` naming the file and the budget
in both backends, skipped with ``skip_bad_images=True``, and reported by ``check_images.py``
with and without ``--decode``; no decoder is ever called on them (OpenCV's ``imdecode`` and
Pillow's ``load`` are watched), so no memory is spent on their pixels."""
import io
import os.path as osp
import warnings

import cv2
import numpy as np
import pytest
from dataset_helpers import load_tool, write_coco
from image_files import jpeg_bomb, png_bomb
from PIL import Image, ImageFile

from mmml_plugin.datasets import BadImageError, CocoMultiLabelDataset
from mmml_plugin.datasets.bad_images import find_bad_images
from mmml_plugin.datasets.transforms import LoadImageChecked
from mmml_plugin.datasets.transforms.loading import DEFAULT_MAX_PIXELS, read_image_header

BACKENDS = ('cv2', 'pillow')
PIPELINE = [
    dict(type='LoadImageChecked'),
    dict(type='Resize', scale=(16, 16), keep_ratio=False),
    dict(type='PackInputs')
]


@pytest.fixture(scope='module')
def images(tmp_path_factory):
    folder = tmp_path_factory.mktemp('bombs')
    rng = np.random.default_rng(0)
    for i in range(3):
        Image.fromarray(rng.integers(0, 256, (24, 32, 3), np.uint8)).save(folder / f'good{i}.png')
    (folder / 'bomb.png').write_bytes(png_bomb(50000, 50000))  # 7.5 GB declared
    buf = io.BytesIO()
    Image.fromarray(rng.integers(0, 256, (16, 16, 3), np.uint8)).save(buf, 'JPEG')
    (folder / 'bomb.jpg').write_bytes(jpeg_bomb(buf.getvalue(), 60000, 60000))
    (folder / 'large.png').write_bytes(png_bomb(20000, 10000))  # 200 MP: over Pillow's limit
    return folder


@pytest.fixture
def decoder_calls(monkeypatch):
    """Counts the calls of OpenCV's and Pillow's decoders (each one allocates the pixels)."""
    calls = []
    imdecode, load = cv2.imdecode, ImageFile.ImageFile.load

    def counted_imdecode(*args, **kwargs):
        calls.append('cv2.imdecode')
        return imdecode(*args, **kwargs)

    def counted_load(self, *args, **kwargs):
        if self.tile:  # pixels still to decode (later calls return the loaded image)
            calls.append('PIL load')
        return load(self, *args, **kwargs)

    monkeypatch.setattr(cv2, 'imdecode', counted_imdecode)
    monkeypatch.setattr(ImageFile.ImageFile, 'load', counted_load)
    return calls


def test_bombs_are_tiny_files_declaring_gigapixels(images, monkeypatch):
    assert (images / 'bomb.png').stat().st_size < 400
    assert (images / 'bomb.jpg').stat().st_size < 1000
    monkeypatch.setattr(Image, 'MAX_IMAGE_PIXELS', None)  # Pillow refuses to open them otherwise
    for name, size in (('bomb.png', 50000), ('bomb.jpg', 60000), ('large.png', (20000, 10000))):
        with Image.open(images / name) as img:
            assert img.size == (size, size) if isinstance(size, int) else size


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('name, size', [('bomb.png', '2500.0 megapixels'),
                                        ('bomb.jpg', '3600.0 megapixels')])
def test_bomb_is_refused_without_decoding(images, decoder_calls, backend, name, size):
    path = str(images / name)
    with pytest.raises(BadImageError) as e:
        LoadImageChecked(imdecode_backend=backend)(dict(img_path=path))
    msg = str(e.value)
    assert msg.startswith(f'{path}: {size} is over the pixel budget of 100 megapixels')
    assert 'not decoded' in msg and 'max_pixels' in msg and 'skip_bad_images=True' in msg
    assert decoder_calls == []
    # a good image goes through the same decoders
    LoadImageChecked(imdecode_backend=backend)(dict(img_path=str(images / 'good0.png')))
    assert decoder_calls == ['cv2.imdecode' if backend == 'cv2' else 'PIL load']


@pytest.mark.parametrize('backend', BACKENDS)
def test_budget_is_configurable(images, decoder_calls, backend):
    path = str(images / 'good0.png')  # 32 x 24 = 768 pixels
    with pytest.raises(BadImageError, match=r'32x24 pixels .* budget of 0.0005 megapixels'):
        LoadImageChecked(imdecode_backend=backend, max_pixels=500)(dict(img_path=path))
    assert decoder_calls == []
    out = LoadImageChecked(imdecode_backend=backend, max_pixels=768)(dict(img_path=path))
    assert out['img'].shape == (24, 32, 3)
    assert 'max_pixels=768' in repr(LoadImageChecked(max_pixels=768))
    with pytest.raises(ValueError, match='max_pixels must be positive'):
        LoadImageChecked(max_pixels=0)


def test_default_budget_admits_100_megapixels():
    """The default is generous: a 10000 x 10000 header passes (and Pillow's own warning, from
    89.5 MP, is not shown); one more column does not."""
    assert DEFAULT_MAX_PIXELS == 100_000_000
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        assert read_image_header('ok.png', png_bomb(10000, 10000)).size == (10000, 10000)
    with pytest.raises(BadImageError, match='10001x10000 pixels'):
        read_image_header('over.png', png_bomb(10001, 10000))


@pytest.mark.parametrize('backend', BACKENDS)
def test_beyond_pillows_own_limit(images, decoder_calls, backend):
    """Pillow raises DecompressionBombError beyond 179 MP: a BadImageError naming the file too,
    with the budget, or without one (max_pixels=None) with Pillow's setting to raise."""
    path = str(images / 'large.png')
    with pytest.raises(BadImageError, match='200.0 megapixels is over the pixel budget'):
        LoadImageChecked(imdecode_backend=backend)(dict(img_path=path))
    with pytest.raises(BadImageError) as e:
        LoadImageChecked(imdecode_backend=backend, max_pixels=None)(dict(img_path=path))
    assert str(e.value).startswith(path) and 'PIL.Image.MAX_IMAGE_PIXELS' in str(e.value)
    assert decoder_calls == []


def _dataset(images, tmp_path, names, **kwargs):
    ann = write_coco(tmp_path / 'instances.json', [(i + 1, n) for i, n in enumerate(names)],
                     [(i + 1, 1) for i in range(len(names))], [(1, 'a')])
    return CocoMultiLabelDataset(ann_file=ann, data_prefix=str(images), pipeline=PIPELINE, **kwargs)


def test_bombs_are_skipped_with_skip_bad_images(images, tmp_path, decoder_calls):
    names = ['good0.png', 'bomb.png', 'good1.png', 'bomb.jpg']
    with pytest.raises(BadImageError, match='bomb.png: 2500.0 megapixels is over'):
        _dataset(images, tmp_path, names)[1]
    lenient = _dataset(images, tmp_path, names, skip_bad_images=True)
    for idx in (1, 3):
        out = lenient[idx]  # mmengine draws another image, never a zero image
        assert osp.basename(out['data_samples'].img_path) in {'good0.png', 'good1.png'}
        assert set(out['data_samples'].metainfo['skipped_bad_images']) <= {
            str(images / 'bomb.png'), str(images / 'bomb.jpg')
        }
    assert 'PIL load' not in decoder_calls  # the cv2 backend decodes the good PNGs


def test_check_images_reports_bombs_without_decoding(images, tmp_path, decoder_calls):
    paths = [str(images / n) for n in ('good0.png', 'bomb.png', 'bomb.jpg', 'large.png')]
    bad = find_bad_images(paths, progress=False)
    assert [osp.basename(p) for p, _ in bad] == ['bomb.png', 'bomb.jpg', 'large.png']
    assert all(reason.startswith(p) and 'pixel budget' in reason for p, reason in bad)
    assert decoder_calls == []
    for backend in BACKENDS:  # --decode decodes the good image only
        del decoder_calls[:]
        bad = find_bad_images(paths, decode=True, progress=False, imdecode_backend=backend)
        assert [osp.basename(p) for p, _ in bad] == ['bomb.png', 'bomb.jpg', 'large.png']
        assert len(decoder_calls) == 1

    del decoder_calls[:]
    tool = load_tool('check_images')
    ann = write_coco(tmp_path / 'instances.json',
                     [(i + 1, osp.basename(p)) for i, p in enumerate(paths)],
                     [(i + 1, 1) for i in range(len(paths))], [(1, 'a')])
    cfg = tmp_path / 'cfg.py'
    cfg.write_text(f"default_scope = 'mmpretrain'\nval_dataloader = dict(dataset=dict("
                   f"type='CocoMultiLabelDataset', ann_file='{ann}', data_prefix='{images}', "
                   "test_mode=True, pipeline=[dict(type='LoadImageChecked', max_pixels=500)]))\n")
    out = tmp_path / 'bad.txt'
    for decode in ([], ['--decode']):
        # the config's budget (500 pixels) makes the 768-pixel good image bad too
        assert tool.main([str(cfg), '--out', str(out)] + decode) == 1
        assert len(out.read_text().split()) == 4
        assert tool.main([str(cfg), '--out', str(out), '--max-pixels', '1000'] + decode) == 1
        assert [osp.basename(p)
                for p in out.read_text().split()] == ['bomb.png', 'bomb.jpg', 'large.png']
    assert decoder_calls == ['cv2.imdecode']  # the good image, by the --decode run within budget
