"""ONNX export of the plugin's classifiers (SSGRL and its ablations, ML-GCN, Query2Label, the
ResNet baseline) and the ONNX Runtime check of the exported graph.

The graph takes the images as the config's test pipeline leaves them and does the rest::

    inputs  float32 (batch, 3, H, W)  RGB pixel values 0-255 (after the test resize / crop)
    x = (inputs - mean) / std                     the data preprocessor's normalisation
    logits  float32 (batch, C)                    the head's output
    scores  float32 (batch, C) = sigmoid(logits)
    labels  bool    (batch, C) = scores >= t_c    only with per-class thresholds t

The batch size is dynamic. The label files (SSGRL's class embeddings and graph, ML-GCN's
correlation matrix) are constants of the graph: ONNX Runtime needs no file besides the
``.onnx``. The class names, input size and normalisation are in the model's ``metadata_props``
(:func:`read_onnx_metadata`).

Scores and ranking: ``predict`` computes the sigmoid in float64
(:class:`~mmml_plugin.models.heads.multi_label_head.MultiLabelHead`); the graph's ``scores`` are
float32, which round to exactly 1.0 above a logit of about 16.6, so confident classes can tie
there. Rank by ``logits`` instead: the sigmoid is increasing, so the order of the logits is the
order of ``predict``'s float64 scores (whose ties start only above 22.875).

onnx and onnxruntime are optional (``pip install -r requirements/export.txt``); they are imported
by the functions that need them.
"""
import json
import os
import os.path as osp
from typing import Dict, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

EXPORT_REQUIREMENTS = 'requirements/export.txt'
OUTPUTS = ('scores', 'logits')
DEFAULT_OPSET = 17  # LayerNormalization is an ONNX operator from opset 17 on


def _require(module: str):
    """Import an optional export dependency, or say how to install it."""
    import importlib
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise ImportError(f'ONNX export needs {module}, an optional dependency of mmml_plugin: '
                          f'pip install -r {EXPORT_REQUIREMENTS} (or pip install '
                          f'"mmml_plugin[export]").') from err


class OnnxClassifier(nn.Module):
    """The exported computation: normalisation, model, sigmoid (and thresholds).

    Args:
        model (nn.Module): an mmpretrain ``ImageClassifier`` whose ``forward(x)`` gives the
            (B, C) logits; its ``data_preprocessor`` holds ``mean`` and ``std``.
        thresholds (Sequence[float], optional): per-class score thresholds (C,); adds the
            ``labels`` output, ``scores >= thresholds`` in float32 (a score within float32
            rounding of its threshold may fall on the other side than in float64 ``predict``).

    Shapes:
        inputs (B, 3, H, W) RGB 0-255 -> scores (B, C), logits (B, C)[, labels (B, C) bool].
    """

    def __init__(self, model: nn.Module, thresholds: Optional[Sequence[float]] = None):
        super().__init__()
        self.model = model
        pre = model.data_preprocessor
        if getattr(pre, '_enable_normalize', False):
            mean, std = pre.mean.reshape(1, -1, 1, 1), pre.std.reshape(1, -1, 1, 1)
        else:
            mean, std = torch.zeros(1, 3, 1, 1), torch.ones(1, 3, 1, 1)
        self.register_buffer('mean', mean.float().clone())
        self.register_buffer('std', std.float().clone())
        if thresholds is not None:
            thresholds = torch.as_tensor(np.asarray(thresholds, dtype=np.float32))
            num_classes = model.head.num_classes
            if thresholds.shape != (num_classes, ):
                raise ValueError(f'{thresholds.numel()} thresholds for a model with '
                                 f'{num_classes} classes.')
            self.register_buffer('thresholds', thresholds)
        else:
            self.thresholds = None

    def forward(self, inputs: torch.Tensor):
        logits = self.model((inputs - self.mean) / self.std).float()
        scores = torch.sigmoid(logits)
        if self.thresholds is None:
            return scores, logits
        return scores, logits, scores >= self.thresholds


def input_channel_order(model: nn.Module) -> str:
    """``'RGB'`` when the data preprocessor converts the loaded BGR images to RGB (every plugin
    config), else ``'BGR'`` (the channels as mmcv loads them)."""
    pre = model.data_preprocessor
    return 'RGB' if getattr(pre, '_channel_conversion', getattr(pre, 'to_rgb', False)) else 'BGR'


