"""Small COCO-format files written by the dataset tests."""
import json
import os.path as osp


def write_coco(path, images, annotations, categories):
    """``images``: list of (id, file_name); ``annotations``: list of (image_id, category_id);
    ``categories``: list of (id, name), in any order."""
    data = dict(
        images=[dict(id=i, file_name=f, width=32, height=32) for i, f in images],
        annotations=[dict(id=n + 1, image_id=i, category_id=c, bbox=[0, 0, 4, 4], area=16,
                          iscrowd=0) for n, (i, c) in enumerate(annotations)],
        categories=[dict(id=c, name=name, supercategory='x') for c, name in categories])
    with open(path, 'w') as f:
        json.dump(data, f)
    return osp.abspath(path)
