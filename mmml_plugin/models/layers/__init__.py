from .gated_graph_network import GatedGraphNetwork
from .per_class_linear import PerClassLinear
from .reused_linear import ReusedLinear
from .tanh_bilinear_attention import TanhBilinearScore, tanh_bilinear_score

__all__ = [
    'GatedGraphNetwork', 'PerClassLinear', 'ReusedLinear', 'TanhBilinearScore',
    'tanh_bilinear_score'
]
