"""FLOPs of a whole plugin model, heads included, traced with mmengine's ``FlopAnalyzer`` (the
fvcore counter mmpretrain's ``get_flops`` uses).

mmpretrain's ``tools/analysis_tools/get_flops.py`` traces ``extract_feat`` only, so every head
shows N/A; here the model's ``forward(inputs, mode='tensor')`` is traced (backbone, neck and head
to the logits), with handles for the operators the default table lacks:

* SSGRL's fused attention score ``TanhBilinearScore`` (an autograd function, traced as
  ``prim::PythonOp``): ``w · tanh(U f ⊙ V x)`` costs C·M·I multiply-accumulates for M = B·N
  positions, as the matrix product it replaces;
* ``aten::scaled_dot_product_attention`` (Query2Label): ``QKᵀ`` and ``AV``, B·h·Lq·Lk·(d_k + d_v);
* ``aten::avg_pool2d`` (SSGRL's 2x2 pooling): 1 per input element, as ``adaptive_avg_pool2d``.

Element-wise operators (activations, softmax, additions, products) and max pooling count 0, as
in the default table; they are declared so that any operator left unsupported is a new one and
is reported (:func:`count_flops` returns it). The convention and the analytic counts that check
these figures: :mod:`mmml_plugin.apis.analytic_flops`.
"""
import copy
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
from mmengine.config import Config

# element-wise and shape operators of the plugin's models: 0 FLOPs (mmengine's convention)
ZERO_FLOP_OPS = ('aten::add', 'aten::add_', 'aten::sub', 'aten::sub_', 'aten::rsub', 'aten::mul',
                 'aten::mul_', 'aten::div', 'aten::div_', 'aten::neg', 'aten::pow', 'aten::sqrt',
                 'aten::rsqrt', 'aten::exp', 'aten::sigmoid', 'aten::sigmoid_', 'aten::tanh',
                 'aten::tanh_', 'aten::softmax', 'aten::leaky_relu', 'aten::leaky_relu_',
                 'aten::gelu', 'aten::sin', 'aten::cos', 'aten::max_pool2d', 'aten::amax',
                 'aten::sum', 'aten::mean', 'aten::unflatten', 'aten::expand_as', 'aten::stack',
                 'aten::embedding', 'aten::feature_dropout', 'aten::numpy_T', 'aten::repeat',
                 'aten::type_as')


def _shape(value) -> list:
    return value.type().sizes()


def tanh_bilinear_flop_jit(inputs, outputs) -> int:
    """``TanhBilinearScore(u (M, I), v (C, I), w (I,))``: C·M·I."""
    (M, I), C = _shape(inputs[0]), _shape(inputs[1])[0]  # noqa: E741
    return C * M * I


def sdpa_flop_jit(inputs, outputs) -> int:
    """``scaled_dot_product_attention(q (..., Lq, dk), k (..., Lk, dk), v (..., Lk, dv))``:
    ``prod(...)·Lq·Lk·(dk + dv)``."""
    q, k, v = (_shape(x) for x in inputs[:3])
    batch = int(np.prod(q[:-2])) if len(q) > 2 else 1
    return batch * q[-2] * k[-2] * (q[-1] + v[-1])


def avg_pool_flop_jit(inputs, outputs) -> int:
    """``avg_pool2d``: 1 per input element (as mmengine's ``adaptive_avg_pool2d``)."""
    return int(np.prod(_shape(inputs[0])))


EXTRA_FLOP_HANDLES = {
    'prim::PythonOp.TanhBilinearScore': tanh_bilinear_flop_jit,
    'aten::scaled_dot_product_attention': sdpa_flop_jit,
    'aten::avg_pool2d': avg_pool_flop_jit,
}


@torch.no_grad()
def count_flops(model: nn.Module, input_size: Tuple[int, int]) -> Dict:
    """FLOPs of one eval-mode forward of ``model`` on one (3, H, W) image, heads included.

    Args:
        model (nn.Module): an mmpretrain ``ImageClassifier`` (``forward(inputs)`` gives the
            logits), or any module taking a (1, 3, H, W) tensor.
        input_size (tuple): (H, W).

    Returns:
        dict: ``total`` (int), ``by_module`` (FLOPs of each direct child: ``backbone``, ``neck``,
        ``head``), ``by_operator`` (Counter), ``unsupported`` (operators that were seen but
        counted by no handle: empty for every plugin model, else the total is an underestimate)
        and ``params``.
    """
    from mmengine.analysis import FlopAnalyzer, parameter_count

    was_training = model.training
    model.eval()
    try:
        inputs = torch.randn(1, 3, *input_size, device=next(model.parameters()).device)
        analyzer = FlopAnalyzer(model, (inputs, ))
        analyzer.set_op_handle(**EXTRA_FLOP_HANDLES)
        analyzer.set_op_handle(**{op: None for op in ZERO_FLOP_OPS})
        analyzer.unsupported_ops_warnings(False)
        analyzer.uncalled_modules_warnings(False)
        analyzer.tracer_warnings('none')
        total = int(analyzer.total())
        by_module = {
            name: int(analyzer.total(name))
            for name, _ in model.named_children() if name != 'data_preprocessor'
        }
        result = dict(total=total,
                      by_module=by_module,
                      by_operator=dict(analyzer.by_operator()),
                      unsupported=dict(analyzer.unsupported_ops()),
                      params=int(parameter_count(model)['']))
    finally:
        model.train(was_training)
    return result


