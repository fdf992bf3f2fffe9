"""Re-score a prediction dump with any ``MultiLabelMAP`` settings, without the model.

    python tools/analysis_tools/eval_metric.py preds.npz [--ap-mode voc sklearn] [--thr 0.7 |
        --thr thresholds.json] [--topk 3 | --topk none] [--classes cat dog] [--classwise]
        [--difficult ignore|positive|negative] [--empty-images keep|drop] [--out metrics.json]

``preds.npz`` is the predictions file (``--out``) of ``tools/test.py``; with the settings of the
test evaluator it prints the numbers ``tools/test.py`` printed
(:func:`mmml_plugin.evaluation.rescore_predictions`).
Prints one JSON object of metrics (in percent, without the ``multi-label/`` prefix).
"""
import argparse
import json

from mmml_plugin.apis.train_test import write_results_json
from mmml_plugin.evaluation import rescore_predictions
from mmml_plugin.evaluation.functional import AP_MODES

DIFFICULT = {'ignore': None, 'positive': True, 'negative': False}


def parse_thr(value: str):
    """A number, or a threshold file (JSON of tools/analysis_tools/tune_thresholds.py)."""
    try:
        return float(value)
    except ValueError:
        return value


def parse_topk(value: str):
    return None if value.lower() == 'none' else int(value)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('dump', help='the .npz of `tools/test.py --out`')
    parser.add_argument('--ap-mode',
                        nargs='+',
                        default=['sklearn'],
                        choices=AP_MODES,
                        help='AP mode(s); the first is the headline mAP')
    parser.add_argument('--thr',
                        type=parse_thr,
                        default=0.5,
                        help='score threshold, or a per-class threshold JSON file')
    parser.add_argument('--topk', type=parse_topk, default=3, help="top-k F1 family, or 'none'")
    parser.add_argument('--classwise', action='store_true', help='also report per-class AP')
    parser.add_argument('--classes',
                        nargs='+',
                        help='score only these classes (names of the dump, or indices)')
    parser.add_argument('--difficult',
                        choices=tuple(DIFFICULT),
                        default='ignore',
                        help='what the ignored (-1, VOC difficult) targets count as')
    parser.add_argument('--empty-images',
                        choices=('keep', 'drop'),
                        default='keep',
                        help='images without a positive among the scored classes')
    parser.add_argument('--out', help='also write the metrics to this JSON file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    metrics = rescore_predictions(
        args.dump,
        ap_mode=args.ap_mode[0] if len(args.ap_mode) == 1 else args.ap_mode,
        thr=args.thr,
        topk=args.topk,
        classwise=args.classwise,
        classes=args.classes,
        difficult_as_positive=DIFFICULT[args.difficult],
        empty_images=args.empty_images)
    if args.out:
        write_results_json(args.out, metrics, dump=args.dump, settings=vars(args))
    print(json.dumps(metrics))
    return metrics


if __name__ == '__main__':
    main()
