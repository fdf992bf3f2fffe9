"""FLOPs and parameters of the WHOLE model of one or more configs, heads included, at each
config's test input size, checked against the analytic count.

    python tools/analysis_tools/get_flops.py CONFIG [CONFIG ...] [--shape H W]
        [--stand-in-label-files] [--cfg-options ...] [--json out.json]

mmpretrain's own get_flops traces ``extract_feat`` and shows every plugin head as N/A; this one
traces the forward to the logits (:func:`mmml_plugin.apis.flops.model_flops`). FLOPs are
multiply-accumulates for one image in eval mode (mmengine's convention, as mmpretrain's model
zoo). ``--stand-in-label-files`` replaces the config's label files by random ones of the same
shapes (the count depends on the shapes only), for configs whose dataset is not prepared.
"""
import argparse
import json
import tempfile

from mmengine.config import DictAction

from mmml_plugin.apis.flops import model_flops


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+', help='config file(s)')
    parser.add_argument('--shape',
                        type=int,
                        nargs=2,
                        metavar=('H', 'W'),
                        help='input size (default: what the test pipeline gives)')
    parser.add_argument('--stand-in-label-files',
                        action='store_true',
                        help='random label files of the right shapes instead of the config\'s')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, help='config overrides')
    parser.add_argument('--json', help='also write the results to this JSON file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    results = {}
    for config in args.configs:
        with tempfile.TemporaryDirectory() as folder:
            r = model_flops(config,
                            args.shape,
                            args.cfg_options,
                            stand_in_folder=folder if args.stand_in_label_files else None)
        parts = ', '.join(f'{k} {v / 1e9:.3f}' for k, v in r['by_module'].items())
        check = ('no analytic count'
                 if r['analytic'] is None else f"analytic {r['analytic']['total'] / 1e9:.3f} G "
                 f"({100 * r['relative_difference']:+.2f} %)")
        print(f"{config}\n  input 3x{r['input_size'][0]}x{r['input_size'][1]}: "
              f"{r['total'] / 1e9:.3f} GFLOPs ({parts}), params {r['params'] / 1e6:.2f} M; "
              f'{check}')
        if r['unsupported']:
            print(f"  WARNING: operators counted as 0 by no rule: {r['unsupported']}")
        results[config] = {
            k: r[k]
            for k in ('input_size', 'total', 'by_module', 'params', 'analytic',
                      'relative_difference', 'unsupported')
        }
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)
    return results


if __name__ == '__main__':
    main()
