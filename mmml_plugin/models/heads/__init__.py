from .graph_interaction_head import GraphInteractionHead
from .linear_head import MultiLabelLinearHead
from .mlgcn_head import MLGCNHead
from .multi_label_head import MultiLabelHead
from .per_class_linear_head import PerClassLinearClsHead
from .query2label_head import Query2LabelHead
from .ssgrl_head import SSGRLHead

__all__ = ['GraphInteractionHead', 'PerClassLinearClsHead', 'SSGRLHead']
__all__ += ['MLGCNHead', 'Query2LabelHead', 'MultiLabelHead', 'MultiLabelLinearHead']
