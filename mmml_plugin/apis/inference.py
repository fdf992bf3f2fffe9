"""Multi-label inference on single images, with SSGRL's per-class attention maps.

In the spirit of mmpretrain's inferencers::

    >>> from mmml_plugin.apis import MultiLabelInferencer
    >>> inferencer = MultiLabelInferencer('configs/demo/ssgrl_r18_demo.py', 'epoch_4.pth')
    >>> result = inferencer('demo.jpg', topk=3)
    >>> result['class_names'], result['scores']
    >>> inferencer.save_attention_grid(result, 'demo_attention.png')

or with functions: ``model = init_model(config, checkpoint)`` then
``inference_multilabel(model, image)``.
"""
import copy
import os.path as osp
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.runner import load_checkpoint
from mmpretrain.apis import get_model
from mmpretrain.registry import TRANSFORMS

from mmml_plugin.datasets.transforms import load_image_checked
from mmml_plugin.engine.checkpoint_match import check_checkpoint_matches_model
from mmml_plugin.engine.data_root import reroot_data
from mmml_plugin.evaluation import predict_labels
from mmml_plugin.models import extract_attention, find_decoupling_module
from mmml_plugin.visualization import save_attention_grid

from .train_test import load_config

ImageType = Union[str, np.ndarray]


def _config_classes(cfg: Config) -> Optional[List[str]]:
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    classes = (dataset.get('metainfo') or {}).get('classes')
    return list(classes) if classes else None


def _check_finite_weights(model: torch.nn.Module, checkpoint: str) -> None:
    bad = [
        name for name, value in model.state_dict().items()
        if value.is_floating_point() and not torch.isfinite(value).all()
    ]
    if bad:
        raise ValueError(
            f'{checkpoint}: weights {", ".join(bad[:5])}{" ..." if len(bad) > 5 else ""} contain '
            'NaN or inf (the training diverged before this checkpoint was saved), so every score '
            'would be NaN. Use an earlier checkpoint, or retrain with a lower learning rate or '
            'gradient clipping.')


def init_model(config: Union[str, Config],
               checkpoint: Optional[str] = None,
               device: str = 'cpu',
               classes: Optional[Sequence[str]] = None,
               cfg_options: Optional[dict] = None,
               strict: bool = True) -> torch.nn.Module:
    """Build a multi-label classifier from its config and load a checkpoint.

    The checkpoint must provide every weight of the model with its shape (``strict``): a
    checkpoint of another model (e.g. SSGRL weights with the baseline config) is refused with a
    :class:`~mmml_plugin.engine.checkpoint_match.CheckpointMismatchError` naming the keys and
    the config it was trained with, instead of predicting with a randomly initialised head.

    Class names come from, in order: ``classes``, the config's
    ``test_dataloader.dataset.metainfo``, the checkpoint's ``meta.dataset_meta`` (written by
    mmengine's Runner), the dataset class's ``METAINFO``.

    Args:
        config (str | Config): the model's config.
        checkpoint (str, optional): weights; None keeps the random initialisation.
        device (str): ``'cpu'`` or ``'cuda:0'``...
        classes (Sequence[str], optional): class names, overriding the other sources.
        cfg_options (dict, optional): overrides, as ``--cfg-options`` of ``tools/train.py``
            (``data_root=...`` re-roots every path, e.g. the label files SSGRL reads when built).
        strict (bool): refuse a checkpoint with missing, unexpected or mis-shaped weights.
            Defaults to True.

    Returns:
        nn.Module: the model in eval mode, with ``dataset_meta = {'classes': [...]}`` and its
        config in ``_config`` (as mmpretrain's ``get_model`` leaves it).
    """
    if checkpoint is not None and not osp.isfile(checkpoint):
        raise FileNotFoundError(f'{checkpoint}: checkpoint not found; train one with '
                                '`python tools/train.py CONFIG` or download it.')
    if isinstance(config, str):
        cfg = load_config(config, cfg_options)
    else:
        cfg = copy.deepcopy(config)
        if cfg_options:
            original = copy.deepcopy(cfg)
            cfg.merge_from_dict(cfg_options)
            reroot_data(cfg, original)
    model = get_model(cfg, pretrained=False, device=device)
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location='cpu')
        if strict:
            check_checkpoint_matches_model(model, loaded, checkpoint, config=cfg.filename)
        _check_finite_weights(model, checkpoint)
        meta_classes = (loaded.get('meta', {}).get('dataset_meta') or {}).get('classes')
        if meta_classes:
            model._dataset_meta = dict(classes=list(meta_classes))
    names = classes or _config_classes(cfg) or model._dataset_meta.get('classes')
    num_classes = model.head.num_classes
    if names is None:
        names = [f'class_{i}' for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f'{config}: {len(names)} class names for a head with {num_classes} '
                         'classes; pass `classes=` with the training classes.')
    model.dataset_meta = dict(classes=list(names))
    return model


