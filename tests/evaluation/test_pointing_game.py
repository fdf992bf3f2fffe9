"""The pointing game on hand-made attention maps and boxes, and its chance rate on random maps."""
import numpy as np
import pytest

from mmml_plugin.evaluation.functional.pointing_game import (UNDEFINED, attention_in_boxes,
                                                             attention_peaks, box_union_fraction,
                                                             point_in_boxes, pointing_game,
                                                             pointing_game_lines, upsampled_peak)


def _identity_coords(height, width):
    """Input = image: each input pixel centre is its own image coordinate."""
    ys, xs = np.mgrid[0:height, 0:width] + 0.5
    return np.stack([xs, ys], axis=-1).astype(np.float64)


def test_peak_of_an_upsampled_map():
    amap = np.zeros((4, 4), np.float32)
    amap[1, 2] = 1.0  # feature cell (1, 2) covers input rows 16-31, cols 32-47 at 64 px
    row, col = upsampled_peak(amap, (64, 64))
    assert 16 <= row < 32 and 32 <= col < 48
    with pytest.raises(ValueError, match='NaN'):
        upsampled_peak(np.full((2, 2), np.nan), (8, 8))


def test_hits_misses_and_chance_by_hand():
    coords = _identity_coords(64, 64)
    attention = np.zeros((3, 4, 4), np.float32)
    attention[0, 0, 0] = 1  # class 0 looks top-left
    attention[1, 3, 3] = 1  # class 1 looks bottom-right
    attention[2, 0, 3] = 1  # class 2 absent from the image: not scored
    peaks = attention_peaks(attention, coords)
    boxes = {
        0: np.array([[0, 0, 20, 20]]),  # hit
        1: np.array([[0, 0, 10, 10], [0, 40, 20, 24]])
    }  # miss: both boxes elsewhere
    out = pointing_game([peaks], [boxes], [(64, 64)], num_classes=3)
    assert out['num_pairs'] == 2
    assert out['pointing_game'] == pytest.approx(50.0)
    assert out['per_class'] == [100.0, 0.0, UNDEFINED]
    chance_0 = 400 / 4096
    chance_1 = (100 + 480) / 4096  # disjoint boxes
    assert out['per_class_chance'][0] == pytest.approx(100 * chance_0)
    assert out['per_class_chance'][1] == pytest.approx(100 * chance_1)
    assert out['pointing_game_chance'] == pytest.approx(50 * (chance_0 + chance_1))
    assert [p['hit'] for p in out['pairs']] == [True, False]
    text = pointing_game_lines(out, ['a', 'b', 'c'])
    assert '50.0 % of 2' in text and 'a: 100.0 %' in text and ' c:' not in text


def test_union_of_overlapping_boxes_counts_once():
    # two 10x10 boxes overlapping in a 5x10 strip: union 150 pixels of 400
    assert box_union_fraction([[0, 0, 10, 10], [5, 0, 10, 10]], 20, 20) == pytest.approx(0.375)
    assert box_union_fraction([[0, 0, 20, 20]], 20, 20) == 1.0
    assert box_union_fraction([[0, 0, 2, 2]], 20, 20, tolerance=1) == pytest.approx(9 / 400)
    with pytest.raises(ValueError, match='w, h >= 0'):
        box_union_fraction([[0, 0, -1, 2]], 20, 20)


def test_point_on_padding_never_hits():
    assert not point_in_boxes(np.array([np.nan, np.nan]), [[0, 0, 100, 100]])
    assert point_in_boxes(np.array([10.5, 10.5]), [[0, 0, 10, 10]], tolerance=1)
    assert not point_in_boxes(np.array([10.5, 10.5]), [[0, 0, 10, 10]])


def test_attention_share_on_the_boxes():
    coords = _identity_coords(8, 8)
    uniform = np.ones((8, 8), np.float32)
    assert attention_in_boxes(uniform, coords, [[0, 0, 4, 8]]) == pytest.approx(0.5)
    peaked = np.zeros((8, 8), np.float32)
    peaked[1, 1] = 1
    assert attention_in_boxes(peaked, coords, [[0, 0, 3, 3]]) == pytest.approx(1.0)


def test_random_attention_scores_at_chance():
    """Peaks of random maps hit as often as the box-area fraction says: the chance rate is the
    right yardstick. 3000 pairs: the binomial standard error is under 0.7 points."""
    rng = np.random.default_rng(0)
    peaks, boxes, shapes = [], [], []
    for _ in range(1000):
        height, width = (int(v) for v in rng.integers(40, 120, size=2))
        attention = rng.random((3, 8, 8)).astype(np.float32)
        coords = _identity_coords(height, width)
        peaks.append(attention_peaks(attention, coords))
        image_boxes = {}
        for c in range(3):
            w, h = int(rng.integers(5, width // 2)), int(rng.integers(5, height // 2))
            x, y = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
            image_boxes[c] = np.array([[x, y, w, h]], dtype=np.float64)
        boxes.append(image_boxes)
        shapes.append((height, width))
    out = pointing_game(peaks, boxes, shapes, num_classes=3)
    assert out['num_pairs'] == 3000
    assert abs(out['pointing_game'] - out['pointing_game_chance']) < 3.0


def test_bad_inputs():
    with pytest.raises(ValueError, match='one of each per image'):
        pointing_game([np.zeros((2, 2))], [], [(4, 4)], 2)
    with pytest.raises(ValueError, match='needs an annotation file with boxes'):
        pointing_game([np.zeros((2, 2))], [{}], [(4, 4)], 2)
    with pytest.raises(ValueError, match=r'peaks must be \(2, 2\)'):
        pointing_game([np.zeros((3, 2))], [{0: [[0, 0, 1, 1]]}], [(4, 4)], 2)
    with pytest.raises(ValueError, match='outside'):
        pointing_game([np.zeros((2, 2))], [{5: [[0, 0, 1, 1]]}], [(4, 4)], 2)
