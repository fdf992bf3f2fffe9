"""Choose per-class score thresholds on a validation dump and write them with their class names.

    python tools/test.py CONFIG CKPT --split val --out val.npz
    python tools/analysis_tools/tune_thresholds.py val.npz --out thresholds.json \
        [--method max_f1 | --method precision --precision 0.9] [--compare test.npz]

Prints one JSON object: the file, the classes left at the fallback (no positive, or the target
precision out of reach) and CP/CR/CF1/OP/OR/OF1 (percent) at the tuned thresholds and at the one
global ``--global-thr`` on the validation dump and on each ``--compare`` dump. A dump of the test
split is refused unless ``--allow-test-split``. Use the file with
``--cfg-options test_evaluator.thr=thresholds.json`` or
:func:`mmml_plugin.evaluation.load_thresholds`.
"""
import argparse
import json

from mmml_plugin.evaluation import tune_dump_thresholds
from mmml_plugin.evaluation.functional import THRESHOLD_METHODS


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dump', help='validation-split .npz of `tools/test.py --split val --out`')
    parser.add_argument('--out', default='thresholds.json', help='threshold JSON to write')
    parser.add_argument('--method', choices=THRESHOLD_METHODS, default='max_f1')
    parser.add_argument('--precision',
                        type=float,
                        help='target precision per class (with --method precision)')
    parser.add_argument('--global-thr',
                        type=float,
                        default=0.5,
                        help='the global threshold to compare with (and the fallback)')
    parser.add_argument('--compare', nargs='+', default=[], help='more dumps to report on')
    parser.add_argument('--allow-test-split',
                        action='store_true',
                        help='tune on a dump of the test split anyway (its numbers get optimistic)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = tune_dump_thresholds(args.dump,
                                  args.out,
                                  method=args.method,
                                  precision=args.precision,
                                  global_thr=args.global_thr,
                                  allow_test_split=args.allow_test_split,
                                  other_dumps=args.compare)
    print(json.dumps(result))
    return result


if __name__ == '__main__':
    main()
