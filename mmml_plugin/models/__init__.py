from .attention_maps import extract_attention, find_decoupling_module
from .heads import GraphInteractionHead, PerClassLinearClsHead, SSGRLHead
from .layers import GatedGraphNetwork, PerClassLinear, tanh_bilinear_score
from .necks import SemanticDecouplingNeck
from .official_converter import convert_official_ssgrl

__all__ = [
    'extract_attention', 'find_decoupling_module', 'GraphInteractionHead', 'PerClassLinearClsHead',
    'SSGRLHead', 'GatedGraphNetwork', 'PerClassLinear', 'tanh_bilinear_score',
    'SemanticDecouplingNeck', 'convert_official_ssgrl'
]
