from .graph_interaction_head import GraphInteractionHead
from .per_class_linear_head import PerClassLinearClsHead
from .ssgrl_head import SSGRLHead

__all__ = ['GraphInteractionHead', 'PerClassLinearClsHead', 'SSGRLHead']
