"""A small multi-label demo set made on the fly, with no download.

Images are composed of the handwritten digits bundled in scikit-learn (``load_digits``, 1,797
8x8 scans), several digits per image, written in COCO instances format with boxes, so the same
files serve the multi-label dataset and a detector smoke run. Labels co-occur: each image is drawn
from one of three "scenes" whose digits tend to appear together, so the label graph has structure
to learn, but it is loose enough (``SCENE_PURITY``) that the scene alone does not tell which of its
digits are there: a model must recognise them. A tiny GloVe-format text file holds vectors for the
class-name words (words of one scene are close), so the real embedding tool runs on it.

:func:`make_digit_classification_set` writes single-digit images of the training scans, drawn the
same way, for the demo's stand-in for ImageNet pretraining
(``configs/demo/resnet18_demo_pretrain.py``).

Everything is deterministic given ``seed``; train and val use disjoint handwriting samples.
"""
import json
import os
import os.path as osp
from typing import Dict, List

import numpy as np
from PIL import Image

DEMO_CLASSES = ('zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine')
# Digits of a scene tend to appear together: P(object from the image's scene) = SCENE_PURITY.
# At 0.85 the scene gave the labels away and SSGRL attended to one digit for all its classes.
DEMO_SCENES = ((0, 1, 2), (3, 4, 5, 6), (7, 8, 9))
SCENE_PURITY = 0.65
# Digit side as a fraction of the demo image side.
DIGIT_SIZE_RANGE = (0.22, 0.40)
# Non-contiguous ids, like COCO's, so that the id -> index mapping is exercised.
DEMO_CATEGORY_IDS = (1, 2, 3, 5, 6, 7, 9, 10, 11, 13)
WORD_VECTOR_DIM = 50
_DISTRACTOR_WORDS = ('the', 'of', 'and', 'digit', 'number', 'cat', 'dog', 'oven', 'apple', 'blue')


def _load_digits():
    """Returns the scikit-learn digit scans as (N, 8, 8) float in [0, 1] and their (N,) labels."""
    from sklearn.datasets import load_digits
    digits = load_digits()
    return digits.images.astype(np.float32) / 16.0, digits.target.astype(np.int64)


def _split_samples(targets: np.ndarray, rng: np.random.Generator) -> List[Dict[int, np.ndarray]]:
    """Splits the scans of each digit 2:1 into disjoint train / val pools."""
    train, val = {}, {}
    for digit in range(10):
        idx = rng.permutation(np.flatnonzero(targets == digit))
        cut = (2 * len(idx)) // 3
        train[digit], val[digit] = idx[:cut], idx[cut:]
    return [train, val]


def _draw_labels(rng: np.random.Generator, scene_purity: float) -> List[int]:
    """Digits of one image: 2-4 objects, each from the image's scene with ``scene_purity``."""
    scene = DEMO_SCENES[rng.integers(len(DEMO_SCENES))]
    labels = []
    for _ in range(int(rng.integers(2, 5))):
        if rng.random() < scene_purity:
            labels.append(int(scene[rng.integers(len(scene))]))
        else:
            labels.append(int(rng.integers(10)))
    return labels


def _iou(a, b) -> float:
    x1, y1 = max(a[0], b[0]), max(a[1], b[1])
    x2, y2 = min(a[0] + a[2], b[0] + b[2]), min(a[1] + a[3], b[1] + b[3])
    inter = max(0, x2 - x1) * max(0, y2 - y1)
    return inter / float(a[2] * a[3] + b[2] * b[3] - inter)


