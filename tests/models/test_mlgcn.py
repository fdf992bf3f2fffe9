"""MLGCNHead against a paper-literal ML-GCN (mmml_plugin/models/reference/mlgcn_reference.py)
on ML-GCN's real COCO label files (../shared/data), and the official-checkpoint converter."""
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from mmml_plugin.datasets.class_names import COCO_CLASSES
from mmml_plugin.models.converters import convert_official_mlgcn
from mmml_plugin.models.heads import MLGCNHead
from mmml_plugin.models.layers.graph_convolution import normalize_adjacency
from mmml_plugin.models.layers.label_correlation import mlgcn_correlation
from mmml_plugin.models.reference import LiteralMLGCN, literal_gen_a
from mmml_plugin.utils import safe_load_pickle
from mmml_plugin.utils.label_files import import_embeddings, import_ml_gcn_adj, import_ssgrl_prob

ALPHABETICAL = sorted(COCO_CLASSES)  # ML-GCN's COCO order (coco.py:66)


@pytest.fixture(scope='module')
def coco(shared_data_dir, tmp_path_factory):
    """ML-GCN's COCO files imported twice: in their alphabetical order and in category-id order."""
    folder = tmp_path_factory.mktemp('mlgcn')
    raw = safe_load_pickle(str(shared_data_dir / 'coco_adj.pkl'))
    files = dict(adj=np.asarray(raw['adj']), nums=np.asarray(raw['nums']))
    for name, classes in (('alpha', ALPHABETICAL), ('coco', list(COCO_CLASSES))):
        graph, emb = str(folder / f'graph_{name}.npz'), str(folder / f'emb_{name}.npz')
        import_ml_gcn_adj(str(shared_data_dir / 'coco_adj.pkl'), ALPHABETICAL, graph, classes)
        import_embeddings(str(shared_data_dir / 'coco_glove_word2vec.pkl'), ALPHABETICAL, classes,
                          emb)
        files[name] = dict(graph_file=graph, embedding_file=emb, classes=classes)
    files['embeddings'] = torch.from_numpy(np.load(files['alpha']['embedding_file'])['embeddings'])
    return files


def test_correlation_is_official_gen_a(coco):
    head = MLGCNHead(80, **coco['alpha'], in_channels=16, hidden_channels=8)
    expected = literal_gen_a(coco['adj'].astype(np.float64), coco['nums'].astype(np.float64), 0.4)
    np.testing.assert_allclose(head.correlation.numpy(), expected, rtol=0, atol=1e-7)
    off_diagonal = head.correlation.numpy()[~np.eye(80, dtype=bool)]
    assert 0 < (off_diagonal > 0).sum() < 80 * 79  # thresholding kept some edges, not all
    # columns re-weighted to p = 0.25 wherever a column has an edge
    sums = head.correlation.numpy().sum(0) - 1
    np.testing.assert_allclose(sums[sums > 0], 0.25, atol=1e-5)


def test_normalized_adjacency_uses_the_transpose():
    a = torch.tensor([[1., 0.5], [0., 1.]])
    d = a.sum(1).pow(-0.5)
    expected = torch.diag(d) @ a.t() @ torch.diag(d)
    assert torch.allclose(normalize_adjacency(a), expected)
    assert not torch.allclose(normalize_adjacency(a), torch.diag(d) @ a @ torch.diag(d))


