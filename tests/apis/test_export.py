"""ONNX export of SSGRL, ML-GCN, Query2Label and the ResNet baseline, checked with ONNX Runtime
(CPU): outputs equal to PyTorch's within 1e-4 on random inputs and on demo images, at two batch
sizes from one exported graph (dynamic batch); the label files are constants of the graph; the
class names and input format are in the model's metadata; per-class thresholds add a labels
output; ranking by the exported logits is the ranking of ``predict``'s float64 scores where the
float32 scores tie; the export dependencies stay optional; ``pytorch2onnx.py`` end to end.

Models are built from the real configs with a small backbone (ResNet-18, width 16), small head
widths and random weights, at the demo's 115 px input."""
import os
import os.path as osp
import shutil
import subprocess
import sys

import mmcv
import numpy as np
import pytest
import torch
from foundation.utils import run_tool_here
from mmengine.dataset import Compose
from mmpretrain.registry import TRANSFORMS

from mmml_plugin.apis.export import (compare_onnx, export_onnx, onnx_session, read_onnx_metadata,
                                     run_onnx)
from mmml_plugin.apis.flops import write_stand_in_label_files
from mmml_plugin.apis.train_test import load_config
from mmml_plugin.datasets.demo_digits import DEMO_CLASSES

SIZE = (115, 115)
TOLERANCE = 1e-4
C = len(DEMO_CLASSES)
SMALL = {
    'model.backbone.depth': 18,
    'model.backbone.base_channels': 16,
    'model.backbone.init_cfg': None,
    'model.head.num_classes': C,
    'data_preprocessor.num_classes': C,
}
CONFIGS = {
    'ssgrl': ('configs/ssgrl/ssgrl_r101_1xb4_coco-576px.py', {
        'model.head.in_channels': 128,
        'model.head.out_channels': 96,
        'model.head.inter_channels': 64,
        'model.head.classes': list(DEMO_CLASSES)
    }),
    'mlgcn': ('configs/mlgcn/mlgcn_r101_1xb16_coco-448px.py', {
        'model.head.in_channels': 128,
        'model.head.classes': list(DEMO_CLASSES)
    }),
    'query2label': ('configs/query2label/query2label_r101_1xb64_coco-448px.py', {
        'model.head.in_channels': 128,
        'model.head.embed_dims': 128,
        'model.head.feedforward_channels': 256
    }),
    'baseline': ('configs/resnet/resnet101_1xb4_coco-576px.py', {
        'model.head.in_channels': 128
    }),
}


def build_small(repo_root, name, folder):
    """The model of CONFIGS[name] (eval mode) with stand-in label files written to ``folder``."""
    from mmpretrain.apis import get_model
    config, options = CONFIGS[name]
    cfg = load_config(str(repo_root / config), {**SMALL, **options})
    cfg = write_stand_in_label_files(cfg, folder)
    torch.manual_seed(0)
    model = get_model(cfg, pretrained=False, device='cpu')
    model.eval()
    return model


@pytest.fixture(scope='module')
def exported(repo_root, tmp_path_factory):
    """name -> (model, ONNX Runtime session, .onnx path); the label files are deleted after the
    export, so the sessions can only use what the graph holds."""
    out = {}
    for name in CONFIGS:
        folder = tmp_path_factory.mktemp(f'{name}_label_files')
        model = build_small(repo_root, name, str(folder))
        onnx_file = str(tmp_path_factory.mktemp('onnx') / f'{name}.onnx')
        export_onnx(model, onnx_file, SIZE, classes=DEMO_CLASSES)
        shutil.rmtree(folder)
        out[name] = (model, onnx_session(onnx_file), onnx_file)
    return out


@pytest.fixture(scope='module')
def demo_images(demo_data, repo_root):
    """The demo val images after the demo config's test pipeline, as the exported graph takes
    them: (N, 3, 115, 115) float32 RGB 0-255."""
    cfg = load_config(str(repo_root / 'configs/demo/ssgrl_r18_demo.py'))
    pipeline = Compose([
        TRANSFORMS.build(t) for t in cfg.test_dataloader.dataset.pipeline
        if not t['type'].startswith('LoadImage')
    ])
    folder = demo_data['val_img_prefix']
    files = sorted(f for f in os.listdir(folder) if f.endswith('.jpg'))[:5]
    assert len(files) == 5
    batch = []
    for f in files:
        img = mmcv.imread(osp.join(folder, f))
        sample = pipeline(dict(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2]))
        batch.append(sample['inputs'].numpy()[::-1])  # BGR (as loaded) -> RGB
    return np.ascontiguousarray(np.stack(batch), dtype=np.float32)


