"""Convert a checkpoint of the official ML-GCN code (Megvii-Nanjing/ML-GCN) to this plugin.

    # COCO: the official files are in alphabetical class order, our dataset in category-id order
    python tools/model_converters/mlgcn_official_to_mmml.py \
        checkpoint/coco/coco_checkpoint.pth.tar work_dirs/mlgcn_official_coco.pth \
        --source-order alphabetical --classes coco
    python tools/test.py configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py \
        work_dirs/mlgcn_official_coco.pth
    # VOC 2007 (same order on both sides)
    python tools/model_converters/mlgcn_official_to_mmml.py \
        checkpoint/voc/voc_checkpoint.pth.tar work_dirs/mlgcn_official_voc.pth

The head's word embeddings are not in the checkpoint: the config must point at ML-GCN's own
``*_glove_word2vec.pkl``, imported with ``tools/misc/build_label_embeddings.py --ml-gcn`` (see
configs/mlgcn/README.md). The mapping lives in
:func:`mmml_plugin.models.convert_official_mlgcn`.
"""
import argparse
import os.path as osp

import torch

from mmml_plugin.datasets.class_names import class_list, source_class_order
from mmml_plugin.engine.safe_checkpoint_loader import load_from_local_weights_only
from mmml_plugin.models import convert_official_mlgcn


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint ({"epoch", "state_dict", ...})')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--source-order',
                        default=None,
                        help="class order of the official model: 'alphabetical' (ML-GCN COCO), "
                        "'coco', 'voc' or a text file; default: the same as --classes")
    parser.add_argument('--classes',
                        default=None,
                        help="class order of the target dataset: 'coco', 'voc' or a text file")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    checkpoint = load_from_local_weights_only(args.src, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not any(k.removeprefix('module.').startswith('features.') for k in state_dict):
        raise KeyError(f'{args.src}: no features.* keys; is this a full official ML-GCN '
                       'checkpoint (saved by its engine.py)?')
    order = None
    if args.source_order is not None:
        if args.classes is None:
            raise SystemExit('--source-order needs --classes (the target dataset\'s order).')
        classes = class_list(args.classes)
        source = source_class_order(args.source_order, classes)
        if sorted(source) != sorted(classes):
            raise SystemExit(f'--source-order {args.source_order} and --classes {args.classes} '
                             'name different classes.')
        order = [source.index(c) for c in classes]
    converted, _ = convert_official_mlgcn(state_dict, class_order=order)
    meta = dict(source=osp.basename(args.src), epoch=int(checkpoint.get('epoch', -1)))
    if 'best_score' in checkpoint:
        meta['official_best_score'] = float(checkpoint['best_score'])
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    print(f'{args.src}: {len(state_dict)} official keys -> {len(converted)} keys in {args.dst}' +
          (f' (classes reordered {args.source_order} -> {args.classes})' if order else ''))


if __name__ == '__main__':
    main()
