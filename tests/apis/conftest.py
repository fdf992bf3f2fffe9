"""A real demo run shared by the API and analysis-tool tests: the demo SSGRL config trained for
one epoch on the generated demo data with TensorBoard switched on by the
``configs/_base_/default_runtime_tensorboard.py`` runtime, then tested with ``run_test``'s
``out`` (metrics JSON) and ``dump`` (per-image predictions, ``tools/test.py --out``)."""
import os.path as osp

import pytest
from mmengine.config import Config

DEMO_CONFIG = 'configs/demo/ssgrl_r18_demo.py'
TENSORBOARD_RUNTIME = 'configs/_base_/default_runtime_tensorboard.py'


def demo_cfg_options(demo_data, max_epochs=1):
    """Overrides that point the demo config at the fixture's data and keep the run small."""
    options = {
        'data_root': demo_data['data_root'].rstrip('/') + '/',
        'model.backbone.init_cfg': None,
        'train_cfg.max_epochs': max_epochs,
        'default_hooks.logger.interval': 1,
    }
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        options[f'{loader}.num_workers'] = 0
        options[f'{loader}.persistent_workers'] = False
    return options


@pytest.fixture(scope='session')
def demo_run(demo_data, repo_root, tmp_path_factory):
    from mmml_plugin.apis import run_test, run_train

    work_dir = tmp_path_factory.mktemp('demo_run')
    config = str(repo_root / DEMO_CONFIG)
    options = demo_cfg_options(demo_data)
    tensorboard = Config.fromfile(str(repo_root / TENSORBOARD_RUNTIME)).visualizer.vis_backends
    run_train(config,
              work_dir=str(work_dir),
              cfg_options={
                  **options, 'visualizer.vis_backends': tensorboard
              })
    checkpoint = str(work_dir / 'epoch_1.pth')
    assert osp.isfile(checkpoint)
    results_json, preds = str(work_dir / 'results.json'), str(work_dir / 'preds.npz')
    metrics = run_test(config,
                       checkpoint,
                       work_dir=str(work_dir / 'test'),
                       out=results_json,
                       dump=preds,
                       cfg_options={
                           **options, 'test_evaluator.classwise': True
                       })
    return dict(config=config,
                checkpoint=checkpoint,
                work_dir=str(work_dir),
                metrics=metrics,
                results_json=results_json,
                preds=preds,
                options=options)
