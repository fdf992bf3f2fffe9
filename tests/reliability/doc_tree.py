"""A tiny clone in the layout the docs describe, for running the docs' commands as written.

``make_doc_clone(root)`` writes ``root`` with ``configs/`` and ``tools/`` linked to the repository
and ``data/`` as ``docs/data_preparation.md`` lays it out, images only (the label files are made
by the docs' own commands):

- ``data/coco/``: COCO-2014 instances files (``annotations/instances_{train,val}2014.json``,
  ``train2014/``, ``val2014/``) with all 80 categories, every category in the training split;
- ``data/voc/``: the VOCdevkit folder, ``VOC2007`` (trainval, test) and ``VOC2012`` (trainval,
  train, val, test), every class in each training split;

and the stand-ins for the inputs the docs take from elsewhere (:data:`STAND_INS`): a GloVe text
file holding just the class words (the 5 GB ``glove.840B.300d.txt`` otherwise).
"""
import json
import os
import os.path as osp
from pathlib import Path

import cv2
import numpy as np

from mmml_plugin.datasets.class_names import (COCO_CATEGORY_IDS, COCO_CLASSES, VOC_CLASSES,
                                              WORD_ALIASES)

REPO_ROOT = Path(__file__).resolve().parents[2]
SIZE = (40, 32)  # image (width, height): the commands shrink the models' inputs to match


def _image(path, rng):
    img = rng.integers(0, 255, (SIZE[1], SIZE[0], 3), dtype=np.uint8)
    cv2.imwrite(str(path), img)


def make_tiny_coco(root, num_train=10, num_val=3, seed=0):
    """COCO-2014 layout under ``root``; image i holds categories 8i..8i+7 (mod 80): the val
    images hold `person` and `dog`, which getting_started.md plots."""
    rng = np.random.default_rng(seed)
    categories = [dict(id=i, name=n) for i, n in zip(COCO_CATEGORY_IDS, COCO_CLASSES)]
    os.makedirs(osp.join(root, 'annotations'), exist_ok=True)
    ann_id = 0
    for split, num in (('train2014', num_train), ('val2014', num_val)):
        os.makedirs(osp.join(root, split), exist_ok=True)
        images, annotations = [], []
        for i in range(num):
            name = f'COCO_{split}_{i:012d}.jpg'
            _image(osp.join(root, split, name), rng)
            images.append(dict(id=i + 1, file_name=name, width=SIZE[0], height=SIZE[1]))
            for k in range(8):
                ann_id += 1
                annotations.append(
                    dict(id=ann_id,
                         image_id=i + 1,
                         category_id=COCO_CATEGORY_IDS[(8 * i + k) % 80],
                         bbox=[2, 2, 10, 10],
                         area=100,
                         iscrowd=0))
        with open(osp.join(root, 'annotations', f'instances_{split}.json'), 'w') as f:
            json.dump(dict(images=images, annotations=annotations, categories=categories), f)


def make_tiny_voc(root, seed=0):
    """VOCdevkit layout under ``root``: image i of a split holds classes 4i..4i+3 (mod 20)."""
    rng = np.random.default_rng(seed)
    splits = {'VOC2007': {'trainval': 5, 'test': 2}, 'VOC2012': {'train': 5, 'val': 2, 'test': 2}}
    for year, sizes in splits.items():
        base = osp.join(root, year)
        for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
            os.makedirs(osp.join(base, sub), exist_ok=True)
        ids_of = {}
        for split, num in sizes.items():
            ids_of[split] = [f'{year[-4:]}_{split}_{i:04d}' for i in range(num)]
            for i, img_id in enumerate(ids_of[split]):
                _image(osp.join(base, 'JPEGImages', f'{img_id}.jpg'), rng)
                objects = ''.join(
                    f'<object><name>{VOC_CLASSES[(4 * i + k) % 20]}</name><difficult>0'
                    '</difficult><bndbox><xmin>2</xmin><ymin>2</ymin><xmax>30</xmax>'
                    '<ymax>20</ymax></bndbox></object>' for k in range(4))
                with open(osp.join(base, 'Annotations', f'{img_id}.xml'), 'w') as f:
                    f.write(f'<annotation><filename>{img_id}.jpg</filename><size><width>'
                            f'{SIZE[0]}</width><height>{SIZE[1]}</height><depth>3</depth>'
                            f'</size>{objects}</annotation>')
        if 'train' in ids_of:
            ids_of['trainval'] = ids_of['train'] + ids_of['val']
        for split, ids in ids_of.items():
            with open(osp.join(base, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
                f.write('\n'.join(ids) + '\n')


def make_glove_stand_in(path, dims=300, seed=0):
    """A GloVe-format text file with a vector for every word of the COCO and VOC class names."""
    rng = np.random.default_rng(seed)
    words = {'dryer'}  # docs/data_preparation.md's --alias "hair drier=hair dryer"
    for name in list(COCO_CLASSES) + list(VOC_CLASSES) + list(WORD_ALIASES.values()):
        words.update(str(name).replace('_', ' ').split())
    with open(path, 'w') as f:
        for word in sorted(words):
            f.write(word + ' ' + ' '.join(f'{v:.4f}' for v in rng.standard_normal(dims)) + '\n')


# Inputs the docs name but take from elsewhere: file in the clone -> how the test makes it.
STAND_INS = {
    'glove.840B.300d.txt': 'GloVe vectors of the class words only (make_glove_stand_in)',
    'work_dirs/demo/ssgrl/epoch_12.pth': "`make demo`'s data and SSGRL checkpoint (a short run)",
    'ssgrl_preds.npz': 'a prediction dump (a copy of work_dirs/ssgrl_coco/preds.npz)',
    'baseline_preds.npz': 'a second prediction dump (the same copy)',
}


def make_doc_clone(root):
    """Write the clone described in the module docstring under ``root``; returns ``root``."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    for name in ('configs', 'tools'):
        os.symlink(REPO_ROOT / name, root / name)
    make_tiny_coco(root / 'data' / 'coco')
    make_tiny_voc(root / 'data' / 'voc')
    make_glove_stand_in(root / 'glove.840B.300d.txt')
    return root
