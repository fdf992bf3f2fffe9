"""Plots and tables for looking at multi-label results: attention maps, per-class AP,
precision-recall, the label graph, training curves, run comparisons, benchmark tables.

Every name is imported on first use: the plots need matplotlib, which ``import mmml_plugin``
does not load.
"""
from mmml_plugin.utils.lazy import lazy_attributes

# name -> module (one per line, imported on first use).
_ATTRIBUTES = {
    'overlay_attention': '.attention',
    'save_attention_grid': '.attention',
    'benchmark_rows': '.benchmark_table',
    'benchmark_table': '.benchmark_table',
    'find_model': '.benchmark_table',
    'load_model_zoo': '.benchmark_table',
    'load_run_metrics': '.benchmark_table',
    'markdown_table': '.benchmark_table',
    'published_metrics': '.benchmark_table',
    'plot_label_graph': '.label_graph',
    'plot_per_class_ap': '.per_class_ap',
    'plot_pr_curves': '.pr_curves',
    'load_class_names': '.results',
    'load_per_class_ap': '.results',
    'load_predictions': '.results',
    'load_test_metrics': '.results',
    'per_class_ap': '.results',
    'per_class_ap_from_metrics': '.results',
    'short_metric_name': '.results',
    'plot_run_comparison': '.run_comparison',
    'enable_tensorboard': '.tensorboard',
    'find_scalars_file': '.training_curves',
    'load_scalars': '.training_curves',
    'plot_training_curves': '.training_curves',
}
__getattr__, __dir__ = lazy_attributes(__name__, _ATTRIBUTES)

__all__ = list(_ATTRIBUTES)
