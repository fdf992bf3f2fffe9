from .checkpoint import checkpoint_safe_globals, register_checkpoint_safe_globals
from .label_files import check_class_names, load_label_embeddings, load_label_graph
from .paths import get_config_file
from .safe_pickle import UnsafePickleError, safe_load_pickle

__all__ = [
    'checkpoint_safe_globals', 'register_checkpoint_safe_globals', 'check_class_names',
    'load_label_embeddings', 'load_label_graph', 'get_config_file', 'UnsafePickleError',
    'safe_load_pickle'
]
