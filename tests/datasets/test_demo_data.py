"""The demo data is written where the demo configs read it: the label-file names and the
pretrained backbone's come from the configs (``data_root`` moved as the runs move it), said
nowhere else."""
import os.path as osp

import pytest
from mmengine.config import Config

from mmml_plugin.apis.train_test import load_config
from mmml_plugin.datasets.demo_data import DEMO_LABEL_CONFIG, config_data_file, demo_label_files
from mmml_plugin.utils import get_config_file


def test_label_files_are_where_the_demo_config_reads_them(demo_data):
    root = demo_data['data_root'].rstrip('/') + '/'
    cfg = load_config(get_config_file(DEMO_LABEL_CONFIG), {'data_root': root})
    assert demo_data['graph_file'] == cfg.model.head.graph_file
    assert demo_data['embedding_file'] == cfg.model.head.embedding_file
    assert osp.isfile(demo_data['graph_file']) and osp.isfile(demo_data['embedding_file'])


def test_label_file_names_follow_the_config(tmp_path):
    config = tmp_path / 'renamed.py'
    config.write_text(f"_base_ = [{get_config_file(DEMO_LABEL_CONFIG)!r}]\n"
                      "data_root = 'data/demo/'\n"
                      "model = dict(head=dict(graph_file=data_root + 'g/other_graph.npz'))\n")
    files = demo_label_files('/data/x', str(config))
    assert files['graph_file'] == '/data/x/g/other_graph.npz'
    assert files['embedding_file'] == osp.join('/data/x', 'label_embeddings.npz')


def test_a_file_outside_data_root_is_refused():
    cfg = Config(dict(data_root='data/demo/'))
    with pytest.raises(ValueError, match='not under data_root'):
        config_data_file(cfg, '/elsewhere/graph.npz', '/d')


def test_the_stage_script_saves_the_backbone_where_both_demo_configs_read_it(load_tool):
    stages = load_tool('run_demo.py')
    path = stages.pretrained_backbone_file('/data/x')
    for _, config, _ in stages.DEMO_RUNS:
        cfg = load_config(get_config_file(config), {'data_root': '/data/x/'})
        assert cfg.model.backbone.init_cfg.checkpoint == path
    assert path.startswith('/data/x/')
