"""Grey-level difference of our transforms to the official torchvision/PIL chains on the same
generated photo-like JPEG, for the same random draws.

SSGRL (HCPLab-SYSU/SSGRL utils/transforms.py L13-26), mean difference, same crop side and
position:

- train, ``backend='pillow'`` (official-recipe configs): PIL Resize 640 -> crop -> PIL Resize 576;
- train, ``backend='cv2'`` (one resampling of the mapped window; other configs);
- test, PIL ``Resize(backend='pillow')`` + ``CenterCrop`` (official-recipe configs) and the cv2
  ``Resize`` + ``CenterCrop`` used before.

ML-GCN and Query2Label, the official-recipe configs' whole pipelines (decoding included, up to
``PackInputs``), max |ours - official| over all pixels:

- ML-GCN (Megvii-Nanjing/ML-GCN engine.py:128-142, util.py:10-89; images ``Image.open(path)
  .convert('RGB')``, coco.py:130): every one of the 19 x 13 ``MultiScaleCrop`` windows, with and
  without the flip; test ``Warp``;
- Query2Label (SlongLiu/query2labels get_dataset.py:17-33): ``--seeds`` draws of Resize(448),
  ``SLCutoutPIL(1, -1)`` (cutout.py:6-34, drawn as Pillow < 9.5 did) and the ``randaugment``
  1.0.2 package's ``RandAugment``, Python's ``random`` and numpy seeded alike on both sides;
  test Resize(448). The package is not a dependency: put it on ``PYTHONPATH`` (docs/
  benchmarks.md); without it the Query2Label training chain is measured without RandAugment.

    python tools/benchmarks/transform_fidelity.py [--width 1024 --height 768]

Prints one JSON line, in grey levels (0-255): SSGRL means over pixels and channels, averaged over
the five crop sides at random positions (train) and for the test chain; ML-GCN and Query2Label
maxima.
"""
import argparse
import json
import os.path as osp
import random
import tempfile

import numpy as np

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
MLGCN = osp.join(REPO, 'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py')
Q2L = osp.join(REPO, 'configs/query2label/query2label_r101_1xb64_coco-448px.py')


def write_photo(path, width, height, seed=0):
    """A photo-like JPEG: smooth colour fields, texture and a few sharp edges (quality 90)."""
    from PIL import Image
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 256, (height // 32, width // 32, 3), dtype=np.uint8)
    img = np.asarray(Image.fromarray(low).resize((width, height), Image.BICUBIC), np.int16)
    img = img + rng.integers(-20, 21, img.shape, dtype=np.int16)
    for _ in range(8):
        x, y = int(rng.integers(0, width - 80)), int(rng.integers(0, height - 60))
        img[y:y + 60, x:x + 80] = rng.integers(0, 256, 3)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).save(path, quality=90)


def build_pipeline(cfg_pipeline, **overrides):
    """The config's transforms up to ``PackInputs``; ``overrides`` update a transform by type."""
    from mmpretrain.registry import TRANSFORMS
    return [
        TRANSFORMS.build(dict(t, **overrides.get(t['type'], {}))) for t in cfg_pipeline
        if t['type'] != 'PackInputs'
    ]


def run_pipeline(pipeline, path):
    """RGB output of a pipeline run on one image file."""
    results = dict(img_path=path)
    for t in pipeline:
        results = t(results)
    return results['img'][..., ::-1].astype(np.int16)


def max_diff(a, b):
    return float(np.abs(np.asarray(a, np.int16) - np.asarray(b, np.int16)).max())


def mlgcn_fidelity(path):
    """Max difference of the ML-GCN config's train (every window, flip on/off) and test
    pipelines to the official PIL chain."""
    from mmengine.config import Config
    from PIL import Image

    from mmml_plugin.datasets.transforms import MultiScaleCrop
    from mmml_plugin.datasets.transforms.multi_scale_crop import multi_scale_crop_candidates
    cfg = Config.fromfile(MLGCN)
    pil = Image.open(path).convert('RGB')  # coco.py:130
    scales = (1.0, 0.875, 0.75, 0.66, 0.5)  # engine.py:129
    candidates = multi_scale_crop_candidates(*pil.size, (448, 448), scales, 2)
    windows = [win for wins in candidates for win in wins]
    train = 0.0
    for prob in (0.0, 1.0):
        pipeline = build_pipeline(cfg.train_dataloader.dataset.pipeline, RandomFlip=dict(prob=prob))
        crop = next(t for t in pipeline if isinstance(t, MultiScaleCrop))
        for w, h, x0, y0 in windows:
            crop._sample = lambda *_, win=(w, h, x0, y0): win
            # util.py:31-36 (crop, bilinear resize), then RandomHorizontalFlip (engine.py:130)
            official = pil.crop((x0, y0, x0 + w, y0 + h)).resize((448, 448), Image.BILINEAR)
            if prob:
                official = official.transpose(Image.FLIP_LEFT_RIGHT)
            train = max(train, max_diff(run_pipeline(pipeline, path), official))
    test = max_diff(run_pipeline(build_pipeline(cfg.test_dataloader.dataset.pipeline), path),
                    pil.resize((448, 448), Image.BILINEAR))  # Warp, util.py:10-16
    return dict(mlgcn_train_max=train, mlgcn_train_draws=2 * len(windows), mlgcn_test_max=test)


