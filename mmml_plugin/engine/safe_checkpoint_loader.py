"""Load every checkpoint with ``torch.load(weights_only=True)``: local files, URLs and schemes.

mmengine 0.10.7 resolves a checkpoint name through ``CheckpointLoader``'s table of schemes (used by
``load_from``, ``--resume``, ``init_cfg=dict(type='Pretrained')``, ``tools/test.py`` and
mmpretrain's ``get_model``). Its loaders unpickle fully: the local one relies on torch's default,
which ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` (a common "fix" for unpickling errors) turns off;
``http(s)://`` goes through ``torch.hub.load_state_dict_from_url`` (``weights_only=False``), and
``torchvision://``, ``open-mmlab://``, ``mmcls://`` call that HTTP loader by name, so a crafted file
served at, or planted in the hub cache for, an ImageNet URL runs its code.

:func:`register_weights_only_loaders` (run when ``mmml_plugin`` is imported) replaces the loader
of every scheme with one that ends in :func:`load_from_local_weights_only`: downloads land in the
same cache as before (``torch.hub.get_dir()/checkpoints``) and are then read weights-only. The
classes mmengine checkpoints legitimately contain are allow-listed in
:mod:`mmml_plugin.utils.checkpoint`; a file asking for anything else is refused with
:class:`UnsafeCheckpointError` before any of its code can run.

Trusted full loading is an explicit opt-in per file: list its exact path or URL in the
environment variable ``MMML_TRUSTED_CHECKPOINTS``, entries separated by spaces, commas or
newlines (:func:`trusted_entries`); such a file is unpickled fully, with a warning in the log.
There is no global switch.
"""
import io
import logging
import os
import os.path as osp
import pickle
import re
from tempfile import TemporaryDirectory
from typing import Callable, Dict, List, Optional, Union
from urllib.parse import urlparse

import torch
from mmengine.dist import get_dist_info
from mmengine.logging import print_log
from mmengine.runner import checkpoint as mme_checkpoint
from mmengine.runner.checkpoint import CheckpointLoader

TRUST_ENV = 'MMML_TRUSTED_CHECKPOINTS'


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint references Python objects outside the weights-only allow-list."""


def _reason(error: Exception) -> str:
    """torch's account of what was refused, without its advice to turn the check off."""
    text = str(error).split('WeightsUnpickler error:')[-1]
    kept = [
        p for p in text.split('\n\n')
        if p.strip() and not p.strip().startswith(('Weights only load failed',
                                                   'Check the documentation'))
    ]
    return ' '.join(' '.join(kept).split()) or str(error)


def trusted_entries(value: Optional[str] = None) -> List[str]:
    """The paths and URLs listed in ``MMML_TRUSTED_CHECKPOINTS``.

    Entries are separated by whitespace (spaces, tabs, newlines) or commas, so a URL
    (``https://host:8080/x.pth``) stays whole. The older ``os.pathsep`` form
    (``/a.pth:/b.pth``) is still read for entries that are plain paths (no ``://``).

    Args:
        value (str, optional): the variable's value (default: read from the environment).

    Returns:
        list[str]: the entries, in order.
    """
    value = os.environ.get(TRUST_ENV, '') if value is None else value
    entries = []
    for token in re.split(r'[\s,]+', value):
        if '://' in token:
            entries.append(token)
        else:
            entries.extend(p for p in token.split(os.pathsep) if p)
    return entries


def is_trusted(name: str) -> bool:
    """Whether ``name`` (a path or URL) is listed in ``MMML_TRUSTED_CHECKPOINTS``.

    Args:
        name (str): the checkpoint's path or URL, as given to the loader.
    """
    listed = trusted_entries()
    if not listed:
        return False
    candidates = {name, osp.abspath(osp.expanduser(name))} if '://' not in name else {name}
    return any(n in candidates or ('://' not in n and osp.abspath(osp.expanduser(n)) in candidates)
               for n in listed)


