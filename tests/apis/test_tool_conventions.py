"""``tools/test.py`` and ``tools/train.py`` take mmpretrain's and mmdet's options: ``--out FILE``
with ``--out-item {pred,metrics}`` (predictions by default, as a plain ``.npz`` that every
``tools/analysis_tools`` script reads), ``--no-validate``; the plugin's former spellings
(``--dump``, ``--out FILE.json`` for the metrics) still work and print a deprecation message."""
import json
import os.path as osp
import sys

import numpy as np
import pytest

from mmml_plugin.evaluation.results_io import load_prediction_arrays

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


@pytest.fixture(scope='module')
def tools_test(load_tool):
    return load_tool('test.py')  # tools/test.py, loaded from its file


@pytest.fixture(scope='module')
def tools_train(load_tool):
    return load_tool('train.py')


def _options(options):
    return ['--cfg-options', *[f'{k}={v}' for k, v in options.items()]]


def _test(tools_test, demo_run, tmp_path, *args):
    return tools_test.main([
        demo_run['config'], demo_run['checkpoint'], '--work-dir',
        str(tmp_path / 'test'), *args, *_options(demo_run['options'])
    ])


def test_out_writes_the_predictions_by_default(tools_test, demo_run, tmp_path, capsys):
    preds = tmp_path / 'preds.npz'
    metrics, _ = _test(tools_test, demo_run, tmp_path, '--out', str(preds))
    arrays = load_prediction_arrays(str(preds))
    reference = load_prediction_arrays(demo_run['preds'])
    assert arrays['scores'].shape == reference['scores'].shape
    np.testing.assert_allclose(arrays['scores'], reference['scores'], rtol=1e-5, atol=1e-6)
    assert list(arrays['classes']) == list(reference['classes'])
    assert ': deprecated:' not in capsys.readouterr().err  # the tool's own notice
    assert not (tmp_path / 'results.json').exists()


def test_out_item_metrics_writes_the_metrics_json(tools_test, demo_run, tmp_path, capsys):
    out = tmp_path / 'metrics.json'
    metrics, checkpoint = _test(tools_test, demo_run, tmp_path, '--out', str(out), '--out-item',
                                'metrics')
    data = json.loads(out.read_text())
    assert data['metrics']['multi-label/mAP'] == pytest.approx(metrics['multi-label/mAP'])
    assert data['checkpoint'] == checkpoint
    assert ': deprecated:' not in capsys.readouterr().err  # the tool's own notice


def test_former_spellings_work_and_say_what_replaces_them(tools_test, demo_run, tmp_path, capsys):
    preds, out = tmp_path / 'old_preds.npz', tmp_path / 'old.json'
    _test(tools_test, demo_run, tmp_path, '--out', str(out), '--dump', str(preds))
    err = capsys.readouterr().err
    assert f'--dump {preds} is now --out {preds} --out-item pred' in err
    assert 'pass --out-item metrics' in err
    assert 'multi-label/mAP' in json.loads(out.read_text())['metrics']
    assert load_prediction_arrays(str(preds))['scores'].shape[1] == 10


@pytest.mark.parametrize('args, message', [
    (['--out', 'preds.pkl'], '.npz'),
    (['--out', 'preds.pkl', '--out-item', 'pred'], '.npz'),
    (['--out-item', 'metrics'], 'needs --out'),
])
def test_wrong_outputs_are_refused_before_testing(tools_test, tmp_path, args, message):
    with pytest.raises(ValueError, match=message):
        tools_test.main([osp.join(REPO, 'configs/demo/ssgrl_r18_demo.py'), 'x.pth', *args])


def test_no_validate_trains_without_a_validation_loop(tools_train, demo_run, tmp_path):
    work = tmp_path / 'work'
    tools_train.main([
        demo_run['config'], '--work-dir',
        str(work), '--no-validate', *_options(demo_run['options'])
    ])
    assert (work / 'epoch_1.pth').is_file()
    assert not list(work.glob('best_*.pth'))
    [scalars] = work.glob('*/vis_data/scalars.json')
    records = [json.loads(line) for line in scalars.read_text().splitlines() if line.strip()]
    assert records and any('loss' in r for r in records)
    assert not [r for r in records if any(k.endswith('mAP') for k in r)]


def test_analysis_tools_folder_has_mmpretrains_name():
    assert osp.isdir(osp.join(REPO, 'tools', 'analysis_tools'))
    assert not osp.exists(osp.join(REPO, 'tools', 'analysis'))


@pytest.mark.parametrize('tool', [
    'plot_pr_curves.py', 'plot_per_class_ap.py', 'compare_runs.py', 'plot_training_curves.py',
    'plot_label_graph.py'
])
def test_plot_tools_import_neither_torch_nor_the_openmmlab_stack(tool, tmp_path):
    """The plotting tools read result files with numpy and draw with matplotlib; they start
    without ``import mmml_plugin``'s registration (torch, mmengine, mmpretrain: ~3 s)."""
    import subprocess

    from mmml_plugin.evaluation.results_io import save_predictions
    from mmml_plugin.utils.label_files.file_io import save_label_graph
    preds = str(tmp_path / 'preds.npz')
    rng = np.random.default_rng(0)
    save_predictions(preds, rng.random((6, 3)), rng.integers(0, 2, (6, 3)), ['a', 'b', 'c'])
    scalars = tmp_path / 'run' / 'vis_data' / 'scalars.json'
    scalars.parent.mkdir(parents=True)
    scalars.write_text('{"loss": 1.0, "step": 1}\n{"loss": 0.5, "step": 2}\n')
    graph = str(tmp_path / 'graph.npz')
    save_label_graph(graph, rng.random((3, 3)), ['a', 'b', 'c'])
    inputs = {
        'compare_runs.py': [preds, preds],
        'plot_training_curves.py': [str(tmp_path / 'run')],
        'plot_label_graph.py': [graph]
    }
    argv = [tool, *inputs.get(tool, [preds]), '--out', str(tmp_path / 'plot.png')]
    child = ('import runpy, sys\n'
             f'sys.argv = {argv!r}\n'
             f'runpy.run_path({osp.join(REPO, "tools", "analysis_tools", tool)!r}, '
             "run_name='__main__')\n"
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'torch', 'mmengine', 'mmpretrain', 'mmcv', 'mmdet', 'cv2'}))")
    proc = subprocess.run([sys.executable, '-c', child],
                          capture_output=True,
                          text=True,
                          timeout=300,
                          cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert (tmp_path / 'plot.png').is_file()
    assert proc.stdout.strip().splitlines()[-1] == '[]', proc.stdout
