"""What the multi-label metrics keep of a batch: (B, C) scores and (B, C) int8 targets.

One home for turning data samples into arrays, shared by ``MultiLabelMAP``,
``DetectionMultiLabelMetric`` and ``DumpMultiLabelResults``; needs neither mmpretrain nor
mmdet (detector samples are read as plain dicts / ``InstanceData``).

Targets are 1 (positive), 0 (negative) or -1 (ignored): classes with only VOC "difficult"
objects are -1, or 1 / 0 with ``difficult_as_positive`` True / False.

Storage (:class:`RecordMetric`): each rank grows one :class:`RecordBatch` in ``self.results``
(no per-sample object, every row written once); :func:`stack_records` turns the gathered
entries back into (N, C) arrays, without the distributed sampler's padding.
"""
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.dist import get_rank, get_world_size
from mmengine.evaluator import BaseMetric


def to_numpy(value) -> np.ndarray:
    """A tensor, array or sequence as a numpy array (tensors are detached and moved to CPU;
    bfloat16, which numpy lacks, becomes float32, exactly)."""
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        return (value.float() if value.dtype == torch.bfloat16 else value).numpy()
    return np.asarray(value)


def difficult_value(difficult_as_positive: Optional[bool]) -> int:
    """Target of a difficult-only class: -1 (ignored) for None, 1 for True, 0 for False."""
    return {None: -1, True: 1, False: 0}[difficult_as_positive]


