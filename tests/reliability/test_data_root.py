"""``--cfg-options data_root=X`` moves the datasets and the label files under
``mim train/test`` (mmpretrain's own tools: ``Config.fromfile``, ``merge_from_dict``,
``RUNNERS.build``), not only under the plugin's tools; ``check_images.py`` takes it too."""
import importlib.util

from mmengine.config import Config
from mmengine.registry import RUNNERS
from reliability_helpers import DEMO_CONFIG, REPO_ROOT, demo_options

from mmml_plugin.apis import load_config
from mmml_plugin.engine.data_root import reroot_data


def _as_mmpretrain_tools_do(options, work_dir):
    cfg = Config.fromfile(DEMO_CONFIG)
    cfg.merge_from_dict(options)
    cfg.work_dir = str(work_dir)
    return cfg


def test_mmpretrain_tools_path_moves_every_derived_path(tmp_path, tiny_demo):
    root = tiny_demo['data_root'].rstrip('/') + '/'
    options = demo_options(tiny_demo)
    cfg = _as_mmpretrain_tools_do(options, tmp_path)
    # what the config file derived from its own data_root before the override
    assert cfg.model.head.graph_file.startswith('data/demo/')
    runner = RUNNERS.build(cfg)  # builds the SSGRL head, which reads the label files
    head = runner.model.head
    assert runner.cfg.model.head.graph_file == root + 'label_graph.npz'
    assert runner.cfg.model.head.embedding_file == root + 'label_embeddings.npz'
    assert runner.cfg.train_dataloader.dataset.data_root == root
    assert runner.cfg.test_dataloader.dataset.data_root == root
    assert head is not None
    assert runner.train_dataloader.dataset.ann_file.startswith(root)


def test_reroot_is_idempotent_and_keeps_explicit_overrides(tmp_path, tiny_demo):
    root = tiny_demo['data_root'].rstrip('/') + '/'
    explicit = str(tmp_path / 'my_graph.npz')
    cfg = load_config(DEMO_CONFIG, {'data_root': root, 'model.head.graph_file': explicit})
    assert cfg.model.head.graph_file == explicit  # an explicit path is not moved
    assert cfg.model.head.embedding_file == root + 'label_embeddings.npz'
    nested = load_config(DEMO_CONFIG, {'data_root': root + 'sub/'})
    assert reroot_data(nested) == 0  # already moved: a second pass (MMMLRunner) changes nothing
    assert nested.model.head.embedding_file == root + 'sub/label_embeddings.npz'


def test_check_images_takes_cfg_options(tiny_demo, capsys):
    spec = importlib.util.spec_from_file_location('check_images',
                                                  REPO_ROOT / 'tools/misc/check_images.py')
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    root = tiny_demo['data_root'].rstrip('/') + '/'
    assert tool.main([DEMO_CONFIG, '--split', 'train', '--cfg-options', f'data_root={root}']) == 0
    assert '0 bad image(s) out of 16 in the train split.' in capsys.readouterr().out
    # the help text is whole sentences (it used to end mid-sentence, at the first line break)
    assert tool.__doc__.splitlines()[0].endswith('.')