def build_test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline without the image loading (images come from the caller)."""
    pipeline_cfg = [
        t for t in cfg.test_dataloader.dataset.pipeline if not t['type'].startswith('LoadImage')
    ]
    return Compose([TRANSFORMS.build(t) for t in pipeline_cfg])


def has_attention(model: torch.nn.Module) -> bool:
    """Whether ``model`` decouples semantics with attention (SSGRL and its ablations with it)."""
    try:
        find_decoupling_module(model)
    except ValueError:
        return False
    return True


def _read_image(image: ImageType) -> np.ndarray:
    if isinstance(image, np.ndarray):
        return image
    if not osp.isfile(image):
        raise FileNotFoundError(f'{image}: image not found.')
    # empty, truncated, over-budget or undecodable files: BadImageError (a ValueError) naming it
    return load_image_checked(image, skip_hint=False)


def select_labels(scores: np.ndarray,
                  thr: Optional[float] = 0.5,
                  topk: Optional[int] = None) -> np.ndarray:
    """Indices of the predicted labels, highest score first.

    The plugin's one prediction rule (:func:`mmml_plugin.evaluation.predict_labels`, as
    ``MultiLabelMAP`` counts it): score >= ``thr`` and, with ``topk``, among the k highest;
    ``thr=None`` keeps the k highest whatever their score.
    """
    order = np.argsort(-scores, kind='stable')
    pred = predict_labels(scores[None], thr, topk)[0]
    return order[pred[order]]


@torch.no_grad()
def inference_multilabel(model: torch.nn.Module,
                         image: ImageType,
                         thr: float = 0.5,
                         topk: Optional[int] = None,
                         pipeline: Optional[Compose] = None) -> dict:
    """Predict the labels of one image.

    Args:
        model (nn.Module): from :func:`init_model`.
        image (str | np.ndarray): file path, or a (H, W, 3) uint8 BGR array (as ``mmcv.imread``).
        thr (float): score threshold (probabilities) when ``topk`` is None.
        topk (int, optional): return the ``topk`` best labels instead of thresholding.
        pipeline (Compose, optional): the test pipeline; built from the model's config if None.

    Returns:
        dict: ``labels`` (K,) class indices, best first; ``scores`` (K,) their probabilities;
        ``class_names`` (K,) their names; ``pred_score`` (C,) every class's probability;
        ``attention`` (C, h, w) per-class attention over the feature map (SSGRL models) or None;
        ``image`` (H, W, 3) uint8 RGB, the input as the model saw it (after the test transforms),
        which the attention maps cover.
    """
    pipeline = pipeline or build_test_pipeline(model._config)
    img = _read_image(image)
    sample = pipeline(dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
    batch = model.data_preprocessor(default_collate([sample]), False)
    prediction = model(**batch, mode='predict')[0]
    scores = prediction.pred_score.float().cpu().numpy()
    if not np.isfinite(scores).all():
        raise ValueError(
            f'{image if isinstance(image, str) else "the image"}: the model produced NaN/inf '
            f'scores for {int((~np.isfinite(scores)).sum())} class(es); its weights or this input '
            'are broken (check the checkpoint with init_model, which refuses NaN weights).')
    attention = None
    if has_attention(model):
        attention = extract_attention(model, batch['inputs'])[0].float().cpu().numpy()
    labels = select_labels(scores, thr, topk)
    names = model.dataset_meta['classes']
    shown = sample['inputs'].permute(1, 2, 0).numpy()[..., ::-1]  # (H, W, 3) BGR -> RGB
    return dict(labels=labels,
                scores=scores[labels],
                class_names=[names[i] for i in labels],
                pred_score=scores,
                attention=attention,
                image=np.ascontiguousarray(shown))


class MultiLabelInferencer:
    """Config + checkpoint -> callable predictor for single images.

    Args:
        config (str | Config): the model's config.
        checkpoint (str, optional): weights.
        device (str): ``'cpu'`` or ``'cuda:0'``...
        classes (Sequence[str], optional): class names (see :func:`init_model`).
        cfg_options (dict, optional): config overrides (see :func:`init_model`).
        strict (bool): refuse checkpoints that leave weights uninitialised (see
            :func:`init_model`). Defaults to True.
    """

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: str = 'cpu',
                 classes: Optional[Sequence[str]] = None,
                 cfg_options: Optional[dict] = None,
                 strict: bool = True):
        self.model = init_model(config, checkpoint, device, classes, cfg_options, strict)
        self.pipeline = build_test_pipeline(self.model._config)

    @property
    def classes(self) -> List[str]:
        return self.model.dataset_meta['classes']

    def __call__(self, image: ImageType, thr: float = 0.5, topk: Optional[int] = None) -> dict:
        """See :func:`inference_multilabel`."""
        return inference_multilabel(self.model, image, thr, topk, self.pipeline)

    @staticmethod
    def save_attention_grid(result: dict, out_file: str, **kwargs) -> str:
        """See :func:`mmml_plugin.visualization.save_attention_grid`."""
        return save_attention_grid(result, out_file, **kwargs)
