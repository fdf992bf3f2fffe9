"""COCO label index: category-id order, empty-image policy, bad annotations, the cache."""
import io
import json
import os
import os.path as osp
import tracemalloc
import zipfile

import numpy as np
import pytest
from dataset_helpers import write_coco
from pycocotools.coco import COCO

from mmml_plugin.datasets import CocoMultiLabelDataset
from mmml_plugin.datasets.coco_index import cache_path_for, load_coco_label_index

# Category ids out of order and non-contiguous, as in COCO.
CATEGORIES = [(90, 'toothbrush'), (1, 'person'), (18, 'dog'), (3, 'car')]
ID_ORDER = ['person', 'car', 'dog', 'toothbrush']  # ascending id


@pytest.fixture()
def toy_ann(tmp_path):
    images = [(10, 'a.jpg'), (7, 'b.jpg'), (3, 'c.jpg'), (42, 'empty.jpg')]
    annotations = [(10, 18), (10, 18), (10, 1), (7, 90), (3, 3), (3, 1), (3, 18)]
    return write_coco(tmp_path / 'instances_train.json', images, annotations, CATEGORIES)


def test_category_id_order_and_labels(toy_ann):
    index, from_cache = load_coco_label_index(toy_ann)
    assert not from_cache
    assert index.cat_names.tolist() == ID_ORDER
    assert index.cat_ids.tolist() == [1, 3, 18, 90]
    # file order of images; two "dog" instances give one label
    assert index.file_names.tolist() == ['a.jpg', 'b.jpg', 'c.jpg', 'empty.jpg']
    assert index.label_lists() == [[0, 2], [3], [0, 1, 2], []]
    assert index.num_annotations == 7 and index.num_empty == 1


def test_index_agrees_with_pycocotools(demo_data):
    index, _ = load_coco_label_index(demo_data['val_ann'])
    coco = COCO(demo_data['val_ann'])
    cat_ids = sorted(coco.getCatIds())
    assert index.cat_ids.tolist() == cat_ids
    for img_id, labels in zip(index.image_ids.tolist(), index.label_lists()):
        expected = sorted({
            cat_ids.index(a['category_id'])
            for a in coco.loadAnns(coco.getAnnIds(imgIds=[img_id]))
        })
        assert labels == expected


def test_dataset_classes_and_gt_labels(toy_ann):
    ds = CocoMultiLabelDataset(toy_ann, data_prefix='imgs/')
    assert ds.metainfo['classes'] == tuple(ID_ORDER)
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == [[0, 2], [3], [0, 1, 2], []]
    assert ds.get_data_info(0)['img_path'] == 'imgs/a.jpg'
    assert ds.get_data_info(2)['img_id'] == 3
    assert ds.get_cat_ids(2) == [0, 1, 2]


def test_classes_subset_and_order_by_name(toy_ann):
    ds = CocoMultiLabelDataset(toy_ann, classes=['dog', 'person'], empty_images='drop')
    assert ds.metainfo['classes'] == ('dog', 'person')
    # b.jpg only has toothbrush (not selected): it becomes an image without labels -> dropped
    assert [ds.get_data_info(i)['gt_label'] for i in range(len(ds))] == [[0, 1], [0, 1]]
    with pytest.raises(ValueError, match=r"instances_train.json.*\['cat'\] are not in"):
        CocoMultiLabelDataset(toy_ann, classes=['dog', 'cat'])


def test_empty_image_policy_counts(tmp_path):
    # 6 images, 2 without annotations: keep -> 6 (SSGRL / Q2L style), drop -> 4 (ML-GCN / ASL)
    images = [(i, f'{i}.jpg') for i in range(1, 7)]
    ann = write_coco(tmp_path / 'instances_val.json', images, [(1, 1), (2, 3), (4, 1), (6, 18)],
                     CATEGORIES)
    keep = CocoMultiLabelDataset(ann, empty_images='keep')
    drop = CocoMultiLabelDataset(ann, empty_images='drop')
    assert (len(keep), keep.num_empty_images) == (6, 2)
    assert (len(drop), drop.num_empty_images) == (4, 2)
    assert [keep.get_data_info(i)['gt_label'] for i in (2, 4)] == [[], []]
    with pytest.raises(ValueError, match='empty_images'):
        CocoMultiLabelDataset(ann, empty_images='skip')


