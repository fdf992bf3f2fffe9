"""Images per second of the SSGRL train pipeline on one worker, side by side on the same
generated 640x480 JPEGs, in one process, single-threaded:

- ``official``: the official-recipe pipeline of
  ``configs/_base_/datasets/coco2014_multilabel_576px.py`` (PIL decode, PIL two-step
  ``RandomSquareCropResize(backend='pillow')``, uint8 packing, normalisation left to the data
  preprocessor);
- ``fast``: the same with cv2 decoding and the one-step ``backend='cv2'`` crop;
- ``torchvision``: the official code's chain (HCPLab-SYSU/SSGRL utils/transforms.py L13-21: PIL
  decode, Resize 640, RandomChoice(RandomCrop), Resize 576, ToTensor, Normalize; no flip).

    python tools/benchmarks/pipeline.py [--images 48] [--repeats 3]

Prints one JSON line: {"bench": "pipeline", "speedup_vs_torchvision": ..., (official)
"fast_speedup_vs_torchvision": ..., ...}
"""
import argparse
import json
import os.path as osp
import tempfile
import time

import numpy as np

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(REPO, 'configs', '_base_', 'datasets', 'coco2014_multilabel_576px.py')


def write_jpegs(folder, num, seed=0):
    """Photo-like 640x480 JPEGs: smooth colour fields, edges and noise (quality 90)."""
    import cv2
    rng = np.random.default_rng(seed)
    paths = []
    for i in range(num):
        low = rng.integers(0, 256, (6, 8, 3)).astype(np.uint8)
        img = cv2.resize(low, (640, 480), interpolation=cv2.INTER_CUBIC)
        for _ in range(8):
            x, y = (int(v) for v in rng.integers(0, 600, 2))
            cv2.rectangle(img, (x, y % 440), (x + 60, y % 440 + 40),
                          tuple(int(c) for c in rng.integers(0, 256, 3)), -1)
        img = np.clip(img + rng.normal(0, 6, img.shape), 0, 255).astype(np.uint8)
        path = osp.join(folder, f'{i:04d}.jpg')
        cv2.imwrite(path, img, [cv2.IMWRITE_JPEG_QUALITY, 90])
        paths.append(path)
    return paths


def ours(paths, repeats, fast=False):
    from mmcv.transforms import Compose
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import TRANSFORMS

    import mmml_plugin  # noqa: F401  (registers LoadImageChecked)
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(CONFIG)
    steps = [dict(t) for t in cfg.train_pipeline]
    if fast:
        for t in steps:
            if t['type'] == 'LoadImageChecked':
                t.update(imdecode_backend='cv2', ignore_orientation=False)
            if t['type'] == 'RandomSquareCropResize':
                t['backend'] = 'cv2'
    pipeline = Compose([TRANSFORMS.build(t) for t in steps])
    start = time.perf_counter()
    for _ in range(repeats):
        for path in paths:
            out = pipeline(dict(img_path=path, gt_label=[0]))
    assert tuple(out['inputs'].shape) == (3, 576, 576)
    return len(paths) * repeats / (time.perf_counter() - start)


def torchvision_reference(paths, repeats):
    from PIL import Image
    from torchvision import transforms as T
    pipeline = T.Compose([
        T.Resize((640, 640)),
        T.RandomChoice([T.RandomCrop(s) for s in (640, 576, 512, 384, 320)]),
        T.Resize((576, 576)),
        T.ToTensor(),
        T.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
    ])
    start = time.perf_counter()
    for _ in range(repeats):
        for path in paths:
            out = pipeline(Image.open(path).convert('RGB'))
    assert tuple(out.shape) == (3, 576, 576)
    return len(paths) * repeats / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--images', type=int, default=48)
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args()
    import cv2
    import torch
    cv2.setNumThreads(1)  # one data-loader worker, one core, for both pipelines
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        paths = write_jpegs(tmp, args.images)
        ours(paths[:4], 1), ours(paths[:4], 1, True), torchvision_reference(paths[:4], 1)
        ours_ips = ours(paths, args.repeats)
        fast_ips = ours(paths, args.repeats, fast=True)
        ref_ips = torchvision_reference(paths, args.repeats)
    print(
        json.dumps(
            dict(bench='pipeline',
                 speedup_vs_torchvision=round(ours_ips / ref_ips, 2),
                 fast_speedup_vs_torchvision=round(fast_ips / ref_ips, 2),
                 images_per_s=round(ours_ips, 1),
                 fast_images_per_s=round(fast_ips, 1),
                 torchvision_images_per_s=round(ref_ips, 1),
                 images=args.images,
                 repeats=args.repeats)))


if __name__ == '__main__':
    main()
