"""Both backends of ``LoadImageChecked`` decode every accepted image format to the same defined
(H, W, 3) uint8 image, checked against a reference computed with numpy from the arrays the files
were written from (the PNGs are written byte by byte, independently of both decoders):

* 8-bit images as ``PIL.Image.open(path).convert('RGB')``, the official SSGRL decode (the
  'pillow' backend equals it exactly): greyscale and 1/2/4-bit replicated and scaled, palette
  looked up (transparency dropped), alpha dropped (not composited), CMYK as
  ``(255 - C) * (255 - K) / 255``;
* 16-bit images by their high byte (``>> 8``, OpenCV's ``IMREAD_COLOR`` rule), where
  ``convert('RGB')`` saturates 16-bit greyscale;
* EXIF orientation applied, or ignored with ``ignore_orientation=True``.
"""
import warnings

import cv2
import numpy as np
import pytest
from image_files import GREY, GREY_ALPHA, PALETTE, RGB, RGBA, png_bytes
from PIL import Image

from mmml_plugin.datasets.transforms import LoadImageChecked

H, W = 12, 17  # odd width: 1/2/4-bit rows end in a partly used byte
BACKENDS = ('cv2', 'pillow')


def _grey3(grey):
    return np.repeat(np.asarray(grey, np.uint8)[..., None], 3, axis=2)


def _cmyk_to_rgb(cmyk):
    c, k = cmyk[..., :3].astype(float), cmyk[..., 3:].astype(float)
    return np.round((255 - c) * (255 - k) / 255).astype(np.uint8)


def _official(path):
    """The official SSGRL decode (datasets/voc07dataset.py, ``Voc07Dataset.__getitem__``)."""
    with Image.open(path) as img, warnings.catch_warnings():
        warnings.filterwarnings('ignore', message='Palette images with Transparency')
        return np.asarray(img.convert('RGB'))


