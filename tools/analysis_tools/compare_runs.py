"""Per-class AP of two runs side by side: where each one wins.

    python tools/analysis_tools/compare_runs.py SSGRL.npz BASELINE.npz --names SSGRL baseline \
        --out compare.png

Each run is a ``tools/test.py --out`` predictions .npz (scored here) or a class-wise
``--out-item metrics`` JSON. Dumps
carry their class names: two dumps holding the same classes in different orders are aligned by
name (the tool says so), different class sets are refused. ``--class-names`` names the runs that
store none (JSON files); a run without names is compared by position and must have as many
classes.
"""
import argparse
import os.path as osp
import runpy

# numpy/matplotlib only: starts in < 1 s (the helper beside this script, loaded from its file)
light_import = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                       '_light_imports.py'))['light_import']

results_io = light_import('mmml_plugin.evaluation.results_io')
DEFAULT_AP_MODE, recorded_ap_mode = results_io.DEFAULT_AP_MODE, results_io.recorded_ap_mode
load_aligned_per_class_ap = results_io.load_aligned_per_class_ap
plot_run_comparison = light_import('mmml_plugin.visualization.run_comparison').plot_run_comparison


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('run_a', help='first run: predictions .npz or metrics .json')
    parser.add_argument('run_b', help='second run, same classes')
    parser.add_argument('--names', nargs=2, default=('A', 'B'), help='names of the two runs')
    parser.add_argument('--class-names',
                        help='label graph/embedding .npz or a text file naming the classes of '
                        'runs that store none (default: the dumps\' own class names)')
    parser.add_argument('--mode',
                        choices=('sklearn', 'voc', 'voc11'),
                        help='AP mode when scoring a dump (default: the first headline mode a '
                        'file records)')
    parser.add_argument('--out', default='compare_runs.png', help='PNG to write')
    args = parser.parse_args()
    mode = args.mode or next(
        (m for m in map(recorded_ap_mode, (args.run_a, args.run_b)) if m), DEFAULT_AP_MODE)
    (ap_a, ap_b), names, notes = load_aligned_per_class_ap([args.run_a, args.run_b],
                                                           args.class_names, mode)
    for note in notes:
        print(note)
    print(f'AP mode: {mode}')
    out = plot_run_comparison(ap_a, ap_b, names, args.out, names=tuple(args.names), ap_mode=mode)
    print(f'written {out}')


if __name__ == '__main__':
    main()
