"""The re-scoring and threshold tools on real test runs: ``tools/test.py --out`` of a (randomly
initialised) demo model, then ``eval_metric.py`` on the dump reproduces every number the test run
printed, with default and with other settings (per-class thresholds tuned by
``tune_thresholds.py`` on a ``--split val`` dump included); tuning on a test-split dump is
refused."""
import json
import subprocess
import sys

import pytest
import torch

from mmml_plugin.evaluation import load_thresholds, rescore_predictions, tune_dump_thresholds
from mmml_plugin.evaluation.results_io import load_prediction_arrays, load_test_metrics

pytestmark = pytest.mark.filterwarnings('ignore::DeprecationWarning')
CONFIG = 'configs/demo/resnet18_demo.py'


def run_tool(repo_root, script, *args, check=True):
    cmd = [sys.executable, str(repo_root / 'tools' / script), *map(str, args)]
    proc = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f'{" ".join(cmd)} failed ({proc.returncode}):\n'
                             f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}')
    return proc


def unprefixed(metrics):
    return {k.split('/')[-1]: v for k, v in metrics.items()}


@pytest.fixture(scope='module')
def runs(repo_root, tmp_path_factory):
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS

    from mmml_plugin.apis import load_config
    from mmml_plugin.datasets.demo_data import prepare_demo_data
    tmp = tmp_path_factory.mktemp('eval_tools')
    data = prepare_demo_data(str(tmp / 'data'), num_train=8, num_val=16, image_size=64)
    options = {'data_root': data['data_root'].rstrip('/') + '/', 'model.backbone.init_cfg': None}
    for loader in ('val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(load_config(str(repo_root / CONFIG), options).model)
    ckpt = tmp / 'random.pth'
    torch.save({'state_dict': model.state_dict()}, ckpt)
    cli = ['--cfg-options'] + [f'{k}={v}' for k, v in options.items()]
    out = {k: tmp / k for k in ('val.npz', 'val.json', 'thr.json', 'test.npz', 'test.json')}
    run_tool(repo_root, 'test.py', CONFIG, ckpt, '--split', 'val', '--dump', out['val.npz'],
             '--out', out['val.json'], '--work-dir', tmp / 'work', *cli)
    tuned = run_tool(repo_root, 'analysis_tools/tune_thresholds.py', out['val.npz'], '--out',
                     out['thr.json'])
    run_tool(repo_root, 'test.py', CONFIG, ckpt, '--dump', out['test.npz'], '--out',
             out['test.json'], '--work-dir', tmp / 'work', *cli,
             f'test_evaluator.thr={out["thr.json"]}', 'test_evaluator.classwise=True',
             'test_evaluator.topk=2', 'test_evaluator.ap_mode=[voc,sklearn]')
    return dict(out, tuned=json.loads(tuned.stdout.strip().splitlines()[-1]))


def test_eval_metric_reproduces_the_test_run(runs, repo_root):
    printed = run_tool(repo_root, 'analysis_tools/eval_metric.py', runs['val.npz'])
    got = json.loads(printed.stdout.strip().splitlines()[-1])
    expected = unprefixed(load_test_metrics(str(runs['val.json'])))
    assert got.keys() == expected.keys() and len(got) == 13
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key


def test_eval_metric_with_other_settings_reproduces_that_run(runs, repo_root, tmp_path):
    printed = run_tool(repo_root, 'analysis_tools/eval_metric.py', runs['test.npz'], '--thr',
                       runs['thr.json'], '--classwise', '--topk', '2', '--ap-mode', 'voc',
                       'sklearn', '--out', tmp_path / 'm.json')
    got = json.loads(printed.stdout.strip().splitlines()[-1])
    expected = unprefixed(load_test_metrics(str(runs['test.json'])))
    assert got.keys() == expected.keys() and 'mAP_sklearn' in got and 'CF1_top2' in got
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
    assert unprefixed(load_test_metrics(str(tmp_path / 'm.json'))) == got
    # and the per-class thresholds changed the numbers: 0.5 everywhere gives others
    assert rescore_predictions(str(runs['test.npz']), topk=2)['CF1'] != got['CF1']


def test_tuned_file_and_split_records(runs, repo_root):
    val = load_prediction_arrays(str(runs['val.npz']))
    test = load_prediction_arrays(str(runs['test.npz']))
    assert str(val['split']) == 'val' and str(test['split']) == 'test'
    thresholds = load_thresholds(str(runs['thr.json']), list(val['classes']))
    assert len(thresholds) == 10
    report = runs['tuned']['report'][str(runs['val.npz'])]
    assert report['tuned']['CF1'] == pytest.approx(
        rescore_predictions(str(runs['val.npz']), thr=str(runs['thr.json']), topk=None)['CF1'])
    assert report['tuned']['CF1'] >= report['global']['CF1']
    # the dump tools/test.py wrote of the test split is refused for tuning
    with pytest.raises(ValueError, match='test split'):
        tune_dump_thresholds(str(runs['test.npz']), str(runs['thr.json'].with_name('t2.json')))
