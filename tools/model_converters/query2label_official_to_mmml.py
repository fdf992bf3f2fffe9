"""Convert a released Query2Label checkpoint (SlongLiu/query2labels, ResNet-101) to this plugin.

    python tools/model_converters/query2label_official_to_mmml.py \
        pretrained/Q2L-R101-448/checkpoint.pkl work_dirs/q2l_r101_448_official.pth
    python tools/test.py configs/query2label/query2label_r101_1xb64_coco-448px.py \
        work_dirs/q2l_r101_448_official.pth

The official COCO class order is the category-id order of ``instances_*.json``
(lib/dataset/cocodataset.py), the same as this plugin's COCO dataset. A checkpoint trained with
``--keep_input_proj`` has ``input_proj.*`` keys: set ``model.head.input_proj=True`` then (the
tool says so). The mapping lives in
:func:`mmml_plugin.models.convert_official_query2label`.
"""
import argparse
import os.path as osp

import torch

from mmml_plugin.engine.safe_checkpoint_loader import load_from_local_weights_only
from mmml_plugin.models import convert_official_query2label


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint ({"epoch", "state_dict", ...})')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    checkpoint = load_from_local_weights_only(args.src, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not any(k.removeprefix('module.').startswith('backbone.0.body.') for k in state_dict):
        raise KeyError(f'{args.src}: no backbone.0.body.* keys; is this a full official '
                       'Query2Label checkpoint (saved by main_mlc.py)?')
    converted, dropped = convert_official_query2label(state_dict)
    meta = dict(source=osp.basename(args.src), epoch=int(checkpoint.get('epoch', -1)))
    if 'best_mAP' in checkpoint:
        meta['official_best_mAP'] = float(checkpoint['best_mAP'])
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    proj = any(k.startswith('head.input_proj.') for k in converted)
    print(f'{args.src}: {len(state_dict)} official keys -> {len(converted)} keys in {args.dst}; '
          f'dropped (recomputed): {dropped}' +
          ('; it has input_proj: set model.head.input_proj=True' if proj else ''))


if __name__ == '__main__':
    main()
