"""The pointing game of an SSGRL-style model on a COCO-format annotation file with boxes.

Runs the model image by image (:func:`~mmml_plugin.apis.inference_multilabel`), maps each class's
attention peak from the model input back to the original image through the config's own test
transform, and scores the peaks against the boxes with
:func:`mmml_plugin.evaluation.functional.pointing_game.pointing_game`. Used by
``tools/analysis_tools/attention_pointing_game.py`` and by ``make demo``.
"""
import contextlib
import io
import os.path as osp
from typing import Dict, List, Optional, Tuple

import mmcv
import numpy as np
from mmengine.dataset import Compose

from mmml_plugin.evaluation.functional.pointing_game import (attention_in_boxes, attention_peaks,
                                                             pointing_game)

from .inference import MultiLabelInferencer, has_attention, inference_multilabel


def input_to_image_coordinates(pipeline: Compose, height: int, width: int) -> np.ndarray:
    """Original-image ``(x, y)`` of every model-input pixel, through the test transform.

    A float image whose channels hold each pixel's own centre coordinates ``(x + 0.5,
    y + 0.5)`` and a validity mask goes through ``pipeline``; resizes and crops move the
    coordinates exactly as they move the image, so the output says where each input pixel came
    from, whatever the geometric transforms are.

    Args:
        pipeline (Compose): the test pipeline without image loading
            (:func:`~mmml_plugin.apis.inference.build_test_pipeline`).
        height (int): height of the original image.
        width (int): width of the original image.

    Returns:
        np.ndarray: (H, W, 2) float ``(x, y)`` for the (H, W) model input; NaN on padding.
    """
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32) + 0.5
    ramp = np.stack([xs, ys, np.ones_like(xs)], axis=-1)
    try:
        sample = pipeline(dict(img=ramp, img_shape=(height, width), ori_shape=(height, width)))
    except Exception as error:  # e.g. a PIL-based transform that takes uint8 images only
        raise ValueError(
            f'the test pipeline cannot transform a float coordinate image ({error}); the '
            'pointing game needs geometric test transforms that accept float arrays '
            '(mmcv/mmpretrain Resize, CenterCrop, Pad...).') from error
    out = sample['inputs']
    out = out.numpy() if hasattr(out, 'numpy') else np.asarray(out)
    if not np.issubdtype(out.dtype, np.floating):
        raise ValueError(f'the test pipeline turned the float coordinate image into {out.dtype}; '
                         'the pointing game needs transforms that keep float arrays.')
    coords = np.moveaxis(out, 0, -1).astype(np.float64)  # (3, H, W) -> (H, W, 3)
    valid = coords[..., 2] > 0.5
    xy = coords[..., :2] / np.where(valid, coords[..., 2], 1.0)[..., None]  # undo edge blending
    xy[~valid] = np.nan
    return xy


def load_coco_boxes(ann_file: str, classes: List[str]) -> Tuple[list, Dict[str, int]]:
    """Images and per-class boxes of a COCO instances file, classes matched by name.

    Args:
        ann_file (str): COCO instances JSON with ``bbox`` in its annotations.
        classes (list[str]): the model's class names, in its output order.

    Returns:
        tuple: a list of ``(file_name, (height, width), {class index: (K, 4) boxes})`` per
        image (crowd boxes included: they mark where the class is), and the mapping from
        category name to class index.
    """
    from pycocotools.coco import COCO
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: annotation file not found.')
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        coco = COCO(ann_file)
    names = {cat['id']: cat['name'] for cat in coco.loadCats(coco.getCatIds())}
    index = {name: classes.index(name) for name in names.values() if name in classes}
    if not index:
        raise ValueError(f'{ann_file}: none of its categories {sorted(names.values())[:5]}... '
                         f'is a class of the model {classes[:5]}...; use the annotation file of '
                         'the dataset the model was trained on.')
    images = []
    for img_id in sorted(coco.getImgIds()):
        info = coco.loadImgs(img_id)[0]
        boxes = {}
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=img_id)):
            name = names[ann['category_id']]
            if name in index and 'bbox' in ann:
                boxes.setdefault(index[name], []).append(ann['bbox'])
        if boxes:
            images.append((info['file_name'], (int(info['height']), int(info['width'])), {
                c: np.asarray(b, dtype=np.float64)
                for c, b in boxes.items()
            }))
    return images, index


