"""The complete SSGRL head: semantic decoupling followed by semantic interaction."""
from typing import Optional, Sequence

import torch
from mmpretrain.registry import MODELS

from mmml_plugin.utils.label_files import load_checked_label_files

from ..necks import SemanticDecouplingNeck
from .graph_interaction_head import GraphInteractionHead
from .multi_label_head import Feats


@MODELS.register_module()
class SSGRLHead(GraphInteractionHead):
    """:class:`SemanticDecouplingNeck` + :class:`GraphInteractionHead` for any backbone giving
    a 4-D map; the decoupling module is ``self.decoupling``.

    Args:
        num_classes (int): C; must equal the class count of both label files.
        embedding_file (str): class embeddings (see :class:`SemanticDecouplingNeck`).
        graph_file (str): label graph (see :class:`GraphInteractionHead`).
        in_channels (int): D, channels of the backbone map. Defaults to 2048.
        embed_dims (int): E. Defaults to 300.
        inter_channels (int): I. Defaults to 1024.
        pool (bool): 2x2/s2 average pooling of the map first. Defaults to True.
        out_channels, num_steps, reset_gate: see :class:`GraphInteractionHead`.
        classes (Sequence[str], optional): the dataset's class names, checked against both
            files; filled in from the training dataset at build time by
            :func:`mmml_plugin.engine.fill_model_classes`.
        max_chunk_elements (int): see :class:`SemanticDecouplingNeck`.
        **kwargs: ``avg_over_classes``, ``loss``, ``thr``, ``topk``, ``init_cfg``. A layer-wise
            ``init_cfg`` reaches every layer below the head whose class it names, in
            ``self.decoupling`` and the GGNN too: ``nn.Linear`` (U, V, P, f_a, the output
            projection), ``ReusedLinear`` (the GGNN), ``PerClassLinear`` (the classifier), e.g.
            ``dict(type='Normal', layer=['Linear', 'ReusedLinear', 'PerClassLinear'])``. The
            default (None) keeps PyTorch's initialisation, as the official code; the decoupling
            module takes no ``init_cfg`` of its own here.

    Each label file is read once, and every source of the classes (``num_classes``, both files'
    rows and names, ``classes``) is checked once, here, before any sub-module is built.

    Shapes:
        feats: tuple whose last item is (B, D, H, W); output logits (B, C).
    """

    def __init__(self,
                 num_classes: int,
                 embedding_file: Optional[str] = None,
                 graph_file: Optional[str] = None,
                 in_channels: int = 2048,
                 embed_dims: int = 300,
                 inter_channels: int = 1024,
                 pool: bool = True,
                 out_channels: int = 2048,
                 num_steps: int = 3,
                 reset_gate: str = 'official',
                 classes: Optional[Sequence[str]] = None,
                 max_chunk_elements: int = 1 << 21,
                 **kwargs):
        arrays = load_checked_label_files(num_classes, embedding_file, graph_file, classes)
        super().__init__(num_classes=num_classes,
                         graph_file=graph_file,
                         in_channels=in_channels,
                         out_channels=out_channels,
                         num_steps=num_steps,
                         reset_gate=reset_gate,
                         classes=classes,
                         graph=arrays.get('graph'),
                         **kwargs)
        self.embedding_file = embedding_file
        self.decoupling = SemanticDecouplingNeck(in_channels=in_channels,
                                                 embedding_file=embedding_file,
                                                 classes=classes,
                                                 embed_dims=embed_dims,
                                                 inter_channels=inter_channels,
                                                 pool=pool,
                                                 num_classes=num_classes,
                                                 max_chunk_elements=max_chunk_elements,
                                                 embeddings=arrays.get('embeddings'))

    def pre_logits(self, feats: Feats) -> torch.Tensor:
        """Backbone maps -> (B, C, out_channels) outputs o_c."""
        return super().pre_logits(self.decoupling(feats))
