"""Class names of the multi-label benchmarks, and the word aliases used to embed them.

``COCO_CLASSES`` are in ascending category-id order (the order of our labels, SSGRL's and Q2L's);
ML-GCN uses the alphabetical order of the same names.
"""

COCO_CATEGORY_IDS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,
                     24, 25, 27, 28, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 46, 47,
                     48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 67, 70,
                     72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 84, 85, 86, 87, 88, 89, 90)

COCO_CLASSES = ('person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train', 'truck',
                'boat', 'traffic light', 'fire hydrant', 'stop sign', 'parking meter', 'bench',
                'bird', 'cat', 'dog', 'horse', 'sheep', 'cow', 'elephant', 'bear', 'zebra',
                'giraffe', 'backpack', 'umbrella', 'handbag', 'tie', 'suitcase', 'frisbee', 'skis',
                'snowboard', 'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
                'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork', 'knife',
                'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange', 'broccoli', 'carrot',
                'hot dog', 'pizza', 'donut', 'cake', 'chair', 'couch', 'potted plant', 'bed',
                'dining table', 'toilet', 'tv', 'laptop', 'mouse', 'remote', 'keyboard',
                'cell phone', 'microwave', 'oven', 'toaster', 'sink', 'refrigerator', 'book',
                'clock', 'vase', 'scissors', 'teddy bear', 'hair drier', 'toothbrush')

VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car', 'cat', 'chair',
               'cow', 'diningtable', 'dog', 'horse', 'motorbike', 'person', 'pottedplant', 'sheep',
               'sofa', 'train', 'tvmonitor')

# Class name -> the words looked up in a word-vector file (their vectors are averaged).
# Names not listed are split on spaces/underscores. Documented in docs/data_preparation.md.
WORD_ALIASES = {
    'diningtable': 'dining table',
    'pottedplant': 'potted plant',
    'tvmonitor': 'tv monitor',
    'motorbike': 'motorbike',
    'aeroplane': 'aeroplane',
}

CLASS_LISTS = {'coco': COCO_CLASSES, 'voc': VOC_CLASSES}


def class_list(spec: str) -> list:
    """Class names from ``'coco'``, ``'voc'`` or a text file with one name per line."""
    if spec in CLASS_LISTS:
        return list(CLASS_LISTS[spec])
    with open(spec) as f:
        return [line.strip() for line in f if line.strip()]


def source_class_order(order: str, classes) -> list:
    """Class names in the row order of an imported file: ``'alphabetical'`` (ML-GCN's COCO
    files: ``sorted(classes)``) or anything :func:`class_list` accepts."""
    return sorted(classes) if order == 'alphabetical' else class_list(order)
