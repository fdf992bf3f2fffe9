"""Precision-recall curves of chosen classes from a prediction dump.

    python tools/analysis_tools/plot_pr_curves.py PREDS.npz --classes person dog --out pr.png
"""
import argparse
import os.path as osp
import runpy

# numpy/matplotlib only: starts in < 1 s (the helper beside this script, loaded from its file)
light_import = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                       '_light_imports.py'))['light_import']

results_io = light_import('mmml_plugin.evaluation.results_io')
dump_class_names, load_predictions = results_io.dump_class_names, results_io.load_predictions
resolve_ap_mode = results_io.resolve_ap_mode
plot_pr_curves = light_import('mmml_plugin.visualization.pr_curves').plot_pr_curves


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('predictions', help='.npz written by tools/test.py --out')
    parser.add_argument('--class-names',
                        help='label graph/embedding .npz or a text file (default: the dump\'s '
                        'own class names)')
    parser.add_argument('--classes', nargs='+', help='class names or indices (default: first 5)')
    parser.add_argument('--mode',
                        choices=('sklearn', 'voc', 'voc11'),
                        help='AP mode of the legend (default: the run\'s headline mode, as the '
                        'dump records it)')
    parser.add_argument('--out', default='pr_curves.png', help='PNG to write')
    args = parser.parse_args()
    scores, targets = load_predictions(args.predictions)
    names = dump_class_names(args.predictions, args.class_names, scores.shape[1])
    classes = None if args.classes is None else \
        [int(c) if c.isdigit() else c for c in args.classes]
    mode, source = resolve_ap_mode(args.predictions, args.mode)
    print(f'AP mode: {mode} ({source})')
    out = plot_pr_curves(scores,
                         targets,
                         names,
                         args.out,
                         classes=classes,
                         source=args.predictions,
                         ap_mode=mode)
    print(f'written {out}')


if __name__ == '__main__':
    main()
