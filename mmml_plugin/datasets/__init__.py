"""Datasets, transforms and label artefacts (graph, embeddings, demo data)."""
from .bad_images import SkipBadImagesMixin
from .class_names import COCO_CATEGORY_IDS, COCO_CLASSES, VOC_CLASSES, WORD_ALIASES
from .coco_index import CocoLabelIndex, load_coco_label_index
from .coco_multilabel import CocoMultiLabelDataset
from .csv_multilabel import CSVMultiLabelDataset, read_label_csv
from .demo_digits import make_demo_dataset
from .image_list_subset import ImageListSubset, holdout_names, read_image_list
from .label_file_builders import (build_label_embeddings_from_glove, build_label_graph,
                                  build_label_graph_from_coco, build_label_graph_from_dataset,
                                  build_one_hot_embeddings, read_word_vectors)
from .transforms import BadImageError, LoadImageChecked, RandomSquareCropResize

__all__ = [
    'SkipBadImagesMixin', 'COCO_CATEGORY_IDS', 'COCO_CLASSES', 'VOC_CLASSES', 'WORD_ALIASES',
    'CocoLabelIndex', 'load_coco_label_index', 'CocoMultiLabelDataset', 'CSVMultiLabelDataset',
    'read_label_csv', 'make_demo_dataset', 'ImageListSubset', 'holdout_names', 'read_image_list',
    'build_label_embeddings_from_glove', 'read_word_vectors', 'build_label_graph',
    'build_label_graph_from_coco', 'build_label_graph_from_dataset', 'build_one_hot_embeddings',
    'BadImageError', 'LoadImageChecked', 'RandomSquareCropResize'
]