def _write_cases(folder):
    """name -> (path, reference (H, W, 3) uint8 RGB)."""
    rng = np.random.default_rng(0)

    def ints(high, *shape, dtype=np.uint8):
        return rng.integers(0, high, (H, W) + shape, dtype=dtype)

    cases = {}

    def png(name, pixels, bits, color_type, ref, **kwargs):
        path = folder / f'{name}.png'
        path.write_bytes(png_bytes(pixels, bits, color_type, **kwargs))
        cases[name] = (str(path), ref)

    for bits in (1, 2, 4, 8):
        grey = ints(2**bits)
        png(f'png_grey{bits}', grey, bits, GREY, _grey3(grey * (255 // (2**bits - 1))))
    grey16 = ints(2**16, dtype=np.uint16)
    png('png_grey16', grey16, 16, GREY, _grey3(grey16 >> 8))
    grey = ints(256)
    png('png_grey8_trns', grey, 8, GREY, _grey3(grey), transparency=b'\x00' + bytes(grey[:1, 0]))
    la = ints(256, 2)
    png('png_grey_alpha8', la, 8, GREY_ALPHA, _grey3(la[..., 0]))
    la16 = ints(2**16, 2, dtype=np.uint16)
    png('png_grey_alpha16', la16, 16, GREY_ALPHA, _grey3(la16[..., 0] >> 8))
    rgb = ints(256, 3)
    png('png_rgb8', rgb, 8, RGB, rgb)
    rgb16 = ints(2**16, 3, dtype=np.uint16)
    png('png_rgb16', rgb16, 16, RGB, (rgb16 >> 8).astype(np.uint8))
    rgba = ints(256, 4)
    png('png_rgba8', rgba, 8, RGBA, rgba[..., :3])
    rgba16 = ints(2**16, 4, dtype=np.uint16)
    png('png_rgba16', rgba16, 16, RGBA, (rgba16[..., :3] >> 8).astype(np.uint8))
    for bits, colors in ((8, 256), (4, 16)):
        palette, index = rng.integers(0, 256, (colors, 3), dtype=np.uint8), ints(colors)
        png(f'png_palette{bits}', index, bits, PALETTE, palette[index], palette=palette)
    palette, index = rng.integers(0, 256, (8, 3), dtype=np.uint8), ints(8)
    png('png_palette_alphas',
        index,
        8,
        PALETTE,
        palette[index],
        palette=palette,
        transparency=bytes(rng.integers(0, 256, 8, dtype=np.uint8)))  # one alpha per entry
    png('png_palette_one_transparent',
        index,
        8,
        PALETTE,
        palette[index],
        palette=palette,
        transparency=b'\x00')

    def pil(name, array, mode, ref, **save):
        path = folder / name
        (Image.fromarray(array, mode) if mode else Image.fromarray(array)).save(path, **save)
        cases[name.replace('.', '_')] = (str(path), ref)

    pil('rgb.bmp', rgb, 'RGB', rgb)
    pil('grey.bmp', grey, 'L', _grey3(grey))
    img = Image.fromarray(index, 'P')
    img.putpalette(palette.tobytes())
    for name in ('palette.gif', 'palette8.bmp', 'palette.tif'):
        img.save(folder / name)
        cases[name.replace('.', '_')] = (str(folder / name), palette[index])
    pil('rgb.webp', rgb, 'RGB', rgb, lossless=True)
    pil('rgba.webp', rgba, 'RGBA', rgba[..., :3], lossless=True)
    pil('grey.tif', grey, 'L', _grey3(grey))
    pil('rgb.tif', rgb, 'RGB', rgb)
    pil('rgba.tif', rgba, 'RGBA', rgba[..., :3])  # OpenCV premultiplies this by its alpha
    cmyk = ints(256, 4)
    pil('cmyk.tif', cmyk, 'CMYK', _cmyk_to_rgb(cmyk))
    pil('grey16.tif', grey16, None, _grey3(grey16 >> 8))  # uint16: mode 'I;16'
    cv2.imwrite(str(folder / 'rgb16.tif'), rgb16[..., ::-1])  # Pillow cannot write 16-bit RGB
    cases['rgb16_tif'] = (str(folder / 'rgb16.tif'), (rgb16 >> 8).astype(np.uint8))
    pil('rgb.ppm', rgb, 'RGB', rgb)
    pil('grey.pgm', grey, 'L', _grey3(grey))

    # JPEG is lossy: the reference is the official decode; CMYK from its decoded channels
    smooth = cv2.GaussianBlur(rgb, (5, 5), 2)
    for name, array, mode in (('grey.jpg', smooth[..., 0], 'L'), ('rgb.jpg', smooth, 'RGB')):
        Image.fromarray(array, mode).save(folder / name, quality=90)
        cases[name.replace('.', '_')] = (str(folder / name), _official(folder / name))
    Image.fromarray(cv2.GaussianBlur(cmyk, (5, 5), 2), 'CMYK').save(folder / 'cmyk.jpg', quality=90)
    with Image.open(folder / 'cmyk.jpg') as img:
        assert img.mode == 'CMYK'
        cases['cmyk_jpg'] = (str(folder / 'cmyk.jpg'), _cmyk_to_rgb(np.asarray(img)))
    return cases


CASES = [
    'png_grey1', 'png_grey2', 'png_grey4', 'png_grey8', 'png_grey16', 'png_grey8_trns',
    'png_grey_alpha8', 'png_grey_alpha16', 'png_rgb8', 'png_rgb16', 'png_rgba8', 'png_rgba16',
    'png_palette8', 'png_palette4', 'png_palette_alphas', 'png_palette_one_transparent', 'rgb_bmp',
    'grey_bmp', 'palette_gif', 'palette8_bmp', 'palette_tif', 'rgb_webp', 'rgba_webp', 'grey_tif',
    'rgb_tif', 'rgba_tif', 'cmyk_tif', 'grey16_tif', 'rgb16_tif', 'rgb_ppm', 'grey_pgm', 'grey_jpg',
    'rgb_jpg', 'cmyk_jpg'
]
SIXTEEN_BIT_GREY = ('png_grey16', 'grey16_tif')


@pytest.fixture(scope='module')
def cases(tmp_path_factory):
    written = _write_cases(tmp_path_factory.mktemp('formats'))
    assert sorted(written) == sorted(CASES)
    return written


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('name', CASES)
def test_every_format_decodes_to_the_reference(cases, name, backend):
    path, reference = cases[name]
    img = LoadImageChecked(imdecode_backend=backend,
                           ignore_orientation=True)(dict(img_path=path))['img']
    assert img.dtype == np.uint8 and img.shape == (H, W, 3)
    rgb = img[..., ::-1]
    assert np.array_equal(rgb, reference), (name, np.abs(rgb.astype(int) - reference).max())


@pytest.mark.parametrize('name', CASES)
def test_pillow_backend_is_the_official_decode_for_8_bit_images(cases, name):
    """``Image.open(path).convert('RGB')`` exactly, except 16-bit greyscale, which it clips."""
    path, reference = cases[name]
    ours = LoadImageChecked(imdecode_backend='pillow',
                            ignore_orientation=True)(dict(img_path=path))['img'][..., ::-1]
    official = _official(path)
    if name in SIXTEEN_BIT_GREY:
        assert (official == 255).mean() > 0.95  # saturated: what the old Pillow path did
        assert np.array_equal(ours, reference)
    else:
        assert np.array_equal(ours, official)


def _orient(img, orientation):
    """What a viewer shows for an EXIF orientation tag (TIFF 6.0, tag 274), in numpy."""
    return {
        1: img,
        2: img[:, ::-1],
        3: img[::-1, ::-1],
        4: img[::-1],
        5: img.transpose(1, 0, 2),
        6: np.rot90(img, -1),
        7: img.transpose(1, 0, 2)[::-1, ::-1],
        8: np.rot90(img, 1),
    }[orientation]


@pytest.fixture(scope='module')
def oriented(tmp_path_factory):
    folder = tmp_path_factory.mktemp('orientation')
    rgb = cv2.GaussianBlur(
        np.random.default_rng(1).integers(0, 256, (H, W, 3), np.uint8), (5, 5), 2)
    files = {}
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        for ext, save in (('png', {}), ('jpg', dict(quality=95))):
            path = folder / f'o{orientation}.{ext}'
            Image.fromarray(rgb).save(path, exif=exif, **save)
            files[orientation, ext] = str(path)
    return files


@pytest.mark.parametrize('backend', BACKENDS)
@pytest.mark.parametrize('ext', ['png', 'jpg'])
@pytest.mark.parametrize('orientation', range(1, 9))
def test_exif_orientation_as_configured(oriented, orientation, ext, backend):
    path = oriented[orientation, ext]
    stored = _official(path)  # Image.open ignores the tag
    for ignore, expected in ((True, stored), (False, _orient(stored, orientation))):
        img = LoadImageChecked(imdecode_backend=backend,
                               ignore_orientation=ignore)(dict(img_path=path))['img']
        assert np.array_equal(img[..., ::-1], expected), (ignore, img.shape, expected.shape)


def test_rgb_channel_order_and_unknown_backend(cases):
    from mmml_plugin.datasets.transforms import load_image_checked
    path, reference = cases['png_rgb8']
    for backend in BACKENDS:
        for order, expected in (('rgb', reference), ('bgr', reference[..., ::-1])):
            img = load_image_checked(path, channel_order=order, imdecode_backend=backend)
            assert np.array_equal(img, expected)
            assert img.flags.c_contiguous and img.flags.writeable
    with pytest.raises(ValueError, match="imdecode_backend must be one of \\('cv2', 'pillow'\\)"):
        LoadImageChecked(imdecode_backend='turbojpeg')