@pytest.mark.parametrize('name', list(CONFIGS))
@pytest.mark.parametrize('batch', [1, 3])
def test_onnx_runtime_equals_pytorch_on_random_inputs(exported, name, batch):
    model, session, _ = exported[name]
    inputs = np.random.default_rng(batch).uniform(0, 255, (batch, 3, *SIZE)).astype(np.float32)
    diff = compare_onnx(model, session, inputs)
    assert diff['scores'] <= TOLERANCE and diff['logits'] <= TOLERANCE, diff
    assert diff['rank_mismatches'] == 0


@pytest.mark.parametrize('name', list(CONFIGS))
@pytest.mark.parametrize('batch', [2, 5])
def test_onnx_runtime_equals_pytorch_on_demo_images(exported, demo_images, name, batch):
    model, session, _ = exported[name]
    diff = compare_onnx(model, session, demo_images[:batch])
    assert diff['scores'] <= TOLERANCE and diff['logits'] <= TOLERANCE, diff
    outputs = run_onnx(session, demo_images[:batch])
    assert outputs['scores'].shape == (batch, C) and outputs['scores'].dtype == np.float32
    assert np.isfinite(outputs['logits']).all()


@pytest.mark.parametrize('name', list(CONFIGS))
def test_graph_needs_no_label_file_and_carries_its_metadata(exported, name):
    model, session, onnx_file = exported[name]
    assert [i.name for i in session.get_inputs()] == ['inputs']  # nothing else to feed
    assert session.get_inputs()[0].shape[0] == 'batch'
    assert [o.name for o in session.get_outputs()] == ['scores', 'logits']
    meta = read_onnx_metadata(onnx_file)
    assert meta['classes'] == list(DEMO_CLASSES)
    assert meta['input_size'] == list(SIZE) and meta['input_channels'] == 'RGB'
    cfg_pre = model._config.data_preprocessor
    assert meta['mean'] == pytest.approx(cfg_pre.mean) and meta['std'] == pytest.approx(cfg_pre.std)


def test_thresholds_add_a_labels_output(repo_root, tmp_path):
    model = build_small(repo_root, 'ssgrl', str(tmp_path))
    thresholds = np.linspace(0.2, 0.8, C)
    onnx_file = export_onnx(model, str(tmp_path / 'thr.onnx'), SIZE, DEMO_CLASSES, thresholds)
    session = onnx_session(onnx_file)
    inputs = np.random.default_rng(0).uniform(0, 255, (4, 3, *SIZE)).astype(np.float32)
    out = run_onnx(session, inputs)
    assert out['labels'].dtype == np.bool_
    np.testing.assert_array_equal(out['labels'], out['scores'] >= thresholds.astype(np.float32))
    assert 0 < out['labels'].sum() < out['labels'].size  # the thresholds separate something
    assert read_onnx_metadata(onnx_file)['thresholds'] == pytest.approx(thresholds.tolist())
    with pytest.raises(ValueError, match='thresholds'):
        export_onnx(model, str(tmp_path / 'bad.onnx'), SIZE, DEMO_CLASSES, thresholds[:3])


def test_logits_keep_the_ranking_where_float32_scores_tie(repo_root, tmp_path):
    """Logits 20.0 ... 20.9: every float32 score rounds to 1.0 (a tie), the float64 scores of
    ``predict`` stay distinct; the exported logits rank the classes as the float64 scores."""
    model = build_small(repo_root, 'baseline', str(tmp_path))
    with torch.no_grad():
        model.head.fc.weight.zero_()
        model.head.fc.bias.copy_(20 + 0.1 * torch.randperm(C, generator=torch.Generator()))
    session = onnx_session(export_onnx(model, str(tmp_path / 'b.onnx'), SIZE, DEMO_CLASSES))
    inputs = np.random.default_rng(0).uniform(0, 255, (2, 3, *SIZE)).astype(np.float32)
    out = run_onnx(session, inputs)
    assert (out['scores'] == 1.0).all()  # float32: all tied
    diff = compare_onnx(model, session, inputs)
    assert diff['rank_mismatches'] == 0 and diff['scores'] <= TOLERANCE