def evaluate_pointing_game(inferencer: MultiLabelInferencer,
                           ann_file: str,
                           img_prefix: str,
                           max_images: Optional[int] = None,
                           tolerance: float = 0.0,
                           progress: bool = True) -> Dict[str, object]:
    """Pointing game of ``inferencer``'s model on the boxes of ``ann_file``.

    Args:
        inferencer (MultiLabelInferencer): a model with semantic-decoupling attention.
        ann_file (str): COCO instances JSON with boxes (e.g. ``instances_val2014.json``).
        img_prefix (str): folder of the images (``file_name`` is relative to it).
        max_images (int, optional): score only the first ``max_images`` images with boxes.
        tolerance (float): pixels of slack around every box.
        progress (bool): show a progress bar.

    Returns:
        dict: the output of :func:`~mmml_plugin.evaluation.functional.pointing_game.pointing_game`
        plus ``files`` (image paths, indexed by each pair's ``image``).
    """
    if not has_attention(inferencer.model):
        raise ValueError(f'{type(inferencer.model.head).__name__}: the pointing game needs '
                         'per-class attention maps (an SSGRL config or one with a '
                         'SemanticDecouplingNeck).')
    images, _ = load_coco_boxes(ann_file, inferencer.classes)
    if max_images is not None:
        images = images[:max_images]
    coords_cache: Dict[Tuple[int, int], np.ndarray] = {}
    peaks, energies, boxes, shapes, files = [], [], [], [], []
    bar = None
    if progress:
        from mmengine.utils import ProgressBar
        bar = ProgressBar(len(images))
    for file_name, shape, image_boxes in images:
        path = osp.join(img_prefix, file_name)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: image of {ann_file} not found; check --img-prefix.')
        img = mmcv.imread(path)
        if img is None:
            raise ValueError(f'{path}: cannot decode this file as an image.')
        real_shape = tuple(int(s) for s in img.shape[:2])
        if real_shape != shape:
            raise ValueError(f'{path}: the image is {real_shape[1]} x {real_shape[0]} but '
                             f'{ann_file} says {shape[1]} x {shape[0]}; fix the annotation '
                             'file or the image folder.')
        result = inference_multilabel(inferencer.model, img, topk=1, pipeline=inferencer.pipeline)
        if shape not in coords_cache:
            coords_cache[shape] = input_to_image_coordinates(inferencer.pipeline, *shape)
        coords = coords_cache[shape]
        peaks.append(attention_peaks(result['attention'], coords))
        energies.append({
            c: attention_in_boxes(result['attention'][c], coords, b)
            for c, b in image_boxes.items()
        })
        boxes.append(image_boxes)
        shapes.append(shape)
        files.append(path)
        if bar is not None:
            bar.update()
    if bar is not None:
        print()
    out = pointing_game(peaks, boxes, shapes, len(inferencer.classes), tolerance)
    for pair in out['pairs']:
        pair['attention_in_boxes'] = energies[pair['image']][pair['class']]
    out['attention_in_boxes'] = 100 * float(np.mean([p['attention_in_boxes']
                                                     for p in out['pairs']]))
    out['files'] = files
    out['boxes'] = boxes
    return out


def select_cases(result: Dict[str, object], num: int = 8) -> Tuple[list, list]:
    """The best and the worst (image, class) pairs of :func:`evaluate_pointing_game`.

    Best: hits with the largest share of attention on their boxes, one class after another
    (each class's best before any class's second best). Worst: misses first, then the smallest
    share of attention on the boxes.

    Returns:
        tuple[list, list]: ``best`` and ``worst``, each up to ``num`` pairs (dicts of ``pairs``).
    """
    pairs = result['pairs']
    hits = sorted((p for p in pairs if p['hit']), key=lambda p: -p['attention_in_boxes'])
    rank_in_class: Dict[int, int] = {}
    ranked = []
    for pair in hits:
        rank = rank_in_class.get(pair['class'], 0)
        rank_in_class[pair['class']] = rank + 1
        ranked.append((rank, -pair['attention_in_boxes'], pair))
    best = [pair for _, _, pair in sorted(ranked, key=lambda r: r[:2])]
    worst = sorted(pairs, key=lambda p: (p['hit'], p['attention_in_boxes']))
    return best[:num], worst[:num]


