"""`make demo` end to end, shrunk: data, graph, embeddings, two trainings, table, plots."""
import math
import os.path as osp

from PIL import Image

from mmml_plugin.apis.demo_pipeline import TABLE_KEYS, run_demo


def test_run_demo_end_to_end(tmp_path):
    out = run_demo(str(tmp_path), num_train=32, num_val=16, max_epochs=1)
    rows = out['table'].splitlines()
    assert rows[2].startswith('| SSGRL |') and rows[3].startswith('| ResNet baseline |')
    for name, result in out['results'].items():
        for key in TABLE_KEYS:
            value = result['metrics'][f'multi-label/{key}']
            assert math.isfinite(value) and 0 <= value <= 100, (name, key, value)
        assert len(result['metrics']['multi-label/AP_classwise']) == 10
        assert osp.isfile(result['checkpoint'])
        assert osp.isfile(osp.join(result['work_dir'], 'results.json'))
    names = {osp.basename(p) for p in out['plots']}
    assert {'ap_ssgrl.png', 'ap_baseline.png', 'ssgrl_vs_baseline.png', 'label_graph.png',
            'curves_ssgrl.png'} <= names
    attention = [p for p in out['plots'] if osp.basename(p).startswith('attention_')]
    assert len(attention) == 2
    for path in out['plots']:
        with Image.open(path) as img:
            assert img.size[0] >= 200 and img.size[1] >= 200
