"""Write a tiny Pascal VOC-format dataset (VOC2007 and VOC2012 folders) for detection tests."""
import os
import os.path as osp

import cv2
import numpy as np

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep',
               'sofa', 'train', 'tvmonitor')


def _object_xml(name, box, difficult):
    x1, y1, x2, y2 = box
    return (f'<object><name>{name}</name><pose>Unspecified</pose><truncated>0</truncated>'
            f'<difficult>{int(difficult)}</difficult><bndbox><xmin>{x1}</xmin><ymin>{y1}</ymin>'
            f'<xmax>{x2}</xmax><ymax>{y2}</ymax></bndbox></object>')


def make_tiny_voc(root, splits=None, size=(160, 120), seed=0):
    """Write ``root/VOC2007`` and ``root/VOC2012`` with coloured boxes as objects.

    Args:
        root (str): output folder (the ``data_root`` of mmdet's VOC configs).
        splits (dict): ``{year: {split: num_images}}``; default one trainval image per year and
            four VOC2007 test images.
        size (tuple): image (width, height).
        seed (int): random seed.

    Returns:
        dict: ``{(year, split): [image ids]}`` and ``'labels'``: {image id: set of class names}.
    """
    splits = splits or {'VOC2007': {'trainval': 1, 'test': 4}, 'VOC2012': {'trainval': 1}}
    rng = np.random.default_rng(seed)
    width, height = size
    out = {'labels': {}}
    for year, year_splits in splits.items():
        base = osp.join(root, year)
        for sub in ('JPEGImages', 'Annotations', 'ImageSets/Main'):
            os.makedirs(osp.join(base, sub), exist_ok=True)
        for split, num in year_splits.items():
            ids = [f'{year[-4:]}_{split}_{i:04d}' for i in range(num)]
            for img_id in ids:
                img = np.full((height, width, 3), 200, np.uint8)
                objects, names = [], set()
                for k in range(int(rng.integers(1, 4))):
                    name = VOC_CLASSES[int(rng.integers(len(VOC_CLASSES)))]
                    x1, y1 = int(rng.integers(0, width // 2)), int(rng.integers(0, height // 2))
                    x2 = int(min(width - 1, x1 + rng.integers(20, width // 2)))
                    y2 = int(min(height - 1, y1 + rng.integers(20, height // 2)))
                    color = tuple(int(c) for c in rng.integers(0, 255, 3))
                    cv2.rectangle(img, (x1, y1), (x2, y2), color, -1)
                    difficult = k == 2
                    objects.append(_object_xml(name, (x1, y1, x2, y2), difficult))
                    if not difficult:
                        names.add(name)
                cv2.imwrite(osp.join(base, 'JPEGImages', f'{img_id}.jpg'), img)
                with open(osp.join(base, 'Annotations', f'{img_id}.xml'), 'w') as f:
                    f.write(f'<annotation><folder>{year}</folder><filename>{img_id}.jpg'
                            f'</filename><size><width>{width}</width><height>{height}</height>'
                            f'<depth>3</depth></size>{"".join(objects)}</annotation>')
                out['labels'][img_id] = names
            with open(osp.join(base, 'ImageSets', 'Main', f'{split}.txt'), 'w') as f:
                f.write('\n'.join(ids) + '\n')
            out[(year, split)] = ids
    return out
