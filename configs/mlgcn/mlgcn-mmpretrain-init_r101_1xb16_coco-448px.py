# mlgcn_r101_1xb16_coco-448px, initialised from mmpretrain's ImageNet ResNet-101
# (resnet101_8xb32_in1k, 77.97 top-1; the checkpoint of configs/_base_/models/
# resnet101_multilabel.py) instead of torchvision's (77.37): the only difference, and not the
# official initialisation (configs/mlgcn/README.md).
_base_ = ['./mlgcn_r101_1xb16_coco-448px.py']
model = dict(backbone=dict(init_cfg=dict(checkpoint='https://download.openmmlab.com/'
                                         'mmclassification/v0/resnet/'
                                         'resnet101_8xb32_in1k_20210831-539c63f8.pth',
                                         prefix='backbone')))
