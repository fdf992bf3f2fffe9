"""Build the class-name embeddings (C x E ``.npz`` with names) from a GloVe / word2vec text file
or one-hot (C x C, no word vectors needed), or convert ML-GCN's ``*_glove_word2vec.pkl`` /
SSGRL's ``vectors.npy`` (rows reordered by name).

    # GloVe (streamed; glove.840B.300d.txt is read line by line)
    python tools/misc/build_label_embeddings.py --glove glove.840B.300d.txt --classes coco \
        --out data/coco/label_embeddings_glove.npz
    python tools/misc/build_label_embeddings.py --glove glove.840B.300d.txt --classes voc \
        --out data/voc/VOC2007/label_embeddings_glove.npz
    # classes from an annotation file (e.g. the demo set); extra aliases
    python tools/misc/build_label_embeddings.py --glove data/demo/word_vectors.txt \
        --ann-file data/demo/annotations/instances_train.json --out data/demo/label_embeddings.npz
    # your own data: classes from a config's training dataset (data_root moved), GloVe or one-hot
    python tools/misc/build_label_embeddings.py --glove glove.840B.300d.txt \
        --config configs/own_data/ssgrl_r18_1xb8_csv-224px.py \
        --cfg-options data_root=data/my_data/ --out data/my_data/label_embeddings.npz
    python tools/misc/build_label_embeddings.py --one-hot \
        --config configs/own_data/ssgrl_r18_1xb8_csv-224px.py \
        --cfg-options data_root=data/my_data/ --out data/my_data/label_embeddings_onehot.npz
    # ML-GCN (alphabetical COCO order) and SSGRL (category-id order) files
    python tools/misc/build_label_embeddings.py --ml-gcn coco_glove_word2vec.pkl \
        --source-order alphabetical --classes coco --out data/coco/label_embeddings_mlgcn.npz
    python tools/misc/build_label_embeddings.py --ssgrl-vectors vectors.npy \
        --category-json category.json --classes coco --out data/coco/label_embeddings_ssgrl.npz
    python tools/misc/build_label_embeddings.py --ssgrl-vectors voc07_vector.npy \
        --classes voc --out data/voc/VOC2007/label_embeddings_ssgrl_voc07.npz
"""
import argparse
import json

from mmengine.config import DictAction

from mmml_plugin.datasets.class_names import class_list, source_class_order
from mmml_plugin.datasets.label_file_builders import (build_label_embeddings_from_glove,
                                                      build_one_hot_embeddings,
                                                      build_training_dataset, ssgrl_source_classes)
from mmml_plugin.utils.label_files import import_embeddings


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    src = parser.add_mutually_exclusive_group(required=True)
    src.add_argument('--glove', help='GloVe / word2vec text file')
    src.add_argument('--one-hot',
                     action='store_true',
                     help='one-hot embeddings (C x C identity), without a word-vector file; set '
                     "the head's embed_dims to C")
    src.add_argument('--ml-gcn', help="ML-GCN's *_glove_word2vec.pkl")
    src.add_argument('--ssgrl-vectors',
                     help="SSGRL's vectors.npy (COCO), voc07_vector.npy or voc12_vector.npy")
    parser.add_argument('--out', required=True, help='output .npz')
    names = parser.add_mutually_exclusive_group()
    names.add_argument('--classes', help="'coco', 'voc' or a text file with one name per line")
    names.add_argument('--ann-file',
                       help='take the classes from a COCO annotation file '
                       '(category-id order)')
    names.add_argument('--config',
                       help="take the classes from a config's training dataset "
                       '(train_dataloader.dataset, any registered dataset type)')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='with --config: override config settings, e.g. '
                        'data_root=data/my_data/')
    parser.add_argument('--source-order',
                        default=None,
                        help="row order of an imported file: 'alphabetical' (ML-GCN's COCO), "
                        "'coco' (category-id order), 'voc' or a text file; default: the target "
                        "classes' order")
    parser.add_argument('--category-json',
                        help="SSGRL's data/coco/category.json (category id -> 1-based row): "
                        "the row order of its COCO vectors.npy")
    parser.add_argument('--alias',
                        action='append',
                        default=[],
                        metavar='NAME=WORDS',
                        help='extra alias, e.g. --alias "tvmonitor=tv monitor"')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.ann_file:
        from mmml_plugin.datasets.coco_index import load_coco_label_index
        classes = [str(c) for c in load_coco_label_index(args.ann_file)[0].cat_names]
    elif args.config:
        from mmml_plugin.apis import load_config
        cfg = load_config(args.config, args.cfg_options)
        dataset = build_training_dataset(cfg.train_dataloader.dataset.to_dict(),
                                         default_scope=cfg.get('default_scope', 'mmpretrain'))
        classes = [str(c) for c in dataset.metainfo['classes']]
    elif args.classes:
        classes = class_list(args.classes)
    else:
        classes = class_list('voc' if args.source_order == 'voc' else 'coco')
    source_order = args.source_order or args.classes or 'coco'
    if args.glove:
        aliases = dict(a.split('=', 1) for a in args.alias)
        emb = build_label_embeddings_from_glove(args.glove, classes, args.out, aliases)
    elif args.one_hot:
        emb = build_one_hot_embeddings(classes, args.out)
    elif args.ml_gcn:
        emb = import_embeddings(args.ml_gcn, source_class_order(source_order, classes), classes,
                                args.out)
    else:  # SSGRL's vectors.npy (COCO) / voc07_vector.npy / voc12_vector.npy, values as stored
        source = (ssgrl_source_classes(args.category_json)
                  if args.category_json else source_class_order(source_order, classes))
        emb = import_embeddings(args.ssgrl_vectors, source, classes, args.out)
    print(json.dumps(dict(out=args.out, classes=emb.shape[0], dim=emb.shape[1])))


if __name__ == '__main__':
    main()