def test_demo_split_counts(demo_data):
    ds = CocoMultiLabelDataset(demo_data['val_ann'], data_prefix=demo_data['val_img_prefix'])
    assert len(ds) == 24 and ds.num_empty_images == 0
    assert ds.metainfo['classes'] == tuple(demo_data['classes'])


def test_unknown_category_names_file_and_annotation(tmp_path):
    ann = write_coco(tmp_path / 'instances_train.json', [(1, 'a.jpg')], [(1, 1), (1, 77)],
                     CATEGORIES)
    with pytest.raises(ValueError) as e:
        load_coco_label_index(ann)
    msg = str(e.value)
    assert ann in msg and 'annotation id 2' in msg and 'category_id 77' in msg
    assert 'Fix or remove' in msg


def test_unknown_image_and_bad_files(tmp_path):
    ann = write_coco(tmp_path / 'instances_train.json', [(1, 'a.jpg')], [(5, 1)], CATEGORIES)
    with pytest.raises(ValueError, match='unknown image id.*image_id 5'):
        load_coco_label_index(ann)
    missing = str(tmp_path / 'nope.json')
    with pytest.raises(FileNotFoundError, match='nope.json: annotation file not found'):
        CocoMultiLabelDataset(missing)
    truncated = tmp_path / 'instances_cut.json'
    truncated.write_text(open(ann).read()[:50])
    with pytest.raises(ValueError, match='instances_cut.json: not valid JSON'):
        load_coco_label_index(str(truncated))
    not_coco = tmp_path / 'captions.json'
    not_coco.write_text(json.dumps(dict(images=[], annotations=[])))
    with pytest.raises(ValueError, match='captions.json: not a COCO instances file'):
        load_coco_label_index(str(not_coco))


def test_empty_split_is_an_error(tmp_path):
    ann = write_coco(tmp_path / 'instances_val.json', [], [], CATEGORIES)
    with pytest.raises(ValueError, match='instances_val.json: no images in this split'):
        CocoMultiLabelDataset(ann)
    only_empty = write_coco(tmp_path / 'instances_v2.json', [(1, 'a.jpg')], [], CATEGORIES)
    with pytest.raises(ValueError, match='no images in this split'):
        CocoMultiLabelDataset(only_empty, empty_images='drop')


