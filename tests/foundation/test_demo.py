"""`make demo`: its self-check, and the real recipe end to end at reduced size.

The full-size targets (both mAP >= 85, SSGRL pointing game >= 80 %, 1- vs 2-thread agreement)
take minutes and are measured by `make demo` itself (recorded in docs/benchmarks.md); here the
same stages, configs and code run on fewer images and epochs, and the test asserts that both
models learn well above the label prior and that SSGRL's attention points well above chance.
"""
import json
import math
import os
import os.path as osp
import subprocess
import sys

import pytest
from PIL import Image

from mmml_plugin.apis.demo_pipeline import TABLE_KEYS, check_learned, label_prior_map, run_demo

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def _metrics(mean_ap, overall_recall=50.0, **extra):
    return {'multi-label/mAP': mean_ap, 'multi-label/OR': overall_recall, **extra}


def test_label_prior_map(tmp_path):
    ann = dict(images=[dict(id=i) for i in range(1, 5)],
               categories=[dict(id=1, name='a'),
                           dict(id=7, name='b'),
                           dict(id=9, name='c')],
               annotations=[
                   dict(image_id=1, category_id=1),
                   dict(image_id=1, category_id=1),
                   dict(image_id=2, category_id=1),
                   dict(image_id=3, category_id=7)
               ])
    path = tmp_path / 'ann.json'
    path.write_text(json.dumps(ann))
    # a: 2 of 4 images, b: 1 of 4, c: none (left out of mAP)
    assert label_prior_map(str(path)) == pytest.approx(100 * (0.5 + 0.25) / 2)


def test_self_check_names_the_model_and_what_to_look_at():
    where = 'Look at curves_baseline.png.'
    assert check_learned('baseline', _metrics(60.0), prior_map=27.0, where=where) == []
    near = check_learned('ResNet baseline', _metrics(31.9), prior_map=27.0, where=where)
    assert len(near) == 1
    assert near[0].startswith('ResNet baseline ended near chance: val mAP 31.9 against 27.0')
    assert near[0].endswith(where)
    silent = check_learned('SSGRL', _metrics(70.0, overall_recall=0.0), 27.0, where)
    assert len(silent) == 1 and 'SSGRL predicts no correct label' in silent[0]
    blind = check_learned('SSGRL', _metrics(90.0, pointing_game=14.0, pointing_game_chance=11.0),
                          27.0, where)
    assert len(blind) == 1 and 'no better than chance: pointing game 14.0 %' in blind[0]
    assert check_learned('SSGRL', _metrics(90.0, pointing_game=85.0, pointing_game_chance=11.0),
                         27.0, where) == []


@pytest.fixture(scope='module')
def small_demo(tmp_path_factory):
    """The demo recipe on 160 + 64 images (1000 single digits), 2 pretraining and 3 training
    epochs."""
    work_dir = tmp_path_factory.mktemp('demo')
    out = run_demo(str(work_dir),
                   num_train=160,
                   num_val=64,
                   max_epochs=3,
                   num_digit_images=1000,
                   pretrain_epochs=2,
                   check=False)
    return work_dir, out


def test_small_demo_learns(small_demo):
    work_dir, out = small_demo
    summary = json.loads((work_dir / 'summary.json').read_text())
    prior = summary['label_prior_mAP']
    assert 15 < prior < 40  # 2-4 digits of 10 per image
    for name in ('SSGRL', 'ResNet baseline'):
        metrics = summary['models'][name]
        for key in TABLE_KEYS:
            assert math.isfinite(metrics[key]) and 0 <= metrics[key] <= 100, (name, key)
        # measured: SSGRL 61.1, baseline 41.1 against a prior of 25.2 (the baseline's Adam 3e-3
        # is still in its noisy start after 3 short epochs; the full demo: both above 90)
        margin = 15 if name == 'SSGRL' else 10
        assert metrics['mAP'] > prior + margin, (name, metrics['mAP'], prior)
        assert len(metrics['AP_classwise']) == 10
        assert osp.isfile(metrics['checkpoint'])
    ssgrl = summary['models']['SSGRL']
    assert ssgrl['OR'] > 0  # after 3 short epochs the baseline's scores may all sit below 0.5
    assert isinstance(ssgrl['pointing_game'], float)
    # measured: 28.0 % against 8.7 % chance (the full demo: about 90 %)
    assert ssgrl['pointing_game'] > ssgrl['pointing_game_chance'] + 10, ssgrl
    assert 'pointing_game' not in summary['models']['ResNet baseline']
    assert not any('near chance' in p for p in summary['check_problems'])
    assert set(
        summary['seconds']) == {'data', 'pretrain', 'ssgrl', 'baseline', 'pointing_game', 'plots'}
    rows = out['table'].splitlines()
    assert rows[2].startswith('| SSGRL |') and rows[3].startswith('| ResNet baseline |')


def test_small_demo_plots(small_demo):
    _, out = small_demo
    names = {osp.basename(p) for p in out['plots']}
    assert {
        'ap_ssgrl.png', 'ap_baseline.png', 'ssgrl_vs_baseline.png', 'label_graph.png',
        'curves_ssgrl.png', 'pointing_game_best.png', 'pointing_game_worst.png'
    } <= names
    assert len([n for n in names if n.startswith('attention_')]) == 2
    for path in out['plots']:
        with Image.open(path) as img:
            assert img.size[0] >= 200 and img.size[1] >= 200


def test_self_check_on_the_real_results(small_demo):
    """The self-check flags both real models when the bar is set above what they reached."""
    work_dir, out = small_demo
    summary = out['summary']
    margin = max(m['mAP'] for m in summary['models'].values()) - summary['label_prior_mAP'] + 1
    problems = []
    for name, metrics in summary['models'].items():
        full = {f'multi-label/{k}': v for k, v in metrics.items()}
        problems += check_learned(name, full, summary['label_prior_mAP'], 'x', margin)
    assert any(p.startswith('SSGRL ended near chance') for p in problems)
    assert any(p.startswith('ResNet baseline ended near chance') for p in problems)


def test_run_demo_tool_exits_1_naming_the_model(tmp_path):
    """`tools/run_demo.py` (what `make demo` runs) on a tiny run with an unreachable bar: exit
    status 1, the models named, the plots to look at, summary.json written."""
    proc = subprocess.run([
        sys.executable,
        osp.join(REPO, 'tools', 'run_demo.py'), '--work-dir',
        str(tmp_path), '--num-train', '20', '--num-val', '10', '--max-epochs', '1',
        '--num-digit-images', '20', '--pretrain-epochs', '1', '--margin', '200'
    ],
                          capture_output=True,
                          text=True,
                          cwd=REPO,
                          timeout=600,
                          env=dict(os.environ,
                                   OMP_NUM_THREADS='1',
                                   PYTHONPATH=os.pathsep.join(
                                       [REPO, os.environ.get('PYTHONPATH', '')])))
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert 'make demo FAILED' in proc.stderr and 'SSGRL ended near chance' in proc.stderr
    assert 'curves_ssgrl.png' in proc.stderr
    assert osp.isfile(tmp_path / 'summary.json')
