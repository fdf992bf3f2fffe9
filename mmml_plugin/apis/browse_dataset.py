"""Look at a multi-label dataset as the model gets it: each image after the config's train or test
pipeline, with its label names.

Every dataset type of the plugin's configs works: ``CocoMultiLabelDataset`` (COCO and the demo
digits), mmpretrain's ``VOC`` (difficult-only classes shown as such), ``ImageListSubset`` (the
held-out splits) and, for the Faster R-CNN config, mmdet's VOC datasets (image-level labels from
the boxes' classes; a class with only ignored boxes, i.e. VOC difficult ones or, in mmdet's
training sets, boxes under ``filter_cfg.bbox_min_size`` (32 px), is shown as difficult).
mmpretrain 1.2.0's own ``tools/visualization/browse_dataset.py`` stops with the matplotlib this
project installs (3.11: ``adjust_bbox() missing 'renderer'``)::

    >>> from mmml_plugin.apis.browse_dataset import browse_dataset
    >>> samples = browse_dataset('configs/demo/ssgrl_r18_demo.py', 'browse/', phase='train',
    ...                          num=8)
    >>> samples[0]['labels'], samples[0]['file']
    (['three', 'five'], 'browse/00000_train_000000.png')
"""
import os
import os.path as osp
from typing import Iterator, List, Optional

import numpy as np

from .train_test import load_config

__all__ = ['build_phase_dataset', 'iter_samples', 'browse_dataset', 'PHASES']

PHASES = ('train', 'val', 'test')


def build_phase_dataset(config: str, phase: str = 'train', cfg_options: Optional[dict] = None):
    """The dataset of ``<phase>_dataloader`` of ``config``, with its pipeline.

    Args:
        config (str): a config path.
        phase (str): ``'train'``, ``'val'`` or ``'test'``.
        cfg_options (dict, optional): overrides (``data_root=...`` moves every data path).

    Returns:
        Dataset: built in the config's registry scope (mmpretrain, or mmdet for detectors).
    """
    from mmengine.registry import init_default_scope
    if phase not in PHASES:
        raise ValueError(f'phase must be one of {PHASES}, got {phase!r}.')
    cfg = load_config(config, cfg_options)
    loader = cfg.get(f'{phase}_dataloader')
    if not loader or 'dataset' not in loader:
        raise KeyError(f'{config}: no {phase}_dataloader.dataset; choose another --phase.')
    scope = cfg.get('default_scope', 'mmpretrain')
    init_default_scope(scope)
    if scope == 'mmdet':
        from mmdet.registry import DATASETS
    else:
        from mmpretrain.registry import DATASETS
    return DATASETS.build(loader['dataset'])


def _names(indices, classes) -> List[str]:
    return [str(classes[int(k)]) for k in indices]


def _sample_labels(data_sample, info: dict, classes) -> tuple:
    """``(labels, difficult)`` class names of one packed sample."""
    if 'gt_instances' in data_sample:  # an mmdet detection sample: classes of its boxes
        labels = np.unique(data_sample.gt_instances.labels.numpy())
        ignored = data_sample.get('ignored_instances')
        hard = np.unique(ignored.labels.numpy()) if ignored is not None else np.zeros(0, int)
        return _names(labels, classes), _names(np.setdiff1d(hard, labels), classes)
    if 'gt_score' in data_sample and 'gt_label' not in data_sample:
        labels = np.flatnonzero(data_sample.gt_score.numpy() == 1)
    else:
        labels = np.asarray(data_sample.gt_label).reshape(-1)
    difficult = info.get('gt_label_difficult', [])
    hard = [k for k in np.asarray(difficult, dtype=np.int64).reshape(-1) if k not in set(labels)]
    return _names(labels, classes), _names(hard, classes)


def iter_samples(dataset, num: Optional[int] = None, start: int = 0) -> Iterator[dict]:
    """The dataset's samples after its pipeline, as images with label names.

    Args:
        dataset: from :func:`build_phase_dataset`.
        num (int, optional): at most this many samples; default all.
        start (int): the first sample index.

    Yields:
        dict: ``index``, ``img_path``, ``image`` (H, W, 3) uint8 RGB as the pipeline outputs it
        (before the model's normalisation), ``labels`` and ``difficult`` (class names; difficult:
        classes whose only objects are difficult / ignored).
    """
    classes = dataset.metainfo.get('classes')
    if classes is None:
        raise KeyError(f'{type(dataset).__name__} has no metainfo classes; cannot name labels.')
    stop = len(dataset) if num is None else min(len(dataset), start + num)
    for index in range(start, stop):
        item = dataset[index]
        if item is None:
            raise ValueError(f'sample {index}: the pipeline returned nothing (a filtered image).')
        inputs = item['inputs']
        if isinstance(inputs, (list, tuple)):
            inputs = inputs[0]
        image = inputs.numpy() if hasattr(inputs, 'numpy') else np.asarray(inputs)
        if image.ndim != 3 or image.shape[0] not in (1, 3):
            raise ValueError(f'sample {index}: expected a (3, H, W) image from the pipeline, got '
                             f'{image.shape}; browse a pipeline that ends in PackInputs.')
        image = np.ascontiguousarray(image.transpose(1, 2, 0)[..., ::-1])  # BGR -> RGB
        if image.dtype != np.uint8:
            image = np.clip(image, 0, 255).astype(np.uint8)
        data_sample = item['data_samples']
        info = dataset.get_data_info(index)
        labels, difficult = _sample_labels(data_sample, info, classes)
        yield dict(index=index,
                   img_path=str(data_sample.get('img_path') or info.get('img_path') or ''),
                   image=image,
                   labels=labels,
                   difficult=difficult)


def browse_dataset(config: str,
                   out_dir: str,
                   phase: str = 'train',
                   num: Optional[int] = 16,
                   start: int = 0,
                   cfg_options: Optional[dict] = None) -> List[dict]:
    """Write each sample after the pipeline, at the pipeline's output size, with its labels.

    Args:
        config (str): a config path.
        out_dir (str): writes ``<out_dir>/<index:05d>_<image stem>.png`` per sample.
        phase (str): ``'train'`` (with the random augmentation) , ``'val'`` or ``'test'``.
        num (int, optional): samples to write; None: all.
        start (int): the first sample index.
        cfg_options (dict, optional): overrides (``data_root=...``).

    Returns:
        list[dict]: per sample what :func:`iter_samples` yields, without the image, plus
        ``file`` (the PNG) and ``shape`` (H, W) of the pipeline output.
    """
    from mmml_plugin.visualization.labelled_image import save_labelled_image
    dataset = build_phase_dataset(config, phase, cfg_options)
    os.makedirs(out_dir, exist_ok=True)
    records = []
    for sample in iter_samples(dataset, num, start):
        stem = osp.splitext(osp.basename(sample['img_path']))[0] or 'image'
        out = osp.join(out_dir, f'{sample["index"]:05d}_{stem}.png')
        image = sample.pop('image')
        save_labelled_image(image, sample['labels'], out, difficult=sample['difficult'])
        records.append(dict(sample, file=out, shape=tuple(image.shape[:2])))
    return records
