"""The pointing game: does each class's attention peak fall on that class's objects?

For every image and every class present in it, the class's attention map is upsampled to the
model's input (bilinear, as :func:`mmml_plugin.visualization.overlay_attention` draws it), its
maximum is mapped back to original-image coordinates through the test transform, and it is a
*hit* when it lies inside one of the class's boxes. The chance rate of a pair is the probability
that a point drawn uniformly over the image hits: the area of the union of the class's boxes
divided by the image area. Both are averaged over the same (image, class) pairs, so the score
and its chance level are directly comparable.

Pure numpy on attention maps and boxes; running a model is the job of
:func:`mmml_plugin.apis.pointing_game.evaluate_pointing_game`.
"""
from typing import Dict, Optional, Sequence, Tuple

import cv2
import numpy as np

#: Per-class value of a class without any (image, class) pair, as the undefined AP of the metrics.
UNDEFINED = -1.0


def upsampled_peak(attention: np.ndarray, input_shape: Tuple[int, int]) -> Tuple[int, int]:
    """Position of the maximum of one attention map upsampled to the model input.

    Args:
        attention (np.ndarray): (h, w) attention weights over the feature map.
        input_shape (tuple[int, int]): (H, W) of the model input the map covers.

    Returns:
        tuple[int, int]: ``(row, col)`` in input pixels; the first maximum in row-major order
        when several positions tie.
    """
    attention = np.asarray(attention, dtype=np.float32)
    if attention.ndim != 2:
        raise ValueError(f'attention must be one (h, w) map, got shape {attention.shape}.')
    if not np.isfinite(attention).all():
        raise ValueError('attention map contains NaN or inf; check the model\'s checkpoint.')
    height, width = (int(s) for s in input_shape)
    heat = cv2.resize(attention, (width, height), interpolation=cv2.INTER_LINEAR)
    row, col = np.unravel_index(int(np.argmax(heat)), heat.shape)
    return int(row), int(col)


def attention_peaks(attention: np.ndarray, input_to_image: np.ndarray) -> np.ndarray:
    """Peaks of every class's attention, in original-image coordinates.

    Args:
        attention (np.ndarray): (C, h, w) per-class attention maps of one image.
        input_to_image (np.ndarray): (H, W, 2) original-image ``(x, y)`` of each model-input
            pixel centre (see :func:`mmml_plugin.apis.pointing_game.input_to_image_coordinates`),
            NaN where the input shows no image pixel (padding).

    Returns:
        np.ndarray: (C, 2) float ``(x, y)`` per class, NaN where the peak lies on padding.
    """
    attention = np.asarray(attention)
    if attention.ndim != 3:
        raise ValueError(f'attention must be (C, h, w), got shape {attention.shape}.')
    if input_to_image.ndim != 3 or input_to_image.shape[2] != 2:
        raise ValueError(f'input_to_image must be (H, W, 2), got {input_to_image.shape}.')
    peaks = np.empty((attention.shape[0], 2), dtype=np.float64)
    for c, amap in enumerate(attention):
        row, col = upsampled_peak(amap, input_to_image.shape[:2])
        peaks[c] = input_to_image[row, col]
    return peaks


def attention_in_boxes(attention: np.ndarray, input_to_image: np.ndarray, boxes) -> float:
    """Share of one class's attention that falls on that class's boxes (energy, not peak).

    Args:
        attention (np.ndarray): (h, w) attention weights of one class.
        input_to_image (np.ndarray): (H, W, 2) image ``(x, y)`` of each input pixel, NaN on
            padding (see :func:`attention_peaks`).
        boxes (array-like): (K, 4) COCO ``(x, y, w, h)`` boxes of the class.

    Returns:
        float: in [0, 1], the mass of the upsampled map on input pixels whose image
        coordinates lie in a box, over its total mass.
    """
    boxes = _check_boxes(boxes)
    height, width = input_to_image.shape[:2]
    heat = cv2.resize(np.asarray(attention, dtype=np.float32), (width, height),
                      interpolation=cv2.INTER_LINEAR).clip(min=0)
    x, y = input_to_image[..., 0], input_to_image[..., 1]
    inside = np.zeros((height, width), dtype=bool)
    with np.errstate(invalid='ignore'):  # NaN (padding) compares False: never inside
        for bx, by, bw, bh in boxes:
            inside |= (bx <= x) & (x <= bx + bw) & (by <= y) & (y <= by + bh)
    total = float(heat.sum())
    return float(heat[inside].sum()) / total if total > 0 else 0.0


def _check_boxes(boxes) -> np.ndarray:
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if (boxes[:, 2:] < 0).any() or not np.isfinite(boxes).all():
        raise ValueError(f'boxes must be finite (x, y, w, h) with w, h >= 0, got {boxes}.')
    return boxes


def point_in_boxes(point: np.ndarray, boxes, tolerance: float = 0.0) -> bool:
    """Whether ``point = (x, y)`` lies in one of ``boxes`` ((K, 4) COCO ``x, y, w, h``).

    Args:
        point (np.ndarray): (2,) image coordinates (pixel centres are at ``i + 0.5``).
        boxes (array-like): (K, 4) boxes, COCO ``(x, y, w, h)`` in pixels.
        tolerance (float): grow every box by this many pixels on each side.

    Returns:
        bool: False for a NaN point (a peak on padding).
    """
    boxes = _check_boxes(boxes)
    x, y = float(point[0]), float(point[1])
    if not (np.isfinite(x) and np.isfinite(y)):
        return False
    inside = ((boxes[:, 0] - tolerance <= x) & (x <= boxes[:, 0] + boxes[:, 2] + tolerance)
              & (boxes[:, 1] - tolerance <= y) & (y <= boxes[:, 1] + boxes[:, 3] + tolerance))
    return bool(inside.any())


