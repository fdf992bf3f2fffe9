from .runner import build_runner, load_config, test, train, write_results_json

__all__ = ['build_runner', 'load_config', 'test', 'train', 'write_results_json']
