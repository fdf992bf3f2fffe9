"""A small "own data" set to try docs/own_data.md on: the demo digits written as a CSV and as
mmpretrain ``MultiLabelDataset`` JSON annotation files.

Layout (all paths in the annotation files are relative to ``out_dir``)::

    out_dir/train/*.jpg, out_dir/val/*.jpg    the demo images
    out_dir/train.csv, out_dir/val.csv        "image,labels" header, then "train/x.jpg,one;two"
    out_dir/classes.txt                       one class name per line: zero ... nine
    out_dir/annotations/train.json, val.json  {"metainfo": {"classes": [...]},
                                               "data_list": [{"img_path", "gt_label"}, ...]}
    out_dir/word_vectors.txt                  a GloVe-format text file (300-d) for the names

``classes.txt`` lists the digits in numeric order, which is not the sorted order of the names
(``eight`` sorts first), so the examples exercise the class-order rule of
:class:`~mmml_plugin.datasets.CSVMultiLabelDataset`.
"""
import csv
import json
import os
import os.path as osp

from .demo_digits import make_demo_dataset, write_demo_word_vectors


def write_own_data_example(out_dir: str,
                           num_train: int = 24,
                           num_val: int = 12,
                           image_size: int = 64,
                           seed: int = 0,
                           word_vector_dim: int = 300) -> dict:
    """Writes the demo digits as a CSV set and a ``MultiLabelDataset`` JSON set.

    Args:
        out_dir (str): output folder (created).
        num_train (int): training images. Defaults to 24.
        num_val (int): validation images. Defaults to 12.
        image_size (int): image side in pixels, >= 32. Defaults to 64.
        seed (int): seed of the generated images. Defaults to 0.
        word_vector_dim (int): size of the vectors in ``word_vectors.txt`` (300: GloVe's).

    Returns:
        dict: ``classes`` and the absolute paths ``train_csv``, ``val_csv``, ``classes_file``,
        ``train_json``, ``val_json``, ``word_vectors``, ``data_root``.
    """
    out_dir = osp.abspath(out_dir)
    info = make_demo_dataset(out_dir, num_train, num_val, image_size, seed)
    classes = info['classes']
    out = dict(classes=classes, data_root=out_dir)
    for split in ('train', 'val'):
        with open(info[f'{split}_ann']) as f:
            coco = json.load(f)
        index = {cat['id']: classes.index(cat['name']) for cat in coco['categories']}
        labels = {img['id']: set() for img in coco['images']}
        for ann in coco['annotations']:
            labels[ann['image_id']].add(index[ann['category_id']])
        rows = [(f'{split}/{img["file_name"]}', sorted(labels[img['id']]))
                for img in coco['images']]
        out[f'{split}_csv'] = osp.join(out_dir, f'{split}.csv')
        with open(out[f'{split}_csv'], 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['image', 'labels'])
            writer.writerows((image, ';'.join(classes[i] for i in gt)) for image, gt in rows)
        out[f'{split}_json'] = osp.join(out_dir, 'annotations', f'{split}.json')
        with open(out[f'{split}_json'], 'w') as f:
            json.dump(
                dict(metainfo=dict(classes=classes),
                     data_list=[dict(img_path=image, gt_label=gt) for image, gt in rows]), f)
        os.remove(info[f'{split}_ann'])  # the COCO files are not part of this example
    out['classes_file'] = osp.join(out_dir, 'classes.txt')
    with open(out['classes_file'], 'w') as f:
        f.write('\n'.join(classes) + '\n')
    out['word_vectors'] = write_demo_word_vectors(info['word_vectors'], seed, word_vector_dim)
    return out
