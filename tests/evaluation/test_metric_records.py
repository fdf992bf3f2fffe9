"""What the multi-label metrics keep of a batch: one (B, C) score array and one (B, C) int8 target
array per process, grown batch by batch (no per-sample object), the same
targets whatever form the ground truth takes, read back in the number of samples mmengine's
collection leaves (the distributed sampler's padding dropped), with the scores' dtype kept
exactly."""
import pickle
from itertools import zip_longest

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.evaluator.metric import _to_cpu
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from mmml_plugin.evaluation import DumpMultiLabelResults, MultiLabelMAP
from mmml_plugin.evaluation.functional import multilabel_metrics
from mmml_plugin.evaluation.metrics.records import (RecordBatch, batch_targets,
                                                    classification_batch, stack_records)


def batch(scores, labels):
    return [
        dict(pred_score=torch.as_tensor(s), gt_label=torch.as_tensor(lab, dtype=torch.int64))
        for s, lab in zip(scores, labels)
    ]


def test_one_growing_array_pair_per_process_not_per_sample():
    metric = MultiLabelMAP()
    rng = np.random.default_rng(0)
    scores = rng.random((12, 5))
    for i in range(0, 12, 4):
        metric.process(None, batch(scores[i:i + 4], [[0], [1, 2], [], [4]]))
    assert len(metric.results) == 1  # no per-sample, no per-batch object
    kept = metric.results[0]
    assert isinstance(kept, RecordBatch) and kept.rank == 0 and len(kept) == 12
    np.testing.assert_array_equal(kept.arrays['pred_score'][:12], scores)
    assert kept.arrays['gt_target'].dtype == np.int8
    assert kept.arrays['gt_target'][:4].tolist() == [[1, 0, 0, 0, 0], [0, 1, 1, 0, 0], [0] * 5,
                                                     [0, 0, 0, 0, 1]]
    # gathering ranks pickles only the filled rows
    clone = pickle.loads(pickle.dumps(kept))
    assert len(clone.arrays['pred_score']) == 12 and clone.rank == 0
    # mmengine's _to_cpu (in BaseMetric.evaluate) rebuilds dicts and tuples: a RecordBatch
    # passes through it untouched
    assert all(a is b for a, b in zip(_to_cpu(metric.results), metric.results))
    assert metric.evaluate(12)['multi-label/mAP'] >= 0 and metric.results == []


def gathered(parts, size):
    """What mmengine's collect_results gives rank 0 from per-rank result lists."""
    return [r for group in zip_longest(*parts) for r in group if r is not None][:size]


