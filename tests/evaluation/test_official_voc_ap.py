"""The headline mAP of the official-recipe configs, ``MultiLabelMAP(ap_mode=['voc', 'sklearn'])``
on the plugin heads' scores, equals SSGRL's official evaluation: all-point interpolated AP that
ranks the raw logits (HCPLab-SYSU/SSGRL ``main.py`` L223-240 saves the logits and the targets > 0,
``utils/metrics.py`` L22-51 ranks them and integrates), even where float32 sigmoids tie at 1.0."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample
from sklearn.metrics import average_precision_score

from mmml_plugin.evaluation.functional import average_precision, mean_average_precision
from mmml_plugin.models.heads import PerClassLinearClsHead


def official_all_point_map(logits: np.ndarray, positive: np.ndarray) -> float:
    """SSGRL's mAP rebuilt from its equations with numpy (utils/metrics.py L22-51): per class,
    rank by decreasing logit; tp_i, fp_i cumulative counts; rec = tp / P, prec = tp / (tp + fp);
    precision made non-increasing from the right on (0, rec, 1) x (0, prec, 0); AP = sum of
    (r_{i+1} - r_i) p_{i+1} where the recall changes; mAP = mean over classes."""
    aps = []
    for c in range(logits.shape[1]):
        hit = positive[np.argsort(-logits[:, c], kind='stable'), c] > 0
        tp, fp = np.cumsum(hit), np.cumsum(~hit)
        rec = np.concatenate(([0.0], tp / hit.sum(), [1.0]))
        prec = np.concatenate(([0.0], tp / np.maximum(tp + fp, np.finfo(np.float64).eps), [0.0]))
        prec = np.maximum.accumulate(prec[::-1])[::-1]
        step = np.flatnonzero(rec[1:] != rec[:-1])
        aps.append(np.sum((rec[step + 1] - rec[step]) * prec[step + 1]))
    return float(np.mean(aps))


@pytest.fixture(scope='module')
def logits_targets():
    """Confident logits, most above 17 (where a float32 sigmoid is exactly 1.0), all distinct."""
    rng = np.random.default_rng(3)
    n, c = 300, 4
    targets = (rng.random((n, c)) < 0.4).astype(np.int64)
    targets[:2] = [[1, 1, 1, 1], [0, 0, 0, 0]]
    logits = np.where(targets == 1, rng.uniform(12, 25, (n, c)), rng.uniform(6, 23, (n, c)))
    return logits.astype(np.float32), targets


def head_samples(logits, targets):
    """The logits through a plugin head's ``predict`` (s_c = 1 * x_c + 0 on (B, C, 1) features)."""
    num_classes = logits.shape[1]
    head = PerClassLinearClsHead(num_classes=num_classes, in_channels=1)
    with torch.no_grad():
        head.classifier.weight.fill_(1.0)
        head.classifier.bias.zero_()
        samples = [DataSample().set_gt_label(np.flatnonzero(t).tolist()) for t in targets]
        feats = torch.from_numpy(logits)[:, :, None]
        return head.predict((feats, ), samples)


def test_headline_map_equals_the_official_all_point_ap_on_logits(logits_targets):
    logits, targets = logits_targets
    samples = head_samples(logits, targets)
    scores = torch.stack([s.pred_score for s in samples]).numpy()
    assert scores.dtype == np.float64
    np.testing.assert_allclose(scores, 1 / (1 + np.exp(-logits.astype(np.float64))), rtol=1e-15)
    # the precondition of the claim: float32 sigmoids tie, float64 ones keep every rank
    saturated = torch.sigmoid(torch.from_numpy(logits)).numpy()
    assert (saturated == 1.0).mean() > 0.3
    for c in range(logits.shape[1]):
        assert len(np.unique(scores[:, c])) == len(np.unique(logits[:, c])) == len(logits)

    evaluator = Evaluator([METRICS.build(dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn']))])
    evaluator.dataset_meta = dict(classes=('a', 'b', 'c', 'd'))
    evaluator.process(data_samples=samples)
    got = evaluator.evaluate(len(samples))
    official = official_all_point_map(logits, targets)
    assert got['multi-label/mAP'] == pytest.approx(100 * official, abs=1e-10)
    sk = np.mean([average_precision_score(targets[:, c], scores[:, c]) for c in range(4)])
    assert got['multi-label/mAP_sklearn'] == pytest.approx(100 * sk, abs=1e-10)
    assert got['multi-label/mAP_sklearn'] < got['multi-label/mAP']

    # What the float32 sigmoid of mmpretrain's head would have scored: tied 1.0s, a lower number.
    tied = mean_average_precision(average_precision(saturated, targets, 'voc'))
    assert official - tied > 1e-3
