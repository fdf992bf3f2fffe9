"""The label files of SSGRL / ML-GCN (class embeddings and label graph), in one place.

* :mod:`.file_io`: readers (checked by shape, values and class names), writers, the plain-``.npy``
  loader that refuses pickles, the reorder-by-class-names helper;
* :mod:`.graph`: the graph arithmetic (co-occurrence counts, conditional graph), no I/O;
* :mod:`.importers`: the official ML-GCN / SSGRL files, imported as stored;
* :mod:`.class_checks`: the build-time checks that every source of the classes agrees (class
  counts of the files, the modules, the data preprocessor and the dataset; names; each file read
  once).

Only numpy is needed, so models may import it (models never import datasets). Building the
files from a dataset's annotations or from a word-vector text file needs the datasets and lives
in :mod:`mmml_plugin.datasets.label_file_builders`.
"""
from .class_checks import (ClassOrderError, check_class_counts, check_class_order,
                           load_checked_label_files)
from .file_io import (EMBEDDINGS_TOOL, GRAPH_TOOL, check_class_names, check_label_array,
                      check_label_files_agree, class_mapping, load_label_embeddings,
                      load_label_file, load_label_graph, load_npy, read_label_file,
                      reorder_by_names, save_label_embeddings, save_label_graph)
from .graph import conditional_graph, count_cooccurrence, count_cooccurrence_flat
from .importers import import_embeddings, import_ml_gcn_adj, import_ssgrl_prob, ssgrl_category_order

__all__ = [
    'ClassOrderError', 'check_class_counts', 'check_class_order', 'load_checked_label_files',
    'EMBEDDINGS_TOOL', 'GRAPH_TOOL', 'check_class_names', 'check_label_array',
    'check_label_files_agree', 'class_mapping', 'load_label_embeddings', 'load_label_file',
    'load_label_graph', 'load_npy', 'read_label_file', 'reorder_by_names', 'save_label_embeddings',
    'save_label_graph', 'conditional_graph', 'count_cooccurrence', 'count_cooccurrence_flat',
    'import_embeddings', 'import_ml_gcn_adj', 'import_ssgrl_prob', 'ssgrl_category_order'
]
