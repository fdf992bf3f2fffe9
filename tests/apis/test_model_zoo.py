"""The model zoo: metafiles cover every config, carry the published figures (marked as such) and
load with OpenMMLab's model-index reader; the benchmark-table rows do the right arithmetic."""
import glob
import os.path as osp

import pytest
import yaml

from mmml_plugin.apis.model_zoo import (benchmark_rows, find_model, load_model_zoo, markdown_table,
                                        published_metrics)

PUBLISHED = {
    'ssgrl_r101_1xb4_coco-576px': {
        'mAP': 83.8,
        'CP': 89.9,
        'CR': 68.5,
        'CF1': 76.8,
        'OP': 91.3,
        'OR': 70.8,
        'OF1': 79.7
    },
    'ssgrl_r101_1xb4_voc07-576px': {
        'mAP': 93.4
    },
    'faster-rcnn_r50_fpn_1x_voc0712': {
        'box AP': 80.4
    },
    'mlgcn_r101_1xb16_coco-448px': {
        'mAP': 83.0
    },
    'mlgcn_r101_1xb16_voc07-448px': {
        'mAP': 94.0
    },
    'query2label_r101_1xb64_coco-448px': {
        'mAP': 84.9
    },
}


@pytest.fixture(scope='module')
def zoo(repo_root):
    return load_model_zoo(str(repo_root / 'model-index.yml'))


def test_every_config_has_an_entry(zoo, repo_root):
    configs = sorted(
        osp.relpath(p, repo_root) for p in glob.glob(str(repo_root / 'configs' / '*' / '*.py'))
        if '/_base_/' not in p)
    listed = sorted(m['Config'] for m in zoo)
    assert listed == configs
    assert len({m['Name'] for m in zoo}) == len(zoo)


def test_published_figures(zoo):
    for name, metrics in PUBLISHED.items():
        model = find_model(zoo, name)
        assert published_metrics(model)[1] == metrics
        assert 'not' in model['Metadata']['Results Source'].lower()  # "published, not ours"
    for model in zoo:  # nothing else pretends to have been measured
        if model['Name'] not in PUBLISHED:
            assert not model.get('Results'), model['Name']
            dataset, metrics = published_metrics(model)  # no published figures: no crash
            assert metrics == {} and dataset


def test_metafiles_load_with_modelindex(repo_root):
    from modelindex import load
    index = load(str(repo_root / 'model-index.yml'))
    names = {m.name for m in index.models}
    assert set(PUBLISHED) <= names


def test_find_model_errors(zoo):
    assert find_model(zoo, 'some/dir/ssgrl_r101_1xb4_coco-576px.py')['Name'] == \
        'ssgrl_r101_1xb4_coco-576px'
    with pytest.raises(KeyError, match='no model "nope"'):
        find_model(zoo, 'nope')


def test_benchmark_rows():
    ours = {'multi-label/mAP': 80.0, 'multi-label/CF1': 70.5}
    rows = benchmark_rows(ours, {'mAP': 83.8, 'CF1': 76.8, 'OF1': 79.7})
    assert rows[0] == ('mAP', 80.0, 83.8, pytest.approx(80.0 - 83.8))
    assert rows[1][3] == pytest.approx(70.5 - 76.8)
    assert rows[2] == ('OF1', None, 79.7, None)  # not measured: shown as '-'
    # the detector's run: mmdet's VOCMetric (a fraction) next to our image-level metric
    (box, ) = benchmark_rows({'pascal_voc/mAP': 0.75, 'multi-label/mAP': 90.0}, {'box AP': 80.4})
    assert box[1] == pytest.approx(75.0) and box[3] == pytest.approx(75.0 - 80.4)
    table = markdown_table([('m', 'COCO', rows)])
    assert '| m | COCO | mAP | 80.00 | 83.80 | -3.80 |' in table
    assert '| m | COCO | OF1 | - | 79.70 | - |' in table
    with pytest.raises(ValueError, match='ambiguous'):
        benchmark_rows({'a/mAP': 1.0, 'b/mAP': 2.0}, {'mAP': 3.0})


def test_model_index_imports_every_metafile(repo_root):
    with open(repo_root / 'model-index.yml') as f:
        imports = yaml.safe_load(f)['Import']
    metafiles = sorted(
        osp.relpath(p, repo_root)
        for p in glob.glob(str(repo_root / 'configs' / '*' / 'metafile.yml')))
    assert sorted(imports) == metafiles


def test_mim_reads_the_model_index(repo_root):
    """What `mim search mmml_plugin ...` shows, through mim's own parser and filters."""
    from mim.commands.search import convert2df, filter_by_conditions
    from modelindex import load

    table = convert2df(load(str(repo_root / 'model-index.yml')))
    assert set(PUBLISHED) <= set(table.index)
    assert table.loc['ssgrl_r101_1xb4_coco-576px', 'coco 2014/map'] == 83.8
    assert set(filter_by_conditions(
        table, 'map>90').index) == {'ssgrl_r101_1xb4_voc07-576px', 'mlgcn_r101_1xb16_voc07-448px'}
    # only the mmdet entry carries weights; `mim download` of the others has nothing to fetch
    weights = table['weight'].dropna()
    assert list(weights.index) == ['faster-rcnn_r50_fpn_1x_voc0712']
    assert weights.iloc[0].startswith('https://download.openmmlab.com/mmdetection/')
