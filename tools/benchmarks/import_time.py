"""Time of ``import mmml_plugin`` in fresh interpreters, after torch and mmpretrain are imported.

    python tools/benchmarks/import_time.py [--repeats 5]

Prints one JSON line (medians of ``--repeats`` fresh processes, seconds):

* ``after_torch_mmpretrain_s``: ``import mmml_plugin`` after ``import torch, mmpretrain``
  (target <= 1.5 s); it includes mmpretrain's own datasets and models packages (torchvision),
  which every mmpretrain run imports anyway;
* ``plugin_only_s``: the same after ``mmpretrain.datasets``, ``mmpretrain.models`` and
  ``mmengine.runner`` too: the plugin's own cost;
* ``torch_mmpretrain_s``: ``import torch, mmpretrain`` for scale;
* ``heavy_loaded``: heavy modules the plugin import added (must be empty: no matplotlib, mmdet,
  mmcv.ops).
"""
import argparse
import json
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
heavy = sorted(m for m in set(sys.modules) - before
               if m.split('.')[0] in ('matplotlib', 'mmdet') or m.startswith('mmcv.ops'))
print(json.dumps(dict(base=t1 - t0, plugin=t2 - t1, heavy=heavy)))
'''
PRELOAD = 'import mmpretrain.datasets, mmpretrain.models, mmengine.runner  # noqa: E401'


def measure(preload: str) -> dict:
    out = subprocess.run([sys.executable, '-c', CHILD.format(preload=preload)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--repeats', type=int, default=5)
    args = parser.parse_args()
    plain = [measure('') for _ in range(args.repeats)]
    preloaded = [measure(PRELOAD) for _ in range(args.repeats)]
    print(json.dumps(dict(
        bench='import_time',
        after_torch_mmpretrain_s=round(statistics.median(r['plugin'] for r in plain), 3),
        plugin_only_s=round(statistics.median(r['plugin'] for r in preloaded), 3),
        torch_mmpretrain_s=round(statistics.median(r['base'] for r in plain), 3),
        heavy_loaded=sorted({m for r in plain + preloaded for m in r['heavy']}),
        repeats=args.repeats)))


if __name__ == '__main__':
    main()
