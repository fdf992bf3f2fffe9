"""The GPU kit (tools/gpu_kit/run.sh) on the CPU: the same steps as on a CUDA machine
(tools/benchmarks/gpu_train.py plain and channels_last, tools/gpu_kit/e2e_train.py), tiny, in the
environment at hand (MMML_KIT_SKIP_INSTALL=1: the wheels are for the GPU machine's Python)."""
import json
import math
import os
import subprocess
import sys

from .utils import REPO_ROOT

KIT = str(REPO_ROOT / 'tools' / 'gpu_kit' / 'run.sh')


def run_kit(out_dir, *args, **env):
    return subprocess.run(['bash', KIT, str(out_dir), *args],
                          cwd=REPO_ROOT,
                          capture_output=True,
                          text=True,
                          timeout=1200,
                          env=dict(os.environ,
                                   PYTHON=sys.executable,
                                   CUDA_VISIBLE_DEVICES='',
                                   **env))


def test_kit_cpu_smoke_runs_every_step(tmp_path):
    proc = run_kit(tmp_path / 'out', '--cpu-smoke', MMML_KIT_SKIP_INSTALL='1')
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]
    summary = json.loads((tmp_path / 'out' / 'summary.json').read_text())
    assert summary['cpu_smoke'] is True
    assert summary['status'] == {
        'install': 0,
        'import': 0,
        'gpu_train': 0,
        'gpu_train_channels_last': 0,
        'e2e': 0
    }

    # the benchmark: every model trained a bf16 step through the CPU autocast wrapper
    train = summary['gpu_train']
    assert train['bench'] == 'gpu_train' and train['device'] == 'cpu'
    runs = {(r['model'], r['dtype']): r for r in train['runs']}
    assert set(runs) == {('baseline', 'bf16'), ('ssgrl', 'bf16'), ('literal', 'bf16')}
    for r in runs.values():
        assert r['status'] == 'ok' and r['wrapper'] == 'CPUAutocastOptimWrapper', r
        assert r['images_per_s'] > 0 and 0 < r['mfu'] and math.isfinite(r['loss']), r
    # same weights: the literal head computes our logits; AMP logits near fp32
    assert train['literal_vs_fused_max_abs_diff'] < 1e-4
    assert all(0 < d['bf16'] < 0.05 for d in train['logits_max_abs_diff'].values())
    assert train['gflop_per_image']['ssgrl'] > train['gflop_per_image']['baseline'] > 0
    assert [h['status'] for h in train['head']] == ['ok']
    assert train['head'][0]['fused_s'] > 0 and train['head'][0]['literal_s'] > 0
    assert train['targets']['amp_logits_within_1e-2'] is True
    assert train['targets']['head_mem_ratio_le_0.3'] is None  # no CUDA: no memory figure

    channels_last = summary['gpu_train_channels_last']
    assert channels_last['channels_last'] is True
    assert [r['status'] for r in channels_last['runs']] == ['ok']

    # end to end through tools/train.py and tools/test.py
    e2e = summary['e2e']['runs']['baseline']
    assert len(e2e['loss_per_epoch']) == 2 and len(e2e['val_map_per_epoch']) == 2
    assert e2e['checks']['loss_falls'] and e2e['checks']['test_map_matches_last_val'], e2e
    for name in ('gpu_train.log', 'e2e.log', 'env.txt', 'e2e/baseline_train.log'):
        assert (tmp_path / 'out' / name).is_file(), name


def test_kit_without_wheels_says_how_to_make_them(tmp_path):
    proc = run_kit(tmp_path / 'out', WHEELS=str(tmp_path / 'none'))
    assert proc.returncode == 2
    assert 'tools/gpu_kit/make_wheels.sh' in proc.stderr


def test_kit_usage():
    proc = subprocess.run(['bash', KIT], capture_output=True, text=True)
    assert proc.returncode == 2 and 'usage' in proc.stderr