def _test_pipeline(cfg: Config):
    from mmengine.dataset import Compose
    from mmpretrain.registry import TRANSFORMS
    pipeline = cfg.test_dataloader.dataset.pipeline
    return Compose([TRANSFORMS.build(t) for t in pipeline if not t['type'].startswith('LoadImage')])


def config_input_size(cfg: Config) -> Tuple[int, int]:
    """(H, W) of the images the config's test pipeline gives the model.

    Two blank images of different sizes and aspect ratios go through the test pipeline (image
    loading left out); the size must not depend on them.

    Raises:
        ValueError: the output size follows the input image (e.g. a resize that keeps the aspect
            ratio without a crop): pass the size explicitly.
    """
    pipeline = _test_pipeline(cfg)
    sizes = set()
    for shape in ((480, 640, 3), (700, 500, 3)):
        img = np.zeros(shape, np.uint8)
        out = pipeline(dict(img=img, img_shape=shape[:2], ori_shape=shape[:2]))
        sizes.add(tuple(out['inputs'].shape[-2:]))
    if len(sizes) != 1:
        raise ValueError(f'{cfg.filename}: the test pipeline gives images of sizes {sorted(sizes)} '
                         'depending on the input, so the model has no single input size; pass '
                         'one (--shape H W).')
    return tuple(int(s) for s in sizes.pop())


LABEL_FILE_KEYS = ('embedding_file', 'graph_file')


def write_stand_in_label_files(cfg: Config, folder: str, seed: int = 0) -> Config:
    """A copy of ``cfg`` whose label files (``embedding_file``, ``graph_file`` of the head and the
    neck) are random stand-ins of the right shapes and class names, written to ``folder``.

    FLOPs and exported graphs depend on the shapes only, so a config can be counted or its
    graph checked before its dataset's label files are built. Class names: the part's
    ``classes``, else ``class_0`` ... (unchecked by the model in that case).

    Args:
        cfg (Config): the model's config.
        folder (str): where to write ``{part}_embeddings.npz`` / ``{part}_graph.npz``.
        seed (int): random seed. Defaults to 0.

    Returns:
        Config: the copy.
    """
    from mmml_plugin.utils.label_files import save_label_embeddings, save_label_graph

    cfg = copy.deepcopy(cfg)
    rng = np.random.default_rng(seed)
    for part in ('neck', 'head'):
        module = cfg.model.get(part)
        if not module or not any(module.get(k) for k in LABEL_FILE_KEYS):
            continue
        num_classes = module.get('num_classes')
        if not isinstance(num_classes, int):
            raise ValueError(f'{cfg.filename}: model.{part}.num_classes is {num_classes!r}; '
                             'stand-in label files need the class count.')
        classes = module.get('classes') or [f'class_{i}' for i in range(num_classes)]
        if module.get('embedding_file'):
            emb = rng.normal(size=(num_classes, module.get('embed_dims', 300)))
            module.embedding_file = save_label_embeddings(
                osp.join(folder, f'{part}_embeddings.npz'), emb, classes)
        if module.get('graph_file'):
            counts = rng.integers(0, 20, size=(num_classes, num_classes))
            counts = np.triu(counts) + np.triu(counts, 1).T
            np.fill_diagonal(counts, counts.sum(1) + 1)
            adj = counts / counts.diagonal()[:, None]
            np.fill_diagonal(adj, 0)
            module.graph_file = save_label_graph(osp.join(folder, f'{part}_graph.npz'),
                                                 adj,
                                                 classes,
                                                 counts=counts)
    return cfg


def model_flops(config: Union[str, Config],
                input_size: Optional[Sequence[int]] = None,
                cfg_options: Optional[dict] = None,
                stand_in_folder: Optional[str] = None) -> Dict:
    """FLOPs of the model of ``config`` at its test input size, with the analytic check.

    Args:
        config (str | Config): the model's config.
        input_size (Sequence[int], optional): (H, W); default :func:`config_input_size`.
        cfg_options (dict, optional): config overrides (``--cfg-options``).
        stand_in_folder (str, optional): write random label files of the right shapes there
            and use them (:func:`write_stand_in_label_files`); default: the config's own files.

    Returns:
        dict: :func:`count_flops`'s result plus ``input_size`` and ``analytic``
        (:func:`~mmml_plugin.apis.analytic_flops.analytic_flops`, or None where the model is not
        written out there, e.g. a non-ResNet backbone) and ``relative_difference`` of the totals.
    """
    from mmpretrain.apis import get_model

    from .analytic_flops import analytic_flops
    from .train_test import load_config

    cfg = load_config(config, cfg_options) if isinstance(config, str) else copy.deepcopy(config)
    if stand_in_folder is not None:
        cfg = write_stand_in_label_files(cfg, stand_in_folder)
    if cfg.model.get('backbone', {}).get('init_cfg'):
        cfg.model.backbone.init_cfg = None  # FLOPs need no pretrained weights (no download)
    size = tuple(input_size) if input_size else config_input_size(cfg)
    model = get_model(cfg, pretrained=False, device='cpu')
    result = count_flops(model, size)
    try:
        analytic = analytic_flops(model, size)
    except NotImplementedError:
        analytic = None
    result.update(input_size=size,
                  analytic=analytic,
                  relative_difference=None if analytic is None else
                  (result['total'] - analytic['total']) / analytic['total'])
    return result
