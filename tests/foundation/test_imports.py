"""Import boundaries (docs/architecture.md, docs/install.md): ``import mmml_plugin`` registers the
classification side and loads no compiled mmcv op, no matplotlib and no mmdet; SSGRL and the
baseline train and evaluate with mmcv's compiled ops unavailable (an mmcv-lite install)."""
import pytest

from mmml_plugin.utils.lazy import lazy_attributes

from .import_guard import run_guarded

HEAVY = ('mmcv._ext', 'mmcv.ops', 'matplotlib', 'mmdet')


def test_import_registers_and_loads_nothing_heavy():
    out = run_guarded('''
        block('mmcv._ext')  # as with mmcv-lite: no compiled ops
        # what every mmpretrain run imports anyway; mmpretrain.models itself tries mmcv.ops
        # (mmcv.cnn.bricks.transformer) and, where mmdet is installed, mmdet.models
        # (mmpretrain/models/utils/res_layer_extra_norm.py), and goes on without them
        import torch, mmpretrain, mmpretrain.datasets, mmpretrain.models  # noqa: E401
        before = set(sys.modules)
        ATTEMPTS.clear()
        block('matplotlib', 'mmdet')
        import mmml_plugin
        new = sorted(set(sys.modules) - before)
        from mmpretrain.registry import DATASETS, METRICS, MODELS, TRANSFORMS
        from mmengine.registry import HOOKS, RUNNERS
        report(new=new, attempts=ATTEMPTS,
               models=[n for n in ('SSGRLHead', 'GraphInteractionHead', 'SemanticDecouplingNeck',
                                   'PerClassLinearClsHead') if n in MODELS.module_dict],
               datasets='CocoMultiLabelDataset' in DATASETS.module_dict,
               transforms=[n for n in ('LoadImageChecked', 'RandomSquareCropResize')
                           if n in TRANSFORMS.module_dict],
               metric='MultiLabelMAP' in METRICS.module_dict,
               hooks=[n for n in ('AtomicCheckpointHook', 'NonFiniteLossHook', 'EpochSeedHook')
                      if n in HOOKS.module_dict],
               runner='MMMLRunner' in RUNNERS.module_dict)
    ''')
    heavy = [m for m in out['new'] if any(m == h or m.startswith(h + '.') for h in HEAVY)]
    assert heavy == [] and out['attempts'] == [], (heavy, out['attempts'])
    # lazy names are not loaded by the import
    assert 'mmml_plugin.apis.inference' not in out['new']
    assert not [m for m in out['new'] if m.startswith('mmml_plugin.visualization')]
    assert 'mmml_plugin.evaluation.metrics.detection_multilabel' not in out['new']
    # ... and everything a classification config names is registered
    assert len(out['models']) == 4 and len(out['transforms']) == 2 and len(out['hooks']) == 3
    assert out['datasets'] and out['metric'] and out['runner']


@pytest.mark.det
def test_detection_metric_registers_through_the_faster_rcnn_config():
    """mmdet's registry gets the metric from the config's custom_imports, not from the plugin."""
    out = run_guarded('''
        import mmml_plugin
        from mmdet.registry import METRICS
        from mmengine.config import Config
        from mmengine.utils import import_modules_from_strings
        after_plugin = 'DetectionMultiLabelMetric' in METRICS.module_dict
        cfg = Config.fromfile('configs/faster_rcnn/faster-rcnn_r50_fpn_1x_voc0712.py')
        before = set(sys.modules)
        import_modules_from_strings(**cfg.custom_imports)
        report(after_plugin=after_plugin,
               after_config='DetectionMultiLabelMetric' in METRICS.module_dict,
               models_loaded_by_metric=any(m.startswith('mmdet.models')
                                           for m in set(sys.modules) - before))
    ''')
    # (mmpretrain.models may have imported mmdet.models already where mmdet is installed: the
    # metric's module adds no import of it)
    assert out == dict(after_plugin=False, after_config=True, models_loaded_by_metric=False)


def test_lazy_names_resolve_on_first_use():
    import mmml_plugin
    from mmml_plugin import apis, evaluation, visualization
    assert mmml_plugin.apis is apis and mmml_plugin.visualization is visualization
    from mmml_plugin.apis.inference import MultiLabelInferencer
    from mmml_plugin.evaluation.metrics.detection_multilabel import DetectionMultiLabelMetric
    from mmml_plugin.visualization.pr_curves import plot_pr_curves
    assert apis.MultiLabelInferencer is MultiLabelInferencer
    assert evaluation.DetectionMultiLabelMetric is DetectionMultiLabelMetric
    assert evaluation.metrics.DetectionMultiLabelMetric is DetectionMultiLabelMetric
    assert visualization.plot_pr_curves is plot_pr_curves
    assert 'plot_pr_curves' in dir(visualization) and 'apis' in dir(mmml_plugin)
    for package in (mmml_plugin, apis, evaluation, visualization):
        for name in package.__all__:
            assert getattr(package, name) is not None, (package.__name__, name)
    with pytest.raises(AttributeError, match="'mmml_plugin.visualization' has no attribute 'nope'"):
        visualization.nope


