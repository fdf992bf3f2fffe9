"""FLOPs of whole plugin models (heads included) traced by mmengine's FlopAnalyzer with the
plugin's operator handles, checked against the counts written out from the equations, for every
plugin model built from its real config (small backbone and widths, small non-square input);
the input size read from a config's test pipeline; ``tools/analysis_tools/get_flops.py``."""
import contextlib
import io
import json
import runpy
import sys

import pytest
from mmengine.config import Config

from mmml_plugin.apis.flops import config_input_size, count_flops, model_flops

SMALL = {'model.backbone.depth': 18, 'model.backbone.base_channels': 16}
# config -> width overrides that fit the small backbone (128 output channels)
CONFIGS = {
    'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py': {
        'model.head.in_channels': 128,
        'model.head.out_channels': 96,
        'model.head.inter_channels': 64
    },
    'configs/ssgrl/ssgrl-wo-sd_r101_1xb4_coco-576px.py': {
        'model.head.in_channels': 128,
        'model.head.out_channels': 128
    },
    'configs/ssgrl/ssgrl-wo-si_r101_1xb4_coco-576px.py': {
        'model.neck.in_channels': 128,
        'model.head.in_channels': 128
    },
    'configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py': {
        'model.head.in_channels': 128
    },
    'configs/query2label/query2label_r101_1xb64_coco-448px.py': {
        'model.head.in_channels': 128,
        'model.head.embed_dims': 128,
        'model.head.feedforward_channels': 256
    },
    'configs/resnet/resnet101_1xb4_coco-576px.py': {
        'model.head.in_channels': 128
    },
}
INPUT = (96, 80)  # non-square and not a multiple of 32: the rounding of every stride shows


@pytest.fixture(scope='module')
def counted(repo_root, tmp_path_factory):
    """model_flops of every plugin config at INPUT, with stand-in label files."""
    results = {}
    for config, options in CONFIGS.items():
        folder = tmp_path_factory.mktemp('label_files')
        results[config] = model_flops(str(repo_root / config),
                                      INPUT,
                                      cfg_options={
                                          **SMALL,
                                          **options
                                      },
                                      stand_in_folder=str(folder))
    return results


@pytest.mark.parametrize('config', list(CONFIGS))
def test_traced_count_of_every_part_equals_the_analytic_count(counted, config):
    """Backbone, neck and head each within 2 % of their written-out count (the head alone too:
    in the total the backbone would hide a head counted wrong), no operator left uncounted."""
    r = counted[config]
    assert r['unsupported'] == {}
    analytic = r['analytic']
    assert r['by_module']['head'] > 0 and analytic['head'] > 0
    for part in ('backbone', 'head'):
        assert r['by_module'][part] == pytest.approx(analytic[part], rel=0.02), part
    assert r['by_module'].get('neck', 0) == pytest.approx(analytic['neck'], rel=0.02)
    assert r['total'] == pytest.approx(analytic['total'], rel=0.02)
    assert abs(r['relative_difference']) <= 0.02


def test_heads_are_counted_where_mmpretrain_shows_n_a(counted):
    """SSGRL's head (decoupling + GGNN) costs more than the small backbone here: a counter that
    skipped the head (mmpretrain's get_flops traces extract_feat only) would be off by half."""
    r = counted['configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py']
    assert r['by_module']['head'] > 0.5 * r['by_module']['backbone']
    score = [v for k, v in r['by_operator'].items() if k.endswith('TanhBilinearScore')]
    assert score and score[0] > 0, r['by_operator']  # the fused attention score
    q2l = counted['configs/query2label/query2label_r101_1xb64_coco-448px.py']
    attention = [v for k, v in q2l['by_operator'].items() if 'scaled_dot_product' in k]
    assert attention and attention[0] > 0, q2l['by_operator']


def test_count_follows_the_input_size(repo_root, tmp_path):
    """A larger image costs more in the backbone and in SSGRL's attention (N positions)."""
    config = 'configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py'
    small = model_flops(str(repo_root / config), (64, 64), {
        **SMALL,
        **CONFIGS[config]
    }, str(tmp_path))
    large = model_flops(str(repo_root / config), (128, 128), {
        **SMALL,
        **CONFIGS[config]
    }, str(tmp_path))
    assert large['by_module']['backbone'] > 3 * small['by_module']['backbone']
    assert large['by_module']['head'] > small['by_module']['head']
    assert large['by_module']['head'] == pytest.approx(large['analytic']['head'], rel=0.02)


@pytest.mark.parametrize('config, size',
                         [('configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py', (576, 576)),
                          ('configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py', (448, 448)),
                          ('configs/demo/ssgrl_r18_demo.py', (115, 115))])
def test_input_size_comes_from_the_test_pipeline(repo_root, config, size):
    assert config_input_size(Config.fromfile(str(repo_root / config))) == size


def test_pipeline_without_a_fixed_size_asks_for_one(repo_root):
    cfg = Config.fromfile(str(repo_root / 'configs/demo/ssgrl_r18_demo.py'))
    cfg.test_dataloader.dataset.pipeline = [
        dict(type='LoadImageChecked'),
        dict(type='ResizeEdge', scale=100),
        dict(type='PackInputs')
    ]
    with pytest.raises(ValueError, match='--shape'):
        config_input_size(cfg)


def test_count_flops_restores_training_mode(counted):
    import torch.nn as nn
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.BatchNorm2d(4)).train()
    r = count_flops(model, (8, 8))
    assert model.training
    assert r['total'] == 4 * 3 * 9 * 64 + 2 * 4 * 64  # conv MACs + eval-mode BN
    assert r['unsupported'] == {}


def test_get_flops_tool_prints_and_writes_every_model(repo_root, tmp_path):
    """``tools/analysis_tools/get_flops.py`` as docs/getting_started.md runs it (demo config,
    stand-in label files): the JSON carries the traced and analytic counts, equal within 2 %."""
    script = str(repo_root / 'tools/analysis_tools/get_flops.py')
    out_json = tmp_path / 'flops.json'
    argv, sys.argv = sys.argv, [
        script,
        str(repo_root / 'configs/demo/ssgrl_r18_demo.py'), '--stand-in-label-files', '--json',
        str(out_json)
    ]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = argv
    (result, ) = json.loads(out_json.read_text()).values()
    assert result['input_size'] == [115, 115]
    assert result['by_module']['head'] > 0
    assert result['total'] == pytest.approx(result['analytic']['total'], rel=0.02)
    assert 'input 3x115x115' in out.getvalue() and 'GFLOPs' in out.getvalue()
