# Query2Label (configs/_base_/models/query2label_r101.py) on mmpretrain's ImageNet ResNet-18:
# the transformer at the backbone's width (512, feed-forward 4 x 512 as 8192 / 2048).
_base_ = ['../../_base_/models/query2label_r101.py']
model = dict(backbone=dict(depth=18,
                           init_cfg=dict(checkpoint='https://download.openmmlab.com/'
                                         'mmclassification/v0/resnet/'
                                         'resnet18_8xb32_in1k_20210831-fbbb1da6.pth')),
             head=dict(in_channels=512, embed_dims=512, feedforward_channels=2048))
