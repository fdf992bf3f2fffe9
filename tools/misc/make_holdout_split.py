"""Make the fixed list of training images held out for honest model selection.

The ``*-holdout-*`` configs train on the training set minus these images, select the epoch on
them and score the test set once (docs/reproduction.md). The list depends only on the training
set's image names, the fraction and the seed (SHA-1 ranking, see
``mmml_plugin.datasets.image_list_subset.holdout_names``), so the same command gives the same
list on every machine:

    python tools/misc/make_holdout_split.py configs/ssgrl/ssgrl_r101_1xb4_coco-holdout-576px.py
    python tools/misc/make_holdout_split.py configs/ssgrl/ssgrl_r101_1xb4_voc07-holdout-576px.py

It reads the config's training dataset (the full one, before the held-out images are removed)
and writes the list the config reads (its ``holdout_list``, under ``data_root``) unless
``--out`` is given.
"""
import argparse
import os.path as osp

from mmengine.config import Config, DictAction
from mmengine.registry import init_default_scope


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='a config with `holdout_list` (or any training config)')
    parser.add_argument('--fraction', type=float, default=0.1, help='share held out (0.1)')
    parser.add_argument('--seed', type=int, default=0, help='changes the choice (0)')
    parser.add_argument('--out', help="output list (default: the config's holdout_list)")
    parser.add_argument('--force', action='store_true', help='overwrite an existing list')
    parser.add_argument('--cfg-options',
                        nargs='+',
                        action=DictAction,
                        help='override config settings, e.g. data_root=/data/coco/')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmpretrain.registry import DATASETS

    from mmml_plugin.apis.train_test import load_config
    from mmml_plugin.datasets.image_list_subset import holdout_names, image_name, write_image_list
    cfg: Config = load_config(args.config, args.cfg_options)
    dataset_cfg = cfg.train_dataloader.dataset.to_dict()
    listed = None
    if dataset_cfg.get('type') == 'ImageListSubset':
        listed = dataset_cfg['image_list']  # where the config reads it (re-rooted)
        dataset_cfg = dataset_cfg['dataset']  # the full training set
    out = args.out or listed or cfg.get('holdout_list')
    if out is None:
        raise KeyError(f'{args.config}: no `holdout_list` in the config; pass --out.')
    if osp.exists(out) and not args.force:
        raise FileExistsError(f'{out} exists (the split must stay fixed); pass --force to '
                              'overwrite it.')
    dataset_cfg['pipeline'] = []
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    dataset = DATASETS.build(dataset_cfg)
    names = [image_name(dataset.get_data_info(i)['img_path']) for i in range(len(dataset))]
    held_out = holdout_names(names, args.fraction, args.seed)
    header = (f'{len(held_out)} of {len(names)} training images held out for model selection\n'
              f'made by: python tools/misc/make_holdout_split.py {args.config} '
              f'--fraction {args.fraction} --seed {args.seed}')
    write_image_list(out, held_out, header)
    print(f'{out}: {len(held_out)} of {len(names)} images held out '
          f'(fraction {args.fraction}, seed {args.seed}).')
    return out, held_out


if __name__ == '__main__':
    main()
