from .inference import MultiLabelInferencer, inference_multilabel, init_model
from .train_test import build_runner, load_config, run_test, run_train, write_results_json

__all__ = ['build_runner', 'load_config', 'run_test', 'run_train', 'write_results_json',
           'MultiLabelInferencer', 'inference_multilabel', 'init_model']
