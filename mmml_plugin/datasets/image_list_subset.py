"""A fixed, named subset of a dataset: the held-out validation split of honest model selection.

The official SSGRL code selects the epoch on the test set (HCPLab-SYSU/SSGRL main.py L146-159);
the ``*-holdout-*`` configs instead hold a fixed list of training images out, select the epoch on
them, and score the test set once. The list is a text file of image names (file names without
extension: VOC ids such as ``000005``, COCO stems such as ``COCO_train2014_000000000009``) made by
``tools/misc/make_holdout_split.py``.
"""
import copy
import hashlib
import os.path as osp
from typing import List, Optional, Sequence, Union

from mmengine.dataset import BaseDataset
from mmpretrain.registry import DATASETS


def image_name(img_path: str) -> str:
    """The name of an image in a list: its file name without directory and extension."""
    return osp.splitext(osp.basename(img_path))[0]


def holdout_names(names: Sequence[str], fraction: float, seed: int = 0) -> List[str]:
    """Choose ``round(fraction * len(names))`` names, reproducibly, independent of their order.

    Each name is ranked by the SHA-1 of ``f'{seed}:{name}'``; the lowest ranks are held out. The
    choice depends only on the set of names, the fraction and the seed (not on numpy's or
    Python's generators, their versions or the dataset's order).

    Args:
        names (Sequence[str]): image names (unique).
        fraction (float): share to hold out, in (0, 1).
        seed (int): changes the choice.

    Returns:
        list[str]: the held-out names, sorted.
    """
    if not 0 < fraction < 1:
        raise ValueError(f'fraction must be in (0, 1), got {fraction}.')
    if len(set(names)) != len(names):
        raise ValueError('image names are not unique: a name list cannot identify the images.')
    count = int(round(fraction * len(names)))
    if not 0 < count < len(names):
        raise ValueError(f'{fraction} of {len(names)} images leaves an empty split.')
    rank = sorted(names, key=lambda n: hashlib.sha1(f'{seed}:{n}'.encode()).hexdigest())
    return sorted(rank[:count])


def write_image_list(path: str, names: Sequence[str], header: str = '') -> None:
    """Write one name per line after ``# ``-commented header lines."""
    with open(path, 'w') as f:
        for line in header.splitlines():
            f.write(f'# {line}\n')
        f.writelines(f'{n}\n' for n in names)


def read_image_list(path: str) -> List[str]:
    """Read a list written by :func:`write_image_list` (comments and blank lines skipped)."""
    if not osp.isfile(path):
        raise FileNotFoundError(f'{path}: image list not found; make it with '
                                'tools/misc/make_holdout_split.py (see docs/reproduction.md).')
    with open(path) as f:
        names = [line.strip() for line in f]
    names = [n for n in names if n and not n.startswith('#')]
    if not names:
        raise ValueError(f'{path}: the image list is empty.')
    return names


@DATASETS.register_module()
class ImageListSubset:
    """The images of ``dataset`` named (``exclude=False``) or not named (``exclude=True``) in
    ``image_list``.

    Metainfo, items and data infos are the wrapped dataset's. Every listed name must exist in the
    wrapped dataset, so a list made for another dataset fails instead of selecting nothing.

    Args:
        dataset (dict | BaseDataset): the dataset, or its config.
        image_list (str): text file of image names (see :func:`read_image_list`).
        exclude (bool): drop the listed images (the training part) instead of keeping only them
            (the held-out part).
        pipeline (list, optional): replaces the config's pipeline (the held-out part of a
            training set is read with the test pipeline).
        test_mode (bool, optional): replaces the config's ``test_mode``.
        lazy_init (bool): defer reading the annotations until first use.
    """

    def __init__(self,
                 dataset: Union[dict, BaseDataset],
                 image_list: str,
                 exclude: bool = False,
                 pipeline: Optional[list] = None,
                 test_mode: Optional[bool] = None,
                 lazy_init: bool = False):
        if isinstance(dataset, dict):
            dataset = dict(dataset)
            if pipeline is not None:
                dataset['pipeline'] = pipeline
            if test_mode is not None:
                dataset['test_mode'] = test_mode
            dataset = DATASETS.build(dataset)
        elif pipeline is not None or test_mode is not None:
            raise ValueError('pipeline and test_mode can only be set with a dataset config.')
        self.dataset = dataset
        self.image_list = image_list
        self.exclude = exclude
        self._metainfo = dataset.metainfo
        self._fully_initialized = False
        if not lazy_init:
            self.full_init()

    @property
    def metainfo(self) -> dict:
        return self._metainfo

    def full_init(self) -> None:
        """Read the list and keep the selected images of the wrapped dataset."""
        if self._fully_initialized:
            return
        self.dataset.full_init()
        listed = set(read_image_list(self.image_list))
        names = [
            image_name(self.dataset.get_data_info(i)['img_path']) for i in range(len(self.dataset))
        ]
        missing = listed - set(names)
        if missing:
            raise ValueError(
                f'{self.image_list}: {len(missing)} listed image(s) are not in the dataset '
                f'(e.g. {sorted(missing)[:3]}); the list was made for another dataset: make it '
                'again with tools/misc/make_holdout_split.py.')
        indices = [i for i, n in enumerate(names) if (n in listed) != self.exclude]
        # In place on our own (shallow) copy, not ``BaseDataset.get_subset``: in mmengine 0.10.x
        # that deep-copies through ``_copy_without_annotation(self, memo=dict())``, a mutable
        # default shared by every call in the process, so once an earlier copy's object is freed
        # and its id() reused, the new subset receives the stale copy (seen here: a VOC dataset in
        # place of a transform of the next subset's pipeline).
        self.dataset = copy.copy(self.dataset)
        self.dataset.get_subset_(indices)
        self._fully_initialized = True

    def get_data_info(self, idx: int) -> dict:
        self.full_init()
        return self.dataset.get_data_info(idx)

    def __getitem__(self, idx: int) -> dict:
        self.full_init()
        return self.dataset[idx]

    def __len__(self) -> int:
        self.full_init()
        return len(self.dataset)

    def __repr__(self) -> str:
        part = 'without' if self.exclude else 'only'
        return f'{type(self).__name__}({part} {self.image_list}, {len(self)} images)'
