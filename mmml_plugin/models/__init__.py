"""Heads, neck, layers and losses of SSGRL, ML-GCN and Query2Label (registered into mmpretrain's
``MODELS`` on import), the official-checkpoint converters (``converters/``) and the attention
maps. The paper-literal references (``reference/``) are not imported here: tests and benchmarks
import them from ``mmml_plugin.models.reference``."""
from .attention_maps import extract_attention, find_decoupling_module
from .converters import (MLGCNConverter, OfficialConverter, Query2LabelConverter, SSGRLConverter,
                         convert_official_mlgcn, convert_official_query2label,
                         convert_official_ssgrl)
from .heads import (GraphInteractionHead, MLGCNHead, MultiLabelHead, MultiLabelLinearHead,
                    PerClassLinearClsHead, Query2LabelHead, SSGRLHead)
from .layers import (GatedGraphNetwork, PerClassLinear, ReusedLinear, TanhBilinearScore,
                     tanh_bilinear_score)
from .losses import DetachedAsymmetricLoss
from .necks import SemanticDecouplingNeck

__all__ = [
    'extract_attention', 'find_decoupling_module', 'OfficialConverter', 'SSGRLConverter',
    'MLGCNConverter', 'Query2LabelConverter', 'convert_official_ssgrl', 'convert_official_mlgcn',
    'convert_official_query2label', 'GraphInteractionHead', 'MLGCNHead', 'MultiLabelHead',
    'MultiLabelLinearHead', 'PerClassLinearClsHead', 'Query2LabelHead', 'SSGRLHead',
    'GatedGraphNetwork', 'PerClassLinear', 'ReusedLinear', 'TanhBilinearScore',
    'tanh_bilinear_score', 'DetachedAsymmetricLoss', 'SemanticDecouplingNeck'
]
