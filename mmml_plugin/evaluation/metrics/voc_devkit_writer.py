"""``VOCDevkitClsWriter``: the PASCAL VOC evaluation server's classification result files."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmpretrain.registry import METRICS


def write_voc_cls_results(out_dir: str,
                          image_ids: Sequence[str],
                          scores: np.ndarray,
                          classes: Sequence[str],
                          comp: int = 1,
                          year: str = 'VOC2012',
                          split: str = 'test') -> List[str]:
    """Write ``<out_dir>/results/<year>/Main/comp<comp>_cls_<split>_<class>.txt``, one file per
    class with one ``<image id> <confidence>`` line per image, the VOC devkit's classification
    format (devkit ``VOCevalcls.m`` reads them; the server expects them in a tar of
    ``results/``).

    Args:
        out_dir (str): folder that receives ``results/<year>/Main/``.
        image_ids (Sequence[str]): image identifiers (file names without extension).
        scores (np.ndarray): (N, C) confidences, higher = more likely.
        classes (Sequence[str]): the C class names in score order.
        comp (int): competition number: 1 (VOC data only) or 2 (any training data).
        year (str): 'VOC2012' or 'VOC2007'.
        split (str): the image set, 'test' for the server.

    Returns:
        list[str]: the written files, in class order.
    """
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape != (len(image_ids), len(classes)):
        raise ValueError(f'scores have shape {scores.shape}, expected ({len(image_ids)} images, '
                         f'{len(classes)} classes): the head and the dataset classes differ.')
    if comp not in (1, 2):
        raise ValueError(f'comp must be 1 (VOC data only) or 2 (outside data), got {comp!r}.')
    folder = osp.join(out_dir, 'results', year, 'Main')
    os.makedirs(folder, exist_ok=True)
    files = []
    for c, name in enumerate(classes):
        path = osp.join(folder, f'comp{comp}_cls_{split}_{name}.txt')
        with open(path, 'w') as f:
            f.writelines(f'{i} {s:.9g}\n' for i, s in zip(image_ids, scores[:, c]))
        files.append(path)
    return files


@METRICS.register_module()
class VOCDevkitClsWriter(BaseMetric):
    """Writes the VOC devkit classification files of the evaluated images instead of scoring
    them (for a test set whose labels are private, as VOC 2012 test; like mmdet's
    ``format_only``). Reports only the number of written files.

    Args:
        out_dir (str): folder that receives ``results/<year>/Main/`` (``tools/test.py`` puts a
            relative folder under the work dir).
        comp (int): competition number of the file names: 1 (trained on VOC data only) or 2.
        year (str): 'VOC2012' or 'VOC2007'.
        split (str): the image set name in the file names.
        collect_device (str): device used to gather results across ranks.
        prefix (str, optional): key prefix; ``'voc-devkit'`` by default.
    """
    default_prefix: Optional[str] = 'voc-devkit'

    def __init__(self,
                 out_dir: str,
                 comp: int = 1,
                 year: str = 'VOC2012',
                 split: str = 'test',
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if comp not in (1, 2):
            raise ValueError(f'comp must be 1 (VOC data only) or 2 (outside data), got {comp!r}.')
        self.out_dir, self.comp, self.year, self.split = out_dir, comp, year, split

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's image id and (C,) ``pred_score``."""
        for sample in data_samples:
            if 'pred_score' not in sample or 'img_path' not in sample:
                raise KeyError('VOCDevkitClsWriter needs pred_score and img_path in every data '
                               'sample (a multi-label classifier on a VOC dataset).')
            score = sample['pred_score']
            if isinstance(score, torch.Tensor):
                score = score.detach().cpu().double().numpy()
            self.results.append((osp.splitext(osp.basename(sample['img_path']))[0],
                                 np.asarray(score, dtype=np.float64).reshape(-1)))

    def compute_metrics(self, results: list) -> Dict[str, int]:
        """Write the files; return how many."""
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError('VOCDevkitClsWriter: the dataset has no class names (metainfo '
                             '`classes`); the devkit files are named by class.')
        results = sorted(dict(results).items())  # one line per image, also across ranks
        files = write_voc_cls_results(self.out_dir, [r[0] for r in results],
                                      np.stack([r[1] for r in results]), classes, self.comp,
                                      self.year, self.split)
        print_log(
            f'VOCDevkitClsWriter: {len(files)} files for {len(results)} images in '
            f'{osp.dirname(files[0])}',
            logger='current')
        return dict(files=len(files), images=len(results))