@pytest.mark.parametrize('train', [True, False])
def test_head_matches_literal_outputs_and_gradients(coco, train):
    torch.manual_seed(0)
    d, hidden = 24, 16
    ref = LiteralMLGCN(coco['adj'], coco['nums'], coco['embeddings'], hidden=hidden,
                       out_channels=d).double()
    head = MLGCNHead(80, **coco['alpha'], in_channels=d, hidden_channels=hidden)
    head.gc1.weight.data.copy_(ref.gc1.weight.data)
    head.gc2.weight.data.copy_(ref.gc2.weight.data)
    head = head.double().train(train)
    ref.train(train)
    x = torch.randn(3, d, 5, 6, dtype=torch.float64)
    outs, grads = [], []
    for model in (ref, head):
        xi = x.clone().requires_grad_()
        logits = model((xi, )) if model is head else model(xi)
        (logits * torch.linspace(-1, 1, 80, dtype=torch.float64)).sum().backward()
        outs.append(logits.detach())
        grads.append([xi.grad, model.gc1.weight.grad, model.gc2.weight.grad])
    assert outs[0].shape == (3, 80)
    torch.testing.assert_close(outs[1], outs[0], rtol=1e-10, atol=1e-10)
    for ours, theirs in zip(grads[1], grads[0]):
        assert ours.abs().sum() > 0
        torch.testing.assert_close(ours, theirs, rtol=1e-10, atol=1e-10)
    assert head.correlation.grad is None  # the graph is fixed


def test_loss_is_multilabel_soft_margin(coco):
    torch.manual_seed(0)
    head = MLGCNHead(80, **coco['alpha'], in_channels=16, hidden_channels=8)
    feats = (torch.randn(4, 16, 3, 3), )
    targets = (torch.rand(4, 80) < 0.1).float()
    samples = [DataSample().set_gt_score(t) for t in targets]
    loss = head.loss(feats, samples)['loss']
    expected = nn.MultiLabelSoftMarginLoss()(head(feats), targets)  # demo_coco_gcn.py:54
    torch.testing.assert_close(loss, expected)


def test_label_file_errors(coco, tmp_path, shared_data_dir):
    # a graph imported from probabilities has no counts: ML-GCN cannot be built from it
    prob = tmp_path / 'prob.npy'
    np.save(prob, np.eye(80, dtype=np.float32) * 0 + 0.1)
    no_counts = str(tmp_path / 'no_counts.npz')
    import_ssgrl_prob(str(prob), ALPHABETICAL, no_counts)
    with pytest.raises(ValueError, match=r'no_counts\.npz.*counts.*build_label_graph\.py'):
        MLGCNHead(80, coco['alpha']['embedding_file'], no_counts, classes=ALPHABETICAL)
    with pytest.raises(ValueError, match='embed_dims'):
        MLGCNHead(80, **coco['alpha'], embed_dims=50)
    with pytest.raises(ValueError, match='different order'):
        MLGCNHead(80,
                  coco['alpha']['embedding_file'],
                  coco['alpha']['graph_file'],
                  classes=list(COCO_CLASSES))
    with pytest.raises(ValueError, match='graph_file'):
        MLGCNHead(80, coco['alpha']['embedding_file'])
    head = MLGCNHead(80, **coco['alpha'], in_channels=16, hidden_channels=8)
    with pytest.raises(ValueError, match='in_channels'):
        head((torch.randn(1, 8, 2, 2), ))


def _official_state_dict(ref):
    """The literal model's state dict has the official names (features.N.*, gc1/gc2, A)."""
    sd = ref.state_dict()
    assert {
        'features.0.weight', 'features.1.running_var', 'features.4.0.conv1.weight',
        'features.7.1.bn2.bias', 'gc1.weight', 'gc2.weight', 'A'
    } <= set(sd)
    assert sd['gc1.weight'].shape == (300, 16) and sd['A'].shape == (80, 80)
    return sd


