"""The label co-occurrence graph as a heat map with class names.

    python tools/analysis_tools/plot_label_graph.py GRAPH.npz --out label_graph.png
"""
import argparse
import os.path as osp
import runpy

# numpy/matplotlib only: starts in < 1 s (the helper beside this script, loaded from its file)
light_import = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                       '_light_imports.py'))['light_import']

plot_label_graph = light_import('mmml_plugin.visualization.label_graph').plot_label_graph


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('graph', help='.npz written by tools/misc/build_label_graph.py')
    parser.add_argument('--annotate',
                        action='store_true',
                        default=None,
                        help='print values in the cells (default when <= 20 classes)')
    parser.add_argument('--out', default='label_graph.png', help='PNG to write')
    args = parser.parse_args()
    print(f'written {plot_label_graph(args.graph, args.out, annotate=args.annotate)}')


if __name__ == '__main__':
    main()
