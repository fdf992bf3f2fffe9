"""Mean grey-level difference of our SSGRL transforms to the official torchvision/PIL chain
(HCPLab-SYSU/SSGRL utils/transforms.py L13-26) on the same generated photo-like JPEG, for the
same crop side and position:

- train, ``backend='pillow'`` (official-recipe configs): PIL Resize 640 -> crop -> PIL Resize 576;
- train, ``backend='cv2'`` (one resampling of the mapped window; other configs);
- test, PIL ``Resize(backend='pillow')`` + ``CenterCrop`` (official-recipe configs) and the cv2
  ``Resize`` + ``CenterCrop`` used before.

    python tools/benchmarks/transform_fidelity.py [--width 1024 --height 768]

Prints one JSON line: mean |ours - official| over pixels and channels, in grey levels (0-255),
averaged over the five crop sides at random positions (train) and for the test chain.
"""
import argparse
import json
import os.path as osp
import tempfile

import numpy as np


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--width', type=int, default=1024)
    parser.add_argument('--height', type=int, default=768)
    parser.add_argument('--positions', type=int, default=4, help='random corners per crop side')
    args = parser.parse_args()
    import torchvision.transforms as T
    import torchvision.transforms.functional as TF
    from mmcv.transforms import CenterCrop, Resize
    from PIL import Image

    from mmml_plugin.datasets.transforms import LoadImageChecked, RandomSquareCropResize

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
                 unit='mean |difference|, grey levels')))


if __name__ == '__main__':
    main()
