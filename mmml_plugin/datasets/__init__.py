"""Datasets, transforms and label artefacts (graph, embeddings, demo data)."""
from .bad_images import BadImageReportHook, SkipBadImagesMixin
from .class_names import COCO_CATEGORY_IDS, COCO_CLASSES, VOC_CLASSES, WORD_ALIASES
from .coco_index import CocoLabelIndex, load_coco_label_index
from .coco_multilabel import CocoMultiLabelDataset
from .demo_digits import make_demo_dataset
from .label_embeddings import (build_label_embeddings_from_glove, import_embeddings,
                               read_word_vectors)
from .label_graph import (build_label_graph, build_label_graph_from_coco, import_ml_gcn_adj,
                          import_ssgrl_prob)
from .transforms import BadImageError, LoadImageChecked, RandomSquareCropResize

__all__ = [
    'BadImageReportHook', 'SkipBadImagesMixin', 'COCO_CATEGORY_IDS', 'COCO_CLASSES',
    'VOC_CLASSES', 'WORD_ALIASES', 'CocoLabelIndex', 'load_coco_label_index',
    'CocoMultiLabelDataset', 'make_demo_dataset', 'build_label_embeddings_from_glove',
    'import_embeddings', 'read_word_vectors', 'build_label_graph', 'build_label_graph_from_coco',
    'import_ml_gcn_adj', 'import_ssgrl_prob', 'BadImageError', 'LoadImageChecked',
    'RandomSquareCropResize'
]