def box_union_fraction(boxes, height: int, width: int, tolerance: float = 0.0) -> float:
    """Fraction of the image covered by the union of ``boxes``: the chance of a random point.

    Args:
        boxes (array-like): (K, 4) boxes, COCO ``(x, y, w, h)`` in pixels.
        height (int): image height in pixels.
        width (int): image width in pixels.
        tolerance (float): grow every box by this many pixels on each side, as
            :func:`point_in_boxes` does.

    Returns:
        float: in [0, 1], counted on the pixel-centre grid (the points :func:`point_in_boxes`
        accepts).
    """
    if height < 1 or width < 1:
        raise ValueError(f'image size must be positive, got {height} x {width}.')
    boxes = _check_boxes(boxes)
    xs, ys = np.arange(width) + 0.5, np.arange(height) + 0.5
    covered = np.zeros((height, width), dtype=bool)
    for x, y, w, h in boxes:
        cols = (x - tolerance <= xs) & (xs <= x + w + tolerance)
        rows = (y - tolerance <= ys) & (ys <= y + h + tolerance)
        covered[np.ix_(rows, cols)] = True
    return float(covered.mean())


def pointing_game(peaks: Sequence[np.ndarray],
                  boxes: Sequence[Dict[int, np.ndarray]],
                  image_shapes: Sequence[Tuple[int, int]],
                  num_classes: int,
                  tolerance: float = 0.0) -> Dict[str, object]:
    """Pointing game of per-class attention peaks against boxes, with its chance rate.

    Args:
        peaks (Sequence[np.ndarray]): per image, (C, 2) ``(x, y)`` peak of each class's
            attention in image coordinates (from :func:`attention_peaks`).
        boxes (Sequence[dict]): per image, ``{class index: (K, 4) COCO boxes}`` of the classes
            present; classes without boxes are not scored.
        image_shapes (Sequence[tuple[int, int]]): per image, its ``(height, width)``.
        num_classes (int): C.
        tolerance (float): pixels of slack around every box (0: the box itself).

    Returns:
        dict: percentages in [0, 100]: ``pointing_game`` (hits over all (image, class) pairs),
        ``pointing_game_chance`` (mean chance rate of the same pairs), ``per_class`` and
        ``per_class_chance`` ((C,) lists, :data:`UNDEFINED` for a class with no pair),
        ``num_pairs``; and ``pairs``, one dict per pair (``image``: its index, ``class``,
        ``hit``, ``point``, ``chance`` as a fraction) for drawing the best and worst cases.
    """
    if not len(peaks) == len(boxes) == len(image_shapes):
        raise ValueError(f'{len(peaks)} peak arrays, {len(boxes)} box dicts and '
                         f'{len(image_shapes)} image shapes: give one of each per image.')
    pairs = []
    for i, (points, image_boxes, (height, width)) in enumerate(zip(peaks, boxes, image_shapes)):
        points = np.asarray(points, dtype=np.float64)
        if points.shape != (num_classes, 2):
            raise ValueError(f'image {i}: peaks must be ({num_classes}, 2), got {points.shape}.')
        for c, class_boxes in sorted(image_boxes.items()):
            if not 0 <= c < num_classes:
                raise ValueError(f'image {i}: class index {c} outside [0, {num_classes}).')
            if len(np.asarray(class_boxes).reshape(-1, 4)) == 0:
                continue
            pairs.append(
                dict(image=i,
                     **{'class': int(c)},
                     hit=point_in_boxes(points[c], class_boxes, tolerance),
                     point=[float(v) for v in points[c]],
                     chance=box_union_fraction(class_boxes, height, width, tolerance)))
    if not pairs:
        raise ValueError('no (image, class) pair with a box: the pointing game needs an '
                         'annotation file with boxes (COCO instances format).')
    hits = np.array([p['hit'] for p in pairs], dtype=np.float64)
    chance = np.array([p['chance'] for p in pairs])
    classes = np.array([p['class'] for p in pairs])
    per_class, per_class_chance = [], []
    for c in range(num_classes):
        mask = classes == c
        per_class.append(100 * float(hits[mask].mean()) if mask.any() else UNDEFINED)
        per_class_chance.append(100 * float(chance[mask].mean()) if mask.any() else UNDEFINED)
    return dict(pointing_game=100 * float(hits.mean()),
                pointing_game_chance=100 * float(chance.mean()),
                per_class=per_class,
                per_class_chance=per_class_chance,
                num_pairs=len(pairs),
                pairs=pairs)


def pointing_game_lines(result: Dict[str, object], classes: Optional[Sequence[str]] = None) -> str:
    """Human-readable summary of :func:`pointing_game`: overall and per class, vs chance.

    Args:
        result (dict): the output of :func:`pointing_game`, or a report whose ``per_class`` and
            ``per_class_chance`` are dicts keyed by class name.
        classes (Sequence[str], optional): class names for list-valued ``per_class``.

    Returns:
        str: one line overall, then one per class with pairs.
    """
    per_class, per_class_chance = result['per_class'], result['per_class_chance']
    if isinstance(per_class, dict):
        classes = list(per_class)
        per_class, per_class_chance = list(per_class.values()), list(per_class_chance.values())
    lines = [
        f"pointing game: {result['pointing_game']:.1f} % of {result['num_pairs']} "
        f"(image, class) pairs (chance {result['pointing_game_chance']:.1f} %)"
    ]
    for c, (hit, chance) in enumerate(zip(per_class, per_class_chance)):
        if hit == UNDEFINED:
            continue
        name = classes[c] if classes is not None else str(c)
        lines.append(f'  {name:>14s}: {hit:5.1f} % (chance {chance:4.1f} %)')
    return '\n'.join(lines)
