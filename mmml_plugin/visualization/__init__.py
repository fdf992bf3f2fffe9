"""Plots for looking at multi-label results: attention maps, per-class AP, precision-recall, the
label graph, training curves, run comparisons. Reading result files lives in
``mmml_plugin.evaluation.results_io``, the model-zoo table in ``mmml_plugin.apis.model_zoo``."""
from .attention import overlay_attention, save_attention_grid
from .label_graph import plot_label_graph
from .per_class_ap import plot_per_class_ap
from .pr_curves import plot_pr_curves
from .run_comparison import plot_run_comparison
from .tensorboard import enable_tensorboard
from .training_curves import plot_training_curves

__all__ = [
    'overlay_attention', 'save_attention_grid', 'plot_label_graph', 'plot_per_class_ap',
    'plot_pr_curves', 'plot_run_comparison', 'enable_tensorboard', 'plot_training_curves'
]