def render_cases(inferencer: MultiLabelInferencer, result: Dict[str, object],
                 pairs: list) -> List[dict]:
    """What :func:`mmml_plugin.visualization.plot_pointing_cases` draws for each pair.

    Re-runs the model on each pair's image and maps its boxes and peak into the model input.

    Returns:
        list[dict]: per pair, ``image`` (H, W, 3) uint8 RGB as the model saw it, ``attention``
        (h, w) of the pair's class, ``peak`` (row, col) and ``boxes`` ((K, 4) ``x0, y0, x1, y1``)
        in input pixels, ``hit``, ``title``.
    """
    from mmml_plugin.evaluation.functional.pointing_game import upsampled_peak
    cases = []
    for pair in pairs:
        path, c = result['files'][pair['image']], pair['class']
        img = mmcv.imread(path)
        out = inference_multilabel(inferencer.model, img, topk=1, pipeline=inferencer.pipeline)
        coords = input_to_image_coordinates(inferencer.pipeline, *img.shape[:2])
        rects = []
        for bx, by, bw, bh in result['boxes'][pair['image']][c]:
            with np.errstate(invalid='ignore'):
                rows, cols = np.nonzero((bx <= coords[..., 0]) & (coords[..., 0] <= bx + bw)
                                        & (by <= coords[..., 1]) & (coords[..., 1] <= by + bh))
            if len(rows):  # the part of the box the model input shows
                rects.append((cols.min(), rows.min(), cols.max() + 1, rows.max() + 1))
        name = inferencer.classes[c]
        score = float(out['pred_score'][c])
        cases.append(
            dict(image=out['image'],
                 attention=out['attention'][c],
                 peak=upsampled_peak(out['attention'][c], coords.shape[:2]),
                 boxes=np.asarray(rects, dtype=np.float64).reshape(-1, 4),
                 hit=pair['hit'],
                 title=f"{name} {'hit' if pair['hit'] else 'MISS'} "
                 f"{100 * pair['attention_in_boxes']:.0f}% p={score:.2f}\n{osp.basename(path)}"))
    return cases


def pointing_game_report(result: Dict[str, object], classes: List[str]) -> Dict[str, object]:
    """The JSON-ready part of :func:`evaluate_pointing_game`: numbers, per-class by name, pairs.

    Per-class values of classes without any pair are -1 (undefined).
    """
    keys = ('pointing_game', 'pointing_game_chance', 'attention_in_boxes', 'num_pairs')
    report = {k: result[k] for k in keys}
    report['per_class'] = dict(zip(classes, result['per_class']))
    report['per_class_chance'] = dict(zip(classes, result['per_class_chance']))
    report['pairs'] = [
        dict(p, file=result['files'][p['image']], class_name=classes[p['class']])
        for p in result['pairs']
    ]
    return report


def plot_best_and_worst(inferencer: MultiLabelInferencer,
                        result: Dict[str, object],
                        out_dir: str,
                        num: int = 8) -> List[str]:
    """Draw the best and the worst pointing-game cases (see :func:`select_cases`).

    Returns:
        list[str]: ``out_dir/pointing_game_best.png`` and ``out_dir/pointing_game_worst.png``
        (the first is skipped when nothing hit).
    """
    from mmml_plugin.visualization.pointing_game import plot_pointing_cases
    best, worst = select_cases(result, num)
    summary = (f"pointing game {result['pointing_game']:.1f} % "
               f"(chance {result['pointing_game_chance']:.1f} %)")
    files = []
    for which, pairs in (('best', best), ('worst', worst)):
        if pairs:
            files.append(
                plot_pointing_cases(render_cases(inferencer, result, pairs),
                                    osp.join(out_dir, f'pointing_game_{which}.png'),
                                    title=f'{which} cases; {summary}'))
    return files
