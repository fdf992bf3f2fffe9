"""Per-class AP of two runs side by side: where each one wins.

    python tools/analysis_tools/compare_runs.py SSGRL.npz BASELINE.npz --names SSGRL baseline \
        --out compare.png

Each run is a ``tools/test.py --dump`` .npz (scored here) or a class-wise ``--out`` JSON. Class
names come from ``--class-names`` or else the first run's dump.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _light_imports import light_import  # noqa: E402  (numpy/matplotlib only: starts in < 1 s)

results_io = light_import('mmml_plugin.evaluation.results_io')
dump_class_names, load_per_class_ap = results_io.dump_class_names, results_io.load_per_class_ap
plot_run_comparison = light_import('mmml_plugin.visualization.run_comparison').plot_run_comparison


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('run_a', help='first run: predictions .npz or metrics .json')
    parser.add_argument('run_b', help='second run, same classes')
    parser.add_argument('--names', nargs=2, default=('A', 'B'), help='names of the two runs')
    parser.add_argument('--class-names',
                        help='label graph/embedding .npz or a text file (default: the dump\'s '
                        'own class names)')
    parser.add_argument('--mode',
                        default='sklearn',
                        choices=('sklearn', 'voc', 'voc11'),
                        help='AP mode when scoring a dump')
    parser.add_argument('--out', default='compare_runs.png', help='PNG to write')
    args = parser.parse_args()
    ap_a = load_per_class_ap(args.run_a, args.mode)
    ap_b = load_per_class_ap(args.run_b, args.mode)
    names = dump_class_names(args.run_a, args.class_names, len(ap_a))
    print(f'written {plot_run_comparison(ap_a, ap_b, names, args.out, names=tuple(args.names))}')


if __name__ == '__main__':
    main()
