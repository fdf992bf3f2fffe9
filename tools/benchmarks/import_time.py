"""Time of ``import mmml_plugin`` in fresh interpreters, after torch and mmpretrain are imported.

    python tools/benchmarks/import_time.py [--repeats 5] [--compare-root OTHER_CHECKOUT]

Prints one JSON line (medians of ``--repeats`` fresh processes, seconds):

* ``after_torch_mmpretrain_s``: ``import mmml_plugin`` after ``import torch, mmpretrain``
  (target <= 1.5 s); it includes mmpretrain's own datasets and models packages (torchvision),
  which every mmpretrain run imports anyway;
* ``plugin_only_s``: the same after ``mmpretrain.datasets``, ``mmpretrain.models`` and
  ``mmengine.runner`` too: the plugin's own cost;
* ``torch_mmpretrain_s``: ``import torch, mmpretrain`` for scale;
* ``heavy_loaded``: heavy packages (matplotlib, mmdet, mmcv.ops) the plugin import added after
  mmpretrain's packages (must be empty); ``heavy_loaded_incl_mmpretrain_models``: the same when
  ``mmpretrain.models`` is imported on the way, which itself tries mmcv.ops and, where mmdet is
  installed, mmdet.models.

With ``--compare-root``, the same figures for the plugin of another checkout (for example the
commit before the import boundaries) are measured interleaved in the same run, under
``compare``, with ``speedup`` = its ``after_torch_mmpretrain_s`` / ours.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import subprocess
import sys

CHILD = '''
import sys, time, json
t0 = time.perf_counter()
import torch, mmpretrain  # noqa: E401
{preload}
t1 = time.perf_counter()
before = set(sys.modules)
import mmml_plugin  # noqa: F401
t2 = time.perf_counter()
heavy = sorted({m.split('.')[0] if not m.startswith('mmcv.') else 'mmcv.ops'
                for m in set(sys.modules) - before
                if m.split('.')[0] in ('matplotlib', 'mmdet') or m.startswith('mmcv.ops')})
print(json.dumps(dict(base=t1 - t0, plugin=t2 - t1, heavy=heavy)))
'''
PRELOAD = 'import mmpretrain.datasets, mmpretrain.models, mmengine.runner  # noqa: E401'

ROOT = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))


def measure(preload: str, root: str) -> dict:
    """One fresh interpreter importing the plugin found first under ``root``."""
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get('PYTHONPATH')) if p))
    proc = subprocess.run(
        [sys.executable, '-c', CHILD.replace('{preload}', preload)],
        cwd=root,
        capture_output=True,
        text=True,
        env=env)
    if proc.returncode != 0:
        raise RuntimeError(f'importing mmml_plugin from {root} failed:\n{proc.stderr[-3000:]}')
    return json.loads(proc.stdout.strip().splitlines()[-1])


def summarise(plain, preloaded) -> dict:
    return dict(
        after_torch_mmpretrain_s=round(statistics.median(r['plugin'] for r in plain), 3),
        plugin_only_s=round(statistics.median(r['plugin'] for r in preloaded), 3),
        torch_mmpretrain_s=round(statistics.median(r['base'] for r in plain), 3),
        # by the plugin itself (mmpretrain's packages imported first) ...
        heavy_loaded=sorted({m
                             for r in preloaded
                             for m in r['heavy']}),
        # ... and with mmpretrain.models imported on the way (which itself tries mmcv.ops and,
        # where installed, mmdet.models: mmpretrain/models/utils/res_layer_extra_norm.py)
        heavy_loaded_incl_mmpretrain_models=sorted({m
                                                    for r in plain
                                                    for m in r['heavy']}))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--compare-root',
                        default=None,
                        help='another checkout whose plugin is timed alongside')
    args = parser.parse_args()
    roots = {'ours': ROOT}
    if args.compare_root:
        roots['compare'] = osp.abspath(args.compare_root)
    samples = {k: ([], []) for k in roots}
    for _ in range(args.repeats):  # interleaved: load changes hit both alike
        for key, root in roots.items():
            samples[key][0].append(measure('', root))
            samples[key][1].append(measure(PRELOAD, root))
    result = dict(bench='import_time', **summarise(*samples['ours']))
    if args.compare_root:
        result['compare'] = dict(root=roots['compare'], **summarise(*samples['compare']))
        result['speedup'] = round(
            result['compare']['after_torch_mmpretrain_s'] / result['after_torch_mmpretrain_s'], 2)
    result.update(repeats=args.repeats, load_average=round(os.getloadavg()[0], 1))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
