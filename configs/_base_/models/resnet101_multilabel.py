# ResNet-101 baseline: global average pooling + one 2048 -> C linear layer (COCO's 80 classes).
model = dict(
    type='ImageClassifier',
    backbone=dict(type='ResNet',
                  depth=101,
                  num_stages=4,
                  out_indices=(3, ),
                  frozen_stages=3,
                  style='pytorch',
                  init_cfg=dict(
                      type='Pretrained',
                      checkpoint='https://download.openmmlab.com/mmclassification/v0/resnet/'
                      'resnet101_8xb32_in1k_20210831-539c63f8.pth',
                      prefix='backbone')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(
        # mmpretrain's MultiLabelLinearClsHead (same `fc`, its checkpoints load) with float64
        # scores that keep the ranking of the logits (mmml_plugin/models/heads/multi_label_head.py)
        type='MultiLabelLinearHead',
        num_classes=80,
        in_channels=2048,
        # mmpretrain averages the BCE over images only; 1/C makes it the mean over
        # images x classes, as BCEWithLogitsLoss and the SSGRL heads.
        loss=dict(type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1 / 80)))
