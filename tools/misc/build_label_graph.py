"""Build the label co-occurrence graph M[i, j] = N(i and j) / N(i) from the training labels, or
convert ML-GCN's ``*_adj.pkl`` / SSGRL's ``prob_*.npy`` (names attached, no unsafe unpickling).

    # from a COCO training annotation file (classes in category-id order)
    python tools/misc/build_label_graph.py \
        --ann-file data/coco/annotations/instances_train2014.json \
        --out data/coco/label_graph_train2014.npz
    # from a config's training dataset (e.g. VOC2007 trainval), any registered dataset type
    python tools/misc/build_label_graph.py \
        --config configs/_base_/datasets/voc07_multilabel_576px.py \
        --out data/voc/VOC2007/label_graph_voc07trainval.npz
    # your own data (a CSV or mmpretrain MultiLabelDataset JSON), data_root moved
    python tools/misc/build_label_graph.py --config configs/own_data/ssgrl_r18_1xb8_csv-224px.py \
        --out data/my_data/label_graph.npz --cfg-options data_root=data/my_data/
    # ML-GCN's file (alphabetical COCO order) -> our file in category-id order
    python tools/misc/build_label_graph.py --ml-gcn-adj coco_adj.pkl --source-order alphabetical \
        --classes coco --out data/coco/label_graph_mlgcn.npz

    # SSGRL's prob_train.npy (rows as category.json says), values and diagonal as stored
    python tools/misc/build_label_graph.py --ssgrl-prob prob_train.npy \
        --category-json category.json --classes coco --out data/coco/label_graph_ssgrl.npz

Options: --diagonal 0|1 (default: 0 for computed graphs, as stored for --ssgrl-prob), ML-GCN
thresholding --tau 0.4 and re-weighting --p 0.25.
"""
import argparse
import json

from mmengine.config import DictAction

from mmml_plugin.datasets.class_names import class_list, source_class_order
from mmml_plugin.datasets.label_file_builders import (build_label_graph_from_coco,
                                                      build_label_graph_from_dataset,
                                                      ssgrl_source_classes)
from mmml_plugin.utils.label_files import import_ml_gcn_adj, import_ssgrl_prob


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--ann-file', help='COCO instances JSON of the training split')
    src.add_argument('--config', help='config whose train_dataloader.dataset is used')
    src.add_argument('--ml-gcn-adj', help="ML-GCN's *_adj.pkl")
    src.add_argument('--ssgrl-prob', help="SSGRL's prob_*.npy")
    parser.add_argument('--out', required=True, help='output .npz')
    parser.add_argument('--classes',
                        default=None,
                        help="target class order: 'coco', 'voc' or a text file (default: the "
                        "dataset's / the source order)")
    parser.add_argument('--source-order',
                        default=None,
                        help="order of an imported file: 'alphabetical' (ML-GCN COCO), 'coco' "
                        "(category-id order), 'voc' or a text file; default: the target order")
    parser.add_argument('--category-json',
                        help="SSGRL's data/coco/category.json (category id -> 1-based row): the "
                        "row order of its COCO prob_train.npy")
    parser.add_argument('--diagonal',
                        type=float,
                        default=None,
                        help='diagonal value (0 or 1); default: 0 for a graph computed from '
                        'counts, kept as stored for --ssgrl-prob')
    parser.add_argument('--tau', type=float, default=None, help='ML-GCN binarisation threshold')
    parser.add_argument('--p', type=float, default=None, help='ML-GCN re-weighting (needs tau)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='with --config: override config settings, e.g. '
                        'data_root=data/my_data/ (moves every path derived from it)')
    parser.add_argument('--allow-non-train',
                        action='store_true',
                        help='accept a file whose name looks like a val/test split')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    classes = class_list(args.classes) if args.classes else None
    diagonal = 0.0 if args.diagonal is None else args.diagonal
    graph_opts = dict(diagonal=diagonal, tau=args.tau, p=args.p)
    if args.ann_file:
        result = build_label_graph_from_coco(args.ann_file,
                                             args.out,
                                             classes,
                                             allow_non_train=args.allow_non_train,
                                             **graph_opts)
    elif args.config:
        from mmml_plugin.apis import load_config
        cfg = load_config(args.config, args.cfg_options)
        dataset_cfg = cfg.train_dataloader.dataset.to_dict()
        if classes:
            dataset_cfg['classes'] = classes
        result = build_label_graph_from_dataset(dataset_cfg,
                                                args.out,
                                                allow_non_train=args.allow_non_train,
                                                default_scope=cfg.get('default_scope',
                                                                      'mmpretrain'),
                                                **graph_opts)
    else:
        target = classes or class_list('voc' if args.source_order == 'voc' else 'coco')
        source_order = args.source_order or args.classes or 'coco'
        src = (ssgrl_source_classes(args.category_json)
               if args.category_json else source_class_order(source_order, target))
        if args.ml_gcn_adj:
            result = import_ml_gcn_adj(args.ml_gcn_adj, src, args.out, target, **graph_opts)
        else:
            if args.tau is not None or args.p is not None:
                raise SystemExit('--tau/--p need counts; a prob_*.npy has only probabilities.')
            result = import_ssgrl_prob(args.ssgrl_prob,
                                       src,
                                       args.out,
                                       target,
                                       diagonal=args.diagonal)  # None: as stored
    print(
        json.dumps(
            dict(out=args.out, classes=len(result['classes']),
                 num_images=result.get('num_images'))))


if __name__ == '__main__':
    main()