def _compose_image(labels, pool, scans, image_size, rng, side_range=None):
    """Pastes one scan per label on a noisy background; returns the image and COCO boxes.

    ``side_range``: (min, max) digit side in pixels, default ``DIGIT_SIZE_RANGE`` of the image.
    """
    background = rng.integers(0, 90, size=3)
    canvas = np.clip(background + rng.normal(0, 12, (image_size, image_size, 3)), 0, 255)
    if side_range is None:
        side_range = tuple(int(f * image_size) for f in DIGIT_SIZE_RANGE)
    boxes = []
    for label in labels:
        scan = scans[rng.choice(pool[label])]
        side = min(int(rng.integers(side_range[0], side_range[1] + 1)), image_size)
        for _ in range(20):  # a few tries to avoid heavy overlap with earlier digits
            x, y = (int(v) for v in rng.integers(0, image_size - side + 1, size=2))
            if all(_iou((x, y, side, side), b) < 0.15 for b in boxes):
                break
        alpha = np.asarray(Image.fromarray((scan * 255).astype(np.uint8)).resize(
            (side, side), Image.BICUBIC),
                           dtype=np.float32)[..., None] / 255.0
        color = rng.integers(150, 256, size=3)
        region = canvas[y:y + side, x:x + side]
        canvas[y:y + side, x:x + side] = region * (1 - alpha) + color * alpha
        ys, xs = np.nonzero(alpha[..., 0] > 0.2)
        x0, y0 = x + int(xs.min()), y + int(ys.min())
        boxes.append((x0, y0, x + int(xs.max()) + 1 - x0, y + int(ys.max()) + 1 - y0))
    return canvas.astype(np.uint8), boxes


def _write_split(split, num_images, pool, scans, out_dir, image_size, rng, start_ids, scene_purity):
    img_dir = osp.join(out_dir, split)
    os.makedirs(img_dir, exist_ok=True)
    images, annotations = [], []
    image_id, ann_id = start_ids
    for n in range(num_images):
        labels = _draw_labels(rng, scene_purity)
        canvas, boxes = _compose_image(labels, pool, scans, image_size, rng)
        file_name = f'{split}_{n:06d}.jpg'
        Image.fromarray(canvas).save(osp.join(img_dir, file_name), quality=92)
        images.append(dict(id=image_id, file_name=file_name, width=image_size, height=image_size))
        for label, (x, y, w, h) in zip(labels, boxes):
            annotations.append(
                dict(id=ann_id,
                     image_id=image_id,
                     category_id=DEMO_CATEGORY_IDS[label],
                     bbox=[x, y, w, h],
                     area=w * h,
                     iscrowd=0,
                     segmentation=[[x, y, x + w, y, x + w, y + h, x, y + h]]))
            ann_id += 1
        image_id += 1
    categories = [
        dict(id=cid, name=name, supercategory='digit')
        for cid, name in zip(DEMO_CATEGORY_IDS, DEMO_CLASSES)
    ]
    ann_file = osp.join(out_dir, 'annotations', f'instances_{split}.json')
    with open(ann_file, 'w') as f:
        json.dump(
            dict(info=dict(description=f'mmml_plugin demo digits, {split}'),
                 images=images,
                 annotations=annotations,
                 categories=categories), f)
    return ann_file, img_dir, (image_id, ann_id)


def write_demo_word_vectors(path: str, seed: int = 0, dim: int = WORD_VECTOR_DIM) -> str:
    """Writes a GloVe-format text file (``word v1 ... vE`` per line) for the demo class words.

    Words of one scene share a direction, so related classes have close vectors, as in GloVe; a
    few distractor words are mixed in so that the reader has to pick the right lines.
    """
    rng = np.random.default_rng(seed + 1)
    scene_dirs = rng.normal(0, 1, (len(DEMO_SCENES), dim))
    vectors = {}
    for scene, direction in zip(DEMO_SCENES, scene_dirs):
        for label in scene:
            vectors[DEMO_CLASSES[label]] = direction + 0.5 * rng.normal(0, 1, dim)
    for word in _DISTRACTOR_WORDS:
        vectors[word] = rng.normal(0, 1, dim)
    order = rng.permutation(len(vectors))
    words = list(vectors)
    with open(path, 'w') as f:
        for i in order:
            f.write(words[i] + ' ' + ' '.join(f'{v:.5f}' for v in vectors[words[i]]) + '\n')
    return path


