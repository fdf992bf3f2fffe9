"""Training curves (loss, mAP, ...) from an mmengine work dir.

    python tools/analysis_tools/plot_training_curves.py WORK_DIR [--keys loss multi-label/mAP] \
        --out curves.png
"""
import argparse
import os.path as osp
import runpy

# numpy/matplotlib only: starts in < 1 s (the helper beside this script, loaded from its file)
light_import = runpy.run_path(osp.join(osp.dirname(osp.abspath(__file__)),
                                       '_light_imports.py'))['light_import']

plot_training_curves = light_import(
    'mmml_plugin.visualization.training_curves').plot_training_curves


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('path', help='work dir, run folder or vis_data/scalars.json')
    parser.add_argument('--keys', nargs='+', help='logged quantities (default: loss and mAP)')
    parser.add_argument('--out', default='training_curves.png', help='PNG to write')
    args = parser.parse_args()
    print(f'written {plot_training_curves(args.path, args.out, keys=args.keys)}')


if __name__ == '__main__':
    main()