def test_lazy_attributes_module_or_member():
    getattr_, dir_ = lazy_attributes('mmml_plugin.evaluation', {
        'functional': '.functional',
        'f1': '.functional.f1',
        'topk_mask': '.functional.f1'
    })
    from mmml_plugin.evaluation import functional
    from mmml_plugin.evaluation.functional import f1
    assert getattr_('functional') is functional  # a name equal to its module's: the module
    assert getattr_('topk_mask') is f1.topk_mask  # otherwise the module's attribute
    assert {'functional', 'f1', 'topk_mask'} <= set(dir_())


def test_lazy_name_wins_over_a_submodule_of_the_same_name(tmp_path, monkeypatch):
    """``helper`` is both a submodule and a function defined in ``impl``; importing ``impl``
    binds the submodule on the package, the lazy name must still give the function."""
    pkg = tmp_path / 'lazy_probe_pkg'
    pkg.mkdir()
    (pkg / '__init__.py').write_text(
        'from mmml_plugin.utils.lazy import lazy_attributes\n'
        "__getattr__, __dir__ = lazy_attributes(__name__, {'helper': '.impl', 'other': '.impl',"
        " 'x': '.helper', 'shared': '.shared'})\n")
    (pkg / 'helper.py').write_text('x = 1\n')
    (pkg / 'impl.py').write_text('from .helper import x\n\n\ndef helper():\n    return x\n\n'
                                 '\nother = 2\n')
    (pkg / 'shared.py').write_text('def shared():\n    return 3\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    import lazy_probe_pkg
    from lazy_probe_pkg import other, x  # imports impl, which imports the helper submodule
    assert other == 2 and x == 1
    assert callable(lazy_probe_pkg.helper) and lazy_probe_pkg.helper() == 1
    assert lazy_probe_pkg.shared() == 3  # the member, though the module has the same name


def test_ssgrl_and_baseline_train_and_evaluate_without_compiled_mmcv(demo_data, tmp_path):
    """The SSGRL and baseline demo configs build, train a step and evaluate with mmcv._ext
    unavailable throughout and matplotlib/mmdet unavailable while the plugin is imported."""
    out = run_guarded(f'''
        block('mmcv._ext')
        import torch, mmpretrain  # noqa: E401
        block('matplotlib', 'mmdet')
        import mmml_plugin
        unblock('matplotlib', 'mmdet')
        from mmml_plugin.apis import build_runner, load_config
        results = {{}}
        for name in ('ssgrl_r18_demo', 'resnet18_demo'):
            options = {{'data_root': {demo_data['data_root']!r} + '/',
                        'model.backbone.init_cfg': None,  # no digit-pretrained backbone here
                        'train_cfg.max_epochs': 1, 'param_scheduler.T_max': 1,
                        'train_dataloader.batch_size': 4, 'train_dataloader.num_workers': 0,
                        'train_dataloader.persistent_workers': False,
                        'train_dataloader.dataset.indices': 8,
                        'val_dataloader.num_workers': 0,
                        'val_dataloader.persistent_workers': False,
                        'val_dataloader.dataset.indices': 8,
                        'test_dataloader.num_workers': 0,
                        'test_dataloader.persistent_workers': False,
                        'test_dataloader.dataset.indices': 8}}
            cfg = load_config(f'configs/demo/{{name}}.py', options,
                              work_dir={str(tmp_path)!r} + '/' + name)
            runner = build_runner(cfg)
            runner.train()
            loss = runner.message_hub.get_scalar('train/loss').current()
            results[name] = dict(iters=runner.iter, loss=float(loss),
                                 metrics={{k: float(v) for k, v in runner.test().items()
                                          if k.endswith('mAP')}},
                                 head=type(runner.model.head).__name__)
        report(results=results, ext_loaded='mmcv._ext' in sys.modules,
               ext_attempted='mmcv._ext' in ATTEMPTS)
    ''')
    assert out['ext_loaded'] is False
    for name, head in (('ssgrl_r18_demo', 'SSGRLHead'), ('resnet18_demo', 'MultiLabelLinearHead')):
        r = out['results'][name]
        assert r['head'] == head and r['iters'] == 2, r
        assert 0 < r['loss'] < 10, r  # finite BCE
        assert 0 <= r['metrics']['multi-label/mAP'] <= 100, r
