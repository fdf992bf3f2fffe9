"""COCO as a multi-label classification dataset (image-level labels from instance annotations)."""
import gc
import pickle
from typing import List, Optional, Tuple

import numpy as np
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from mmml_plugin.utils.label_files import class_mapping

from .bad_images import SkipBadImagesMixin
from .coco_index import load_coco_label_index, remap_labels

EMPTY_IMAGE_POLICIES = ('keep', 'drop')


@DATASETS.register_module()
class CocoMultiLabelDataset(SkipBadImagesMixin, MultiLabelDataset):
    """Multi-label COCO (2014 or 2017) from an ``instances_*.json`` file.

    ``gt_label`` holds the indices of the classes present in an image (one per category, however
    many instances), in ascending category-id order: ``metainfo['classes']`` are the COCO names
    in that order (``person``, ``bicycle``, ``car``, ...) unless ``classes`` / ``metainfo`` pick
    a subset or another order by name. The label index is cached (see ``coco_index``).

    Images without any annotation: ``empty_images='keep'`` keeps them as all-negative samples
    (val2014: 40,504 images, as SSGRL and Query2Label evaluate), ``'drop'`` removes them
    (val2014: 40,137, as ML-GCN and ASL).

    Args:
        ann_file (str): the annotation file, relative to ``data_root``.
        empty_images (str): 'keep' or 'drop'.
        cache_dir (str, optional): folder for the label index cache; default next to
            ``ann_file`` (or ``~/.cache/mmml_plugin/coco_index`` if that is read-only).
        use_cache (bool): read/write the label index cache.
        skip_bad_images (bool): during training, skip (and count, see ``BadImageReportHook``)
            images that are missing, empty, truncated or undecodable instead of stopping with
            an error. Needs the ``LoadImageChecked`` transform.
        **kwargs: mmpretrain ``BaseDataset`` arguments (``data_root``, ``data_prefix``,
            ``pipeline``, ``test_mode``, ``classes``, ``metainfo``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 empty_images: str = 'keep',
                 cache_dir: Optional[str] = None,
                 use_cache: bool = True,
                 skip_bad_images: bool = False,
                 **kwargs):
        if empty_images not in EMPTY_IMAGE_POLICIES:
            raise ValueError(f'empty_images must be one of {EMPTY_IMAGE_POLICIES}, got '
                             f'{empty_images!r}.')
        self.empty_images = empty_images
        self.cache_dir = cache_dir
        self.use_cache = use_cache
        self.skip_bad_images = skip_bad_images
        self.num_empty_images = 0
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        index, from_cache = load_coco_label_index(self.ann_file, self.cache_dir, self.use_cache)
        file_classes = [str(c) for c in index.cat_names]
        classes = self._metainfo.get('classes')
        if classes is None:
            self._metainfo['classes'] = tuple(file_classes)
            labels, offsets = index.labels, index.label_offsets
        else:  # a subset / reordering chosen by name
            mapping = np.array(class_mapping(file_classes, classes, self.ann_file))
            labels, offsets = remap_labels(index.labels, index.label_offsets, mapping)
        offsets, labels = offsets.tolist(), labels.tolist()
        image_ids = index.image_ids.tolist()
        prefix = self.data_prefix.get('img_path', '') or ''
        prefix = prefix if not prefix or prefix.endswith('/') else prefix + '/'
        drop = self.empty_images == 'drop'
        data_list, num_empty = [], 0
        gc_was_enabled = gc.isenabled()
        gc.disable()  # 82k new dicts would trigger full collections of the whole heap
        try:
            for i, name in enumerate(index.file_names.tolist()):
                a, b = offsets[i], offsets[i + 1]
                if a == b:
                    num_empty += 1
                    if drop:
                        continue
                data_list.append(
                    dict(img_path=prefix + name, gt_label=labels[a:b], img_id=image_ids[i]))
        finally:
            if gc_was_enabled:
                gc.enable()
        self.num_empty_images = num_empty
        if not data_list:
            raise ValueError(
                f'{self.ann_file}: no images in this split (the file lists {len(image_ids)} '
                f'images, {num_empty} without labels, empty_images={self.empty_images!r}). '
                'Check ann_file and the classes in the dataset config.')
        print_log(
            f'{self.__class__.__name__}: {self.ann_file}: {len(data_list)} images '
            f'({num_empty} without labels, {self.empty_images}), '
            f'{len(self._metainfo["classes"])} classes, label index '
            f'{"from cache" if from_cache else "built"}.',
            logger='current')
        return data_list

    def _serialize_data(self) -> Tuple[np.ndarray, np.ndarray]:
        """mmengine's serialisation (one pickle per sample in a shared byte array), without its
        full ``gc.collect()`` pass (a third of the build time from cache on COCO train): the
        samples hold no reference cycles, so clearing the list frees them."""
        buffers = [pickle.dumps(info, protocol=4) for info in self.data_list]
        data_address = np.cumsum([len(b) for b in buffers], dtype=np.int64)
        data_bytes = np.frombuffer(b''.join(buffers), dtype=np.uint8)
        self.data_list.clear()
        return data_bytes, data_address

    def extra_repr(self) -> List[str]:
        return super().extra_repr() + [
            f'Images without labels: \t{self.num_empty_images} '
            f'({self.empty_images})'
        ]
