# SSGRL (Chen et al. ICCV 2019): ResNet-101 to layer4 + SSGRLHead (semantic decoupling with a
# 2x2/s2 average pool first, 576 px -> 18x18 -> 9x9 map, then a 3-step gated graph network).
# Defaults are COCO-2014's 80 classes; the label files are built by tools/misc/.
model = dict(
    type='ImageClassifier',
    backbone=dict(
        type='ResNet',
        depth=101,
        num_stages=4,
        out_indices=(3, ),
        frozen_stages=3,  # the official code trains layer4 and the head only
        style='pytorch',
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
            'resnet101_8xb32_in1k_20210831-539c63f8.pth',
            prefix='backbone')),
    neck=None,
    head=dict(
        type='SSGRLHead',
        num_classes=80,
        embedding_file='data/coco/label_embeddings_glove.npz',
        graph_file='data/coco/label_graph_train2014.npz',
        in_channels=2048,
        embed_dims=300,
        inter_channels=1024,
        pool=True,
        out_channels=2048,
        num_steps=3,
        reset_gate='official',
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True),
        avg_over_classes=True))  # BCE averaged over images x classes, as BCEWithLogitsLoss
