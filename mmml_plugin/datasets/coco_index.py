"""The image -> label index of a COCO ``instances_*.json``, built fast and cached on disk.

Building the index of ``instances_train2014.json`` (82,783 images, ~605k annotations) costs little
more than parsing the JSON: the per-annotation work is two vectorised passes. The result is cached
as an ``.npz`` next to the annotation file (or in a cache folder when that one is read-only), keyed
by the file's size, mtime and content hash, and rebuilt automatically when stale.

The index keeps every image of the file (with or without labels) in file order, and the category
ids sorted ascending: label ``k`` of an image is the position of its category id in that order.
"""
import gc
import hashlib
import json
import os
import os.path as osp
import tempfile
import threading
import warnings
from dataclasses import dataclass
from typing import List, Optional, Tuple

import numpy as np

from mmml_plugin.utils.label_files.file_io import check_declared_size

from .progress import byte_progress

INDEX_VERSION = 1
_FINGERPRINT_BYTES = 1 << 20
_PROGRESS_MIN_BYTES = 64 << 20  # files smaller than this build in well under a second
DEFAULT_CACHE_DIR = osp.join(osp.expanduser('~'), '.cache', 'mmml_plugin', 'coco_index')


@dataclass
class CocoLabelIndex:
    """Image-level labels of one COCO annotation file.

    Attributes:
        image_ids (np.ndarray): (N,) int64 COCO image ids, in file order.
        file_names (np.ndarray): (N,) str.
        widths (np.ndarray): (N,) int32.
        heights (np.ndarray): (N,) int32.
        label_offsets (np.ndarray): (N + 1,) int64; labels of image ``i`` are
            ``labels[label_offsets[i]:label_offsets[i + 1]]``.
        labels (np.ndarray): (K,) int64 category indices, sorted and unique per image.
        cat_ids (np.ndarray): (C,) int64 category ids, ascending.
        cat_names (np.ndarray): (C,) str, the names in ``cat_ids`` order.
        num_annotations (int): annotations in the file (instances, before de-duplication).
    """
    image_ids: np.ndarray
    file_names: np.ndarray
    widths: np.ndarray
    heights: np.ndarray
    label_offsets: np.ndarray
    labels: np.ndarray
    cat_ids: np.ndarray
    cat_names: np.ndarray
    num_annotations: int

    def __len__(self) -> int:
        return len(self.image_ids)

    def label_lists(self) -> List[List[int]]:
        """Per image, the list of its category indices."""
        labels = self.labels.tolist()
        offsets = self.label_offsets.tolist()
        return [labels[a:b] for a, b in zip(offsets[:-1], offsets[1:])]

    @property
    def num_empty(self) -> int:
        """Images without any annotation."""
        return int((np.diff(self.label_offsets) == 0).sum())


def _read_with_hash(path: str):
    """Reads a file in chunks (with a progress bar for big files).

    Returns ``(data, thread, hasher)``: the bytes, and a started thread feeding them to
    ``hasher``; join it before reading the digest.
    """
    size = osp.getsize(path)
    hasher = hashlib.blake2b(digest_size=20)
    chunks = []
    with open(path, 'rb') as f, byte_progress(size, f'reading {osp.basename(path)}', size
                                              >= _PROGRESS_MIN_BYTES) as advance:
        while True:
            chunk = f.read(16 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            advance(len(chunk))
    data = b''.join(chunks)
    # hashlib releases the GIL on large buffers: hash while the caller parses the JSON.
    thread = threading.Thread(target=hasher.update, args=(data, ))
    thread.start()
    return data, thread, hasher


def file_hash(path: str) -> str:
    """blake2b (160 bits) of the whole file."""
    hasher = hashlib.blake2b(digest_size=20)
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(16 << 20), b''):
            hasher.update(chunk)
    return hasher.hexdigest()


def _fingerprint(path: str, size: int) -> str:
    """Cheap hash of the first and last MiB, checked on every cache hit."""
    hasher = hashlib.blake2b(digest_size=20)
    with open(path, 'rb') as f:
        hasher.update(f.read(_FINGERPRINT_BYTES))
        f.seek(max(0, size - _FINGERPRINT_BYTES))
        hasher.update(f.read(_FINGERPRINT_BYTES))
    return hasher.hexdigest()