def _torch_load(source: Union[str, io.BytesIO],
                name: str,
                map_location=None,
                trusted_name: Optional[str] = None) -> dict:
    """``torch.load`` weights-only, or fully when ``trusted_name`` (or ``name``) is trusted."""
    if is_trusted(trusted_name or name):
        print_log(
            f'Loading {trusted_name or name} with full unpickling: it is listed in '
            f'{TRUST_ENV}. Only do this for files you made or fully trust.',
            logger='current',
            level=logging.WARNING)
        return torch.load(source, map_location=map_location, weights_only=False)
    try:
        return torch.load(source, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as e:
        raise UnsafeCheckpointError(
            f'Refusing to load {name}: it contains Python objects outside the weights-only '
            'allow-list (tensors, numbers, containers and the classes in '
            'mmml_plugin/utils/checkpoint.py), so unpickling it could run arbitrary code. If you '
            'trust its origin, convert it in an isolated environment to a plain state dict '
            "(torch.save({'state_dict': ...}, path)), or list its exact path/URL in the "
            f'environment variable {TRUST_ENV} (several separated by spaces or commas; see '
            'docs/reliability.md); if it is an mmengine '
            'checkpoint that should load, add the class named in the reason to '
            f'checkpoint_safe_globals(). Reason: {_reason(e)}') from None


def load_from_local_weights_only(filename: str, map_location=None) -> dict:
    """Load a local checkpoint with ``weights_only=True``.

    Args:
        filename (str): path of the ``.pth`` file.
        map_location: as in :func:`torch.load`.

    Returns:
        dict: the checkpoint.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the pickle references a global that is not allow-listed.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'checkpoint {filename} can not be found.')
    return _torch_load(filename, filename, map_location)


def hub_cache_file(url: str, model_dir: Optional[str] = None) -> str:
    """Where ``torch.hub.load_state_dict_from_url`` keeps ``url``: ``<hub dir>/checkpoints/<name>``.

    Args:
        url (str): the checkpoint's URL.
        model_dir (str, optional): cache folder instead of ``torch.hub.get_dir()/checkpoints``.
    """
    model_dir = model_dir or osp.join(torch.hub.get_dir(), 'checkpoints')
    return osp.join(model_dir, osp.basename(urlparse(url).path))


def _download(url: str, model_dir: Optional[str], progress: bool) -> str:
    cached = hub_cache_file(url, model_dir)
    if not osp.exists(cached):
        os.makedirs(osp.dirname(cached), exist_ok=True)
        print_log(f'Downloading: "{url}" to {cached}', logger='current')
        torch.hub.download_url_to_file(url, cached, None, progress=progress)
    return cached


def load_from_http_weights_only(filename: str,
                                map_location=None,
                                model_dir: Optional[str] = None,
                                progress: bool = False) -> dict:
    """Download ``filename`` into the torch hub cache (if not there yet), then load it weights-only.

    In distributed runs rank 0 downloads first and the others read the cached file, as
    mmengine's ``load_from_http`` does.

    Args:
        filename (str): ``http://`` or ``https://`` URL.
        map_location: as in :func:`torch.load`.
        model_dir (str, optional): cache folder (default: ``torch.hub.get_dir()/checkpoints``).
        progress (bool): show a download progress bar.

    Returns:
        dict: the checkpoint.
    """
    rank, world_size = get_dist_info()
    if rank == 0:
        cached = _download(filename, model_dir, progress)
    if world_size > 1:
        torch.distributed.barrier()
        if rank > 0:
            cached = _download(filename, model_dir, progress)
    return _torch_load(cached,
                       f'{cached} (downloaded from {filename})',
                       map_location,
                       trusted_name=filename)


def load_from_torchvision_weights_only(filename: str, map_location=None) -> dict:
    """``torchvision://NAME`` (or the deprecated ``modelzoo://NAME``), loaded weights-only.

    Args:
        filename (str): the scheme path.
        map_location: as in :func:`torch.load`.
    """
    name = filename.split('://', 1)[1]
    urls = mme_checkpoint.get_torchvision_models()
    if name not in urls:
        raise KeyError(f'{filename}: torchvision has no weights named {name!r}; see '
                       'torchvision.models.list_models() for the names (e.g. resnet101).')
    return load_from_http_weights_only(urls[name], map_location=map_location)


def load_from_openmmlab_weights_only(filename: str, map_location=None) -> dict:
    """``open-mmlab://NAME`` / ``openmmlab://NAME`` (mmengine's URL table), loaded weights-only.

    Args:
        filename (str): the scheme path.
        map_location: as in :func:`torch.load`.
    """
    name = filename.split('://', 1)[1]
    name = mme_checkpoint.get_deprecated_model_names().get(name, name)
    urls = mme_checkpoint.get_external_models()
    if name not in urls:
        raise KeyError(f'{filename}: not in mmengine\'s open-mmlab model table '
                       '(mmengine/hub/openmmlab.json or $MMENGINE_HOME/open_mmlab.json).')
    url = urls[name]
    if url.startswith(('http://', 'https://')):
        return load_from_http_weights_only(url, map_location=map_location)
    return load_from_local_weights_only(osp.join(mme_checkpoint._get_mmengine_home(), url),
                                        map_location)


def load_from_mmcls_weights_only(filename: str, map_location=None) -> dict:
    """``mmcls://NAME`` (backbone weights of an mmcls model), loaded weights-only.

    Args:
        filename (str): the scheme path.
        map_location: as in :func:`torch.load`.
    """
    url = mme_checkpoint.get_mmcls_models()[filename.split('://', 1)[1]]
    return mme_checkpoint._process_mmcls_checkpoint(
        load_from_http_weights_only(url, map_location=map_location))


def load_from_pavi_weights_only(filename: str, map_location=None) -> dict:
    """``pavi://PATH`` (SenseTime's model cloud), downloaded to a temporary folder, weights-only.

    Args:
        filename (str): the scheme path.
        map_location: as in :func:`torch.load`.
    """
    try:
        from pavi import modelcloud
    except ImportError:
        raise ImportError('Please install pavi to load checkpoint from modelcloud.') from None
    model = modelcloud.get(filename[len('pavi://'):])
    with TemporaryDirectory() as tmp_dir:
        downloaded = osp.join(tmp_dir, model.name)
        model.download(downloaded)
        return _torch_load(downloaded, filename, map_location, trusted_name=filename)


def load_from_ceph_weights_only(filename: str, map_location=None, backend: str = 'petrel') -> dict:
    """``s3://`` / ``petrel://`` objects read through mmengine's file backend, weights-only.

    Args:
        filename (str): the object's path.
        map_location: as in :func:`torch.load`.
        backend (str): mmengine file backend. Defaults to ``'petrel'``.
    """
    from mmengine.fileio import get_file_backend
    data = get_file_backend(filename, backend_args={'backend': backend}).get(filename)
    with io.BytesIO(data) as buffer:
        return _torch_load(buffer, filename, map_location)


# Every scheme mmengine 0.10.7 registers, mapped to its weights-only replacement.
WEIGHTS_ONLY_LOADERS: Dict[tuple, Callable] = {
    ('', ): load_from_local_weights_only,
    ('http://', 'https://'): load_from_http_weights_only,
    ('modelzoo://', 'torchvision://'): load_from_torchvision_weights_only,
    ('open-mmlab://', 'openmmlab://'): load_from_openmmlab_weights_only,
    ('mmcls://', ): load_from_mmcls_weights_only,
    ('pavi://', ): load_from_pavi_weights_only,
    (r'(\S+\:)?s3://', r'(\S+\:)?petrel://'): load_from_ceph_weights_only,
}


def register_weights_only_loaders() -> None:
    """Make every scheme of mmengine's ``CheckpointLoader`` load weights-only (idempotent).

    A scheme registered by another package that this module does not know is reported with a
    warning (its loader may unpickle fully); ``tests/reliability/test_untrusted_files.py`` checks
    that none exists once mmpretrain and mmdet are imported.
    """
    for prefixes, loader in WEIGHTS_ONLY_LOADERS.items():
        CheckpointLoader.register_scheme(list(prefixes), loader, force=True)
    known = {p for prefixes in WEIGHTS_ONLY_LOADERS for p in prefixes}
    unknown = sorted(set(CheckpointLoader._schemes) - known)
    if unknown:
        print_log(
            f'CheckpointLoader schemes {unknown} were registered by another package and may '
            'unpickle fully; add a weights-only loader for them to WEIGHTS_ONLY_LOADERS in '
            'mmml_plugin/engine/safe_checkpoint_loader.py.',
            logger='current',
            level=logging.WARNING)


register_weights_only_loaders()