def test_export_dependencies_stay_optional(repo_root):
    """Without onnx / onnxruntime the package and the export module import, and the export
    names the requirements file to install."""
    code = ("import sys; sys.modules['onnx'] = None; sys.modules['onnxruntime'] = None\n"
            'import mmml_plugin, mmml_plugin.apis.export as e, mmml_plugin.apis.flops\n'
            'try:\n    e.export_onnx(None, "x.onnx", (8, 8))\n'
            'except ImportError as err:\n    print("ERR", err)\n')
    done = subprocess.run([sys.executable, '-c', code],
                          cwd=str(repo_root),
                          capture_output=True,
                          text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert 'ERR' in done.stdout and 'requirements/export.txt' in done.stdout


def test_pytorch2onnx_tool_exports_and_verifies_a_checkpoint(repo_root, demo_data, tmp_path):
    """``tools/model_converters/pytorch2onnx.py`` on the demo SSGRL config and a checkpoint:
    the graph carries the demo's class names and ``--verify`` reports differences <= 1e-4."""
    from mmml_plugin.apis.inference import init_model
    config = str(repo_root / 'configs/demo/ssgrl_r18_demo.py')
    options = {'data_root': demo_data['data_root'].rstrip('/') + '/'}
    model = init_model(config, cfg_options={**options, 'model.backbone.init_cfg': None})
    checkpoint = str(tmp_path / 'demo.pth')
    # as the Runner saves it: the weights and the training classes
    meta = {'dataset_meta': {'classes': list(DEMO_CLASSES)}}
    torch.save({'state_dict': model.state_dict(), 'meta': meta}, checkpoint)
    out_file = str(tmp_path / 'demo.onnx')
    printed = run_tool_here('model_converters/pytorch2onnx.py', config, checkpoint, '--out',
                            out_file, '--verify', '--cfg-options',
                            f"data_root={options['data_root']}", 'model.backbone.init_cfg=None')
    meta = read_onnx_metadata(out_file)
    assert meta['classes'] == list(DEMO_CLASSES) and meta['input_size'] == [115, 115]
    lines = [line for line in printed.splitlines() if line.startswith('batch')]
    assert len(lines) == 2, printed
    for line in lines:
        scores = float(line.split('scores ')[1].split(',')[0])
        assert scores <= TOLERANCE


def test_pytorch2onnx_bakes_a_thresholds_file_into_a_labels_output(repo_root, demo_data, tmp_path):
    """``--thresholds`` (the tuned per-class file) adds ``labels`` equal to ``predict_labels``
    of the float64 scores (``--verify`` checks it); a file for other classes is refused."""
    from mmml_plugin.apis.inference import init_model
    from mmml_plugin.evaluation import save_thresholds
    from mmml_plugin.utils.label_files import ClassOrderError
    config = str(repo_root / 'configs/demo/ssgrl_r18_demo.py')
    root = demo_data['data_root'].rstrip('/') + '/'
    model = init_model(config, cfg_options={'data_root': root, 'model.backbone.init_cfg': None})
    checkpoint = str(tmp_path / 'demo.pth')
    meta = {'dataset_meta': {'classes': list(DEMO_CLASSES)}}
    torch.save({'state_dict': model.state_dict(), 'meta': meta}, checkpoint)
    thresholds = np.linspace(0.3, 0.7, C)
    good = save_thresholds(str(tmp_path / 'thr.json'), thresholds, DEMO_CLASSES)
    out_file = str(tmp_path / 'thr.onnx')
    options = ['--cfg-options', f'data_root={root}', 'model.backbone.init_cfg=None']
    printed = run_tool_here('model_converters/pytorch2onnx.py', config, checkpoint, '--out',
                            out_file, '--verify', '--thresholds', good, *options)
    assert read_onnx_metadata(out_file)['thresholds'] == pytest.approx(thresholds.tolist())
    session = onnx_session(out_file)
    assert [o.name for o in session.get_outputs()] == ['scores', 'logits', 'labels']
    assert printed.count('labels differing from predict_labels 0') == 2, printed
    inputs = np.random.default_rng(0).uniform(0, 255, (3, 3, *SIZE)).astype(np.float32)
    out = run_onnx(session, inputs)
    np.testing.assert_array_equal(out['labels'], out['scores'] >= thresholds.astype(np.float32))
    swapped = save_thresholds(str(tmp_path / 'swapped.json'), thresholds,
                              [*DEMO_CLASSES[1:], DEMO_CLASSES[0]])
    with pytest.raises(ClassOrderError, match='swapped.json'):
        run_tool_here('model_converters/pytorch2onnx.py', config, checkpoint, '--out',
                      str(tmp_path / 'x.onnx'), '--thresholds', swapped, *options)
