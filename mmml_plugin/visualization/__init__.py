"""Plots and tables for looking at multi-label results: attention maps, per-class AP,
precision-recall, the label graph, training curves, run comparisons, benchmark tables."""
from .attention import overlay_attention, save_attention_grid
from .benchmark_table import (benchmark_rows, benchmark_table, find_model, load_model_zoo,
                              load_run_metrics, markdown_table, published_metrics)
from .label_graph import plot_label_graph
from .per_class_ap import plot_per_class_ap
from .pr_curves import plot_pr_curves
from .results import (load_class_names, load_per_class_ap, load_predictions, load_test_metrics,
                      per_class_ap, per_class_ap_from_metrics, short_metric_name)
from .run_comparison import plot_run_comparison
from .tensorboard import enable_tensorboard
from .training_curves import find_scalars_file, load_scalars, plot_training_curves

__all__ = [
    'overlay_attention', 'save_attention_grid', 'benchmark_rows', 'benchmark_table', 'find_model',
    'load_model_zoo', 'load_run_metrics', 'load_per_class_ap',
    'markdown_table', 'published_metrics', 'plot_label_graph', 'plot_per_class_ap',
    'plot_pr_curves', 'per_class_ap', 'load_class_names', 'load_predictions',
    'load_test_metrics', 'per_class_ap_from_metrics', 'short_metric_name', 'plot_run_comparison',
    'enable_tensorboard', 'find_scalars_file', 'load_scalars', 'plot_training_curves'
]
