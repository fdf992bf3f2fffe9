"""Convert a checkpoint of the official SSGRL code (HCPLab-SYSU/SSGRL) to this plugin.

    python tools/model_converters/ssgrl_official_to_mmml.py \
        checkpoint_coco.pth.tar work_dirs/ssgrl_official_coco.pth
    python tools/test.py configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py \
        work_dirs/ssgrl_official_coco.pth

The mapping lives in :func:`mmml_plugin.models.convert_official_ssgrl`. The label files are not
part of the official checkpoints; evaluate with the graph and embeddings the model was trained with.
"""
import argparse
import os.path as osp

import torch

from mmml_plugin.engine.safe_checkpoint_loader import load_from_local_weights_only
from mmml_plugin.models import convert_official_ssgrl


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='official checkpoint ({"epoch", "state_dict", "best_mAP"})')
    parser.add_argument('dst', help='output mmengine checkpoint (.pth)')
    parser.add_argument('--reset-gate',
                        choices=['official', 'paper'],
                        default='official',
                        help="the head's reset_gate; 'official' reproduces the official model")
    return parser.parse_args()


def main():
    args = parse_args()
    # weights-only: a checkpoint can't run code; numpy scalars (best_mAP) are allow-listed, and
    # a file that needs more is refused with safe advice (never weights_only=False).
    checkpoint = load_from_local_weights_only(args.src, map_location='cpu')
    state_dict = checkpoint.get('state_dict', checkpoint)
    if not any(k.removeprefix('module.').startswith('resnet_101.') for k in state_dict):
        raise KeyError(f'{args.src}: no resnet_101.* keys; is this a full official SSGRL '
                       'checkpoint (saved by its main.py)?')
    converted, dropped = convert_official_ssgrl(state_dict, reset_gate=args.reset_gate)
    meta = dict(source=osp.basename(args.src),
                reset_gate=args.reset_gate,
                epoch=int(checkpoint.get('epoch', -1)))
    if 'best_mAP' in checkpoint:
        meta['official_best_mAP'] = float(checkpoint['best_mAP'])
    torch.save(dict(meta=meta, state_dict=converted), args.dst)
    print(f'{args.src}: {len(state_dict)} official keys -> {len(converted)} keys in {args.dst}' +
          (f'; dropped (unused by the official forward): {dropped}' if dropped else ''))


if __name__ == '__main__':
    main()