def export_onnx(model: nn.Module,
                out_file: str,
                input_size: Tuple[int, int],
                classes: Optional[Sequence[str]] = None,
                thresholds: Optional[Sequence[float]] = None,
                opset: int = DEFAULT_OPSET,
                metadata: Optional[Dict[str, str]] = None) -> str:
    """Export ``model`` (eval mode, CPU) to ONNX with a dynamic batch size.

    Args:
        model (nn.Module): the classifier (from :func:`mmml_plugin.apis.init_model`).
        out_file (str): the ``.onnx`` to write.
        input_size (tuple): (H, W) of the traced input; the graph is exported for this size.
        classes (Sequence[str], optional): class names for the metadata; default
            ``model.dataset_meta['classes']``.
        thresholds (Sequence[float], optional): per-class score thresholds, in class order; adds
            the ``labels`` output and the ``thresholds`` metadata.
        opset (int): ONNX opset. Defaults to 17.
        metadata (dict, optional): more ``metadata_props`` entries (str -> str).

    Returns:
        str: ``out_file``.
    """
    onnx = _require('onnx')
    classes = list(classes or (getattr(model, 'dataset_meta', None) or {}).get('classes') or [])
    num_classes = model.head.num_classes
    if len(classes) != num_classes:
        raise ValueError(f'{len(classes)} class names for a model with {num_classes} classes: '
                         'pass the training classes (classes=...).')
    wrapper = OnnxClassifier(model, thresholds).cpu().eval()
    outputs = list(OUTPUTS) + (['labels'] if thresholds is not None else [])
    dummy = torch.randint(0, 256, (2, 3, *input_size)).float()
    if osp.dirname(out_file):
        os.makedirs(osp.dirname(out_file), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(wrapper, (dummy, ),
                          out_file,
                          dynamo=False,
                          input_names=['inputs'],
                          output_names=outputs,
                          dynamic_axes={name: {
                              0: 'batch'
                          }
                                        for name in ['inputs', *outputs]},
                          opset_version=opset,
                          do_constant_folding=True)
    wrapper.eval()  # the exporter restores the wrapper's (train) mode on exit
    model.eval()
    from mmml_plugin.version import __version__
    props = dict(classes=json.dumps([str(c) for c in classes]),
                 input_size=json.dumps([int(s) for s in input_size]),
                 input_channels=input_channel_order(model),
                 mean=json.dumps(wrapper.mean.flatten().tolist()),
                 std=json.dumps(wrapper.std.flatten().tolist()),
                 inputs='float32 (batch, 3, H, W) pixel values 0-255 after the test pipeline; '
                 'normalised inside the graph',
                 outputs=json.dumps(outputs),
                 ranking='rank by logits: float32 scores round to 1.0 above logit 16.6',
                 mmml_plugin_version=__version__)
    if thresholds is not None:
        props['thresholds'] = json.dumps([float(t) for t in thresholds])
    props.update(metadata or {})
    proto = onnx.load(out_file)
    onnx.helper.set_model_props(proto, props)
    onnx.save(proto, out_file)
    return out_file


def read_onnx_metadata(onnx_file: str) -> Dict[str, object]:
    """The ``metadata_props`` of an exported model, JSON values decoded (``classes`` a list...).
    """
    onnx = _require('onnx')
    proto = onnx.load(onnx_file, load_external_data=False)
    meta = {}
    for prop in proto.metadata_props:
        try:
            meta[prop.key] = json.loads(prop.value)
        except ValueError:
            meta[prop.key] = prop.value
    return meta


def onnx_session(onnx_file: str, threads: Optional[int] = None):
    """An ONNX Runtime CPU session (``threads`` intra-op threads; default ONNX Runtime's)."""
    ort = _require('onnxruntime')
    if not osp.isfile(onnx_file):
        raise FileNotFoundError(f'{onnx_file}: ONNX model not found; export one with '
                                'tools/model_converters/pytorch2onnx.py.')
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return ort.InferenceSession(onnx_file, options, providers=['CPUExecutionProvider'])


def run_onnx(session, inputs: np.ndarray) -> Dict[str, np.ndarray]:
    """Outputs of an exported model on (B, 3, H, W) float32 RGB 0-255 ``inputs``, by name."""
    names = [o.name for o in session.get_outputs()]
    values = session.run(names, {'inputs': np.ascontiguousarray(inputs, dtype=np.float32)})
    return dict(zip(names, values))


@torch.no_grad()
def pytorch_outputs(model: nn.Module, inputs: np.ndarray) -> Dict[str, np.ndarray]:
    """The reference: the model's own path on the same (B, 3, H, W) float32 RGB 0-255 inputs.

    The channels go back to the loader's BGR order and through the model's data preprocessor
    and ``predict`` (float64 ``pred_score``, as the metric and inferencer see them).
    """
    batch = torch.from_numpy(np.ascontiguousarray(inputs, dtype=np.float32))
    if input_channel_order(model) == 'RGB':
        batch = batch.flip(1)  # RGB -> BGR, the order the data preprocessor converts from
    data = model.data_preprocessor(dict(inputs=batch), False)
    logits = model(data['inputs'], mode='tensor')
    samples = model(data['inputs'], mode='predict')
    return dict(logits=logits.float().numpy(),
                scores=np.stack([s.pred_score.numpy() for s in samples]))


def compare_onnx(model: nn.Module, session, inputs: np.ndarray) -> Dict[str, float]:
    """Largest absolute differences between ONNX Runtime and PyTorch on ``inputs``: ``scores``
    (float32 vs ``predict``'s float64), ``logits``; ``rank_mismatches``, the images whose
    class order by the ONNX logits differs from the order by the float64 scores; with a
    ``labels`` output, ``label_mismatches``: labels that differ from ``predict_labels`` of the
    float64 scores at the graph's thresholds."""
    ours = run_onnx(session, inputs)
    ref = pytorch_outputs(model, inputs)
    order_onnx = np.argsort(-ours['logits'].astype(np.float64), axis=1, kind='stable')
    order_ref = np.argsort(-ref['scores'], axis=1, kind='stable')
    result = dict(scores=float(np.abs(ours['scores'] - ref['scores']).max()),
                  logits=float(np.abs(ours['logits'] - ref['logits']).max()),
                  rank_mismatches=int((order_onnx != order_ref).any(1).sum()))
    if 'labels' in ours:  # against the plugin's rule on the float64 scores
        from mmml_plugin.evaluation.functional import predict_labels
        thresholds = json.loads(session.get_modelmeta().custom_metadata_map['thresholds'])
        expected = predict_labels(ref['scores'], np.asarray(thresholds))
        result['label_mismatches'] = int((ours['labels'] != expected).sum())
    return result