class RecordBatch:
    """The processed samples of one rank, row after row: ``pred_score`` (N, C), ``gt_target``
    (N, C) int8, optionally ``img_path`` (N,) str, and the rank that processed them.

    Batches are appended in place (:meth:`append`) into buffers that grow by ``ndarray.resize``
    (a ``realloc``: for large buffers the pages move without being copied or touched again), so
    the samples are written once, where :func:`stack_records` hands them to the metric. Not a
    dict or a tuple on purpose: mmengine's ``_to_cpu`` would rebuild those. Pickling (to gather
    ranks) keeps only the filled rows.

    Args:
        arrays (dict): name -> (B, ...) array, the first batch.
        rank (int): the process rank (``mmengine.dist.get_rank()``).
    """
    __slots__ = ('arrays', 'rank', 'size')

    def __init__(self, arrays: Dict[str, np.ndarray], rank: int = 0) -> None:
        self.arrays = {k: np.array(v) for k, v in arrays.items()}  # owned: resizable
        self.rank = rank
        self.size = len(next(iter(arrays.values())))

    def __len__(self) -> int:
        return self.size

    def append(self, arrays: Dict[str, np.ndarray]) -> None:
        """Add a batch's rows after the filled ones.

        Args:
            arrays (dict): name -> (B, ...) array, the same names as the first batch.
        """
        n = len(next(iter(arrays.values())))
        for key, rows in arrays.items():
            buf = self.arrays[key]
            dtype = np.result_type(buf, rows)
            if dtype != buf.dtype:  # e.g. a longer image path: widen (rare, one copy)
                buf = buf.astype(dtype)
            if self.size + n > len(buf):  # grow by 1/4: amortised O(1) a row, at most 25% unused
                buf.resize((max(len(buf) + len(buf) // 4, self.size + n), *buf.shape[1:]),
                           refcheck=False)
            buf[self.size:self.size + n] = rows
            self.arrays[key] = buf
        self.size += n

    def __getstate__(self):
        return dict(arrays={
            k: v[:self.size]
            for k, v in self.arrays.items()
        },
                    rank=self.rank,
                    size=self.size)

    def __setstate__(self, state):
        self.arrays, self.rank, self.size = state['arrays'], state['rank'], state['size']


class RecordMetric(BaseMetric):
    """A metric whose ``results`` hold one :class:`RecordBatch` per rank, grown batch by batch.

    mmengine's ``BaseMetric.evaluate`` expects one entry per sample: it cuts the distributed
    sampler's padding by truncating the gathered entries to the dataset size. One growing entry
    (no per-sample Python object: a million samples would cost a million list entries, each
    walked by ``_to_cpu``, and a second copy of every array to stack them) moves that cut here:
    :meth:`evaluate` keeps ``size`` and :meth:`gathered` drops the padded samples itself (see
    :func:`stack_records`).
    """

    def add_batch(self, arrays: Dict[str, np.ndarray]) -> None:
        """Keep one processed batch.

        Args:
            arrays (dict): name -> (B, ...) array.
        """
        rank = get_rank()
        if self.results and isinstance(self.results[-1], RecordBatch) \
                and self.results[-1].rank == rank:
            self.results[-1].append(arrays)
        else:
            self.results.append(RecordBatch(arrays, rank))

    def evaluate(self, size: int) -> dict:
        """``BaseMetric.evaluate``, remembering the dataset size for :meth:`gathered`."""
        self._dataset_size = size
        return super().evaluate(size)

    def gathered(self, results: List[RecordBatch]) -> Dict[str, np.ndarray]:
        """The (N, ...) arrays of every rank's samples, padding dropped (``results`` and
        ``self.results`` are emptied)."""
        arrays = stack_records(results,
                               getattr(self, '_dataset_size', None),
                               get_world_size(),
                               release=True)
        results.clear()
        self.results.clear()  # BaseMetric.evaluate clears it only after compute_metrics
        return arrays


def stack_records(results: Sequence[RecordBatch],
                  size: Optional[int] = None,
                  world_size: int = 1,
                  release: bool = False) -> Dict[str, np.ndarray]:
    """The (N, ...) arrays of the batches in ``results``, without the distributed padding.

    mmengine's ``DefaultSampler`` pads the dataset to a multiple of the world size W with copies
    of its first samples, placed at the global positions ``size .. W * ceil(size / W) - 1``; rank
    r gets the positions r, r + W, ..., so each padded sample is the *last* sample of one of
    the last ``W * ceil(size / W) - size`` ranks. Those rows are dropped, which is exactly what
    ``collect_results`` drops when given one entry per sample.

    Args:
        results (Sequence[RecordBatch]): the gathered batches, in any order of ranks.
        size (int, optional): the dataset size; None keeps every row.
        world_size (int): W.
        release (bool): drop each batch's array once copied, so that the samples are held about
            once, not twice, while they are gathered (the batches are unusable afterwards).

    Returns:
        dict: name -> (N, ...) array.
    """
    if not results:
        return {}
    if any(not isinstance(b, RecordBatch) for b in results):
        raise TypeError('the metric results must be RecordBatch entries (from the plugin '
                        f"metrics' process); got {sorted({type(b).__name__ for b in results})}.")
    keep = [len(b) for b in results]
    total = sum(keep)
    if size is not None and total > size:
        pad = total - size
        if world_size == 1 or pad >= world_size:
            raise ValueError(f'{total} samples were processed for a dataset of {size} on '
                             f'{world_size} process(es): the evaluation processed samples '
                             'twice; use one DefaultSampler pass (the val/test loop) per '
                             'evaluation.')
        last = {}  # rank -> index of its last batch
        for i, b in enumerate(results):
            last[b.rank] = i
        for rank in range(world_size - pad, world_size):
            keep[last[rank]] -= 1
    if len(results) == 1:  # one process: the rows stay where they were written, no copy
        out = {}
        for key, buf in results[0].arrays.items():
            if release and buf.flags.owndata and len(buf) > keep[0]:
                buf.resize((keep[0], *buf.shape[1:]), refcheck=False)  # unused tail given back
            out[key] = buf[:keep[0]]
        return out
    out = {}
    for key in list(results[0].arrays):
        first = results[0].arrays[key]
        dtype = np.result_type(*(b.arrays[key] for b in results))  # dtypes only
        stacked = np.empty((sum(keep), *first.shape[1:]), dtype=dtype)
        start = 0
        for b, k in zip(results, keep):
            stacked[start:start + k] = b.arrays[key][:k]  # (a buffer may be longer than filled)
            start += k
            if release:
                b.arrays[key] = None  # its memory goes back now, not after the whole copy
        out[key] = stacked
    return out


def _as_batch(values: List, name: str) -> np.ndarray:
    """Stack one (C,) field of every sample into (B, C); shapes must agree."""
    try:
        stacked = torch.stack(values).detach().reshape(len(values), -1)  # one op per batch
    except TypeError:  # not all tensors
        stacked = None
    except RuntimeError:
        stacked = None
    try:
        if stacked is None:
            stacked = np.stack([to_numpy(v).reshape(-1) for v in values])
    except ValueError:
        sizes = sorted({int(np.prod(getattr(v, 'shape', np.shape(v)))) for v in values})
        raise ValueError(f'{name} has {sizes} entries across the samples of one batch: every '
                         'sample needs one entry per class (the head num_classes).') from None
    return to_numpy(stacked)


def _label_rows(values: List, name: str, num_classes: int):
    """(rows, classes) int64 index pairs of a list of per-sample class-index fields."""
    if all(isinstance(v, torch.Tensor) and v.dim() == 1 for v in values):
        sizes = [v.numel() for v in values]
        cols = to_numpy(torch.cat(values)).astype(np.int64) if values else np.zeros(0, np.int64)
    else:
        idx = [to_numpy(v).reshape(-1).astype(np.int64) for v in values]
        sizes = [len(i) for i in idx]
        cols = np.concatenate(idx) if idx else np.zeros(0, dtype=np.int64)
    if cols.size and (cols.min() < 0 or cols.max() >= num_classes):
        bad = sorted(set(cols[(cols < 0) | (cols >= num_classes)].tolist()))
        raise ValueError(f'{name} {bad} is out of range for {num_classes} classes: the dataset '
                         'classes and the head num_classes differ.')
    return np.repeat(np.arange(len(sizes)), sizes), cols


def batch_targets(data_samples: Sequence[dict],
                  num_classes: int,
                  difficult_as_positive: Optional[bool] = None) -> np.ndarray:
    """The (B, C) targets (1 / 0 / -1) of mmpretrain data samples.

    Uses ``gt_score`` when present (one-hot, -1 allowed), otherwise the ``gt_label`` class
    indices. Classes listed in ``gt_label_difficult`` (mmpretrain's VOC dataset) that are not
    positive become -1, or 1 / 0 with ``difficult_as_positive`` True / False.

    Args:
        data_samples (Sequence[dict]): B data samples (dicts, as the evaluator passes them).
        num_classes (int): C.
        difficult_as_positive (bool, optional): the difficult policy.

    Returns:
        np.ndarray: (B, C) int8; other values (soft labels) are returned as they are, float, and
        rejected by :func:`~mmml_plugin.evaluation.functional.check_scores_targets`.
    """
    try:  # the usual batch: every sample has gt_score (the preprocessor's to_onehot)
        scores = [ds['gt_score'] for ds in data_samples]
    except KeyError:
        scores = None
    if scores is not None:
        target = _as_batch(scores, 'gt_score')
        if target.shape[1] != num_classes:
            raise ValueError(f'gt_score has {target.shape[1]} entries but pred_score has '
                             f'{num_classes}: the dataset classes and the head num_classes differ.')
        if ((target == 1) | (target == 0) | (target == -1)).all():
            target = target.astype(np.int8)
    elif not any('gt_score' in ds for ds in data_samples) and all('gt_label' in ds
                                                                  for ds in data_samples):
        target = np.zeros((len(data_samples), num_classes), dtype=np.int8)
        target[_label_rows([ds['gt_label'] for ds in data_samples], 'gt_label', num_classes)] = 1
    elif any('gt_score' in ds for ds in data_samples):  # both kinds: one sample at a time
        return np.concatenate([
            batch_targets([ds], num_classes, difficult_as_positive) for ds in data_samples
        ]).astype(np.int8)
    else:
        raise KeyError('the data sample has neither gt_score nor gt_label: the evaluation dataset '
                       'must provide ground truth (annotations in test_mode).')
    difficult = [ds.get('gt_label_difficult') for ds in data_samples]
    if any(d is not None for d in difficult):
        rows, cols = _label_rows([() if d is None else d for d in difficult], 'gt_label_difficult',
                                 num_classes)
        keep = target[rows, cols] != 1  # a class with a normal object stays positive
        target[rows[keep], cols[keep]] = difficult_value(difficult_as_positive)
    return target


def classification_batch(data_samples: Sequence[dict],
                         difficult_as_positive: Optional[bool] = None) -> Dict[str, np.ndarray]:
    """What the metrics keep of a classifier's batch: ``pred_score`` (B, C), dtype kept
    (float64 scores stay float64, bfloat16 becomes float32), and ``gt_target`` (B, C) int8
    (:func:`batch_targets`).

    Args:
        data_samples (Sequence[dict]): B data samples with ``pred_score``.
        difficult_as_positive (bool, optional): the difficult policy.

    Returns:
        dict: ``pred_score`` and ``gt_target``.
    """
    try:
        scores = [ds['pred_score'] for ds in data_samples]
    except KeyError:
        raise KeyError('the data sample has no pred_score: MultiLabelMAP needs a classifier '
                       'whose head predicts scores (mode="predict").') from None
    scores = _as_batch(scores, 'pred_score')
    return dict(pred_score=scores,
                gt_target=batch_targets(data_samples, scores.shape[1], difficult_as_positive))


def detections_to_scores(labels: np.ndarray, scores: np.ndarray, num_classes: int) -> np.ndarray:
    """Image-level class scores from one image's detections.

    Args:
        labels (np.ndarray): (K,) class index of each detection.
        scores (np.ndarray): (K,) detection scores.
        num_classes (int): C.

    Returns:
        np.ndarray: (C,) float32, s_c = max score of the class-c detections, 0 if there is none.
    """
    image_scores = np.zeros(num_classes, dtype=np.float32)
    if labels.size:
        if labels.min() < 0 or labels.max() >= num_classes:
            raise ValueError(f'detection labels {np.unique(labels).tolist()} are out of range for '
                             f'{num_classes} classes: the detector head num_classes and the '
                             'dataset classes differ.')
        np.maximum.at(image_scores, labels, scores.astype(np.float32))  # s_c = max_k score_k
    return image_scores


def instances_to_targets(gt_labels: np.ndarray,
                         ignored_labels: np.ndarray,
                         num_classes: int,
                         difficult_as_positive: Optional[bool] = None) -> np.ndarray:
    """Image-level targets: 1 for classes with a box, -1 for classes with only ignored
    (VOC difficult) boxes (1 / 0 with ``difficult_as_positive`` True / False), 0 otherwise.

    Args:
        gt_labels (np.ndarray): (K,) labels of the ``gt_instances``.
        ignored_labels (np.ndarray): (M,) labels of the ``ignored_instances``.
        num_classes (int): C.
        difficult_as_positive (bool, optional): the difficult policy.

    Returns:
        np.ndarray: (C,) int8.
    """
    targets = np.zeros(num_classes, dtype=np.int8)
    for name, labels in (('gt_instances', gt_labels), ('ignored_instances', ignored_labels)):
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(f'{name} labels {np.unique(labels).tolist()} are out of range for '
                             f'{num_classes} classes: check the dataset classes.')
    targets[ignored_labels] = difficult_value(difficult_as_positive)
    targets[gt_labels] = 1  # a class with a normal box is positive
    return targets


def _field(instances, key: str) -> np.ndarray:
    """``instances[key]`` as a flat numpy array; instances may be a dict or an InstanceData."""
    value = instances[key] if isinstance(instances, dict) else getattr(instances, key)
    return to_numpy(value).reshape(-1)


def detection_batch(data_samples: Sequence[dict],
                    num_classes: int,
                    difficult_as_positive: Optional[bool] = None) -> Dict[str, np.ndarray]:
    """What the metrics keep of a detector's batch: each image's class scores
    (:func:`detections_to_scores`) and targets (:func:`instances_to_targets`).

    Args:
        data_samples (Sequence[dict]): B mmdet data samples (``pred_instances``,
            ``gt_instances``, optionally ``ignored_instances``).
        num_classes (int): C.
        difficult_as_positive (bool, optional): the difficult policy.

    Returns:
        dict: ``pred_score`` (B, C) float32 and ``gt_target`` (B, C) int8.
    """
    scores, targets = [], []
    for data_sample in data_samples:
        pred = data_sample['pred_instances']
        scores.append(
            detections_to_scores(
                _field(pred, 'labels').astype(np.int64), _field(pred, 'scores'), num_classes))
        gt_labels = _field(data_sample['gt_instances'], 'labels').astype(np.int64)
        ignored = data_sample.get('ignored_instances')
        ignored_labels = (_field(ignored, 'labels').astype(np.int64) if ignored is not None
                          and 'labels' in ignored else np.zeros(0, dtype=np.int64))
        targets.append(
            instances_to_targets(gt_labels, ignored_labels, num_classes, difficult_as_positive))
    return dict(pred_score=np.stack(scores), gt_target=np.stack(targets))


def dataset_num_classes(dataset_meta: Optional[dict], metric: str) -> int:
    """C from a dataset's ``metainfo['classes']``.

    Args:
        dataset_meta (dict, optional): the metric's ``dataset_meta``.
        metric (str): the metric's name, for the message.

    Returns:
        int: C.
    """
    classes = (dataset_meta or {}).get('classes')
    if classes is None:
        raise ValueError(f'{metric} does not know the number of classes: the dataset has no '
                         'metainfo "classes"; pass num_classes=C.')
    return len(classes)
