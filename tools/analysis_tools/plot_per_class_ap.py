"""Bar chart of per-class AP from a test run.

    python tools/analysis_tools/plot_per_class_ap.py RESULTS [--class-names GRAPH.npz] --out ap.png

RESULTS is the predictions .npz of ``tools/test.py --out`` (scored here; it carries the class
names) or its ``--out-item metrics`` JSON when the metric ran with ``classwise=True``.
"""
import argparse
import os.path as osp
import runpy

# numpy/matplotlib only: starts in < 1 s (the helper beside this script, loaded from its file)
light_import = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                       '_light_imports.py'))['light_import']

results_io = light_import('mmml_plugin.evaluation.results_io')
dump_class_names, load_per_class_ap = results_io.dump_class_names, results_io.load_per_class_ap
resolve_ap_mode = results_io.resolve_ap_mode
plot_per_class_ap = light_import('mmml_plugin.visualization.per_class_ap').plot_per_class_ap


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('results', help='predictions .npz or metrics .json')
    parser.add_argument('--class-names',
                        help='label graph/embedding .npz or a text file (default: the dump\'s '
                        'own class names)')
    parser.add_argument('--mode',
                        choices=('sklearn', 'voc', 'voc11'),
                        help='AP mode when scoring a dump (default: the run\'s headline mode, '
                        'as the file records it)')
    parser.add_argument('--title', help='figure title')
    parser.add_argument('--out', default='per_class_ap.png', help='PNG to write')
    args = parser.parse_args()
    mode, source = resolve_ap_mode(args.results, args.mode)
    ap = load_per_class_ap(args.results, mode)
    names = dump_class_names(args.results, args.class_names, len(ap))
    print(f'AP mode: {mode} ({source})')
    print(f'written {plot_per_class_ap(ap, names, args.out, title=args.title, ap_mode=mode)}')


if __name__ == '__main__':
    main()
