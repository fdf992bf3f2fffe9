"""Plots for looking at multi-label results: attention maps, per-class AP, precision-recall, the
label graph, training curves, run comparisons. Reading result files lives in
``mmml_plugin.evaluation.results_io``, the model-zoo table in ``mmml_plugin.apis.model_zoo``.

Every name is imported on first use: the plots need matplotlib, which ``import mmml_plugin``
does not load.
"""
from mmml_plugin.utils.lazy import lazy_attributes

# name -> module (one per line, imported on first use).
_ATTRIBUTES = {
    'overlay_attention': '.attention',
    'save_attention_grid': '.attention',
    'plot_error_cases': '.error_cases',
    'save_labelled_image': '.labelled_image',
    'plot_label_graph': '.label_graph',
    'plot_per_class_ap': '.per_class_ap',
    'plot_pr_curves': '.pr_curves',
    'plot_run_comparison': '.run_comparison',
    'enable_tensorboard': '.tensorboard',
    'plot_training_curves': '.training_curves',
}
__getattr__, __dir__ = lazy_attributes(__name__, _ATTRIBUTES)

__all__ = list(_ATTRIBUTES)
