"""Semantic interaction (SSGRL Sec. 3.3): a gated graph network over the label graph."""
from typing import Optional, Sequence

import numpy as np
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from mmml_plugin.utils.label_files import load_checked_label_files

from ..layers import GatedGraphNetwork
from .multi_label_head import Feats
from .per_class_linear_head import PerClassLinearClsHead


@MODELS.register_module()
class GraphInteractionHead(PerClassLinearClsHead):
    """Per-class features h_0 (B, C, D) -> T steps of a GGNN -> ``o_c = tanh(W[h_T; h_0])`` ->
    per-class linear classifier -> logits (B, C).

    Args:
        num_classes (int): C.
        graph_file (str): the label graph M (C, C), ``.npz`` (``adj`` + ``classes``) or
            ``.npy``; A_in = M, A_out = Mᵀ. A fixed, non-persistent buffer.
        in_channels (int): D of the node states. Defaults to 2048.
        out_channels (int): size of o_c. Defaults to 2048.
        num_steps (int): T. Defaults to 3.
        reset_gate (str): ``'official'`` (the reset gate reuses ``U_z``, as the official code;
            no unused parameter) or ``'paper'`` (its own ``U_r``). Defaults to 'official'.
        classes (Sequence[str], optional): the dataset's class names, checked against the
            file's names; filled in from the training dataset at build time by
            :func:`mmml_plugin.engine.fill_model_classes`.
        graph (np.ndarray, optional): the (C, C) graph already read and checked from
            ``graph_file`` (by :class:`SSGRLHead`, so that each file is read once); default:
            read ``graph_file`` here.
        **kwargs: ``avg_over_classes``, ``loss``, ``thr``, ``topk``, ``init_cfg`` of
            :class:`PerClassLinearClsHead`. A layer-wise ``init_cfg`` reaches every layer
            below the head whose class it names (mmengine applies it to all matching layers):
            ``nn.Linear`` (output projection), ``ReusedLinear`` (the GGNN),
            ``PerClassLinear`` (the classifier).

    Shapes:
        feats: tuple whose last item is (B, C, D) (or (B, D), given to every node);
        output logits (B, C).
    """

    def __init__(self,
                 num_classes: int,
                 graph_file: Optional[str] = None,
                 in_channels: int = 2048,
                 out_channels: int = 2048,
                 num_steps: int = 3,
                 reset_gate: str = 'official',
                 classes: Optional[Sequence[str]] = None,
                 graph: Optional[np.ndarray] = None,
                 **kwargs):
        if graph_file is None:
            raise ValueError(f'{type(self).__name__} needs graph_file: the label co-occurrence '
                             'graph (.npz), built by tools/misc/build_label_graph.py.')
        if graph is None:
            graph = load_checked_label_files(num_classes, graph_file=graph_file,
                                             classes=classes)['graph']
        super().__init__(num_classes=num_classes, in_channels=out_channels, **kwargs)
        self.in_channels = in_channels  # node size; the classifier sees out_channels
        self.graph_file = graph_file
        self.classes = None if classes is None else [str(c) for c in classes]
        self.ggnn = GatedGraphNetwork(torch.from_numpy(graph),
                                      channels=in_channels,
                                      num_steps=num_steps,
                                      reset_gate=reset_gate)
        self.out_proj = nn.Linear(2 * in_channels, out_channels)

    def pre_logits(self, feats: Feats) -> torch.Tensor:
        """(B, C, out_channels) outputs o_c of the graph network."""
        h0 = self.class_features(feats)
        hT = self.ggnn(h0)
        return torch.tanh(self.out_proj(torch.cat([hT, h0], dim=-1)))  # o = tanh(W[h_T; h_0])
