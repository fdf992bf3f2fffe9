"""Class-count mismatches are build-time errors naming every source."""
import numpy as np
import pytest
from mmpretrain.registry import MODELS


@pytest.fixture(scope='module')
def files(tmp_path_factory, write_label_files):
    folder = tmp_path_factory.mktemp('labels')
    return {n: write_label_files(folder, n, embed_dims=8) for n in (4, 5)}


def ssgrl(num_classes, emb, graph, **kw):
    return dict(type='SSGRLHead',
                num_classes=num_classes,
                embedding_file=emb,
                graph_file=graph,
                in_channels=16,
                embed_dims=8,
                inter_channels=8,
                out_channels=8,
                **kw)


def test_three_way_mismatch_names_all_sources(files):
    emb4, graph5 = files[4]['embedding_file'], files[5]['graph_file']
    with pytest.raises(ValueError) as info:
        MODELS.build(ssgrl(5, emb4, graph5))
    msg = str(info.value)
    assert f'class embeddings {emb4}: 4' in msg
    assert f'label graph {graph5}: 5' in msg
    assert 'head num_classes: 5' in msg
    with pytest.raises(ValueError, match=r'head num_classes: 4.*'):
        MODELS.build(ssgrl(4, files[5]['embedding_file'], files[5]['graph_file']))


def test_dataset_classes_are_a_source(files):
    with pytest.raises(ValueError) as info:
        MODELS.build(
            ssgrl(5,
                  files[5]['embedding_file'],
                  files[5]['graph_file'],
                  classes=[f'class_{i}' for i in range(6)]))
    assert 'dataset classes: 6' in str(info.value)
    assert files[5]['embedding_file'] in str(info.value)
    # equal counts but other names: the file's name check (mmml_plugin.utils.label_files)
    with pytest.raises(ValueError, match='class names do not match'):
        MODELS.build(
            ssgrl(5, files[5]['embedding_file'], files[5]['graph_file'], classes=list('abcde')))
    head = MODELS.build(
        ssgrl(5, files[5]['embedding_file'], files[5]['graph_file'], classes=files[5]['classes']))
    assert head.decoupling.embeddings.shape == (5, 8)


def test_neck_and_graph_head_check_their_sources(files):
    with pytest.raises(ValueError, match='neck num_classes: 5'):
        MODELS.build(
            dict(type='SemanticDecouplingNeck',
                 in_channels=16,
                 embed_dims=8,
                 inter_channels=8,
                 num_classes=5,
                 embedding_file=files[4]['embedding_file']))
    with pytest.raises(ValueError, match=f'label graph {files[4]["graph_file"]}: 4'):
        MODELS.build(
            dict(type='GraphInteractionHead',
                 num_classes=5,
                 in_channels=16,
                 out_channels=8,
                 graph_file=files[4]['graph_file']))
    with pytest.raises(ValueError, match='embed_dims=300'):
        MODELS.build(
            dict(type='SemanticDecouplingNeck',
                 in_channels=16,
                 embedding_file=files[4]['embedding_file']))


def test_bad_files_are_rejected_by_the_label_readers(tmp_path, files):
    bad = tmp_path / 'nan.npz'
    emb = np.load(files[4]['embedding_file'])['embeddings'].copy()
    emb[1, 2] = np.nan
    np.savez(bad, embeddings=emb)
    with pytest.raises(ValueError, match='NaN'):
        MODELS.build(ssgrl(4, str(bad), files[4]['graph_file']))
    with pytest.raises(FileNotFoundError, match='missing.npz'):
        MODELS.build(ssgrl(4, files[4]['embedding_file'], str(tmp_path / 'missing.npz')))
    with pytest.raises(ValueError, match='needs graph_file'):
        MODELS.build(dict(type='GraphInteractionHead', num_classes=4, in_channels=16))
    with pytest.raises(ValueError, match='reset_gate'):
        MODELS.build(
            ssgrl(4, files[4]['embedding_file'], files[4]['graph_file'], reset_gate='bogus'))


def test_neck_head_mismatch_at_forward_is_explained(files):
    import torch
    neck = MODELS.build(
        dict(type='SemanticDecouplingNeck',
             in_channels=16,
             embed_dims=8,
             inter_channels=8,
             embedding_file=files[4]['embedding_file']))
    head = MODELS.build(
        dict(type='GraphInteractionHead',
             num_classes=5,
             in_channels=16,
             out_channels=8,
             graph_file=files[5]['graph_file']))
    with pytest.raises(ValueError, match=r'expects \(B, 5, 16\)'):
        head(neck((torch.randn(1, 16, 4, 4), )))
