"""`make demo`: generated demo data -> label graph + embeddings -> SSGRL and baseline trained on
the CPU -> metrics table and plots (see mmml_plugin/apis/demo_pipeline.py)."""
import argparse

from mmml_plugin.apis.demo_pipeline import run_demo


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--work-dir', default='work_dirs/demo')
    parser.add_argument('--num-train', type=int, default=480)
    parser.add_argument('--num-val', type=int, default=160)
    parser.add_argument('--max-epochs', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    out = run_demo(args.work_dir, args.num_train, args.num_val, args.max_epochs, args.seed)
    print('\nDemo results on the generated val set (percent):\n')
    print(out['table'])
    print('\nPlots:\n' + '\n'.join(f'  {p}' for p in out['plots']))


if __name__ == '__main__':
    main()
