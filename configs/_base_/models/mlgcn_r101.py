# ML-GCN (Chen et al., CVPR 2019; Megvii-Nanjing/ML-GCN models.py:43-96): the whole torchvision
# ResNet-101 up to layer4 (trained, BatchNorm in train mode: models.py:85-90, engine.py:222) +
# MLGCNHead (global max pooling, classifiers from a 2-layer GCN over the label graph).
# Defaults are COCO-2014's 80 classes; the label files are ML-GCN's own (configs/mlgcn/README.md).
_base_ = ['./resnet101_multilabel.py']

model = dict(
    backbone=dict(frozen_stages=-1, norm_eval=False),
    neck=None,  # the head max-pools the 14x14 map itself (models.py:57, 70-72)
    head=dict(
        _delete_=True,
        type='MLGCNHead',
        num_classes=80,
        embedding_file='data/coco/label_embeddings_mlgcn.npz',
        graph_file='data/coco/label_graph_mlgcn.npz',
        in_channels=2048,
        embed_dims=300,
        hidden_channels=1024,
        tau=0.4,  # demo_coco_gcn.py:51, demo_voc2007_gcn.py:50
        p=0.25,  # util.py:300
        # MultiLabelSoftMarginLoss (demo_coco_gcn.py:54): BCE averaged over images x classes
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
        avg_over_classes=True))
