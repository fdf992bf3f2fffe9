"""`make demo`: generated demo data -> digit pretraining -> SSGRL and baseline trained on the CPU
-> metrics table, pointing game, plots and `summary.json` (see mmml_plugin/apis/demo_pipeline.py).

Exits with status 1, naming the model and what to look at, when a model ends near chance.
Threads: torch's default (all cores); `OMP_NUM_THREADS=1` for one.
"""
import argparse
import sys

from mmml_plugin.apis.demo_pipeline import CHANCE_MARGIN, DemoCheckError, run_demo
from mmml_plugin.evaluation.functional.pointing_game import pointing_game_lines


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=640, help='multi-digit train images')
    parser.add_argument('--num-val', type=int, default=160, help='multi-digit val images')
    parser.add_argument('--num-digit-images',
                        type=int,
                        default=2000,
                        help='single-digit images of the pretraining stage')
    parser.add_argument('--max-epochs', type=int, default=None, help="override the configs'")
    parser.add_argument('--pretrain-epochs',
                        type=int,
                        default=None,
                        help="override the pretraining config's epochs")
    parser.add_argument('--seed', type=int, default=0, help='seed of the generated data')
    parser.add_argument('--margin',
                        type=float,
                        default=CHANCE_MARGIN,
                        help='self-check: points above chance a model must reach')
    args = parser.parse_args()
    try:
        out = run_demo(args.work_dir,
                       args.num_train,
                       args.num_val,
                       args.max_epochs,
                       args.seed,
                       num_digit_images=args.num_digit_images,
                       pretrain_epochs=args.pretrain_epochs,
                       margin=args.margin)
    except DemoCheckError as error:
        print(f'\nmake demo FAILED: {error}\nNumbers: {args.work_dir}/summary.json',
              file=sys.stderr)
        sys.exit(1)
    summary = out['summary']
    print('\nDemo results on the generated val set (percent; label prior mAP '
          f"{summary['label_prior_mAP']:.1f}):\n")
    print(out['table'])
    print('\nSSGRL attention, ' + pointing_game_lines(summary['pointing_game']))
    print('\nSeconds per stage, wall (CPU): ' +
          ', '.join(f"{k} {v:.0f} ({summary['cpu_seconds'][k]:.0f})"
                    for k, v in summary['seconds'].items()))
    print('\nPlots:\n' + '\n'.join(f'  {p}' for p in out['plots']))


if __name__ == '__main__':
    main()
