"""Semantic decoupling (SSGRL, Chen et al. ICCV 2019, Sec. 3.2): one feature vector per class."""
from typing import Optional, Sequence, Tuple, Union

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from mmml_plugin.utils.label_files import load_checked_label_files

from ..layers import tanh_bilinear_score


@MODELS.register_module()
class SemanticDecouplingNeck(BaseModule):
    """Class-embedding-guided attention pooling of a backbone feature map.

    For class c with word embedding x_c and map positions f_n::

        f~_{c,n} = f_a(P tanh(U f_n ⊙ V x_c) + b_P),  a_c = softmax_n(f~_c),  f_c = Σ_n a_{c,n} f_n

    ``f_a`` and ``P`` are applied as one fused vector (see
    :mod:`mmml_plugin.models.layers.tanh_bilinear_attention`); the map is never repeated per
    class, the pooling is one batched matmul.

    Args:
        in_channels (int): D, channels of the backbone map. Defaults to 2048.
        embedding_file (str): class embeddings, ``.npz`` (``embeddings`` (C, E) + ``classes``)
            or ``.npy`` (C, E). Stored as a fixed, non-persistent buffer.
        classes (Sequence[str], optional): the dataset's class names, checked against the
            file's names; filled in from the training dataset at build time by
            :func:`mmml_plugin.engine.fill_model_classes`.
        embed_dims (int): E. Defaults to 300.
        inter_channels (int): I, the joint embedding size. Defaults to 1024.
        pool (bool): 2x2/stride-2 average pooling of the map first, as the official model
            (18x18 -> 9x9 at 576 px). Defaults to True.
        num_classes (int, optional): expected C, checked against the file at build time.
        max_chunk_elements (int): the largest (c, B*h*w, I) block of the tanh term held at once.
        embeddings (np.ndarray, optional): the (C, E) embeddings already read and checked
            from ``embedding_file`` (by :class:`SSGRLHead`, so that each file is read once);
            default: read ``embedding_file`` here.
        init_cfg (dict, optional): mmengine init config. Defaults to None (PyTorch defaults,
            as the official code).

    Shapes:
        inputs: tuple of maps (the last, (B, D, H, W), is used) or a (B, D, H, W) tensor.
        output: ``(feats,)`` for tuple inputs, ``feats`` for a tensor; feats (B, C, D).
        with ``return_attention=True``: ``(output, attention)``, attention (B, C, h, w), the
        softmax weights on the (pooled) map, summing to 1 over (h, w).
    """

    def __init__(self,
                 in_channels: int = 2048,
                 embedding_file: Optional[str] = None,
                 classes: Optional[Sequence[str]] = None,
                 embed_dims: int = 300,
                 inter_channels: int = 1024,
                 pool: bool = True,
                 num_classes: Optional[int] = None,
                 max_chunk_elements: int = 1 << 21,
                 embeddings: Optional[np.ndarray] = None,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if embedding_file is None:
            raise ValueError('SemanticDecouplingNeck needs embedding_file: the class word '
                             'embeddings (.npz), built by tools/misc/build_label_embeddings.py.')
        if embeddings is None:
            embeddings = load_checked_label_files(num_classes,
                                                  embedding_file=embedding_file,
                                                  classes=classes,
                                                  owner='neck')['embeddings']
        embeddings = torch.from_numpy(embeddings)
        if embeddings.shape[1] != embed_dims:
            raise ValueError(f'{embedding_file}: class embeddings are {embeddings.shape[1]}-d but '
                             f'embed_dims={embed_dims}; set embed_dims={embeddings.shape[1]} or '
                             'rebuild the file with the intended word vectors.')
        self.in_channels = in_channels
        self.embedding_file = embedding_file
        self.num_classes = embeddings.shape[0]
        self.classes = None if classes is None else [str(c) for c in classes]
        self.pool = pool
        self.max_chunk_elements = max_chunk_elements
        self.register_buffer('embeddings', embeddings, persistent=False)  # x_c: (C, E)
        self.img_proj = nn.Linear(in_channels, inter_channels, bias=False)  # U
        self.word_proj = nn.Linear(embed_dims, inter_channels, bias=False)  # V
        self.joint_proj = nn.Linear(inter_channels, inter_channels)  # P, b_P
        self.attn_fc = nn.Linear(inter_channels, 1)  # f_a

    def attention_logits(self, feats: torch.Tensor) -> torch.Tensor:
        """(B, N, D) map positions -> (B, C, N) scores f~ (before the softmax)."""
        u = self.img_proj(feats)  # U f_n: (B, N, I)
        v = self.word_proj(self.embeddings.to(u.dtype))  # V x_c: (C, I)
        w = (self.attn_fc.weight @ self.joint_proj.weight)[0]  # Pᵀ w_a: (I,)
        b = self.attn_fc(self.joint_proj.bias)  # w_a · b_P + b_a (cancels in the softmax)
        scores = tanh_bilinear_score(u, v, w, self.max_chunk_elements)
        return scores + b.to(scores.dtype)

    def forward(self,
                inputs: Union[torch.Tensor, Tuple[torch.Tensor, ...]],
                return_attention: bool = False):
        x = inputs[-1] if isinstance(inputs, (tuple, list)) else inputs
        if x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f'SemanticDecouplingNeck expects (B, {self.in_channels}, H, W) maps, '
                             f'got {tuple(x.shape)}; set in_channels to the backbone\'s channels.')
        if self.pool:
            x = F.avg_pool2d(x, kernel_size=2, stride=2)
        B, D, H, W = x.shape
        feats = x.flatten(2).transpose(1, 2)  # f_n: (B, N, D)
        attention = self.attention_logits(feats).softmax(dim=-1)  # a_c = softmax_n(f~_c)
        out = torch.bmm(attention.to(feats.dtype), feats)  # f_c = Σ_n a_{c,n} f_n: (B, C, D)
        out = (out, ) if isinstance(inputs, (tuple, list)) else out
        if return_attention:
            return out, attention.reshape(B, self.num_classes, H, W)
        return out
