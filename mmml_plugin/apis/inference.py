"""Multi-label inference: label sets, per-class scores and SSGRL's per-class attention maps.

Shaped like mmpretrain's ``ImageClassificationInferencer`` (an mmengine ``BaseInferencer``)::

    >>> from mmml_plugin.apis import MultiLabelInferencer
    >>> inferencer = MultiLabelInferencer('configs/demo/ssgrl_r18_demo.py', 'epoch_4.pth')
    >>> results = inferencer(['a.jpg', 'b.jpg'], topk=3, batch_size=2, show_dir='vis/')
    >>> results[0]['class_names'], results[0]['scores'], results[0]['pred_score']

or with functions: ``model = init_model(config, checkpoint)`` then
``inference_multilabel(model, image)``. Which labels are returned is decided by one rule,
:mod:`mmml_plugin.evaluation.functional.label_selection` (``thr``, ``topk``, per-class ``thr``).

The models also work through mmpretrain's own API (``get_model``, ``inference_model``,
``ImageClassificationInferencer``): see :func:`init_model` and docs/getting_started.md.
"""
import copy
import json
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmengine.infer import BaseInferencer
from mmengine.runner import load_checkpoint
from mmpretrain.apis import get_model
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from mmml_plugin.datasets.transforms import load_image_checked
from mmml_plugin.engine.checkpoint_match import check_checkpoint_matches_model
from mmml_plugin.engine.data_root import reroot_data
from mmml_plugin.evaluation.functional.label_selection import ThrType, resolve_rule, select_labels
from mmml_plugin.evaluation.threshold_file import load_thresholds
from mmml_plugin.models import extract_attention, find_decoupling_module
from mmml_plugin.utils.label_files import check_class_order
from mmml_plugin.visualization import save_attention_grid

from .train_test import load_config

__all__ = [
    'MultiLabelInferencer', 'init_model', 'inference_multilabel', 'build_test_pipeline',
    'has_attention', 'select_labels', 'config_classes'
]

ImageType = Union[str, np.ndarray]
# the files of a folder input that are read as images
IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')
# mmpretrain's inference_model picks its inferencer from the task of the model's metainfo
# (mmpretrain 1.2.0, mmpretrain/apis/model.py L373-399); 'Image Classification' maps to
# ImageClassificationInferencer, whose DataSamples carry the multi-label prediction.
MMPRETRAIN_TASK = 'Image Classification'


def config_classes(cfg: Config) -> Optional[List[str]]:
    """The class names a config states: its test dataset's ``classes`` / ``metainfo.classes``,
    else its head's or neck's ``classes`` (SSGRL's, checked against its label files).

    Args:
        cfg (Config): a model config.

    Returns:
        list[str] or None: None when the config names no classes (e.g. COCO configs, whose
        classes come from the annotation file).
    """
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    model = cfg.get('model', {})
    sources = [dataset.get('classes'), (dataset.get('metainfo') or {}).get('classes')]
    sources += [(model.get(part) or {}).get('classes') for part in ('head', 'neck')]
    for source in sources:
        if source is not None and not isinstance(source, str):
            return [str(c) for c in source]
    return None


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