def official_sl_cutout(img, n_holes=1, length=-1):
    """SLCutoutPIL(n_holes, length) (cutout.py:14-34) with ``ImageDraw.rectangle`` as Pillow
    < 9.5 drew reversed corners (sorted; libImaging/Draw.c, ImagingDrawRectangle); Pillow 9.5
    raises on the official call."""
    from PIL import ImageDraw
    img_draw = ImageDraw.Draw(img)
    h, w = img.size[0], img.size[1]
    for _ in range(n_holes):
        y_c = np.random.randint(h)
        x_c = np.random.randint(w)
        y1, y2 = np.clip(y_c - length // 2, 0, h), np.clip(y_c + length // 2, 0, h)
        x1, x2 = np.clip(x_c - length // 2, 0, w), np.clip(x_c + length // 2, 0, w)
        fill = (random.randint(0, 255), random.randint(0, 255), random.randint(0, 255))
        img_draw.rectangle([min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)], fill=fill)
    return img


def q2l_fidelity(path, seeds):
    """Max difference of the Query2Label config's train pipeline (``seeds`` draws) and test
    pipeline to the official torchvision chain with the ``randaugment`` package."""
    import torchvision.transforms as T
    from mmengine.config import Config
    from PIL import Image
    cfg = Config.fromfile(Q2L)
    try:
        if not hasattr(np, 'int'):
            np.int = int  # removed in numpy 1.24; randaugment 1.0.2 uses it (L372, L380)
        from randaugment import RandAugment
        official_ra, source = RandAugment(), 'randaugment 1.0.2 package'
    except ImportError:
        official_ra, source = None, 'randaugment not importable: cutout only'
    pipeline = build_pipeline([
        t for t in cfg.train_dataloader.dataset.pipeline
        if official_ra or t['type'] != 'RandAugmentPIL'
    ])

    def official_train(img):
        img = official_sl_cutout(T.Resize((448, 448))(img))
        return official_ra(img) if official_ra else img

    train = 0.0
    for seed in range(seeds):
        random.seed(seed)
        np.random.seed(seed)
        official = np.asarray(official_train(Image.open(path).convert('RGB')))
        random.seed(seed)
        np.random.seed(seed)
        ours = run_pipeline(pipeline, path)
        train = max(train, max_diff(ours, official))
    test = max_diff(run_pipeline(build_pipeline(cfg.test_dataloader.dataset.pipeline), path),
                    T.Resize((448, 448))(Image.open(path).convert('RGB')))
    return dict(q2l_train_max=train,
                q2l_train_draws=seeds,
                q2l_test_max=test,
                q2l_official_randaugment=source)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--width', type=int, default=1024)
    parser.add_argument('--height', type=int, default=768)
    parser.add_argument('--positions', type=int, default=4, help='random corners per crop side')
    parser.add_argument('--seeds', type=int, default=200, help='Query2Label training draws')
    args = parser.parse_args()
    import torchvision.transforms as T
    import torchvision.transforms.functional as TF
    from mmcv.transforms import CenterCrop, Resize
    from mmpretrain.utils import register_all_modules
    from PIL import Image

    import mmml_plugin  # noqa: F401 (registers the transforms)
    from mmml_plugin.datasets.transforms import LoadImageChecked, RandomSquareCropResize
    register_all_modules(init_default_scope=False)

    def official_train(pil, side, x0, y0):
        img = TF.crop(T.Resize((640, 640))(pil), y0, x0, side, side)
        return np.asarray(T.Resize((576, 576))(img), np.float64)

    rng = np.random.default_rng(1)
    diffs = dict(pillow=[], cv2=[])
    with tempfile.TemporaryDirectory() as tmp:
        path = osp.join(tmp, 'photo.jpg')
        write_photo(path, args.width, args.height)
        pil = Image.open(path).convert('RGB')
        img = LoadImageChecked(imdecode_backend='pillow',
                               ignore_orientation=True)(dict(img_path=path))['img']
        cv2_img = LoadImageChecked()(dict(img_path=path))['img']
        decode = np.abs(cv2_img.astype(float) - img).mean()
        for side in (640, 576, 512, 384, 320):
            for _ in range(args.positions):
                window = (side, *(int(v) for v in rng.integers(0, 640 - side + 1, 2)))
                official = official_train(pil, *window)
                for backend in diffs:
                    t = RandomSquareCropResize(backend=backend)
                    t._sample_window = lambda w=window: w
                    ours = t(dict(img=img))['img'][..., ::-1].astype(np.float64)
                    diffs[backend].append(np.abs(ours - official).mean())
        official_test = np.asarray(
            T.Compose([T.Resize((640, 640)), T.CenterCrop(576)])(pil), np.float64)
        test = {}
        for backend in ('pillow', 'cv2'):
            out = CenterCrop(576)(Resize((640, 640), keep_ratio=False,
                                         backend=backend)(dict(img=img.copy())))['img'][..., ::-1]
            test[backend] = np.abs(out.astype(np.float64) - official_test).mean()
        others = dict(**mlgcn_fidelity(path), **q2l_fidelity(path, args.seeds))
    print(
        json.dumps(
            dict(bench='transform_fidelity',
                 image=f'{args.width}x{args.height}',
                 train_pillow_two_step=round(float(np.mean(diffs['pillow'])), 3),
                 train_cv2_one_step=round(float(np.mean(diffs['cv2'])), 3),
                 train_cv2_one_step_max=round(float(np.max(diffs['cv2'])), 3),
                 test_pillow=round(float(test['pillow']), 3),
                 test_cv2=round(float(test['cv2']), 3),
                 decode_cv2_vs_pillow=round(float(decode), 3),
                 unit='mean |difference|, grey levels',
                 **others,
                 unit_max='max |difference|, grey levels')))


if __name__ == '__main__':
    main()
