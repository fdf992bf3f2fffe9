"""Prediction dumps (``tools/test.py --out preds.npz``) are plain ``.npz`` archives: written by the
``DumpMultiLabelResults`` metric with exactly the scores and targets ``MultiLabelMAP`` scored, read
back without unpickling anything; a crafted pickle never runs, whatever its name."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmengine.structures import InstanceData
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

from mmml_plugin.evaluation import DumpMultiLabelResults, prediction_dump
from mmml_plugin.evaluation.results_io import (load_per_class_ap, load_prediction_arrays,
                                               load_predictions, save_predictions)

CLASSES = ('cat', 'dog', 'car')


class _Payload:
    """Unpickling this runs ``os.system('touch MARKER')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


def _samples():
    scores = np.array([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3], [0.7, 0.4, 0.2]])
    samples = []
    for i, s in enumerate(scores):
        ds = DataSample().set_pred_score(torch.as_tensor(s, dtype=torch.float64))
        ds.set_gt_label([i % 3])
        ds.set_metainfo(dict(img_path=f'img_{i}.jpg'))
        samples.append(ds)
    samples[2].set_field([1], 'gt_label_difficult', field_type='metainfo')
    return scores, samples


@pytest.mark.parametrize('policy,value', [(None, -1), (False, 0)])
def test_dump_holds_what_the_metric_scored(tmp_path, policy, value):
    scores, samples = _samples()
    path = str(tmp_path / 'out' / 'preds.npz')
    metric = METRICS.build(dict(type='MultiLabelMAP', difficult_as_positive=policy, topk=None))
    dump = prediction_dump(path, [metric])
    assert isinstance(dump, DumpMultiLabelResults) and dump.difficult_as_positive is policy
    evaluator = Evaluator([metric, dump])
    evaluator.dataset_meta = dict(classes=CLASSES)
    evaluator.process(data_samples=samples)
    metrics = evaluator.evaluate(len(samples))
    arrays = load_prediction_arrays(path)
    np.testing.assert_array_equal(arrays['scores'], scores)
    assert arrays['scores'].dtype == np.float64  # kept as predicted
    assert arrays['targets'].tolist() == [[1, 0, 0], [0, 1, 0], [0, value, 1]]
    assert arrays['classes'].tolist() == list(CLASSES)
    assert arrays['img_paths'].tolist() == ['img_0.jpg', 'img_1.jpg', 'img_2.jpg']
    ap = load_per_class_ap(path)
    assert ap.mean() == pytest.approx(metrics['multi-label/mAP'], abs=1e-9)
    assert not [f for f in os.listdir(tmp_path / 'out') if f != 'preds.npz']  # no temp file left


@pytest.mark.det
def test_detector_dump(tmp_path):
    from mmdet.structures import DetDataSample
    sample = DetDataSample(metainfo=dict(img_shape=(9, 9), ori_shape=(9, 9), img_path='a.jpg'))
    for name, labels in (('gt_instances', [0]), ('ignored_instances', [2])):
        inst = InstanceData(labels=torch.tensor(labels))
        setattr(sample, name, inst)
    sample.pred_instances = InstanceData(labels=torch.tensor([0, 1, 1]),
                                         scores=torch.tensor([0.5, 0.25, 0.75]))
    dump = DumpMultiLabelResults(str(tmp_path / 'det.npz'))
    dump.dataset_meta = dict(classes=CLASSES)
    dump.process({}, [sample.to_dict()])
    dump.evaluate(1)
    scores, targets = load_predictions(str(tmp_path / 'det.npz'))
    assert scores.tolist() == [[0.5, 0.75, 0.0]] and targets.tolist() == [[1, 0, -1]]


def test_dump_path_and_content_checks(tmp_path):
    with pytest.raises(ValueError, match=r'\.npz files'):
        DumpMultiLabelResults(str(tmp_path / 'preds.pkl'))
    with pytest.raises(ValueError, match='2 class names for 3 classes'):
        save_predictions(str(tmp_path / 'a.npz'),
                         np.zeros((2, 3)),
                         np.ones((2, 3)),
                         classes=['a', 'b'])
    np.savez(tmp_path / 'other.npz', adj=np.eye(3))
    with pytest.raises(ValueError, match=r"no \['scores', 'targets'\]"):
        load_predictions(str(tmp_path / 'other.npz'))


@pytest.mark.parametrize('name', ['preds.pkl', 'preds.npz', 'preds.json'])
def test_crafted_pickle_dump_is_refused_and_never_runs(tmp_path, name):
    """A pickle whose loading runs a shell command, under a pickle name, the dump name, or any
    other: refused with a message saying how to make a real dump; the command never runs."""
    marker = tmp_path / 'pwned'
    path = tmp_path / name
    with open(path, 'wb') as f:
        pickle.dump([{'pred_score': np.ones(3), 'gt_label': _Payload(marker)}], f)
    with pytest.raises(ValueError) as err:
        (load_per_class_ap if name.endswith('.json') else load_predictions)(str(path))
    message = str(err.value)
    assert str(path) in message
    if not name.endswith('.json'):
        assert '--out preds.npz' in message
    assert not marker.exists()
    # Control: the file is a working exploit for a plain pickle.load.
    with open(path, 'rb') as f:
        pickle.load(f)
    assert marker.exists()


def test_object_array_inside_an_npz_is_refused(tmp_path):
    """An .npz can hold a pickled object array; it is never unpickled."""
    marker = tmp_path / 'pwned'
    payload = np.empty(1, dtype=object)
    payload[0] = _Payload(marker)
    np.savez(tmp_path / 'evil.npz', scores=payload, targets=np.ones(1))
    with pytest.raises(ValueError, match='allow_pickle=False') as err:
        load_predictions(str(tmp_path / 'evil.npz'))
    assert 'never executed' in str(err.value)
    assert not marker.exists()


def test_tools_refuse_a_crafted_dump(tmp_path, repo_root):
    """The analysis tools read dumps through the same loader."""
    import runpy
    import sys
    marker = tmp_path / 'pwned'
    path = tmp_path / 'preds.pkl'
    with open(path, 'wb') as f:
        pickle.dump(_Payload(marker), f)
    for tool, args in (('plot_per_class_ap.py', [str(path)]), ('plot_pr_curves.py', [str(path)]),
                       ('compare_runs.py', [str(path), str(path)])):
        script = str(repo_root / 'tools' / 'analysis_tools' / tool)
        argv, sys.argv = sys.argv, [script, *args, '--out', str(tmp_path / 'x.png')]
        try:
            with pytest.raises(ValueError, match='refusing to read a pickle'):
                runpy.run_path(script, run_name='__main__')
        finally:
            sys.argv = argv
    assert not marker.exists() and not (tmp_path / 'x.png').exists()