def test_converter_reproduces_the_official_model(coco):
    torchvision = pytest.importorskip('torchvision')  # installed with mmpretrain's stack
    torch.manual_seed(0)
    net = torchvision.models.resnet18()
    features = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2,
                             net.layer3, net.layer4)
    for m in features.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 1.5)
            del m._buffers['num_batches_tracked']  # torch 0.3 checkpoints have none
    ref = LiteralMLGCN(coco['adj'],
                       coco['nums'],
                       coco['embeddings'],
                       hidden=16,
                       out_channels=512,
                       features=features).eval()
    sd = {'module.' + k: v for k, v in _official_state_dict(ref).items()}  # DataParallel
    order = [ALPHABETICAL.index(c) for c in COCO_CLASSES]
    converted, dropped = convert_official_mlgcn(sd, class_order=order)
    assert dropped == []
    model = MODELS.build(
        dict(type='ImageClassifier',
             backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
             head=dict(type='MLGCNHead',
                       num_classes=80,
                       **coco['coco'],
                       in_channels=512,
                       hidden_channels=16)))
    # the head built from the category-id-ordered files has the permuted official A
    torch.testing.assert_close(model.head.correlation, converted['head.correlation'])
    model.load_state_dict(converted, strict=True)
    model.eval()
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        expected = ref(x)[:, order]
        ours = model(x)
    torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-4)


def test_converter_refuses_other_checkpoints():
    with pytest.raises(KeyError, match='ML-GCN'):
        convert_official_mlgcn({
            'resnet_101.conv1.weight': torch.zeros(1),
            'classifiers.weight': torch.zeros(1)
        })
    with pytest.raises(ValueError, match='permutation'):
        convert_official_mlgcn(
            {
                'gc1.weight': torch.zeros(3, 4),
                'gc2.weight': torch.zeros(4, 5),
                'A': torch.eye(3)
            },
            class_order=[0, 0, 1])


def test_correlation_threshold_and_empty_class():
    counts = np.array([[10, 5, 1], [5, 5, 0], [1, 0, 0]])  # class 2 never appears alone
    a = mlgcn_correlation(counts, tau=0.4, p=0.25)
    # P(1|0) = 0.5 >= 0.4 -> edge; P(2|0) = 0.1 -> none; P(0|1) = 1 -> edge; row 2: N = 0
    assert a[0, 1] == pytest.approx(0.25, abs=1e-5) and a[0, 2] == 0 and a[2, 0] == 0
    assert a[1, 0] == pytest.approx(0.25, abs=1e-5)
    np.testing.assert_array_equal(np.diag(a), 1)


def _load_tool(name):
    import importlib.util
    import os.path as osp
    path = osp.join(osp.dirname(__file__), '..', '..', 'tools', 'model_converters', name)
    spec = importlib.util.spec_from_file_location(name[:-3], path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_converter_tool_writes_a_loadable_checkpoint(coco, tmp_path):
    torchvision = pytest.importorskip('torchvision')
    net = torchvision.models.resnet18()
    features = nn.Sequential(net.conv1, net.bn1, net.relu, net.maxpool, net.layer1, net.layer2,
                             net.layer3, net.layer4)
    ref = LiteralMLGCN(coco['adj'],
                       coco['nums'],
                       coco['embeddings'],
                       hidden=16,
                       out_channels=512,
                       features=features)
    src, dst = str(tmp_path / 'coco_checkpoint.pth.tar'), str(tmp_path / 'converted.pth')
    torch.save(dict(epoch=12, state_dict=ref.state_dict(), best_score=83.0), src)  # engine.py
    _load_tool('mlgcn_official_to_mmml.py').main(
        [src, dst, '--source-order', 'alphabetical', '--classes', 'coco'])
    checkpoint = torch.load(dst, weights_only=True)
    assert checkpoint['meta'] == dict(source='coco_checkpoint.pth.tar',
                                      epoch=12,
                                      official_best_score=83.0)
    order = [ALPHABETICAL.index(c) for c in COCO_CLASSES]
    torch.testing.assert_close(checkpoint['state_dict']['head.correlation'],
                               ref.A.detach()[order][:, order])
    with pytest.raises(KeyError, match='features'):
        torch.save(dict(state_dict={'gc1.weight': torch.zeros(1)}), src)
        _load_tool('mlgcn_official_to_mmml.py').main([src, dst])
