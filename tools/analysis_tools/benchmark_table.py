"""Our results next to the published ones (model zoo metafiles), as a Markdown table.

    python tools/analysis_tools/benchmark_table.py RESULTS [RESULTS ...] [--model NAME ...] \
        [--model-index model-index.yml] [--out table.md]

Each RESULTS is the ``--out`` JSON of ``tools/test.py`` (its ``config`` names the zoo entry) or an
mmengine work dir (its last validation); ``--model`` names the zoo entries explicitly, in order,
and must match the config each run recorded. A model without published figures shows our numbers
only.
"""
import argparse
import os.path as osp

from mmml_plugin.apis.model_zoo import benchmark_table

MODEL_INDEX = osp.join(osp.dirname(osp.abspath(__file__)), '..', '..', 'model-index.yml')


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('results', nargs='+', help='test JSON files or work dirs')
    parser.add_argument('--model', nargs='+', help='zoo model names, one per result')
    parser.add_argument('--model-index', default=MODEL_INDEX, help='root model-index.yml')
    parser.add_argument('--out', help='also write the table to this .md file')
    args = parser.parse_args()
    table = benchmark_table(args.results, args.model_index, args.model)
    print(table, end='')
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table)


if __name__ == '__main__':
    main()
