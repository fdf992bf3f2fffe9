# SSGRL (configs/_base_/models/ssgrl_r101.py) on mmpretrain's ImageNet ResNet-18 (512 channels,
# a 7x7 map at 224 px, so no 2x2 pooling before the semantic decoupling). embed_dims is the
# class embeddings' size: 300 for GloVe 300d, C for one-hot embeddings.
_base_ = ['../../_base_/models/ssgrl_r101.py']
model = dict(backbone=dict(depth=18,
                           init_cfg=dict(checkpoint='https://download.openmmlab.com/'
                                         'mmclassification/v0/resnet/'
                                         'resnet18_8xb32_in1k_20210831-fbbb1da6.pth')),
             head=dict(in_channels=512,
                       embed_dims=300,
                       inter_channels=512,
                       pool=False,
                       out_channels=512))
