"""A crafted checkpoint or ``.pkl`` that would run code is refused, and the
payload provably does not run (it would create a marker file)."""
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import _load_checkpoint, load_from_local
from reliability_helpers import DEMO_CONFIG, demo_options

from mmml_plugin.apis import run_test
from mmml_plugin.engine import UnsafeCheckpointError
from mmml_plugin.utils import UnsafePickleError, safe_load_pickle
from mmml_plugin.utils.label_files import import_embeddings, import_ml_gcn_adj


class _Payload:
    """Unpickling this calls ``os.system('touch <marker>')``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return os.system, (f'touch {self.marker}', )


class _AttributeWalk:
    """Unpickling this asks for ``getattr(HistoryBuffer, '__init__')``, a first step towards
    ``__globals__``; only the statistics methods may be looked up."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, '__init__')


def _crafted_checkpoint(path, marker):
    torch.save({'state_dict': {'w': torch.ones(2)}, 'meta': {'x': _Payload(marker)}}, path)


def test_crafted_checkpoint_is_refused_and_payload_does_not_run(tmp_path, monkeypatch):
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _crafted_checkpoint(ckpt, marker)
    # The usual "fix" for unpickling errors; it must not re-enable full pickle for us.
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError) as err:
        _load_checkpoint(str(ckpt), map_location='cpu')
    message = str(err.value)
    assert str(ckpt) in message and 'posix.system' in message and 'arbitrary code' in message
    assert not marker.exists()


def test_without_the_plugin_loader_the_same_file_runs_its_payload(tmp_path, monkeypatch):
    """Control: mmengine's own local loader relies on torch's default, which the environment
    variable turns off, so the file above is a live exploit."""
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _crafted_checkpoint(ckpt, marker)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    load_from_local(str(ckpt), map_location='cpu')
    assert marker.exists()


def test_getattr_in_a_checkpoint_is_limited_to_history_buffer_statistics(tmp_path):
    ckpt = tmp_path / 'walk.pth'
    torch.save({'state_dict': {}, 'meta': _AttributeWalk()}, ckpt)
    with pytest.raises(UnsafeCheckpointError, match='only HistoryBuffer statistics methods'):
        _load_checkpoint(str(ckpt), map_location='cpu')


def test_one_cycle_scheduler_state_loads_weights_only(tmp_path):
    """mmengine's ``OneCycleLR`` (the Query2Label schedule) keeps its anneal function in its
    state: a resume checkpoint holding it loads weights-only and steps on as the original."""
    from mmengine.optim.scheduler import OneCycleLR
    params = [torch.nn.Parameter(torch.zeros(1))]

    def scheduler():
        optimizer = torch.optim.Adam(params, lr=1e-4)
        return optimizer, OneCycleLR(optimizer,
                                     eta_max=1e-4,
                                     total_steps=20,
                                     pct_start=0.2,
                                     by_epoch=False)

    optimizer, original = scheduler()
    for _ in range(5):
        optimizer.step()
        original.step()
    ckpt = tmp_path / 'iter_5.pth'
    torch.save({'state_dict': {}, 'param_schedulers': [original.state_dict()]}, ckpt)
    loaded = _load_checkpoint(str(ckpt), map_location='cpu')
    optimizer2, resumed = scheduler()
    resumed.load_state_dict(loaded['param_schedulers'][0])
    optimizer2.load_state_dict(optimizer.state_dict())
    for _ in range(5):
        original.step()
        resumed.step()
    assert resumed.get_last_value() == original.get_last_value()


def test_genuine_mmengine_checkpoint_loads_weights_only(tmp_path):
    """What mmengine really stores (message hub with history buffers, numpy values) loads."""
    hub = MessageHub.get_instance('reliability_untrusted')
    for step in range(3):
        hub.update_scalar('train/loss', 0.5 / (step + 1))
    hub.update_info('keep_ckpt_ids', [1, 2])
    ckpt = tmp_path / 'epoch_1.pth'
    torch.save(
        {
            'meta': {
                'seed': 0,
                'epoch': 1,
                'np_value': np.float64(0.5),
                'np_array': np.arange(3)
            },
            'state_dict': {
                'w': torch.ones(2)
            },
            'message_hub': hub.state_dict()
        }, ckpt)
    loaded = _load_checkpoint(str(ckpt), map_location='cpu')
    restored = MessageHub.get_instance('reliability_untrusted_restored')
    restored.load_state_dict(loaded['message_hub'])
    assert restored.get_scalar('train/loss').current() == pytest.approx(0.5 / 3)
    assert restored.get_scalar('train/loss').mean() == pytest.approx((0.5 + 0.25 + 0.5 / 3) / 3)
    np.testing.assert_array_equal(loaded['meta']['np_array'], np.arange(3))


def test_evaluating_a_crafted_checkpoint_is_refused(tmp_path, tiny_demo, monkeypatch):
    """End to end: what ``tools/test.py CONFIG evil.pth`` runs."""
    ckpt, marker = tmp_path / 'evil.pth', tmp_path / 'pwned'
    _crafted_checkpoint(ckpt, marker)
    monkeypatch.setenv('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', '1')
    with pytest.raises(UnsafeCheckpointError, match=str(ckpt)):
        run_test(DEMO_CONFIG,
                 str(ckpt),
                 work_dir=str(tmp_path / 'work'),
                 cfg_options=demo_options(tiny_demo))
    assert not marker.exists()


def _crafted_pickle(path, marker, protocol, obj):
    with open(path, 'wb') as f:
        pickle.dump(obj(_Payload(marker)), f, protocol=protocol)


@pytest.mark.parametrize('protocol', [2, pickle.HIGHEST_PROTOCOL])
def test_crafted_label_pickles_are_refused_and_payload_does_not_run(tmp_path, protocol):
    """ML-GCN's ``coco_adj.pkl`` and word-vector ``.pkl`` files go through the converters."""
    classes = ['a', 'b', 'c']
    graph, embeddings = tmp_path / 'coco_adj.pkl', tmp_path / 'coco_glove_word2vec.pkl'
    marker = tmp_path / 'pwned'
    _crafted_pickle(graph, marker, protocol, lambda payload: {
        'adj': np.eye(3, dtype=np.float32),
        'nums': payload
    })
    _crafted_pickle(embeddings, marker, protocol, lambda payload: [payload])
    for path, convert in ((graph, lambda: import_ml_gcn_adj(str(graph), classes, None)),
                          (embeddings, lambda: import_embeddings(str(embeddings), classes))):
        with pytest.raises(UnsafePickleError) as err:
            convert()
        assert str(path) in str(err.value) and 'system' in str(err.value)
        assert 'convert' in str(err.value)  # says how to fix it
        assert not marker.exists()
    # Control: a plain pickle.load of the same file runs the payload.
    with open(graph, 'rb') as f:
        pickle.load(f)
    assert marker.exists()


def test_plain_label_pickle_still_loads(tmp_path):
    pkl = tmp_path / 'coco_adj.pkl'
    adj = np.array([[0, 2, 1], [2, 0, 0], [1, 0, 0]], dtype=np.float64)
    with open(pkl, 'wb') as f:
        pickle.dump({'adj': adj, 'nums': np.array([4, 2, 1])}, f, protocol=2)
    data = safe_load_pickle(str(pkl))
    np.testing.assert_array_equal(data['adj'], adj)
    graph = import_ml_gcn_adj(str(pkl), ['a', 'b', 'c'], None)
    np.testing.assert_allclose(graph['counts'].diagonal(), [4, 2, 1])