def make_demo_dataset(out_dir: str,
                      num_train: int = 48,
                      num_val: int = 24,
                      image_size: int = 128,
                      seed: int = 0,
                      scene_purity: float = SCENE_PURITY) -> dict:
    """Writes the demo set under ``out_dir``.

    Layout::

        out_dir/annotations/instances_train.json, instances_val.json   (COCO instances, boxes)
        out_dir/train/*.jpg, out_dir/val/*.jpg
        out_dir/word_vectors.txt                                        (GloVe text format)

    Args:
        out_dir (str): output folder (created).
        num_train (int): training images.
        num_val (int): validation images.
        image_size (int): side of the square images, >= 32.
        seed (int): everything is a function of it.
        scene_purity (float): probability that a digit comes from its image's scene, in [0, 1]
            (1: scenes only; 0.1 x scene size: no co-occurrence structure).

    Returns:
        dict: ``classes`` (the 10 names in category-id order), ``train_ann``, ``val_ann``,
        ``data_root`` (= out_dir), ``train_img_prefix``, ``val_img_prefix``, ``word_vectors``;
        all paths absolute.
    """
    if image_size < 32:
        raise ValueError(f'image_size must be >= 32 to fit the digits, got {image_size}.')
    if num_train < 1 or num_val < 1:
        raise ValueError(f'num_train and num_val must be >= 1, got {num_train}, {num_val}.')
    if not 0 <= scene_purity <= 1:
        raise ValueError(f'scene_purity must be in [0, 1], got {scene_purity}.')
    out_dir = osp.abspath(out_dir)
    os.makedirs(osp.join(out_dir, 'annotations'), exist_ok=True)
    rng = np.random.default_rng(seed)
    scans, targets = _load_digits()
    train_pool, val_pool = _split_samples(targets, rng)
    train_ann, train_dir, ids = _write_split('train', num_train, train_pool, scans, out_dir,
                                             image_size, rng, (1, 1), scene_purity)
    val_ann, val_dir, _ = _write_split('val', num_val, val_pool, scans, out_dir, image_size, rng,
                                       ids, scene_purity)
    word_vectors = write_demo_word_vectors(osp.join(out_dir, 'word_vectors.txt'), seed)
    return dict(classes=list(DEMO_CLASSES),
                train_ann=train_ann,
                val_ann=val_ann,
                data_root=out_dir,
                train_img_prefix=train_dir,
                val_img_prefix=val_dir,
                word_vectors=word_vectors)


def make_digit_classification_set(out_dir: str,
                                  num_images: int = 2000,
                                  image_size: int = 128,
                                  seed: int = 0) -> dict:
    """Writes single-digit images of the demo's *training* scans, for pretraining a backbone.

    Each image holds one digit drawn exactly as in :func:`make_demo_dataset` with the same
    ``image_size`` and ``seed`` (same train/val split of the scans, same digit sizes, colours and
    background), on a canvas just large enough for the largest digit. The validation scans are
    never used, so the demo's val set stays unseen.

    Layout (mmpretrain ``CustomDataset`` with an annotation list)::

        out_dir/digits/train.txt        ``<file> <class index>`` per line
        out_dir/digits/train/*.png

    Args:
        out_dir (str): the demo data root (created).
        num_images (int): images to write, classes balanced.
        image_size (int): side of the demo's multi-digit images, which sets the digit sizes.
        seed (int): the demo's seed.

    Returns:
        dict: ``ann_file``, ``img_prefix`` (absolute), ``image_size`` (canvas side).
    """
    if num_images < 10:
        raise ValueError(f'num_images must be >= 10 (one per class), got {num_images}.')
    rng = np.random.default_rng(seed)
    scans, targets = _load_digits()
    train_pool, _ = _split_samples(targets, rng)  # the split of make_demo_dataset(seed)
    rng = np.random.default_rng([seed, 1])
    side_range = tuple(int(f * image_size) for f in DIGIT_SIZE_RANGE)
    canvas = side_range[1] + 8
    root = osp.join(osp.abspath(out_dir), 'digits')
    os.makedirs(osp.join(root, 'train'), exist_ok=True)
    lines = []
    for n in range(num_images):
        label = n % 10
        image, _ = _compose_image([label], train_pool, scans, canvas, rng, side_range)
        file_name = f'train/{n:06d}.png'
        Image.fromarray(image).save(osp.join(root, file_name))
        lines.append(f'{file_name} {label}')
    ann_file = osp.join(root, 'train.txt')
    with open(ann_file, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    return dict(ann_file=ann_file, img_prefix=root, image_size=canvas)