def _lookup(sorted_keys: np.ndarray, order: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each ``query`` value in the original array, -1 where absent."""
    if len(sorted_keys) == 0:
        return np.full(len(query), -1, dtype=np.int64)
    pos = np.minimum(np.searchsorted(sorted_keys, query), len(sorted_keys) - 1)
    return np.where(sorted_keys[pos] == query, order[pos], -1)


_INT64_MAX = np.iinfo(np.int64).max
_INT64_MIN = np.iinfo(np.int64).min
_FIX = 'Fix the file, or use the original instances_*.json.'


def _describe(value) -> str:
    """``1.9 (a float)``, ``true (a boolean)``: a JSON value as the file spells it, and its kind."""
    if isinstance(value, dict):
        return f'an object with {len(value)} keys'
    if isinstance(value, list):
        return f'a list of {len(value)} items'
    kinds = {bool: 'a boolean', float: 'a float', str: 'a string', int: 'an integer'}
    kind = kinds.get(type(value), 'null' if value is None else type(value).__name__)
    return f'{json.dumps(value)[:60]} ({kind})'


def _record_error(source: str, section: str, records: list, field: str) -> ValueError:
    """The first record of ``data[section]`` whose ``field`` is not an int64 id, described.

    Called only once the fast path has failed, so it may loop in Python.
    """
    for i, record in enumerate(records):
        where = f'{source}: "{section}"[{i}]'
        if not isinstance(record, dict):
            return ValueError(f'{where} is {_describe(record)}, not an object. {_FIX}')
        if 'id' in record and field != 'id':
            where += f' (id {json.dumps(record["id"])[:40]})'
        if field not in record:
            return ValueError(f'{where} has no "{field}". {_FIX}')
        value = record[field]
        if type(value) is not int:  # bool is an int subclass: true must not become id 1
            return ValueError(f'{where}: "{field}" is {_describe(value)}; ids must be '
                              f'integers. {_FIX}')
        if not _INT64_MIN <= value <= _INT64_MAX:
            return ValueError(f'{where}: "{field}" {value} is out of range (ids must fit in '
                              f'a signed 64-bit integer). {_FIX}')
    return ValueError(f'{source}: unreadable "{field}" values in "{section}". {_FIX}')


def _id_column(source: str, section: str, records: list, field: str) -> np.ndarray:
    """``[r[field] for r in records]`` as int64, refusing anything but JSON integers.

    ``np.fromiter(..., np.int64)`` alone would turn ``1.9`` and ``true`` into id 1; checking the
    set of Python types is one C-level pass (milliseconds for COCO train's 605k annotations).
    """
    try:
        values = [r[field] for r in records]
    except (KeyError, TypeError, IndexError):
        raise _record_error(source, section, records, field) from None
    if values and set(map(type, values)) != {int}:
        raise _record_error(source, section, records, field)
    try:
        return np.fromiter(values, np.int64, len(values))
    except OverflowError:
        raise _record_error(source, section, records, field) from None


def _str_column(source: str, section: str, records: list, field: str) -> np.ndarray:
    """``[r[field] for r in records]`` as a str array, refusing missing or non-string values."""
    try:
        values = [r[field] for r in records]
    except (KeyError, TypeError, IndexError):
        values = None
    if values is None or (values and set(map(type, values)) != {str}):
        for i, record in enumerate(records):
            where = f'{source}: "{section}"[{i}]'
            if not isinstance(record, dict):
                raise ValueError(f'{where} is {_describe(record)}, not an object. {_FIX}')
            if field not in record:
                raise ValueError(f'{where} (id {json.dumps(record.get("id"))[:40]}) has no '
                                 f'"{field}". {_FIX}')
            if not isinstance(record[field], str):
                raise ValueError(f'{where} (id {json.dumps(record.get("id"))[:40]}): "{field}" '
                                 f'is {_describe(record[field])}, not a string. {_FIX}')
        raise ValueError(f'{source}: unreadable "{field}" values in "{section}". {_FIX}')
    return np.array(values, dtype=str)


def _size_column(source: str, images: list, field: str) -> np.ndarray:
    """Optional image ``width`` / ``height`` (0 when absent) as int32."""
    try:
        return np.fromiter((im.get(field, 0) for im in images), np.int32, len(images))
    except (TypeError, ValueError, OverflowError, AttributeError):
        pass
    for i, im in enumerate(images):
        value = im.get(field, 0)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or \
                not 0 <= value <= np.iinfo(np.int32).max:
            raise ValueError(f'{source}: "images"[{i}] (id {json.dumps(im.get("id"))[:40]}): '
                             f'"{field}" is {_describe(value)}; expected a size in pixels. '
                             f'{_FIX}')
    raise ValueError(f'{source}: unreadable "{field}" values in "images". {_FIX}')


def parse_coco_label_index(data: dict, source: str) -> CocoLabelIndex:
    """Builds the index from a loaded COCO instances dict.

    Args:
        data (dict): the parsed JSON (``images``, ``annotations``, ``categories``).
        source (str): the file it came from, for error messages.

    Raises:
        ValueError: missing or malformed sections or fields (a record that is not an object,
            an image without ``file_name``, an id that is not a JSON integer, e.g. ``1.9`` or
            ``true``, or that does not fit in int64), duplicate ids, or an annotation that
            references an unknown category or image. The message names the file, the section,
            the record and the field.
    """
    if not isinstance(data, dict):
        raise ValueError(f'{source}: not a COCO instances file (the top level is '
                         f'{_describe(data)[:80]}, not an object). Use an instances_*.json '
                         'annotation file.')
    for key in ('images', 'annotations', 'categories'):
        if key not in data:
            raise ValueError(f'{source}: not a COCO instances file (no "{key}" list). Use an '
                             'instances_*.json annotation file.')
        if not isinstance(data[key], list):
            raise ValueError(f'{source}: "{key}" is {_describe(data[key])[:80]}, not a list. '
                             f'{_FIX}')
    cat_ids = _id_column(source, 'categories', data['categories'], 'id')
    cat_names = _str_column(source, 'categories', data['categories'], 'name')
    cat_order = np.argsort(cat_ids, kind='stable')
    cat_ids, cat_names = cat_ids[cat_order], cat_names[cat_order]
    if len(np.unique(cat_ids)) != len(cat_ids):
        raise ValueError(f'{source}: duplicate category ids in "categories"; fix the file.')
    images = data['images']
    image_ids = _id_column(source, 'images', images, 'id')
    file_names = _str_column(source, 'images', images, 'file_name')
    img_order = np.argsort(image_ids, kind='stable')
    sorted_img_ids = image_ids[img_order]
    if len(sorted_img_ids) > 1 and (np.diff(sorted_img_ids) == 0).any():
        dup = sorted_img_ids[:-1][np.diff(sorted_img_ids) == 0][0]
        raise ValueError(f'{source}: image id {dup} appears twice in "images"; fix the file.')

    anns = data['annotations']
    ann_img = _id_column(source, 'annotations', anns, 'image_id')
    ann_cat = _id_column(source, 'annotations', anns, 'category_id')
    img_pos = _lookup(sorted_img_ids, img_order, ann_img)
    cat_pos = _lookup(cat_ids, np.arange(len(cat_ids)), ann_cat)
    for what, pos, values in (('category', cat_pos, ann_cat), ('image', img_pos, ann_img)):
        bad = np.flatnonzero(pos < 0)
        if len(bad):
            first = anns[bad[0]]
            known = cat_ids.tolist() if what == 'category' else None
            raise ValueError(
                f'{source}: {len(bad)} annotation(s) reference an unknown {what} id, e.g. '
                f'annotation id {first.get("id")} has {what}_id {values[bad[0]]}' +
                (f' (known category ids: {known})' if known is not None else '') +
                '. Fix or remove these annotations, or use the matching annotation file.')

    num_cats = max(len(cat_ids), 1)
    pairs = np.unique(img_pos * num_cats + cat_pos)  # sorted by image, then category
    pair_img, labels = np.divmod(pairs, num_cats)
    label_offsets = np.searchsorted(pair_img, np.arange(len(images) + 1)).astype(np.int64)
    return CocoLabelIndex(image_ids=image_ids,
                          file_names=file_names,
                          widths=_size_column(source, images, 'width'),
                          heights=_size_column(source, images, 'height'),
                          label_offsets=label_offsets,
                          labels=labels.astype(np.int64),
                          cat_ids=cat_ids,
                          cat_names=cat_names,
                          num_annotations=len(anns))


def build_coco_label_index(ann_file: str) -> Tuple[CocoLabelIndex, str]:
    """Parses ``ann_file`` and builds its index (no cache).

    Returns:
        tuple: the index and the blake2b hash of the file (computed while parsing).
    """
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: annotation file not found. Check data_root and '
                                'ann_file in the dataset config (see docs/data_preparation.md).')
    data, thread, hasher = _read_with_hash(ann_file)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of new JSON objects would trigger repeated full collections
    try:
        try:
            parsed = json.loads(data)
        except ValueError as e:
            raise ValueError(f'{ann_file}: not valid JSON ({e}); the file is damaged or '
                             'truncated, download or extract it again.') from None
        finally:
            thread.join()  # the hash is complete
        del data
        return parse_coco_label_index(parsed, ann_file), hasher.hexdigest()
    finally:
        if gc_was_enabled:
            gc.enable()


def cache_path_for(ann_file: str, cache_dir: Optional[str] = None) -> str:
    """Where the index of ``ann_file`` is cached.

    Next to the annotation file (``<ann_file>.mmml_index.npz``) unless ``cache_dir`` is given or
    that folder is read-only; then ``<cache_dir or ~/.cache/mmml_plugin/coco_index>/<name>-<hash
    of the absolute path>.npz``.
    """
    ann_file = osp.abspath(ann_file)
    folder = osp.dirname(ann_file)
    if cache_dir is None and os.access(folder, os.W_OK):
        return ann_file + '.mmml_index.npz'
    tag = hashlib.blake2b(ann_file.encode(), digest_size=6).hexdigest()
    return osp.join(cache_dir or DEFAULT_CACHE_DIR, f'{osp.basename(ann_file)}-{tag}.npz')


def _save_index(path: str, index: CocoLabelIndex, key: dict) -> None:
    """Writes atomically (temp file + rename): concurrent ranks never see a partial cache."""
    os.makedirs(osp.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=osp.dirname(path), suffix='.tmp.npz')
    os.close(fd)
    try:
        np.savez(tmp,
                 version=INDEX_VERSION,
                 **key,
                 **{k: getattr(index, k)
                    for k in CocoLabelIndex.__dataclass_fields__})
        os.replace(tmp, path)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)


def _load_cached(path: str, ann_file: str, stat) -> Optional[Tuple[CocoLabelIndex, bool]]:
    """Returns (index, key_is_current) when the cache matches the file, else None."""
    try:
        check_declared_size(path)  # a planted or damaged cache cannot ask for gigabytes
        with np.load(path, allow_pickle=False) as f:
            if int(f['version']) != INDEX_VERSION or int(f['size']) != stat.st_size:
                return None
            if _fingerprint(ann_file, stat.st_size) != str(f['fingerprint']):
                return None
            current = int(f['mtime_ns']) == stat.st_mtime_ns
            if not current and file_hash(ann_file) != str(f['content_hash']):
                return None  # touched and changed: rebuild
            index = CocoLabelIndex(
                **{
                    k: (int(f[k]) if k == 'num_annotations' else f[k])
                    for k in CocoLabelIndex.__dataclass_fields__
                })
            return index, current
    except (OSError, KeyError, ValueError) as e:
        warnings.warn(f'{path}: unreadable index cache ({e}); rebuilding it.')
        return None


def load_coco_label_index(ann_file: str,
                          cache_dir: Optional[str] = None,
                          use_cache: bool = True) -> Tuple[CocoLabelIndex, bool]:
    """The index of ``ann_file``, from the cache when it is current.

    Args:
        ann_file (str): a COCO ``instances_*.json``.
        cache_dir (str, optional): cache folder; by default next to ``ann_file``, or
            ``~/.cache/mmml_plugin/coco_index`` when that folder is read-only.
        use_cache (bool): read and write the cache.

    Returns:
        tuple: ``(index, from_cache)``.
    """
    if not use_cache:
        return build_coco_label_index(ann_file)[0], False
    if not osp.isfile(ann_file):
        raise FileNotFoundError(f'{ann_file}: annotation file not found. Check data_root and '
                                'ann_file in the dataset config (see docs/data_preparation.md).')
    path = cache_path_for(ann_file, cache_dir)
    stat = os.stat(ann_file)
    if osp.isfile(path):
        hit = _load_cached(path, ann_file, stat)
        if hit is not None:
            index, current = hit
            if not current:  # same content, new mtime (copied or touched): refresh the key
                _try_save(path, index, _key(ann_file, stat, file_hash(ann_file)))
            return index, True
    index, content_hash = build_coco_label_index(ann_file)
    _try_save(path, index, _key(ann_file, os.stat(ann_file), content_hash))
    return index, False


def _key(ann_file: str, stat, content_hash: str) -> dict:
    return dict(size=stat.st_size,
                mtime_ns=stat.st_mtime_ns,
                content_hash=content_hash,
                fingerprint=_fingerprint(ann_file, stat.st_size))


def _try_save(path: str, index: CocoLabelIndex, key: dict) -> None:
    try:
        _save_index(path, index, key)
    except OSError as e:
        warnings.warn(f'could not write the index cache {path} ({e}); set cache_dir in the '
                      'dataset config to a writable folder to avoid rebuilding it every run.')


def remap_labels(labels: np.ndarray, offsets: np.ndarray, mapping: np.ndarray):
    """Maps per-image labels through ``mapping`` (-1 drops a class), keeping them sorted.

    Args:
        labels (np.ndarray): (K,) labels, grouped per image by ``offsets`` (N + 1,).
        mapping (np.ndarray): (C_file,) new index of each file class, or -1.

    Returns:
        tuple: the new ``(labels, offsets)``.
    """
    owner = np.repeat(np.arange(len(offsets) - 1), np.diff(offsets))
    mapped = mapping[labels]
    keep = mapped >= 0
    owner, mapped = owner[keep], mapped[keep]
    order = np.lexsort((mapped, owner))
    new_offsets = np.searchsorted(owner[order], np.arange(len(offsets)))
    return mapped[order], new_offsets
