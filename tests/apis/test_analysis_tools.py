"""tools/analysis_tools/* on the outputs of a real demo run: the commands of docs/getting_started.md
write PNGs of the expected size, and the benchmark table shows the metric's own numbers.

The tools run in this process (``runpy``, as ``python tools/analysis_tools/X.py ARGS`` would), which
spares each one the seconds of importing the OpenMMLab stack again."""
import json

import numpy as np
import pytest
import yaml
from foundation.utils import run_tool_here
from PIL import Image

from mmml_plugin.apis.model_zoo import benchmark_table
from mmml_plugin.evaluation.functional import UNDEFINED_AP
from mmml_plugin.evaluation.results_io import (load_per_class_ap, load_prediction_arrays,
                                               load_predictions, load_run_metrics)
from mmml_plugin.visualization.label_graph import default_heat_map_size
from mmml_plugin.visualization.per_class_ap import default_bar_chart_size


def _size(path):
    with Image.open(path) as image:
        return image.size


def _metric(metrics, name):
    (value, ) = [v for k, v in metrics.items() if k.rsplit('/', 1)[-1] == name]
    return value


def test_dump_scored_here_equals_the_metric(demo_run, demo_data):
    """Per-class AP computed from the --dump .npz averages to the mAP the test run reported."""
    scores, targets = load_predictions(demo_run['preds'])
    assert scores.shape == targets.shape and scores.shape[1] == 10
    assert scores.dtype == np.float64  # the plugin heads' unsaturated float64 sigmoid
    assert set(np.unique(targets)) <= {-1, 0, 1}
    arrays = load_prediction_arrays(demo_run['preds'])
    assert arrays['classes'].tolist() == demo_data['classes']
    assert len(arrays['img_paths']) == len(scores) and all(arrays['img_paths'])
    ap = load_per_class_ap(demo_run['preds'])
    mAP = _metric(demo_run['metrics'], 'mAP')
    assert ap[ap != UNDEFINED_AP].mean() == pytest.approx(mAP, abs=1e-6)
    # the metric's own class-wise AP, read back from the --out JSON, is the same
    np.testing.assert_allclose(load_per_class_ap(demo_run['results_json']), ap, atol=1e-6)


def test_per_class_ap_tool(demo_run, demo_data, repo_root, tmp_path):
    out = tmp_path / 'ap.png'
    run_tool_here('analysis_tools/plot_per_class_ap.py', demo_run['preds'], '--class-names',
                  demo_data['graph_file'], '--out', out)
    assert _size(out) == default_bar_chart_size(10)
    out2 = tmp_path / 'ap_dump_names.png'  # the dump carries its class names
    run_tool_here('analysis_tools/plot_per_class_ap.py', demo_run['preds'], '--out', out2)
    assert _size(out2) == default_bar_chart_size(10)


def test_pr_curves_tool(demo_run, demo_data, repo_root, tmp_path):
    out = tmp_path / 'pr.png'
    run_tool_here('analysis_tools/plot_pr_curves.py', demo_run['preds'], '--class-names',
                  demo_data['graph_file'], '--classes', demo_data['classes'][0], '3', '--out', out)
    assert _size(out) == (640, 480)


def test_label_graph_tool(demo_data, repo_root, tmp_path):
    out = tmp_path / 'graph.png'
    run_tool_here('analysis_tools/plot_label_graph.py', demo_data['graph_file'], '--out', out)
    assert _size(out) == default_heat_map_size(10)


def test_training_curves_tool(demo_run, repo_root, tmp_path):
    out = tmp_path / 'curves.png'
    run_tool_here('analysis_tools/plot_training_curves.py', demo_run['work_dir'], '--out', out)
    assert _size(out) == (2 * 420, 360)  # loss and mAP panels


def test_compare_runs_tool(demo_run, demo_data, repo_root, tmp_path):
    out = tmp_path / 'compare.png'
    run_tool_here('analysis_tools/compare_runs.py', demo_run['preds'], demo_run['preds'], '--names',
                  'SSGRL', 'again', '--class-names', demo_data['graph_file'], '--out', out)
    assert _size(out) == default_bar_chart_size(10)


@pytest.fixture
def demo_zoo(demo_run, tmp_path):
    """A model index whose only entry is the demo config with made-up 'published' figures."""
    published = {'mAP': 50.0, 'CF1': 40.0, 'OF1': 45.0}
    (tmp_path / 'metafile.yml').write_text(
        yaml.safe_dump({
            'Models': [{
                'Name':
                'ssgrl_r18_demo',
                'Config':
                'configs/demo/ssgrl_r18_demo.py',
                'Results': [{
                    'Task': 'Multi-Label Classification',
                    'Dataset': 'demo',
                    'Metrics': published
                }]
            }]
        }))
    (tmp_path / 'model-index.yml').write_text('Import:\n  - metafile.yml\n')
    return str(tmp_path / 'model-index.yml'), published


def test_benchmark_table_shows_the_metric_output(demo_run, demo_zoo, repo_root):
    model_index, published = demo_zoo
    table = benchmark_table([demo_run['results_json']], model_index)
    rows = {line.split('|')[3].strip(): line.split('|')[4:7] for line in table.splitlines()[2:]}
    assert set(rows) == set(published)
    for name, (ours, pub, diff) in rows.items():
        value = _metric(demo_run['metrics'], name)
        assert float(ours) == pytest.approx(value, abs=0.005)
        assert float(pub) == published[name]
        assert float(diff) == pytest.approx(value - published[name], abs=0.005)
    # the CLI prints the same table; a work dir gives the last validation's numbers
    assert run_tool_here('analysis_tools/benchmark_table.py', demo_run['results_json'],
                         '--model-index', model_index) == table
    last_val = load_run_metrics(demo_run['work_dir'])
    test_mAP = _metric(demo_run['metrics'], 'mAP')
    assert _metric(last_val, 'mAP') == pytest.approx(test_mAP, abs=1e-4)
    with open(demo_run['results_json']) as f:
        assert json.load(f)['config'].endswith('ssgrl_r18_demo.py')


def test_benchmark_table_model_without_published_results(demo_run, repo_root):
    """The demo entry of the real zoo has no published figures: our numbers, '-' beside them."""
    table = benchmark_table([demo_run['results_json']], str(repo_root / 'model-index.yml'))
    rows = [line.split('|')[1:-1] for line in table.splitlines()[2:]]
    assert rows and all(r[0].strip() == 'ssgrl_r18_demo' for r in rows)
    assert all('no published results' in r[1] for r in rows)
    by_metric = {r[2].strip(): r for r in rows}
    mAP = by_metric['multi-label/mAP']
    assert float(mAP[3]) == pytest.approx(_metric(demo_run['metrics'], 'mAP'), abs=0.005)
    assert mAP[4].strip() == '-' and mAP[5].strip() == '-'


def test_benchmark_table_refuses_another_models_published_figures(demo_run, repo_root):
    """--model naming the COCO entry for a demo run would set demo numbers against COCO 2014."""
    with pytest.raises(ValueError, match='ssgrl_r18_demo.py.*ssgrl_r101_1xb4_coco-576px'):
        benchmark_table([demo_run['results_json']], str(repo_root / 'model-index.yml'),
                        ['ssgrl_r101_1xb4_coco-576px'])
    # a work dir records its config too (mmengine's copy at its top)
    with pytest.raises(ValueError, match='was made with'):
        benchmark_table([demo_run['work_dir']], str(repo_root / 'model-index.yml'),
                        ['ssgrl_r101_1xb4_coco-576px'])
