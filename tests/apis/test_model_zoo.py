"""The model zoo: metafiles cover every config, carry the published figures (marked as such, with
the paper on their collection) and load with OpenMMLab's model-index reader, which shows the same
figures; the benchmark-table rows do the right arithmetic. The figures themselves live only in the
metafiles: the tests read them from there."""
import glob
import os.path as osp

import pytest
import yaml

from mmml_plugin.apis.model_zoo import (benchmark_rows, find_model, load_model_zoo, markdown_table,
                                        published_metrics)


@pytest.fixture(scope='module')
def zoo(repo_root):
    return load_model_zoo(str(repo_root / 'model-index.yml'))


@pytest.fixture(scope='module')
def published(zoo):
    """``{name: (dataset, {metric: value})}`` of the entries with published figures."""
    return {m['Name']: published_metrics(m) for m in zoo if m.get('Results')}


@pytest.fixture(scope='module')
def collections(repo_root):
    found = {}
    for path in glob.glob(str(repo_root / 'configs' / '*' / 'metafile.yml')):
        with open(path) as f:
            found.update((c['Name'], c) for c in yaml.safe_load(f).get('Collections') or [])
    return found


def test_every_config_has_an_entry(zoo, repo_root):
    configs = sorted(
        osp.relpath(p, repo_root) for p in glob.glob(str(repo_root / 'configs' / '*' / '*.py'))
        if '/_base_/' not in p)
    listed = sorted(m['Config'] for m in zoo)
    assert listed == configs
    assert len({m['Name'] for m in zoo}) == len(zoo)


def test_published_figures_are_marked_and_cited(zoo, published, collections):
    # the four methods with a paper figure: SSGRL, ML-GCN, Query2Label and the mmdet detector
    assert {find_model(zoo, n)['In Collection']
            for n in published} == {'SSGRL', 'ML-GCN', 'Query2Label', 'Faster R-CNN'}
    for name, (dataset, metrics) in published.items():
        model = find_model(zoo, name)
        source = model['Metadata']['Results Source'].lower()
        assert 'published' in source and 'not' in source, name  # "published ..., not ours"
        assert collections[model['In Collection']].get('Paper', {}).get('URL'), name
        assert dataset and metrics, name
        for metric, value in metrics.items():
            assert isinstance(value, (int, float)) and 0 < value <= 100, (name, metric, value)
    for model in zoo:  # nothing else pretends to have been measured
        if model['Name'] not in published:
            dataset, metrics = published_metrics(model)  # no published figures: no crash
            assert metrics == {} and dataset


def test_metafiles_load_with_modelindex(repo_root, zoo, published):
    from modelindex import load
    index = load(str(repo_root / 'model-index.yml'))
    names = {m.name for m in index.models}
    assert names == {m['Name'] for m in zoo} and set(published) <= names


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


def test_mim_reads_the_model_index(repo_root, published):
    """What `mim search mmml_plugin ...` shows, through mim's own parser and filters: the
    metafiles' figures, unchanged."""
    from mim.commands.search import convert2df, filter_by_conditions
    from modelindex import load

    table = convert2df(load(str(repo_root / 'model-index.yml')))
    assert set(published) <= set(table.index)
    for name, (dataset, metrics) in published.items():
        for metric, value in metrics.items():
            column = f"{dataset.lower()}/{metric.lower().replace(' ', '_')}"
            assert table.loc[name, column] == value, (name, column)
    above_90 = {n for n, (_, metrics) in published.items() if metrics.get('mAP', 0) > 90}
    assert above_90 and set(filter_by_conditions(table, 'map>90').index) == above_90
    # only the mmdet entry carries weights; `mim download` of the others has nothing to fetch
    weights = table['weight'].dropna()
    assert list(weights.index) == ['faster-rcnn_r50_fpn_1x_voc0712']
    assert weights.iloc[0].startswith('https://download.openmmlab.com/mmdetection/')