@pytest.mark.parametrize('size,world_size', [(10, 3), (9, 3), (7, 4), (5, 2), (11, 1)])
def test_distributed_padding_is_dropped_as_collect_results_drops_it(size, world_size):
    """DefaultSampler pads to a multiple of the world size; one entry per sample, mmengine cuts
    the padding by truncation; one entry per batch, stack_records cuts the same samples."""
    total = -(-size // world_size) * world_size
    indices = (list(range(size)) * 2)[:total]  # the sampler's padding: the first samples again
    per_rank = [indices[r::world_size] for r in range(world_size)]
    per_sample = gathered(per_rank, size)  # what collect_results keeps, one entry per sample
    assert sorted(per_sample) == list(range(size))
    parts = []
    for rank, idx in enumerate(per_rank):  # batches of 2 samples on each rank
        parts.append(
            [RecordBatch(dict(x=np.array(idx[i:i + 2])), rank) for i in range(0, len(idx), 2)])
    kept = stack_records(gathered(parts, size), size, world_size, release=True)['x']
    assert sorted(kept.tolist()) == list(range(size))
    assert all(b.arrays['x'] is None for part in parts for b in part)  # released once copied
    with pytest.raises(TypeError, match='RecordBatch'):
        stack_records([dict(x=1)])
    with pytest.raises(ValueError, match='processed samples twice'):
        stack_records([RecordBatch(dict(x=np.arange(3)))] * 2, 3, 1)


def test_batch_targets_for_labels_one_hot_scores_and_difficult():
    samples = [
        DataSample().set_pred_score(torch.rand(5)).set_gt_label([0, 3]),
        DataSample().set_pred_score(torch.rand(5)).set_gt_label([]),
        DataSample().set_pred_score(torch.rand(5)).set_gt_label([2]),
    ]
    samples[0].set_field([0, 1], 'gt_label_difficult', field_type='metainfo')
    samples[2].set_field([4], 'gt_label_difficult', field_type='metainfo')
    dicts = [s.to_dict() for s in samples]
    for policy, value in ((None, -1), (True, 1), (False, 0)):
        got = batch_targets(dicts, 5, policy)
        # class 0 of sample 0 also has a normal object: positive whatever the policy
        assert got.tolist() == [[1, value, 0, 1, 0], [0] * 5, [0, 0, 1, 0, value]]
        assert got.dtype == np.int8
    one_hot = DataSample().set_pred_score(torch.rand(5)).set_gt_score(torch.tensor([0., 1, 0, 0,
                                                                                    1])).to_dict()
    mixed = batch_targets([one_hot, dicts[2]], 5)
    assert mixed.tolist() == [[0, 1, 0, 0, 1], [0, 0, 1, 0, -1]]
    with pytest.raises(ValueError, match='out of range'):
        batch_targets([dict(gt_label=torch.tensor([5]))], 5)
    with pytest.raises(KeyError, match='neither gt_score nor gt_label'):
        batch_targets([dict(pred_score=torch.rand(5))], 5)


@pytest.mark.parametrize('dtype,kept', [(torch.float64, np.float64), (torch.float32, np.float32),
                                        (torch.bfloat16, np.float32)])
def test_score_dtype_is_kept(dtype, kept):
    scores = torch.rand(3, 4, dtype=torch.float64).to(dtype)
    got = classification_batch(batch(scores, [[0], [1], [2]]))['pred_score']
    assert got.dtype == kept
    np.testing.assert_array_equal(got, scores.to(torch.float64).numpy().astype(kept))
    with pytest.raises(ValueError, match='one entry per class'):
        classification_batch(batch([torch.rand(4), torch.rand(3)], [[0], [1]]))


def test_evaluator_path_equals_the_functional_core_on_float64():
    rng = np.random.default_rng(1)
    scores = rng.random((203, 7))  # float64, ties-free; odd batches, last one short
    targets = (rng.random((203, 7)) < 0.3).astype(np.int8)
    targets[0] = 1
    metric = METRICS.build(dict(type='MultiLabelMAP', ap_mode=['voc', 'sklearn']))
    evaluator = Evaluator([metric])
    evaluator.dataset_meta = dict(classes=[str(c) for c in range(7)])
    for i in range(0, 203, 16):
        evaluator.process(data_samples=[
            DataSample().set_pred_score(torch.from_numpy(s)).set_gt_label(
                np.flatnonzero(t).tolist()) for s, t in zip(scores[i:i + 16], targets[i:i + 16])
        ])
    got = evaluator.evaluate(203)
    ref = multilabel_metrics(scores, targets, ['voc', 'sklearn'], thr=0.5, topk=3)
    for key in ('mAP', 'mAP_sklearn', 'CF1', 'OF1', 'CF1_top3'):
        assert got[f'multi-label/{key}'] == 100 * ref[key]  # the very same arrays: exact
    assert metric.results == []  # released after scoring


def test_dump_keeps_image_paths_with_their_rows(tmp_path):
    from mmml_plugin.evaluation.results_io import load_prediction_arrays
    dump = DumpMultiLabelResults(str(tmp_path / 'p.npz'), split='val')
    dump.dataset_meta = dict(classes=['a', 'b'])
    samples = batch(np.float64([[0.1, 0.9], [0.8, 0.3], [0.5, 0.5]]), [[1], [0], [0, 1]])
    for i, s in enumerate(samples):
        s['img_path'] = f'{i}.jpg'
    dump.process(None, samples[:2])
    dump.process(None, samples[2:])
    dump.evaluate(3)
    arrays = load_prediction_arrays(str(tmp_path / 'p.npz'))
    assert arrays['img_paths'].tolist() == ['0.jpg', '1.jpg', '2.jpg']
    assert arrays['scores'][:, 1].tolist() == [0.9, 0.3, 0.5]
    assert arrays['targets'].tolist() == [[0, 1], [1, 0], [1, 1]]
    assert str(arrays['split']) == 'val'
