"""A pickle loader that reads plain numpy data and refuses everything else.

ML-GCN and SSGRL ship label graphs and word vectors as ``.pkl`` files. Unpickling an untrusted
file can execute arbitrary code, so :func:`safe_load_pickle` only resolves the handful of globals
needed to rebuild numpy arrays, numpy scalars and builtin containers.
"""
import io
import pickle

_ALLOWED_GLOBALS = {
    ('numpy.core.multiarray', '_reconstruct'),
    ('numpy._core.multiarray', '_reconstruct'),
    ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', 'scalar'),
    ('numpy.core.numeric', '_frombuffer'),  # arrays pickled with protocol 5
    ('numpy._core.numeric', '_frombuffer'),
    ('numpy', 'ndarray'),
    ('numpy', 'dtype'),
    ('collections', 'OrderedDict'),
    ('_codecs', 'encode'),  # Python 2 pickles store array bytes as latin-1 text.
}


class UnsafePickleError(pickle.UnpicklingError):
    """Raised when a pickle asks for anything but plain numpy data."""


class _RestrictedUnpickler(pickle.Unpickler):

    def __init__(self, file, source, **kwargs):
        super().__init__(file, **kwargs)
        self._source = source

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS or (module == 'numpy.dtypes'
                                                  and name.endswith('DType')):
            return super().find_class(module, name)
        raise UnsafePickleError(
            f'{self._source}: refusing to unpickle "{module}.{name}". Only plain numpy arrays, '
            'dicts and lists are accepted from .pkl files; convert the file with '
            'tools/misc/build_label_graph.py or tools/misc/build_label_embeddings.py from a '
            'trusted environment, or save it as .npz.')


def safe_load_pickle(path):
    """Load a ``.pkl`` that holds only numpy arrays, numbers, strings, lists and dicts.

    Args:
        path (str): the pickle file.

    Returns:
        The unpickled object.

    Raises:
        UnsafePickleError: if the file references any other global (the payload never runs).
    """
    with open(path, 'rb') as f:
        data = f.read()
    try:
        return _RestrictedUnpickler(io.BytesIO(data), path).load()
    except UnicodeDecodeError:
        # Python 2 pickles of numpy arrays need latin-1 decoding of their byte strings.
        return _RestrictedUnpickler(io.BytesIO(data), path, encoding='latin1').load()
