"""Train on VOC's difficult-only labels as positives, as ML-GCN does."""
import numpy as np
from mmcv.transforms import BaseTransform
from mmpretrain.registry import TRANSFORMS


@TRANSFORMS.register_module()
class DifficultAsPositive(BaseTransform):
    """``gt_label ← gt_label ∪ gt_label_difficult``.

    mmpretrain's ``VOC`` dataset keeps a class whose only objects in an image are marked
    difficult in ``gt_label_difficult``, not in ``gt_label``, so it is a negative in training.
    ML-GCN reads VOC's ``ImageSets/Main/<class>_trainval.txt`` files, where such a class is 0,
    and its engine turns that 0 into a positive for training (Megvii-Nanjing/ML-GCN voc.py:29-61,
    engine.py:430-432). Put this transform in the training pipeline to do the same; evaluation
    keeps ignoring those labels (``MultiLabelMAP(difficult_as_positive=None)``).

    Required keys: ``gt_label``, ``gt_label_difficult``. Modified keys: ``gt_label``.
    """

    def transform(self, results: dict) -> dict:
        if 'gt_label_difficult' not in results:
            raise KeyError(
                f'{type(self).__name__}: the sample has no "gt_label_difficult" (only '
                'mmpretrain\'s VOC dataset provides it); remove this transform from the training '
                'pipeline of other datasets.')
        labels = set(np.asarray(results['gt_label'], dtype=np.int64).reshape(-1).tolist())
        labels |= set(
            np.asarray(results['gt_label_difficult'], dtype=np.int64).reshape(-1).tolist())
        results['gt_label'] = np.array(sorted(labels), dtype=np.int64)
        return results
