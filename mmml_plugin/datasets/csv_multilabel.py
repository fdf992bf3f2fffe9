"""Multi-label images listed in a CSV file: one ``image,label;label`` row per image."""
import csv
import os.path as osp
from typing import List, Tuple

from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.registry import DATASETS

from .bad_images import SkipBadImagesMixin

HEADER_NAMES = ('image', 'img', 'img_path', 'file', 'filename', 'file_name', 'path')


def read_label_csv(path: str,
                   label_sep: str = ';',
                   delimiter: str = ',') -> List[Tuple[str, List[str], int]]:
    """Read ``image,label;label`` rows.

    Rules: a first row whose image field is a column name (``image``, ``img_path``,
    ``filename``, ...) is a header and skipped; blank lines are skipped; the label field may be
    empty (an image with no label: all negatives) or missing; label names are stripped and a
    name repeated within a row counts once. Fields follow the ``csv`` module's quoting, so a
    quoted image name may hold the delimiter.

    Args:
        path (str): the CSV file.
        label_sep (str): separator of the labels within the second field. Defaults to ``';'``.
        delimiter (str): field separator. Defaults to ``','``.

    Returns:
        list[tuple]: ``(image, [label names], line number)`` per row, in file order.

    Raises:
        ValueError: a row with more than two fields, an empty image field, an empty label
            between separators or an image listed twice, naming the file and the line.
    """
    rows, seen, first = [], {}, True
    with open(path, newline='', encoding='utf-8-sig') as f:
        for line_no, fields in enumerate(csv.reader(f, delimiter=delimiter), start=1):
            if not fields or all(not x.strip() for x in fields):
                continue
            if first and fields[0].strip().lower() in HEADER_NAMES:
                first = False
                continue  # header row
            first = False
            where = f'{path}, line {line_no}'
            if len(fields) > 2:
                raise ValueError(
                    f'{where}: {len(fields)} fields {fields}; expected "image,label{label_sep}'
                    f'label" (two fields: quote an image name that holds "{delimiter}", separate '
                    f'labels with "{label_sep}").')
            image = fields[0].strip()
            if not image:
                raise ValueError(f'{where}: empty image field; every row names an image file.')
            labels = [] if len(fields) < 2 or not fields[1].strip() else \
                [name.strip() for name in fields[1].split(label_sep)]
            if any(not name for name in labels):
                raise ValueError(f'{where}: empty label name in {fields[1]!r} (a doubled or '
                                 f'trailing "{label_sep}").')
            if image in seen:
                raise ValueError(f'{where}: image {image!r} is listed again (first on line '
                                 f'{seen[image]}); give each image one row with all its labels.')
            seen[image] = line_no
            rows.append((image, list(dict.fromkeys(labels)), line_no))
    return rows


@DATASETS.register_module()
class CSVMultiLabelDataset(SkipBadImagesMixin, MultiLabelDataset):
    """Multi-label images from a CSV of ``image,label;label`` rows (see :func:`read_label_csv`).

    Example ``train.csv`` (the header is optional)::

        image,labels
        0001.jpg,cat;dog
        0002.jpg,dog
        0003.jpg,

    **Class order** (the index of each score, and the order the label graph and embedding files
    must follow, checked by name when the model is built), in this priority:

    1. ``classes``: a list of names, or the path of a text file with one name per line
       (mmpretrain's ``classes`` argument), or ``metainfo=dict(classes=...)``; a label in the
       CSV that is not among them is an error naming the file and line;
    2. otherwise the **sorted** set of the label names found in this CSV.

    The second rule is per file: a val split that lacks a class would get another order than
    train. Give every split the same ``classes`` file (as ``configs/own_data/`` do) unless each
    split holds every class.

    Args:
        ann_file (str): the CSV, relative to ``data_root``.
        label_sep (str): separator of the labels within a row. Defaults to ``';'``.
        delimiter (str): field separator. Defaults to ``','``.
        skip_bad_images (bool): during training, skip (and count) unreadable images instead of
            stopping; needs ``LoadImageChecked``. Defaults to False.
        **kwargs: mmpretrain ``BaseDataset`` arguments (``data_root``, ``data_prefix`` (the
            image folder), ``classes``, ``metainfo``, ``pipeline``, ``test_mode``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 label_sep: str = ';',
                 delimiter: str = ',',
                 skip_bad_images: bool = False,
                 **kwargs):
        if not label_sep or not delimiter or label_sep == delimiter:
            raise ValueError(f'label_sep ({label_sep!r}) and delimiter ({delimiter!r}) must be '
                             'two different non-empty strings.')
        self.label_sep, self.delimiter = label_sep, delimiter
        self.skip_bad_images = skip_bad_images
        super().__init__(ann_file=ann_file, **kwargs)

    def load_data_list(self) -> List[dict]:
        if not osp.isfile(self.ann_file):
            raise FileNotFoundError(f'{self.ann_file}: CSV annotation file not found (check '
                                    'data_root and ann_file in the dataset config).')
        rows = read_label_csv(self.ann_file, self.label_sep, self.delimiter)
        if not rows:
            raise ValueError(f'{self.ann_file}: no image rows; expected "image,label'
                             f'{self.label_sep}label" lines.')
        classes = self._metainfo.get('classes')
        if classes is None:
            classes = tuple(sorted({name for _, labels, _ in rows for name in labels}))
            self._metainfo['classes'] = classes
        classes = [str(c) for c in classes]
        repeated = sorted({c for c in classes if classes.count(c) > 1})
        if repeated:
            raise ValueError(f'{self.ann_file}: class names repeated in the classes: {repeated}.')
        index = {name: i for i, name in enumerate(classes)}
        prefix = self.data_prefix.get('img_path', '') or ''
        data_list = []
        for image, labels, line_no in rows:
            unknown = [name for name in labels if name not in index]
            if unknown:
                raise ValueError(
                    f'{self.ann_file}, line {line_no}: labels {unknown} are not among the '
                    f'{len(classes)} classes {classes[:8]}{"..." if len(classes) > 8 else ""}; '
                    'fix the row or add them to the classes file (the dataset\'s `classes`).')
            data_list.append(
                dict(img_path=osp.join(prefix, image), gt_label=[index[n] for n in labels]))
        print_log(
            f'{type(self).__name__}: {self.ann_file}: {len(data_list)} images, '
            f'{len(classes)} classes, '
            f'{sum(not labels for _, labels, _ in rows)} images without labels.',
            logger='current')
        return data_list

    def extra_repr(self) -> List[str]:
        return super().extra_repr() + [f'Label separator: \t{self.label_sep!r}']
