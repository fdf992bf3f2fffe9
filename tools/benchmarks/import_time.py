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

``startup`` times the command-line tools a user starts most, as fresh processes (medians; wall
and CPU seconds): ``tools/train.py --help`` and ``tools/test.py --help`` against mmpretrain's own
``tools/train.py --help`` (``train_help_vs_mmpretrain``: target <= 1.2), and the plotting tools
that only read a dump (``tools/analysis_tools/*``, ``--help``, which imports everything the tool
imports; target < 1 s).

With ``--compare-root``, the same figures for the plugin of another checkout (for example the
commit before the import boundaries) are measured interleaved in the same run, under
``compare``, with ``speedup`` = its ``after_torch_mmpretrain_s`` / ours.
"""
import argparse
import json
import os
import os.path as osp
import resource
import statistics
import subprocess
import sys
import time

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


STARTUP_TOOLS = ('train.py', 'test.py', 'analysis_tools/plot_pr_curves.py',
                 'analysis_tools/plot_per_class_ap.py', 'analysis_tools/compare_runs.py',
                 'analysis_tools/plot_training_curves.py', 'analysis_tools/plot_label_graph.py')


def mmpretrain_train_script() -> str:
    """mmpretrain's ``tools/train.py`` as installed (``mmpretrain/.mim/tools/train.py``)."""
    proc = subprocess.run([
        sys.executable, '-c', 'import importlib.util as u; print(u.find_spec("mmpretrain").origin)'
    ],
                          capture_output=True,
                          text=True,
                          check=True)
    script = osp.join(osp.dirname(proc.stdout.strip()), '.mim', 'tools', 'train.py')
    if not osp.isfile(script):
        raise FileNotFoundError(f'{script}: mmpretrain without its .mim tools (install the wheel).')
    return script


def time_command(cmd, root: str) -> dict:
    """Wall and CPU seconds of one fresh process (CPU: user + system of the child)."""
    env = dict(os.environ,
               PYTHONPATH=os.pathsep.join(p for p in (root, os.environ.get('PYTHONPATH')) if p))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=root, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f'{cmd} failed:\n{proc.stderr[-3000:]}')
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return dict(wall_s=wall, cpu_s=cpu)


def startup_times(root: str, repeats: int) -> dict:
    """Median wall/CPU seconds of ``--help`` of the tools, and mmpretrain's train.py."""
    commands = {t: [sys.executable, osp.join(root, 'tools', t), '--help'] for t in STARTUP_TOOLS}
    commands['mmpretrain/train.py'] = [sys.executable, mmpretrain_train_script(), '--help']
    samples = {k: [] for k in commands}
    for _ in range(repeats):
        for key, cmd in commands.items():
            samples[key].append(time_command(cmd, root))
    times = {
        k: {
            m: round(statistics.median(s[m] for s in v), 3)
            for m in ('wall_s', 'cpu_s')
        }
        for k, v in samples.items()
    }
    ratio = times['train.py']['cpu_s'] / times['mmpretrain/train.py']['cpu_s']
    slowest_plot = max(v['wall_s'] for k, v in times.items() if k.startswith('analysis_tools/'))
    return dict(times, train_help_vs_mmpretrain=round(ratio, 2), slowest_plot_tool_s=slowest_plot)


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
    result['startup'] = startup_times(ROOT, args.repeats)
    result.update(repeats=args.repeats, load_average=round(os.getloadavg()[0], 1))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
