"""The ML-GCN configs' metric, ``MultiLabelMAP(ap_mode='sklearn')`` on the plugin heads' scores,
equals the official ML-GCN meter on the raw logits: ``AveragePrecisionMeter``
(Megvii-Nanjing/ML-GCN ``util.py`` L137-248) fed the model output ``self.state['output'].data``
(``engine.py`` L382) and read as ``100 * value().mean()`` (``engine.py`` L335), logits up to 30
included, where float32 sigmoids tie at 1.0."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from mmml_plugin.models.heads import MLGCNHead, MultiLabelLinearHead, Query2LabelHead


def official_mlgcn_map(logits: np.ndarray, targets: np.ndarray, difficult_examples: bool) -> float:
    """The official meter rebuilt from its definition with torch (util.py): scores kept as a
    float32 tensor (``torch.FloatTensor``, L158); per class, sort the scores in decreasing order
    (``torch.sort(output, dim=0, descending=True)``, L232); walk the ranking, skipping targets
    equal to 0 when ``difficult_examples`` (L240-241), counting the examples seen and the positives
    (target 1) seen; at each positive add ``pos_count / total_count`` (L242-246); divide by the
    positives (L247). mAP = 100 x the mean over classes (engine.py L335). Targets are ML-GCN's:
    1 positive, -1 negative, 0 difficult (coco.py L133-134; engine.py L430 keeps them in
    ``target_gt``)."""
    scores = torch.from_numpy(logits).float()
    aps = []
    for k in range(scores.shape[1]):
        _, order = torch.sort(scores[:, k], dim=0, descending=True)
        label = torch.from_numpy(targets[:, k])[order]
        if difficult_examples:
            label = label[label != 0]
        positive = (label == 1).double()
        seen = torch.arange(1, len(label) + 1, dtype=torch.float64)
        aps.append(float((positive.cumsum(0) / seen)[positive > 0].sum() / positive.sum()))
    return 100 * float(np.mean(aps))


@pytest.fixture(scope='module')
def logits_targets():
    """Distinct logits on a 0.01 grid from -30 to 30, positives mostly high; every class has
    positives and difficult examples (ML-GCN target 0)."""
    rng = np.random.default_rng(5)
    n, c = 400, 5
    grid = np.round(np.linspace(-30, 30, 6001), 2)
    logits = np.stack([np.sort(rng.choice(grid, n, replace=False)) for _ in range(c)], 1)
    # positives more likely the higher the logit, overlapping negatives everywhere above 10
    p = 1 / (1 + np.exp(-(logits - 12) / 6))
    targets = np.where(rng.random((n, c)) < p, 1, -1)
    targets[rng.random((n, c)) < 0.05] = 0
    perm = rng.permutation(n)
    return logits[perm].astype(np.float32), targets[perm].astype(np.int64)


@pytest.fixture(scope='module')
def mlgcn_head(five_class_label_files):
    return MLGCNHead(5, **five_class_label_files, in_channels=6, embed_dims=8, hidden_channels=4)


def plugin_map(head, logits, targets, difficult_examples):
    """The head's predictions step on the logits, then the ML-GCN configs' metric
    (configs/mlgcn: ``ap_mode='sklearn'``; VOC: ``difficult_as_positive=None``, difficult
    ignored). Difficult classes reach the metric as mmpretrain's ``gt_label_difficult``."""
    samples = []
    for t in targets:
        sample = DataSample().set_gt_label(np.flatnonzero(t == 1).tolist())
        if difficult_examples:
            sample.set_field(np.flatnonzero(t == 0).tolist(), 'gt_label_difficult')
        samples.append(sample)
    samples = head._get_predictions(torch.from_numpy(logits), samples)
    assert samples[0].pred_score.dtype == torch.float64
    metric = dict(type='MultiLabelMAP', ap_mode='sklearn')
    if difficult_examples:
        metric['difficult_as_positive'] = None
    evaluator = Evaluator([METRICS.build(metric)])
    evaluator.dataset_meta = dict(classes=tuple('abcde'))
    evaluator.process(data_samples=samples)
    return evaluator.evaluate(len(samples))['multi-label/mAP']


@pytest.mark.parametrize('difficult_examples', [False, True], ids=['coco', 'voc'])
def test_metric_on_head_scores_equals_the_official_meter_on_logits(logits_targets, mlgcn_head,
                                                                   difficult_examples):
    logits, targets = logits_targets
    if not difficult_examples:  # COCO: no difficult examples, every 0 is a negative
        targets = np.where(targets == 0, -1, targets)
    official = official_mlgcn_map(logits, targets, difficult_examples)
    assert (logits > 16.6).mean() > 0.2  # where float32 sigmoids are exactly 1.0
    assert plugin_map(mlgcn_head, logits, targets, difficult_examples) == pytest.approx(official,
                                                                                        abs=1e-10)
    # float32 sigmoids of the same logits (mmpretrain's MultiLabelClsHead) tie and score lower
    tied = official_mlgcn_map(
        torch.sigmoid(torch.from_numpy(logits)).numpy().astype(np.float64), targets,
        difficult_examples)
    assert official - tied > 0.1


@pytest.mark.parametrize('head', [
    MultiLabelLinearHead(5, 6),
    Query2LabelHead(5, in_channels=8, embed_dims=8, num_heads=2, feedforward_channels=16)
],
                         ids=lambda h: type(h).__name__)
def test_every_head_scores_as_the_official_meter(logits_targets, head):
    logits, targets = logits_targets
    targets = np.where(targets == 0, -1, targets)
    assert plugin_map(head, logits, targets,
                      False) == pytest.approx(official_mlgcn_map(logits, targets, False), abs=1e-10)
