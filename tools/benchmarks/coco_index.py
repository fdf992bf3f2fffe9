"""Time building the multi-label COCO index vs parsing the JSON alone, and loading it from cache.

Generates (in a temp dir) an annotation file the size of ``instances_train2014.json``: 82,783
images (702 without annotations), 604,907 instances over the 80 COCO categories with a skewed
class frequency (person the most common), polygons of ~24 points, 1% crowd annotations (~330 MB).
Then, in one process, with the file in the page cache:

* ``json_s``: ``json.load`` of the file alone (as pycocotools does it); ``json_nogc_s`` the same
  with the garbage collector off, as our build parses it;
* ``build_s``: ``CocoMultiLabelDataset`` from scratch (index built and cached);
* ``cached_s``: ``CocoMultiLabelDataset`` again, the index read from the cache.

    python tools/benchmarks/coco_index.py [--images 82783] [--annotations 604907]

Prints one JSON line:
{"bench": "coco_index", "build_over_json": ..., "cached_s": ..., "images": ..., "annotations": ...}
"""
import argparse
import gc
import json
import os
import os.path as osp
import tempfile
import time

import numpy as np

from mmml_plugin.datasets.class_names import COCO_CATEGORY_IDS, COCO_CLASSES


def write_instances_file(path, num_images, num_annotations, num_empty, seed=0):
    """Writes a COCO instances JSON with realistic statistics (text built directly: fast)."""
    rng = np.random.default_rng(seed)
    image_ids = np.sort(rng.choice(600000, num_images, replace=False)) + 9
    widths = rng.choice([640, 500, 480, 427, 612], num_images)
    heights = rng.choice([480, 427, 640, 375, 612], num_images)
    images = ','.join(
        f'{{"license":{1 + i % 8},"file_name":"COCO_train2014_{iid:012d}.jpg",'
        f'"coco_url":"http://images.cocodataset.org/train2014/COCO_train2014_{iid:012d}.jpg",'
        f'"height":{h},"width":{w},"date_captured":"2013-11-14 16:28:13",'
        f'"flickr_url":"http://farm4.staticflickr.com/3153/{iid}_ca1e1b4ef6_z.jpg","id":{iid}}}'
        for i, (iid, w, h) in enumerate(zip(image_ids.tolist(), widths.tolist(), heights.tolist())))
    # Every non-empty image gets one annotation, the rest are spread at random (~7.3 / image).
    labelled = image_ids[np.sort(rng.permutation(num_images)[:num_images - num_empty])]
    extra = rng.choice(len(labelled), num_annotations - len(labelled))
    owners = np.sort(np.concatenate([labelled, labelled[extra]]))
    freq = 1.0 / np.arange(1, 81)**0.9
    freq[0] *= 6  # person
    cats = np.array(COCO_CATEGORY_IDS)[rng.choice(80, num_annotations, p=freq / freq.sum())]
    polygons = [
        ','.join(f'{v:.2f}' for v in rng.uniform(0, 640, 2 * max(4, n)))
        for n in rng.poisson(24, 4096)
    ]
    poly_idx = rng.integers(0, len(polygons), num_annotations)
    boxes = rng.uniform(0, 400, (num_annotations, 4)).round(2)
    crowd = rng.random(num_annotations) < 0.01
    annotations = ','.join(
        f'{{"segmentation":[[{polygons[p]}]],"area":{b[2] * b[3]:.4f},"iscrowd":{int(c)},'
        f'"image_id":{o},"bbox":[{b[0]},{b[1]},{b[2]},{b[3]}],"category_id":{k},"id":{i + 1}}}'
        for i, (o, k, p, b, c) in enumerate(
            zip(owners.tolist(), cats.tolist(), poly_idx.tolist(), boxes.tolist(), crowd.tolist())))
    categories = json.dumps([
        dict(supercategory='thing', id=i, name=n) for i, n in zip(COCO_CATEGORY_IDS, COCO_CLASSES)
    ])
    with open(path, 'w') as f:
        f.write('{"info":{"description":"synthetic instances_train2014-sized file"},'
                '"licenses":[],"images":[' + images + '],"annotations":[' + annotations +
                '],"categories":' + categories + '}')


def timed(fn):
    gc.collect()
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--images', type=int, default=82783)
    parser.add_argument('--annotations', type=int, default=604907)
    parser.add_argument('--empty', type=int, default=702)
    args = parser.parse_args()

    from mmml_plugin.datasets import CocoMultiLabelDataset
    with tempfile.TemporaryDirectory() as tmp:
        ann = osp.join(tmp, 'instances_train2014.json')
        write_instances_file(ann, args.images, args.annotations, args.empty)
        size_mb = os.path.getsize(ann) / 2**20

        def load_json():
            with open(ann) as f:
                return len(json.load(f)['images'])

        def load_json_without_gc():
            gc.disable()
            try:
                return load_json()
            finally:
                gc.enable()

        timed(load_json)  # page cache warm-up
        json_s, _ = timed(load_json)
        json_nogc_s, _ = timed(load_json_without_gc)
        build_s, ds = timed(lambda: CocoMultiLabelDataset(ann, data_prefix='train2014/'))
        assert ds.num_empty_images == args.empty
        cached_s, ds2 = timed(lambda: CocoMultiLabelDataset(ann, data_prefix='train2014/'))
        assert len(ds2) == len(ds) == args.images
        assert ds2.get_data_info(123)['gt_label'] == ds.get_data_info(123)['gt_label']
    print(
        json.dumps(
            dict(bench='coco_index',
                 build_over_json=round(build_s / json_s, 3),
                 cached_s=round(cached_s, 3),
                 json_s=round(json_s, 3),
                 json_nogc_s=round(json_nogc_s, 3),
                 build_s=round(build_s, 3),
                 images=args.images,
                 annotations=args.annotations,
                 file_mb=round(size_mb, 1))))


if __name__ == '__main__':
    main()
