"""Each class's worst errors of a test run: its highest-scoring false positives and its
lowest-scoring false negatives, as image grids.

    python tools/analysis_tools/analyze_results.py PREDS.npz --out-dir errors/ [--num 8] \
        [--thr 0.5 | --topk 3] [--classes person dog] \
        [--config CONFIG --checkpoint CKPT [--cfg-options data_root=...]]

PREDS.npz is the predictions file of ``tools/test.py --out`` (scores, targets, image paths, class
names).
Without a model each cell is the image file; with ``--config`` and ``--checkpoint`` (the run that
wrote the dump) it is the image as the model saw it with the class's attention map (SSGRL
models). Predicted labels follow one rule (``--thr`` / ``--topk``; default score >= 0.5).
Writes ``<class>_false_positives.png``, ``<class>_false_negatives.png`` and ``errors.json``.
"""
import argparse

from mmengine.config import DictAction

from mmml_plugin.apis.analyze_results import analyze_results


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('predictions', help='.npz written by tools/test.py --out')
    parser.add_argument('--out-dir', default='analyze_results', help='folder for the grids')
    parser.add_argument('--config', help='model config (to draw attention maps)')
    parser.add_argument('--checkpoint', help='checkpoint of the run that wrote the dump')
    parser.add_argument('--thr', type=float, help='score threshold (default 0.5 without --topk)')
    parser.add_argument('--topk', type=int, help='at most k predicted labels per image')
    parser.add_argument('--num', type=int, default=8, help='errors per class and kind')
    parser.add_argument('--classes', nargs='+', help='only these classes (default: all)')
    parser.add_argument('--device', default='cpu', help="'cpu' or 'cuda:0'")
    parser.add_argument('--cell-size', type=int, default=224, help='pixels per grid cell')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. data_root=/path/')
    args = parser.parse_args(argv)
    if args.checkpoint and not args.config:
        parser.error('--checkpoint needs --config')
    if args.config and not args.checkpoint:
        parser.error('--config needs --checkpoint (the weights that wrote the dump)')
    return args


def main(argv=None):
    args = parse_args(argv)
    report = analyze_results(args.predictions,
                             args.out_dir,
                             config=args.config,
                             checkpoint=args.checkpoint,
                             thr=args.thr,
                             topk=args.topk,
                             num=args.num,
                             classes=args.classes,
                             device=args.device,
                             cfg_options=args.cfg_options,
                             cell_size=args.cell_size)
    for note in report['notes']:
        print(note)
    for name, entry in report['classes'].items():
        print(f'{name:>16s}: {entry["num_false_positives"]} false positives, '
              f'{entry["num_false_negatives"]} false negatives')
    files = sum(len(e['files']) for e in report['classes'].values())
    print(f'{files} grids and errors.json written to {args.out_dir}')


if __name__ == '__main__':
    main()