def _model_metainfo(cfg: Config):
    """What mmpretrain's ``inference_model`` reads from ``model._metainfo`` (a model-index
    entry): the config's name and the task that selects ``ImageClassificationInferencer``."""
    from modelindex.models.Model import Model
    name = osp.splitext(osp.basename(cfg.filename))[0] if cfg.filename else 'mmml_plugin_model'
    return Model(name=name,
                 config=cfg.filename,
                 results=[dict(Task=MMPRETRAIN_TASK, Dataset='multi-label', Metrics={})])


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

    Class names: ``classes``, else the config's (:func:`config_classes`), else the checkpoint's
    ``meta.dataset_meta.classes`` (written by mmengine's Runner), else the dataset class's
    ``METAINFO``. When the checkpoint's classes and the expected ones (``classes`` or the
    config's) differ in order or set, the model is **refused**
    (:class:`~mmml_plugin.utils.label_files.ClassOrderError`) rather than its output
    reordered: score i is the checkpoint's class i, but the config builds the class-ordered
    parts of the model (SSGRL's and ML-GCN's label graph and embeddings, read from its label
    files in its class order) and names the dataset the user evaluates on, so a mismatch means
    one of the two is not the model the user thinks; silently reordering would hide it.

    The model also works with mmpretrain's API: it carries ``_dataset_meta`` (the classes) and
    a ``_metainfo`` whose task makes ``mmpretrain.inference_model(model, image)`` use
    ``ImageClassificationInferencer``.

    Args:
        config (str | Config): the model's config.
        checkpoint (str, optional): weights; None keeps the random initialisation.
        device (str): ``'cpu'`` or ``'cuda:0'``...
        classes (Sequence[str], optional): class names, overriding the config's.
        cfg_options (dict, optional): overrides, as ``--cfg-options`` of ``tools/train.py``
            (``data_root=...`` re-roots every path, e.g. the label files SSGRL reads when built).
        strict (bool): refuse a checkpoint with missing, unexpected or mis-shaped weights.
            Defaults to True.

    Returns:
        nn.Module: the model in eval mode, with ``dataset_meta = {'classes': [...]}`` and its
        config in ``_config`` (as mmpretrain's ``get_model`` leaves it).

    Raises:
        ClassOrderError: the checkpoint was trained with other classes or another order.
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
    expected = list(classes) if classes is not None else config_classes(cfg)
    expected_source = cfg.filename or 'the config'
    if classes is not None:
        expected_source = 'the classes= argument'
    model = get_model(cfg, pretrained=False, device=device)
    names = expected
    if checkpoint is not None:
        loaded = load_checkpoint(model, checkpoint, map_location='cpu')
        if strict:
            check_checkpoint_matches_model(model, loaded, checkpoint, config=cfg.filename)
        _check_finite_weights(model, checkpoint)
        meta_classes = (loaded.get('meta', {}).get('dataset_meta') or {}).get('classes')
        check_class_order(
            meta_classes, expected, checkpoint, expected_source,
            'Use the config (and label files) the checkpoint was trained with, or retrain; '
            'its classes are in the checkpoint\'s meta.dataset_meta.classes.')
        names = names or (list(meta_classes) if meta_classes else None)
    names = names or model._dataset_meta.get('classes')
    num_classes = model.head.num_classes
    if names is None:
        names = [f'class_{i}' for i in range(num_classes)]
    if len(names) != num_classes:
        raise ValueError(f'{config if isinstance(config, str) else cfg.filename}: {len(names)} '
                         f'class names for a head with {num_classes} classes; pass `classes=` '
                         'with the training classes.')
    model.dataset_meta = dict(classes=[str(c) for c in names])
    model._dataset_meta = dict(classes=[str(c) for c in names])  # read by mmpretrain's API
    model._metainfo = _model_metainfo(cfg)
    return model


def build_test_pipeline(cfg: Config) -> Compose:
    """The config's test pipeline without the image loading (images come from the caller)."""
    pipeline_cfg = [
        t for t in cfg.test_dataloader.dataset.pipeline if not t['type'].startswith('LoadImage')
    ]
    return Compose([TRANSFORMS.build(t) for t in pipeline_cfg])


def _loader_args(cfg: Config) -> dict:
    """How the config's test loader decodes files (backend, EXIF orientation), to read paths
    exactly as ``tools/test.py`` does."""
    for t in cfg.test_dataloader.dataset.pipeline:
        if t['type'].startswith('LoadImage'):
            return dict(backend_args=t.get('backend_args'),
                        imdecode_backend=t.get('imdecode_backend', 'cv2'),
                        ignore_orientation=t.get('ignore_orientation', False),
                        **({} if 'max_pixels' not in t else dict(max_pixels=t['max_pixels'])))
    return {}


def has_attention(model: torch.nn.Module) -> bool:
    """Whether ``model`` decouples semantics with attention (SSGRL and its ablations with it)."""
    try:
        find_decoupling_module(model)
    except ValueError:
        return False
    return True


def _pipeline_input(image: ImageType, index: int, loader_args: dict) -> dict:
    """One input as the test pipeline (without loading) takes it."""
    if isinstance(image, (str, os.PathLike)):
        path = str(image)
        if not osp.isfile(path):
            raise FileNotFoundError(f'{path}: image not found.')
        # empty, truncated, over-budget or undecodable: BadImageError (a ValueError) naming it
        img = load_image_checked(path, skip_hint=False, **loader_args)
    elif isinstance(image, np.ndarray):
        path = None
        if image.ndim != 3 or image.shape[2] != 3 or image.dtype != np.uint8:
            raise ValueError(f'input {index}: an array image must be (H, W, 3) uint8 BGR (as '
                             f'mmcv.imread gives), got {image.dtype} {image.shape}.')
        img = image
    else:
        raise TypeError(f'input {index}: expected an image path or an (H, W, 3) uint8 array, '
                        f'got {type(image).__name__}.')
    return dict(img=img,
                img_path=path,
                sample_idx=index,
                img_shape=img.shape[:2],
                ori_shape=img.shape[:2])


def _scores(sample: DataSample) -> np.ndarray:
    """(C,) probabilities in the head's precision (float64 for the plugin's per-class heads,
    whose float32 sigmoid would tie high scores), half precision widened to float32."""
    scores = sample.pred_score.detach().cpu()
    return (scores if scores.dtype in (torch.float32, torch.float64) else scores.float()).numpy()


@torch.no_grad()
def _predict(model: torch.nn.Module, data: dict, thr: ThrType,
             topk: Optional[int]) -> List[DataSample]:
    """Scores, the label set of :func:`select_labels` (as ``pred_label``, best first), the
    attention maps (``attention`` (C, h, w), SSGRL models) and the model input
    (``input_image`` (H, W, 3) uint8 RGB) of one collated batch."""
    if isinstance(thr, (str, os.PathLike)):  # a file of tools/analysis_tools/tune_thresholds.py
        thr = load_thresholds(str(thr), model.dataset_meta['classes'])
    resolve_rule(thr, topk, model.head.num_classes)  # a bad rule fails before the forward
    batch = model.data_preprocessor(data, False)
    preds = model(**batch, mode='predict')
    attention = extract_attention(model, batch['inputs']) if has_attention(model) else None
    for i, sample in enumerate(preds):
        scores = _scores(sample)
        if not np.isfinite(scores).all():
            name = sample.get('img_path') or f'input {sample.get("sample_idx", i)}'
            raise ValueError(
                f'{name}: the model produced NaN/inf scores for '
                f'{int((~np.isfinite(scores)).sum())} class(es); its weights or this input are '
                'broken (check the checkpoint with init_model, which refuses NaN weights).')
        sample.set_pred_label(torch.as_tensor(select_labels(scores, thr, topk)))
        if attention is not None:
            sample.attention = attention[i].float().cpu()
        shown = data['inputs'][i].permute(1, 2, 0).numpy()[..., ::-1]  # (H, W, 3) BGR -> RGB
        sample.input_image = np.ascontiguousarray(shown)
    return preds


def _to_result(sample: DataSample, classes: Sequence[str]) -> dict:
    scores = _scores(sample)
    labels = sample.pred_label.cpu().numpy().astype(np.int64)
    attention = sample.get('attention')
    return dict(labels=labels,
                scores=scores[labels],
                class_names=[classes[i] for i in labels],
                pred_score=scores,
                attention=None if attention is None else attention.numpy(),
                image=sample.input_image,
                img_path=sample.get('img_path'))


def inference_multilabel(model: torch.nn.Module,
                         image: ImageType,
                         thr: ThrType = None,
                         topk: Optional[int] = None,
                         pipeline: Optional[Compose] = None) -> dict:
    """Predict the labels of one image.

    Args:
        model (nn.Module): from :func:`init_model`.
        image (str | np.ndarray): file path, or a (H, W, 3) uint8 BGR array (as ``mmcv.imread``).
        thr (float | Sequence[float] | str, optional): score threshold, C per-class thresholds,
            or a thresholds file (``tools/analysis_tools/tune_thresholds.py``; its class names
            must equal the model's).
        topk (int, optional): keep at most the k best labels. With neither ``thr`` nor
            ``topk``, thr = 0.5; the rule: :mod:`mmml_plugin.evaluation.functional.label_selection`.
        pipeline (Compose, optional): the test pipeline without loading
            (:func:`build_test_pipeline`); built from the model's config if None.

    Returns:
        dict: ``labels`` (K,) class indices, best first; ``scores`` (K,) their probabilities;
        ``class_names`` (K,) their names; ``pred_score`` (C,) every class's probability;
        ``attention`` (C, h, w) per-class attention over the feature map (SSGRL models) or None;
        ``image`` (H, W, 3) uint8 RGB, the input as the model saw it (after the test transforms),
        which the attention maps cover; ``img_path`` (str or None).
    """
    pipeline = pipeline or build_test_pipeline(model._config)
    sample = pipeline(_pipeline_input(image, 0, _loader_args(model._config)))
    pred = _predict(model, default_collate([sample]), thr, topk)[0]
    return _to_result(pred, model.dataset_meta['classes'])


class MultiLabelInferencer(BaseInferencer):
    """Config + checkpoint -> multi-label predictor, an mmengine ``BaseInferencer``.

    Call it with a path, an (H, W, 3) uint8 BGR array, a list of them or a folder (its image
    files, by name); it returns one dict per image (see :func:`inference_multilabel` for the
    keys).

    Args:
        config (str | Config): the model's config.
        checkpoint (str, optional): weights.
        device (str, optional): ``'cpu'``, ``'cuda:0'``...; None: a GPU if there is one.
        classes (Sequence[str], optional): class names (see :func:`init_model`).
        cfg_options (dict, optional): config overrides (see :func:`init_model`).
        strict (bool): refuse checkpoints that leave weights uninitialised (see
            :func:`init_model`). Defaults to True.
        show_progress (bool): show a progress bar over the batches. Defaults to False.

    Examples:
        >>> inferencer = MultiLabelInferencer('configs/demo/ssgrl_r18_demo.py', 'epoch_4.pth')
        >>> inferencer('a.jpg')[0]['class_names']           # score >= 0.5
        >>> inferencer('a.jpg', topk=3)[0]['class_names']   # the 3 best
        >>> inferencer('images/', thr=0.3, topk=3, batch_size=8,
        ...            show_dir='vis/', pred_out_dir='preds/')
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = {'thr', 'topk'}
    visualize_kwargs: set = {'show_dir', 'max_labels', 'cell_size'}
    postprocess_kwargs: set = {'pred_out_dir'}

    def __init__(self,
                 config: Union[str, Config],
                 checkpoint: Optional[str] = None,
                 device: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 cfg_options: Optional[dict] = None,
                 strict: bool = True,
                 show_progress: bool = False):
        self._model_options = dict(classes=classes, strict=strict)
        cfg = load_config(config, cfg_options) if isinstance(config, str) else config
        if not isinstance(config, str) and cfg_options:
            cfg = copy.deepcopy(cfg)
            cfg.merge_from_dict(cfg_options)
            reroot_data(cfg, config)
        super().__init__(model=cfg,
                         weights=checkpoint,
                         device=device,
                         scope='mmpretrain',
                         show_progress=show_progress)

    def _init_model(self, cfg: Config, weights: Optional[str], device: str = 'cpu'):
        # init_model, not mmengine's: strict, class-checked, and never a config from weights
        return init_model(cfg, weights, device, **self._model_options)

    def _init_pipeline(self, cfg: Config) -> Compose:
        self._loader_args = _loader_args(cfg)
        return build_test_pipeline(cfg)

    def _init_collate(self, cfg: Config):
        return default_collate  # as mmpretrain's ImageClassificationInferencer

    def _init_visualizer(self, cfg: Config):
        return None  # the grids are drawn by mmml_plugin.visualization.save_attention_grid

    @property
    def classes(self) -> List[str]:
        """The model's class names, in score order."""
        return self.model.dataset_meta['classes']

    def __call__(self,
                 inputs: Union[ImageType, Sequence[ImageType]],
                 return_datasamples: bool = False,
                 batch_size: int = 1,
                 **kwargs) -> list:
        """Predict the label sets of images.

        Args:
            inputs (str | np.ndarray | list): an image path, an (H, W, 3) uint8 BGR array, a
                folder (its image files, by name) or a list of paths and arrays.
            return_datasamples (bool): return mmpretrain ``DataSample`` s (``pred_score``
                (C,), ``pred_label`` the selected labels best first, ``attention``,
                ``input_image``) instead of dicts. Defaults to False.
            batch_size (int): images per forward pass. Defaults to 1.
            thr (float | Sequence[float] | str, optional): score threshold, C per-class
                thresholds (in :attr:`classes` order), or a thresholds file
                (``tools/analysis_tools/tune_thresholds.py``; class names checked).
            topk (int, optional): keep at most the k best labels. Neither: thr = 0.5.
                ``topk`` alone: the k best whatever their score
                (:mod:`mmml_plugin.evaluation.functional.label_selection`).
            show_dir (str, optional): write ``<show_dir>/<image stem>_attention.png`` per
                image (input ``i`` of an array: ``<i>_attention.png``): the input and, per
                predicted label, its attention map (models without attention: the input).
            max_labels (int): labels drawn per grid. Defaults to 8.
            cell_size (int): pixels per grid cell. Defaults to 256.
            pred_out_dir (str): write ``<pred_out_dir>/<image stem>.json`` per image (labels,
                class names, scores, every class's score and the class list). Defaults to ''
                (none).

        Returns:
            list[dict]: one per image, in input order (see :func:`inference_multilabel`), plus
            ``visualization`` (the grid's path) with ``show_dir``.
        """
        return super().__call__(inputs,
                                return_datasamples=return_datasamples,
                                batch_size=batch_size,
                                **kwargs)

    def _inputs_to_list(self, inputs) -> list:
        """A folder: its image files (by suffix, :data:`IMAGE_SUFFIXES`), sorted by name; a
        single path or array: a list of one; a list: itself."""
        if isinstance(inputs, os.PathLike):
            inputs = str(inputs)
        if isinstance(inputs, str) and osp.isdir(inputs):
            files = sorted(
                f for f in os.listdir(inputs)
                if f.lower().endswith(IMAGE_SUFFIXES) and osp.isfile(osp.join(inputs, f)))
            if not files:
                raise FileNotFoundError(f'{inputs}: no image file ({", ".join(IMAGE_SUFFIXES)}) '
                                        'in this folder.')
            return [osp.join(inputs, f) for f in files]
        return list(inputs) if isinstance(inputs, (list, tuple)) else [inputs]

    def preprocess(self, inputs: list, batch_size: int = 1):
        samples = (self.pipeline(_pipeline_input(image, i, self._loader_args))
                   for i, image in enumerate(inputs))
        yield from map(self.collate_fn, self._get_chunk_data(samples, batch_size))

    def forward(self, inputs: dict, thr: ThrType = None, topk: Optional[int] = None) -> list:
        return _predict(self.model, inputs, thr, topk)

    @staticmethod
    def _name(sample: DataSample, index: int) -> str:
        path = sample.get('img_path')
        return osp.splitext(osp.basename(path))[0] if path else str(index)

    def visualize(self,
                  inputs: list,
                  preds: List[DataSample],
                  show_dir: Optional[str] = None,
                  max_labels: int = 8,
                  cell_size: int = 256) -> Optional[List[str]]:
        if show_dir is None:
            return None
        os.makedirs(show_dir, exist_ok=True)
        return [
            save_attention_grid(_to_result(sample, self.classes),
                                osp.join(show_dir, f'{self._name(sample, i)}_attention.png'),
                                max_labels=max_labels,
                                cell_size=cell_size) for i, sample in enumerate(preds)
        ]

    def postprocess(self,
                    preds: List[DataSample],
                    visualization: Optional[List[str]],
                    return_datasamples: bool = False,
                    pred_out_dir: str = '') -> list:
        results = [_to_result(sample, self.classes) for sample in preds]
        if visualization is not None:
            for result, path in zip(results, visualization):
                result['visualization'] = path
        if pred_out_dir:
            os.makedirs(pred_out_dir, exist_ok=True)
            for i, (sample, result) in enumerate(zip(preds, results)):
                record: Dict[str, object] = dict(img_path=result['img_path'],
                                                 labels=result['labels'].tolist(),
                                                 class_names=result['class_names'],
                                                 scores=result['scores'].tolist(),
                                                 pred_score=result['pred_score'].tolist(),
                                                 classes=list(self.classes))
                with open(osp.join(pred_out_dir, f'{self._name(sample, i)}.json'), 'w') as f:
                    json.dump(record, f, indent=1)
        return preds if return_datasamples else results

    @staticmethod
    def save_attention_grid(result: dict, out_file: str, **kwargs) -> str:
        """See :func:`mmml_plugin.visualization.save_attention_grid`."""
        return save_attention_grid(result, out_file, **kwargs)
