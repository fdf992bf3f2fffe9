# ML-GCN (configs/_base_/models/mlgcn_r101.py) on mmpretrain's ImageNet ResNet-18 (512
# channels). embed_dims is the class embeddings' size: 300 for GloVe 300d, C for one-hot.
_base_ = ['../../_base_/models/mlgcn_r101.py']
model = dict(backbone=dict(depth=18,
                           init_cfg=dict(checkpoint='https://download.openmmlab.com/'
                                         'mmclassification/v0/resnet/'
                                         'resnet18_8xb32_in1k_20210831-fbbb1da6.pth')),
             head=dict(in_channels=512, embed_dims=300, hidden_channels=512))