def test_cache_reused_and_invalidated(toy_ann):
    cache = cache_path_for(toy_ann)
    assert cache == toy_ann + '.mmml_index.npz'
    first, from_cache = load_coco_label_index(toy_ann)
    assert not from_cache and osp.isfile(cache)
    again, from_cache = load_coco_label_index(toy_ann)
    assert from_cache and again.label_lists() == first.label_lists()

    # touched (new mtime), same content: the content hash proves it current
    st = os.stat(toy_ann)
    os.utime(toy_ann, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert load_coco_label_index(toy_ann)[1]

    # content changed with the same size and mtime: still detected (fingerprint)
    text = open(toy_ann).read()
    changed = text.replace('"category_id": 90', '"category_id": 18')
    assert len(changed) == len(text) and changed != text
    st = os.stat(toy_ann)
    with open(toy_ann, 'w') as f:
        f.write(changed)
    os.utime(toy_ann, ns=(st.st_atime_ns, st.st_mtime_ns))
    index, from_cache = load_coco_label_index(toy_ann)
    assert not from_cache and index.label_lists()[1] == [2]
    assert load_coco_label_index(toy_ann)[1]

    # a dataset built on the changed file sees the new labels
    assert CocoMultiLabelDataset(toy_ann).get_data_info(1)['gt_label'] == [2]


def test_cache_dir_when_annotation_folder_is_read_only(tmp_path, toy_ann, monkeypatch):
    folder = tmp_path / 'ro'
    folder.mkdir()
    ann = str(folder / 'instances_train.json')
    with open(ann, 'w') as f:
        f.write(open(toy_ann).read())
    os.chmod(folder, 0o555)
    if os.access(folder, os.W_OK):  # root ignores permissions: report the folder read-only
        real_access = os.access
        monkeypatch.setattr(
            os, 'access', lambda p, mode: False
            if str(p) == str(folder) and mode == os.W_OK else real_access(p, mode))
    try:
        cache_dir = tmp_path / 'cache'
        monkeypatch.setattr('mmml_plugin.datasets.coco_index.DEFAULT_CACHE_DIR', str(cache_dir))
        ds = CocoMultiLabelDataset(ann)  # built, cached in the fallback folder
        assert len(ds) == 4 and not any(p.name.endswith('.npz') for p in folder.iterdir())
        assert [p.suffix for p in cache_dir.iterdir()] == ['.npz']
        assert load_coco_label_index(ann)[1]
        # an explicit cache_dir in the dataset config is used as given
        CocoMultiLabelDataset(ann, cache_dir=str(tmp_path / 'mine'))
        assert len(list((tmp_path / 'mine').iterdir())) == 1
    finally:
        os.chmod(folder, 0o755)


def test_explicit_cache_dir_and_no_cache(tmp_path, toy_ann):
    cache_dir = tmp_path / 'c'
    path = cache_path_for(toy_ann, str(cache_dir))
    assert osp.dirname(path) == str(cache_dir)
    load_coco_label_index(toy_ann, cache_dir=str(cache_dir))
    assert osp.isfile(path) and load_coco_label_index(toy_ann, cache_dir=str(cache_dir))[1]
    index, from_cache = load_coco_label_index(toy_ann, use_cache=False)
    assert not from_cache and not osp.exists(toy_ann + '.mmml_index.npz')
    assert np.array_equal(index.labels, load_coco_label_index(toy_ann, str(cache_dir))[0].labels)


def test_progress_bar_path_for_big_files(toy_ann, monkeypatch, capsys):
    from mmml_plugin.datasets import coco_index
    from mmml_plugin.datasets import label_file_builders as label_embeddings
    monkeypatch.setattr(coco_index, '_PROGRESS_MIN_BYTES', 0)  # treat the toy file as big
    monkeypatch.setattr(label_embeddings, '_PROGRESS_MIN_BYTES', 0)
    index, _ = load_coco_label_index(toy_ann, use_cache=False)
    assert index.label_lists()[0] == [0, 2]
    glove = osp.join(osp.dirname(toy_ann), 'vectors.txt')
    with open(glove, 'w') as f:
        f.write('cat 1 2\ndog 3 4\n')
    assert label_embeddings.read_word_vectors(glove, ['dog'])['dog'].tolist() == [3, 4]


def _malformed(data, mutation):
    """Apply one damage to a parsed COCO dict (see ``test_malformed_fields_...``)."""
    if mutation == 'image without file_name':
        del data['images'][1]['file_name']
    elif mutation == 'annotation without category_id':
        del data['annotations'][2]['category_id']
    elif mutation == 'image id 2**64':
        data['images'][1]['id'] = 2**64
    elif mutation == 'category_id 2**64':
        data['annotations'][2]['category_id'] = 2**64
    elif mutation == 'images as a dict':
        data['images'] = {str(im['id']): im for im in data['images']}
    elif mutation == 'float category_id':
        data['annotations'][2]['category_id'] = 1.9
    elif mutation == 'boolean category_id':
        data['annotations'][2]['category_id'] = True
    elif mutation == 'string image_id':
        data['annotations'][2]['image_id'] = '10'
    elif mutation == 'annotation not an object':
        data['annotations'][2] = [10, 1]
    elif mutation == 'file_name not a string':
        data['images'][1]['file_name'] = 7
    elif mutation == 'category without name':
        del data['categories'][0]['name']
    elif mutation == 'top level a list':
        data = [data]
    return data


# mutation -> what the message must say besides the file name
MALFORMED = {
    'image without file_name': ['"images"[1]', 'no "file_name"'],
    'annotation without category_id': ['"annotations"[2]', 'no "category_id"'],
    'image id 2**64': ['"images"[1]', '"id" 18446744073709551616 is out of range'],
    'category_id 2**64': ['"annotations"[2]', '"category_id" 18446744073709551616 is out'],
    'images as a dict': ['"images" is an object with 4 keys, not a list'],
    'float category_id': ['"annotations"[2] (id 3)', '"category_id" is 1.9 (a float)'],
    'boolean category_id': ['"annotations"[2] (id 3)', '"category_id" is true (a boolean)'],
    'string image_id': ['"annotations"[2]', '"image_id" is "10" (a string)'],
    'annotation not an object': ['"annotations"[2] is a list of 2 items, not an object'],
    'file_name not a string': ['"images"[1] (id 7)', '"file_name" is 7 (an integer)'],
    'category without name': ['"categories"[0]', 'no "name"'],
    'top level a list': ['not a COCO instances file'],
}


@pytest.mark.parametrize('mutation', sorted(MALFORMED))
def test_malformed_fields_name_file_record_and_field(toy_ann, tmp_path, mutation):
    """Each damaged field is a ValueError naming the file, the record and the field, never a
    raw KeyError / TypeError / OverflowError, and a float or boolean category id is never read
    as id 1 (``np.fromiter(..., np.int64)`` truncates 1.9 and true to 1)."""
    with open(toy_ann) as f:
        data = _malformed(json.load(f), mutation)
    bad = str(tmp_path / 'instances_bad.json')
    with open(bad, 'w') as f:
        json.dump(data, f)
    with pytest.raises(ValueError) as err:
        load_coco_label_index(bad, use_cache=False)
    message = str(err.value)
    assert message.startswith(bad + ':')
    for part in MALFORMED[mutation]:
        assert part in message
    with pytest.raises(ValueError, match='instances_bad.json'):  # the dataset says the same
        CocoMultiLabelDataset(bad, use_cache=False)


def test_valid_ids_and_sizes_still_read(tmp_path):
    """The checks accept what COCO files hold: large and negative int64 ids, float sizes."""
    ann = write_coco(tmp_path / 'instances_ok.json', [(2**63 - 1, 'a.jpg'), (-5, 'b.jpg')],
                     [(2**63 - 1, 3), (-5, 90)], CATEGORIES)
    with open(ann) as f:
        data = json.load(f)
    data['images'][0]['width'] = 640.0
    with open(ann, 'w') as f:
        json.dump(data, f)
    index, _ = load_coco_label_index(ann, use_cache=False)
    assert index.image_ids.tolist() == [2**63 - 1, -5]
    assert index.label_lists() == [[1], [3]] and index.widths.tolist() == [640, 32]


def test_planted_cache_declaring_gigabytes_is_rebuilt(toy_ann):
    """An index cache that matches the annotation file (key and fingerprint) but whose labels
    declare 4 GiB (a crafted or damaged .npz) is not loaded: it is rebuilt, with a warning,
    without numpy allocating the 4 GiB."""
    load_coco_label_index(toy_ann)
    cache = cache_path_for(toy_ann)
    with zipfile.ZipFile(cache) as archive:
        members = {n: archive.read(n) for n in archive.namelist() if n != 'labels.npy'}
    header = io.BytesIO()  # labels declared as 2**30 int32 (4 GiB), 1 MiB of zeros stored
    np.lib.format.write_array_header_1_0(header,
                                         dict(descr='<i4', fortran_order=False, shape=(1 << 30, )))
    members['labels.npy'] = header.getvalue() + bytes(1 << 20)
    with zipfile.ZipFile(cache, 'w', zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    tracemalloc.start()
    try:
        with pytest.warns(UserWarning, match='unreadable index cache.*declare 4.00 GiB'):
            index, from_cache = load_coco_label_index(toy_ann)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert not from_cache and index.label_lists()[0] == [0, 2]
    assert peak < 64 << 20
